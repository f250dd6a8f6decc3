"""Actions of the general ledger: chart, dimensions, fiscal calendar, journal vouchers."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from erp_core.kernel.commands import (
    MAX_LINES,
    Action,
    Name,
    Reason,
    Text,
    currency_code,
    month_text,
)
from erp_core.kernel.money import Dec
from erp_core.ledger.events import AccountType, ControlRole

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

    _check_currency = field_validator("currency")(currency_code)


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

    _check_currency = field_validator("currency")(currency_code)

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

    _check_month = field_validator("period")(month_text)


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
