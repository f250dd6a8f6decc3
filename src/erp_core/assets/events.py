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
