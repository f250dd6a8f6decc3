"""Events of fixed assets and of the cash-flow classification of accounts.

An asset's stream (``asset:FA-000001``) holds its whole life: capitalisation with the terms and
accounts it was registered with, changes in estimate, impairments, cost adjustments, usage,
each month's depreciation and the disposal. The register (``assets:register``) issues the
gapless numbers and lists the assets a depreciation run walks.
"""

from __future__ import annotations

import datetime as dt

from erp_core.kernel.events import DomainEvent
from erp_core.kernel.money import Dec
from erp_core.ledger.events import VOUCHER_KINDS

VOUCHER_KINDS.register(
    "asset_capitalise",
    "depreciation",
    "impairment",
    "asset_adjustment",
    "asset_disposal",
    "depreciation_reversal",
    "construction",
)


class AssetCategoryDefined(DomainEvent):
    code: str
    name: str
    cost_account: str
    accumulated_depreciation_account: str
    depreciation_expense_account: str
    gain_account: str
    loss_account: str
    impairment_loss_account: str
    accumulated_impairment_account: str
    method: str
    useful_life_months: int
    residual_rate: Dec
    convention: str
    factor: Dec | None = None
    switch_to_straight_line: bool = False


class AssetNumberIssued(DomainEvent):
    """On the register: the next asset number was given to a new asset."""

    number: str


class AssetCapitalised(DomainEvent):
    number: str
    name: str
    category: str
    date: dt.date
    available_for_use: dt.date
    cost: Dec
    residual_value: Dec
    useful_life_months: int
    method: str
    convention: str
    factor: Dec | None = None
    switch_to_straight_line: bool = False
    total_units: Dec | None = None
    opening_accumulated: Dec | None = None
    opening_month: str | None = None
    fiscal_year_start_month: int = 1
    credit_account: str
    cost_account: str
    accumulated_depreciation_account: str
    depreciation_expense_account: str
    gain_account: str
    loss_account: str
    impairment_loss_account: str
    accumulated_impairment_account: str
    cost_centre: str | None = None
    document: str
    # Where the cost came from (optional: payloads stored before read as journals).
    supplier_invoice: str | None = None
    invoice_line: int | None = None
    construction: str | None = None


class AssetEstimateChanged(DomainEvent):
    effective: dt.date
    useful_life_months: int | None = None
    residual_value: Dec | None = None
    method: str | None = None
    factor: Dec | None = None
    switch_to_straight_line: bool = False
    total_units: Dec | None = None
    reason: str | None = None


class AssetImpaired(DomainEvent):
    date: dt.date
    amount: Dec
    document: str
    reason: str | None = None


class AssetCostAdjusted(DomainEvent):
    date: dt.date
    amount: Dec
    account: str
    document: str
    supplier_invoice: str | None = None
    invoice_line: int | None = None


class AssetUsageRecorded(DomainEvent):
    month: str
    units: Dec


class AssetDepreciated(DomainEvent):
    """Depreciation posted for one month (`month`), or the catch-up to a disposal."""

    month: str
    date: dt.date
    amount: Dec
    document: str
    run: str | None = None  # the month of the run that posted it (None: a disposal catch-up)


class AssetDepreciationReversed(DomainEvent):
    """The asset's depreciation posted by the run of `run` was reversed: `months` and `amount`
    come off; `documents` are the run's vouchers, `document` the reversal voucher."""

    run: str
    months: tuple[str, ...]
    amount: Dec
    date: dt.date
    documents: tuple[str, ...]
    document: str


class AssetDisposed(DomainEvent):
    date: dt.date
    proceeds: Dec
    proceeds_account: str | None = None
    cost: Dec
    accumulated_depreciation: Dec
    accumulated_impairment: Dec
    gain: Dec
    loss: Dec
    document: str


class DepreciationRun(DomainEvent):
    """On the register: a run through `month`, with the vouchers it posted (one per month)."""

    month: str
    documents: tuple[str, ...]
    assets: int


class DepreciationRunReversed(DomainEvent):
    """On the register: the run of `month` (its `documents`) was reversed by `document`."""

    month: str
    date: dt.date
    reason: str
    documents: tuple[str, ...]
    document: str
    assets: int


class CashFlowAccountTagged(DomainEvent):
    account: str
    tag: str


class AssetsConfigured(DomainEvent):
    """Settings of fixed assets: how a depreciation run's voucher is itemised
    (`asset`: a line pair per asset; `category_cost_centre`: per category and cost centre)."""

    run_lines: str


class InvoiceLineCapitalised(DomainEvent):
    """On ``asset-source:<invoice>/<line>``: `amount` (base currency) of a supplier invoice's
    account line went to `target` (an asset, or a construction) by `document`."""

    invoice: str
    line: int
    target: str
    amount: Dec
    document: str | None = None


class ConstructionOpened(DomainEvent):
    """An asset under construction (``construction:<code>``) collecting costs on `account`."""

    code: str
    name: str
    account: str
    date: dt.date
    cost_centre: str | None = None


class ConstructionCostAdded(DomainEvent):
    """A cost collected on the construction: by a journal (Dr AUC / Cr `credit_account`) or
    from a supplier invoice's account line (`invoice`, `line`)."""

    date: dt.date
    amount: Dec
    credit_account: str | None = None
    invoice: str | None = None
    line: int | None = None
    document: str | None = None
    memo: str | None = None


class ConstructionCapitalised(DomainEvent):
    """`amount` of the construction's costs became asset `asset` (Dr its cost / Cr AUC)."""

    date: dt.date
    asset: str
    amount: Dec
    document: str
