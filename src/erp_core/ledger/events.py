"""Events of the general ledger: company, chart of accounts, fiscal calendar, journal vouchers."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from erp_core.kernel.events import DomainEvent, Kinds
from erp_core.kernel.money import Dec

AccountType = Literal["asset", "liability", "equity", "income", "expense"]
ControlRole = Literal[
    "receivables", "payables", "inventory", "grni", "tax", "retained_earnings", "rounding"
]
# Kinds of journal voucher; each area registers the kinds its posting rules produce.
VOUCHER_KINDS = Kinds("voucher kind", "manual", "reversal", "closing")
VoucherKind = Annotated[str, AfterValidator(VOUCHER_KINDS.check)]
DIMENSIONS: tuple[str, ...] = ("cost_centre", "project", "department")


# --- company ------------------------------------------------------------------------------


class CompanyCreated(DomainEvent):
    name: str
    base_currency: str
    fiscal_year_start: dt.date


# --- chart of accounts and dimensions -------------------------------------------------------


class AccountOpened(DomainEvent):
    code: str
    name: str
    type: AccountType
    parent: str | None = None
    is_group: bool = False
    control: ControlRole | None = None
    currency: str | None = None


class AccountClosed(DomainEvent):
    code: str
    reason: str | None = None


class DimensionValueAdded(DomainEvent):
    dimension: str
    code: str
    name: str


# --- fiscal calendar and number series -------------------------------------------------------


class PeriodSpan(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    number: int
    start: dt.date
    end: dt.date


class FiscalYearOpened(DomainEvent):
    label: str
    start: dt.date
    end: dt.date
    periods: tuple[PeriodSpan, ...]


class NumbersIssued(DomainEvent):
    """Numbers `first..last` of a series were assigned (gapless), saved with their documents."""

    series: str
    first: int
    last: int


class PeriodClosed(DomainEvent):
    period: int


class PeriodLocked(DomainEvent):
    period: int


class PeriodReopened(DomainEvent):
    period: int
    reason: str


class FiscalYearClosed(DomainEvent):
    closing_document: str


class FiscalYearReopened(DomainEvent):
    reversal_document: str
    reason: str


# --- journal ---------------------------------------------------------------------------------


class PostedLine(BaseModel):
    """A journal line as posted: signed amounts, debit positive, credit negative."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    account: str
    currency: str
    amount: Dec
    base: Dec
    rate: Dec | None = None
    memo: str | None = None
    dimensions: dict[str, str] = Field(default_factory=dict)
    # The supplier or customer a control-account line belongs to (sub-ledger key). Added after
    # the first release as an optional field: old payloads read as party=None, no upcast needed.
    party: str | None = None


class VoucherPosted(DomainEvent):
    document: str
    kind: VoucherKind
    date: dt.date
    fiscal_year: str
    period: int
    memo: str | None = None
    reverses: str | None = None
    lines: tuple[PostedLine, ...]


class VoucherReversed(DomainEvent):
    by_document: str
    date: dt.date


# --- posting settings --------------------------------------------------------------------------
# Accounts that posting rules of several areas read (stock adjustments, price variances, input
# tax). The event keeps the name it was first stored under.


class ProcurementConfigured(DomainEvent):
    approval_threshold: Dec
    over_receipt_tolerance: Dec  # a fraction: 0.05 allows receiving 5% more than ordered
    price_variance_account: str = "5200"
    adjustment_account: str = "5300"  # stock count differences and cost revaluations
    input_tax_account: str = "1400"
