"""Report models: what the library returns and the CLI prints (table, JSON or CSV).

Reports are derived from projections and never stored as truth. Amounts are Decimals in the
base currency, serialised as strings.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, computed_field

from erp_core.kernel.money import ReportDec as Dec  # figures of any size (totals, balances)


class _Report(BaseModel):
    model_config = ConfigDict(frozen=True)


class TrialBalanceRow(_Report):
    account: str
    name: str
    type: str
    currency: str
    debit: Dec
    credit: Dec
    amount: Dec  # in `currency` (transaction currency); equals the base amount for base lines


class TrialBalance(_Report):
    company: str
    currency: str
    as_of: dt.date | None
    as_known_at: int | None = None
    rows: list[TrialBalanceRow]
    total_debit: Dec
    total_credit: Dec

    @computed_field  # type: ignore[prop-decorator]
    @property
    def balanced(self) -> bool:
        return self.total_debit == self.total_credit


class StatementLine(_Report):
    account: str
    name: str
    depth: int
    is_group: bool
    amount: Dec


class StatementSection(_Report):
    title: str
    lines: list[StatementLine]
    total: Dec


class BalanceSheet(_Report):
    company: str
    currency: str
    as_of: dt.date
    assets: StatementSection
    liabilities: StatementSection
    equity: StatementSection
    current_earnings: Dec
    total_liabilities_and_equity: Dec
    as_known_at: int | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def balanced(self) -> bool:
        return self.assets.total == self.total_liabilities_and_equity


class IncomeStatement(_Report):
    company: str
    currency: str
    date_from: dt.date
    date_to: dt.date
    income: StatementSection
    expenses: StatementSection
    net_profit: Dec
    as_known_at: int | None = None


class ProjectionStatus(_Report):
    name: str
    position: int
    head: int
    lag: int


class TrailEntry(_Report):
    """One stored event of a document or aggregate, as an auditor reads it."""

    position: int
    stream: str
    version: int
    recorded_at: str
    actor: str
    event: str
    details: dict[str, object]


class LedgerLine(_Report):
    position: int
    document: str
    line_no: int
    date: dt.date
    kind: str
    account: str
    currency: str
    amount: Dec
    base: Dec
    rate: Dec | None
    memo: str | None
    cost_centre: str | None
    project: str | None
    department: str | None
    actor: str
    recorded_at: str  # when the voucher was stored (UTC, ISO 8601)
    voucher_memo: str | None = None
    party: str | None = None  # the supplier or customer of a control-account line


# --- inventory and procurement ---------------------------------------------------------------


class StockLedgerRow(_Report):
    position: int
    date: dt.date
    document: str
    line: int
    item: str
    warehouse: str
    batch: str | None
    kind: str
    quantity: Dec
    value: Dec
    running_quantity: Dec  # of the bin (item x warehouse), in date then log order
    running_value: Dec
    reference: str | None = None
    running_batch_quantity: Dec | None = None  # of the row's batch within the bin


class StockBalanceRow(_Report):
    item: str
    warehouse: str
    batch: str | None
    quantity: Dec
    value: Dec


class StockBalance(_Report):
    as_of: dt.date
    currency: str
    rows: list[StockBalanceRow]
    total_value: Dec


class OpenOrderLine(_Report):
    document: str
    supplier: str
    date: dt.date
    expected_delivery: dt.date
    status: str
    line: int
    item: str
    ordered: Dec
    received: Dec
    rejected: Dec
    invoiced: Dec
    open_quantity: Dec
    received_not_invoiced: Dec  # value still in GRNI for this line


class AgingRow(_Report):
    supplier: str
    name: str
    not_due: Dec
    days_1_30: Dec
    days_31_60: Dec
    days_61_90: Dec
    over_90: Dec
    unallocated_payments: Dec  # paid but not yet allocated to an invoice (a credit)
    balance: Dec  # what is owed: open invoices less unallocated payments


class PayablesAging(_Report):
    as_of: dt.date
    currency: str
    rows: list[AgingRow]
    total: Dec


class SupplierLedgerRow(_Report):
    date: dt.date
    document: str
    kind: str
    memo: str | None
    amount: Dec  # positive: we owe more (invoice), negative: we paid
    balance: Dec


class CheckResult(_Report):
    name: str
    ok: bool
    expected: Dec
    actual: Dec
    message: str


# --- sales -----------------------------------------------------------------------------------


class CustomerAgingRow(_Report):
    customer: str
    name: str
    not_due: Dec
    days_1_30: Dec
    days_31_60: Dec
    days_61_90: Dec
    over_90: Dec
    unallocated_credits: Dec  # receipts and credit notes not yet allocated to an invoice
    balance: Dec  # open invoices less unallocated credits


class ReceivablesAging(_Report):
    as_of: dt.date
    currency: str
    rows: list[CustomerAgingRow]
    total: Dec


class CustomerLedgerRow(_Report):
    date: dt.date
    document: str
    kind: str
    memo: str | None
    amount: Dec  # positive: the customer owes more (invoice)
    balance: Dec


class SalesOpenLine(_Report):
    document: str
    customer: str
    date: dt.date
    delivery_date: dt.date
    status: str
    line: int
    item: str
    ordered: Dec
    delivered: Dec
    invoiced: Dec
    to_deliver: Dec
    delivered_not_invoiced: Dec


class MarginRow(_Report):
    key: str
    revenue: Dec
    cost: Dec
    margin: Dec
    margin_percent: Dec | None


class MarginReport(_Report):
    by: str
    date_from: dt.date
    date_to: dt.date
    currency: str
    rows: list[MarginRow]
    total: MarginRow


class ForecastPoint(_Report):
    month: str  # YYYY-MM
    quantity: Dec


class ForecastReport(_Report):
    item: str
    method: str
    alpha: Dec
    beta: Dec
    history: list[ForecastPoint]
    forecast: list[ForecastPoint]
    holdout_months: int
    backtest: list[ForecastPoint]
    mape_percent: Dec | None
