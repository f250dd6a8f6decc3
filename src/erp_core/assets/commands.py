"""Actions of fixed assets: categories, capitalisation, depreciation runs, changes in estimate,
impairments, cost adjustments, usage, disposals; and the cash-flow tags of accounts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from erp_core.kernel.commands import Action, Code, Name, Text, month_text
from erp_core.kernel.money import Dec

MethodName = Literal[
    "straight_line",
    "declining_balance",
    "double_declining_balance",
    "sum_of_years_digits",
    "units_of_production",
]
ConventionName = Literal["daily_pro_rata", "full_month", "mid_month", "half_year"]
CashFlowTagName = Literal[
    "cash",
    "operating_working_capital",
    "investing",
    "financing",
    "non_cash_expense",
    "non_cash_financing",
    "disposal_gain_loss",
    "profit",
]
Month = Annotated[str, AfterValidator(month_text)]


class DefineAssetCategory(Action):
    """A class of assets: its accounts and the default depreciation terms of its assets."""

    action: Literal["define_asset_category"] = "define_asset_category"
    code: Code
    name: Name
    cost_account: str
    accumulated_depreciation_account: str
    depreciation_expense_account: str
    gain_account: str
    loss_account: str
    impairment_loss_account: str
    accumulated_impairment_account: str
    method: MethodName = "straight_line"
    useful_life_months: int
    residual_rate: Dec = Decimal(0)  # residual value as a fraction of cost (0.1 = 10%)
    convention: ConventionName = "full_month"
    factor: Dec | None = None  # declining balance (2 = double-declining)
    switch_to_straight_line: bool = False


RunLines = Literal["asset", "category_cost_centre"]
LineNumber = Annotated[int, Field(ge=1)]


class ConfigureAssets(Action):
    """Settings of fixed assets: a depreciation run's voucher has a line pair per asset
    (`asset`, the default) or per category and cost centre (`category_cost_centre`)."""

    action: Literal["configure_assets"] = "configure_assets"
    run_lines: RunLines = "asset"


class CapitaliseAsset(Action):
    """Register an asset, from one of three sources:

    * a journal: Dr the category's cost account / Cr `credit_account` (bank, AP clearing,
      opening balances) for `cost`;
    * a supplier invoice's account line (`supplier_invoice`, `invoice_line`): its cost (default:
      what of the line is not capitalised yet) moves from the line's account (an asset-clearing
      account: Dr cost / Cr clearing), or, when the line was posted to the cost account itself,
      the asset is registered on it with no further voucher;
    * an asset under construction (`construction`): Dr cost / Cr the construction's account for
      `cost` (default: all it has collected and not yet capitalised).

    With `opening_accumulated` and `opening_month` an existing asset is imported with its
    depreciation to date."""

    action: Literal["capitalise_asset"] = "capitalise_asset"
    category: Code
    name: Name
    date: dt.date
    available_for_use: dt.date
    cost: Dec | None = None
    credit_account: str | None = None
    supplier_invoice: Code | None = None
    invoice_line: LineNumber | None = None  # 1 = the invoice's first account line
    construction: Code | None = None
    residual_value: Dec | None = None  # default: the category's residual rate x cost
    useful_life_months: int | None = None
    method: MethodName | None = None
    convention: ConventionName | None = None
    factor: Dec | None = None
    switch_to_straight_line: bool | None = None
    total_units: Dec | None = None  # units of production: units over the whole life
    opening_accumulated: Dec | None = None
    opening_month: Month | None = None
    cost_centre: Code | None = None
    memo: Text | None = None


class DepreciateAssets(Action):
    """Post the depreciation of every asset through `month` (missed months first, in order)."""

    action: Literal["depreciate_assets"] = "depreciate_assets"
    month: Month


class ReverseDepreciationRun(Action):
    """Reverse the depreciation run of `month` (the latest month run): one voucher reversing the
    run's vouchers, dated `date` (default: the run's last voucher date); the month may then be
    run again."""

    action: Literal["reverse_depreciation_run"] = "reverse_depreciation_run"
    month: Month
    reason: Text
    date: dt.date | None = None


class ChangeAssetEstimate(Action):
    """A change in estimate from `effective`: new total life, residual value and/or method."""

    action: Literal["change_asset_estimate"] = "change_asset_estimate"
    asset: Code
    effective: dt.date
    useful_life_months: int | None = None
    residual_value: Dec | None = None
    method: MethodName | None = None
    factor: Dec | None = None
    switch_to_straight_line: bool = False
    total_units: Dec | None = None
    reason: Text | None = None


class ImpairAsset(Action):
    """Dr impairment loss / Cr accumulated impairment; later depreciation on the reduced
    carrying amount."""

    action: Literal["impair_asset"] = "impair_asset"
    asset: Code
    date: dt.date
    amount: Dec
    reason: Text | None = None


class AdjustAssetCost(Action):
    """A capitalised cost (addition, repair: > 0) or a cost reduction (< 0), spread over the
    remaining life: Dr/Cr cost against `account`; or from a supplier invoice's account line
    (`supplier_invoice`, `invoice_line`: a later invoice adds cost, a credit line reduces it)."""

    action: Literal["adjust_asset_cost"] = "adjust_asset_cost"
    asset: Code
    date: dt.date
    amount: Dec | None = None
    account: str | None = None
    supplier_invoice: Code | None = None
    invoice_line: LineNumber | None = None
    memo: Text | None = None


class OpenConstruction(Action):
    """Open an asset under construction: costs are collected on `account` (an asset account
    kept for assets under construction) until they are capitalised into assets."""

    action: Literal["open_construction"] = "open_construction"
    code: Code
    name: Name
    account: str
    date: dt.date
    cost_centre: Code | None = None


class AddConstructionCost(Action):
    """Collect a cost on an asset under construction: by a journal (Dr its account /
    Cr `credit_account` for `amount`) or from a supplier invoice's account line
    (`supplier_invoice`, `invoice_line`; `amount` defaults to what of the line is unused)."""

    action: Literal["add_construction_cost"] = "add_construction_cost"
    construction: Code
    date: dt.date
    amount: Dec | None = None
    credit_account: str | None = None
    supplier_invoice: Code | None = None
    invoice_line: LineNumber | None = None
    memo: Text | None = None


class RecordAssetUsage(Action):
    """Units produced in a month by a units-of-production asset."""

    action: Literal["record_asset_usage"] = "record_asset_usage"
    asset: Code
    month: Month
    units: Dec


class DisposeAsset(Action):
    """Sale or scrap: catch-up depreciation to `date`, then remove cost and accumulated
    depreciation and book the proceeds and the gain or loss."""

    action: Literal["dispose_asset"] = "dispose_asset"
    asset: Code
    date: dt.date
    proceeds: Dec = Decimal(0)
    proceeds_account: str | None = None  # bank or receivable; required when proceeds > 0
    memo: Text | None = None


class TagCashFlowAccount(Action):
    """Classify an account for the cash-flow statement (overrides the default)."""

    action: Literal["tag_cash_flow_account"] = "tag_cash_flow_account"
    account: str
    tag: CashFlowTagName


__all__ = [
    "AddConstructionCost",
    "AdjustAssetCost",
    "CapitaliseAsset",
    "ChangeAssetEstimate",
    "ConfigureAssets",
    "DefineAssetCategory",
    "DepreciateAssets",
    "DisposeAsset",
    "ImpairAsset",
    "OpenConstruction",
    "RecordAssetUsage",
    "ReverseDepreciationRun",
    "TagCashFlowAccount",
]
