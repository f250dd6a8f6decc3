"""Chart of accounts and dimension values: the master data every posting is checked against."""

from __future__ import annotations

import re
from dataclasses import dataclass

from erp_core.kernel.aggregate import Aggregate
from erp_core.kernel.errors import AccountClosed, UnknownAccount, ValidationError
from erp_core.kernel.money import check_currency
from erp_core.ledger.events import (
    DIMENSIONS,
    AccountOpened,
    AccountType,
    ControlRole,
    DimensionValueAdded,
)
from erp_core.ledger.events import AccountClosed as AccountClosedEvent

STREAM = "chart"
ACCOUNT_TYPES: tuple[AccountType, ...] = ("asset", "liability", "equity", "income", "expense")
# Roles whose balance is owned by a sub-ledger: journal vouchers may not post to them directly.
SUBLEDGER_ROLES: frozenset[str] = frozenset({"receivables", "payables", "inventory", "grni"})
# Roles that at most one account may hold (the system looks the account up by role).
UNIQUE_ROLES: frozenset[str] = frozenset(
    {"receivables", "payables", "inventory", "grni", "retained_earnings", "rounding"}
)
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$")


@dataclass(frozen=True)
class Account:
    code: str
    name: str
    type: AccountType
    parent: str | None
    is_group: bool
    control: ControlRole | None
    currency: str | None
    closed: bool = False

    @property
    def is_profit_and_loss(self) -> bool:
        return self.type in ("income", "expense")


class Chart(Aggregate):
    cacheable = True

    def __init__(self, stream_id: str = STREAM) -> None:
        super().__init__(stream_id)
        self.accounts: dict[str, Account] = {}
        self.dimension_values: dict[str, dict[str, str]] = {d: {} for d in DIMENSIONS}

    # -- folding ---------------------------------------------------------------------------
    def _on_opened(self, e: AccountOpened) -> None:
        self.accounts[e.code] = Account(
            e.code, e.name, e.type, e.parent, e.is_group, e.control, e.currency
        )

    def _on_closed(self, e: AccountClosedEvent) -> None:
        a = self.accounts[e.code]
        self.accounts[e.code] = Account(
            a.code, a.name, a.type, a.parent, a.is_group, a.control, a.currency, closed=True
        )

    def _on_dimension(self, e: DimensionValueAdded) -> None:
        self.dimension_values[e.dimension][e.code] = e.name

    handlers = {
        AccountOpened: _on_opened,
        AccountClosedEvent: _on_closed,
        DimensionValueAdded: _on_dimension,
    }

    # -- queries ---------------------------------------------------------------------------
    def get(self, code: str, field: str = "account") -> Account:
        account = self.accounts.get(code)
        if account is None:
            raise UnknownAccount(field, f"unknown account {code!r}")
        return account

    def by_role(self, role: str) -> Account:
        for account in self.accounts.values():
            if account.control == role and not account.closed:
                return account
        raise UnknownAccount("control", f"the chart has no open account with the role {role!r}")

    # -- checks ----------------------------------------------------------------------------
    def check_new_account(self, e: AccountOpened) -> None:
        if not CODE_RE.match(e.code):
            raise ValidationError(
                "code", f"{e.code!r} is not a valid account code (letters, digits, . _ -; 1-20)"
            )
        if e.code in self.accounts:
            raise ValidationError("code", f"account {e.code!r} already exists")
        if not e.name.strip():
            raise ValidationError("name", "the account name must not be empty")
        if e.parent is not None:
            parent = self.get(e.parent, "parent")
            if not parent.is_group:
                raise ValidationError("parent", f"account {e.parent!r} is not a group account")
            if parent.type != e.type:
                raise ValidationError(
                    "type",
                    f"an account of type {e.type} cannot sit under {e.parent!r} ({parent.type})",
                )
            if parent.closed:
                raise ValidationError("parent", f"account {e.parent!r} is closed")
        if e.is_group and e.control is not None:
            raise ValidationError("control", "a group account cannot be a control account")
        if e.control in UNIQUE_ROLES:
            holder = next((a for a in self.accounts.values() if a.control == e.control), None)
            if holder is not None and not holder.closed:
                raise ValidationError(
                    "control", f"account {holder.code!r} already has the role {e.control!r}"
                )
        if e.control == "retained_earnings" and e.type != "equity":
            raise ValidationError("type", "the retained earnings account must be equity")
        if e.currency is not None:
            try:
                check_currency(e.currency)
            except ValueError as exc:
                raise ValidationError("currency", str(exc)) from None

    def check_can_close(self, code: str) -> None:
        account = self.get(code, "code")
        if account.closed:
            raise ValidationError("code", f"account {code!r} is already closed")
        open_children = [
            a.code for a in self.accounts.values() if a.parent == code and not a.closed
        ]
        if open_children:
            raise ValidationError(
                "code", f"account {code!r} still has open sub-accounts: {', '.join(open_children)}"
            )
        if account.control in ("retained_earnings", "rounding"):
            raise ValidationError(
                "code", f"account {code!r} holds the {account.control!r} role and cannot be closed"
            )

    def check_postable(
        self, code: str, currency: str, field: str, *, allow_subledger: bool = False
    ) -> Account:
        account = self.get(code, field)
        if account.closed:
            raise AccountClosed(field, f"account {code!r} ({account.name}) is closed")
        if account.is_group:
            raise ValidationError(
                field,
                f"account {code!r} ({account.name}) is a group account; post to a sub-account",
            )
        if account.currency is not None and account.currency != currency:
            raise ValidationError(
                field, f"account {code!r} only takes {account.currency}, not {currency}"
            )
        if not allow_subledger and account.control in SUBLEDGER_ROLES:
            raise ValidationError(
                field,
                f"account {code!r} is the {account.control} control account; "
                "it is posted only through its sub-ledger",
            )
        return account

    def check_dimensions(self, dims: dict[str, str], field: str) -> None:
        for key, value in dims.items():
            if key not in self.dimension_values:
                raise ValidationError(
                    f"{field}.{key}",
                    f"unknown dimension {key!r} (known: {', '.join(DIMENSIONS)})",
                )
            if value not in self.dimension_values[key]:
                raise ValidationError(
                    f"{field}.{key}", f"unknown {key.replace('_', ' ')} {value!r}"
                )

    def check_new_dimension_value(self, dimension: str, code: str, name: str) -> None:
        if dimension not in self.dimension_values:
            raise ValidationError(
                "dimension", f"unknown dimension {dimension!r} (known: {', '.join(DIMENSIONS)})"
            )
        if not CODE_RE.match(code):
            raise ValidationError("code", f"{code!r} is not a valid code")
        if code in self.dimension_values[dimension]:
            raise ValidationError("code", f"{dimension} {code!r} already exists")
        if not name.strip():
            raise ValidationError("name", "the name must not be empty")


# The standard chart every new company starts with: (code, name, type, parent, group, control).
STANDARD_CHART: tuple[tuple[str, str, AccountType, str | None, bool, ControlRole | None], ...] = (
    ("1000", "Assets", "asset", None, True, None),
    ("1100", "Current assets", "asset", "1000", True, None),
    ("1110", "Cash", "asset", "1100", False, None),
    ("1120", "Bank", "asset", "1100", False, None),
    ("1200", "Accounts receivable", "asset", "1100", False, "receivables"),
    ("1300", "Inventory", "asset", "1100", False, "inventory"),
    ("1400", "Input tax", "asset", "1100", False, "tax"),
    ("1500", "Prepayments", "asset", "1100", False, None),
    ("1600", "Fixed assets", "asset", "1000", True, None),
    ("1610", "Equipment", "asset", "1600", False, None),
    ("1690", "Accumulated depreciation", "asset", "1600", False, None),
    ("2000", "Liabilities", "liability", None, True, None),
    ("2100", "Accounts payable", "liability", "2000", False, "payables"),
    ("2150", "Goods received not invoiced", "liability", "2000", False, "grni"),
    ("2200", "Output tax", "liability", "2000", False, "tax"),
    ("2300", "Accrued liabilities", "liability", "2000", False, None),
    ("2400", "Payroll liabilities", "liability", "2000", False, None),
    ("2500", "Loans", "liability", "2000", False, None),
    ("3000", "Equity", "equity", None, True, None),
    ("3100", "Share capital", "equity", "3000", False, None),
    ("3200", "Retained earnings", "equity", "3000", False, "retained_earnings"),
    ("4000", "Income", "income", None, True, None),
    ("4100", "Sales revenue", "income", "4000", False, None),
    ("4200", "Service revenue", "income", "4000", False, None),
    ("4900", "Other income", "income", "4000", False, None),
    ("5000", "Cost of sales", "expense", None, True, None),
    ("5100", "Cost of goods sold", "expense", "5000", False, None),
    ("5200", "Purchase price variance", "expense", "5000", False, None),
    ("5300", "Inventory gains and losses", "expense", "5000", False, None),
    ("6000", "Operating expenses", "expense", None, True, None),
    ("6100", "Salaries and wages", "expense", "6000", False, None),
    ("6200", "Rent", "expense", "6000", False, None),
    ("6300", "Utilities", "expense", "6000", False, None),
    ("6400", "Office supplies", "expense", "6000", False, None),
    ("6500", "Depreciation", "expense", "6000", False, None),
    ("6600", "Bank charges", "expense", "6000", False, None),
    ("6700", "Travel", "expense", "6000", False, None),
    ("6800", "Exchange gains and losses", "expense", "6000", False, None),
    ("6900", "Rounding differences", "expense", "6000", False, "rounding"),
)
