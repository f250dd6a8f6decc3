"""Actions: the imperative commands a user or program can apply, as frozen pydantic models.

Every action has an ``action`` name (its discriminator in `erp apply` files) and an optional
``idempotency_key``: applying the same key twice stores the action once and returns the first
result; the same key with different content is refused.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator, model_validator

from erp_core.events import AccountType, ControlRole
from erp_core.money import Dec, check_currency

Name = Annotated[str, Field(min_length=1, max_length=200)]
Text = Annotated[str, Field(max_length=500)]
Reason = Annotated[str, Field(min_length=1, max_length=400)]
MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
MAX_LINES = 10_000


class Action(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)
    action: str
    idempotency_key: Annotated[str, Field(min_length=1, max_length=200)] | None = None


def _currency(value: str | None) -> str | None:
    return None if value is None else check_currency(value)


def _month(value: str) -> str:
    if not MONTH_RE.match(value):
        raise ValueError(f"{value!r} is not a month in the form YYYY-MM")
    return value


# --- set-up ----------------------------------------------------------------------------------


class OpenAccount(Action):
    """Add an account to the chart."""

    action: Literal["open_account"] = "open_account"
    code: str
    name: Name
    type: AccountType
    parent: str | None = None
    is_group: bool = False
    control: ControlRole | None = None
    currency: str | None = None

    _check_currency = field_validator("currency")(_currency)


class CloseAccount(Action):
    """Close an account: no further postings; its history and balance stay."""

    action: Literal["close_account"] = "close_account"
    code: str
    reason: Text | None = None


class AddDimensionValue(Action):
    """Register a cost centre, project or department that journal lines may carry."""

    action: Literal["add_dimension_value"] = "add_dimension_value"
    dimension: Literal["cost_centre", "project", "department"]
    code: str
    name: Name


class OpenFiscalYear(Action):
    """Open the fiscal year that starts in the given calendar year."""

    action: Literal["open_fiscal_year"] = "open_fiscal_year"
    year: Annotated[int, Field(ge=1900, le=9999)]


# --- journal ---------------------------------------------------------------------------------


class VoucherLine(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)
    account: str
    debit: Dec | None = None
    credit: Dec | None = None
    currency: str | None = None
    rate: Dec | None = None
    memo: Text | None = None
    dimensions: dict[str, str] = Field(default_factory=dict)

    _check_currency = field_validator("currency")(_currency)

    @model_validator(mode="after")
    def _one_side(self) -> VoucherLine:
        if (self.debit is None) == (self.credit is None):
            raise ValueError("give exactly one of debit or credit")
        amount = self.debit if self.debit is not None else self.credit
        assert amount is not None
        if amount <= 0:
            raise ValueError("the amount must be greater than zero")
        if self.rate is not None and self.rate <= 0:
            raise ValueError("rate: must be greater than zero")
        return self

    @property
    def signed_amount(self) -> Any:
        return self.debit if self.debit is not None else -self.credit  # type: ignore[operator]


class PostVoucher(Action):
    """Post a balanced journal voucher."""

    action: Literal["post_voucher"] = "post_voucher"
    date: dt.date
    memo: Text | None = None
    lines: Annotated[list[VoucherLine], Field(min_length=2, max_length=MAX_LINES)]


class ReverseVoucher(Action):
    """Post a new voucher that reverses a posted one, dated in an open period."""

    action: Literal["reverse_voucher"] = "reverse_voucher"
    document: Annotated[str, Field(max_length=32)]
    date: dt.date
    memo: Text | None = None


# --- fiscal calendar -------------------------------------------------------------------------


class _PeriodAction(Action):
    period: str

    _check_month = field_validator("period")(_month)


class ClosePeriod(_PeriodAction):
    """Close the period that holds the month YYYY-MM: postings into it are refused."""

    action: Literal["close_period"] = "close_period"


class LockPeriod(_PeriodAction):
    """Lock a closed period for good (after audit): it can never be reopened."""

    action: Literal["lock_period"] = "lock_period"


class ReopenPeriod(_PeriodAction):
    """Reopen a closed (not locked) period; the reason is recorded."""

    action: Literal["reopen_period"] = "reopen_period"
    reason: Reason


class CloseFiscalYear(Action):
    """Year-end close: move profit and loss to retained earnings and close every period."""

    action: Literal["close_fiscal_year"] = "close_fiscal_year"
    year: Annotated[int, Field(ge=1900, le=9999)]


class ReopenFiscalYear(Action):
    """Reverse the closing entry of a year so its periods can be reopened."""

    action: Literal["reopen_fiscal_year"] = "reopen_fiscal_year"
    year: Annotated[int, Field(ge=1900, le=9999)]
    reason: Reason


ACTIONS: tuple[type[Action], ...] = (
    OpenAccount,
    CloseAccount,
    AddDimensionValue,
    OpenFiscalYear,
    PostVoucher,
    ReverseVoucher,
    ClosePeriod,
    LockPeriod,
    ReopenPeriod,
    CloseFiscalYear,
    ReopenFiscalYear,
)
ACTION_TYPES: dict[str, type[Action]] = {cls.model_fields["action"].default: cls for cls in ACTIONS}

AnyAction = Annotated[
    OpenAccount
    | CloseAccount
    | AddDimensionValue
    | OpenFiscalYear
    | PostVoucher
    | ReverseVoucher
    | ClosePeriod
    | LockPeriod
    | ReopenPeriod
    | CloseFiscalYear
    | ReopenFiscalYear,
    Field(discriminator="action"),
]
ACTION_ADAPTER: TypeAdapter[Any] = TypeAdapter(AnyAction)


class ActionResult(BaseModel):
    """What an applied action stored: its documents and log positions."""

    model_config = ConfigDict(frozen=True)
    action: str
    documents: list[str] = Field(default_factory=list)
    positions: list[int] = Field(default_factory=list)
    duplicate: bool = False
