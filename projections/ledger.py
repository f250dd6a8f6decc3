"""The ledger projection: company, chart, periods, vouchers and general-ledger lines."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Table, update

from erp_core.events import (
    AccountClosed,
    AccountOpened,
    CompanyCreated,
    DimensionValueAdded,
    DomainEvent,
    FiscalYearOpened,
    PeriodClosed,
    PeriodLocked,
    PeriodReopened,
    VoucherPosted,
    VoucherReversed,
)
from erp_core.money import to_minor
from erp_core.projections.engine import Record
from erp_core.projections.schema import (
    accounts,
    company_info,
    dimension_values,
    fiscal_periods,
    gl_lines,
    vouchers,
)


class _Batch:
    """Buffers inserts per table; flushes before any update so updates see their rows."""

    def __init__(self, conn: Connection, base_currency: str) -> None:
        self.conn = conn
        self.base = base_currency
        self.inserts: dict[Table, list[dict[str, Any]]] = {}

    def insert(self, table: Table, *rows: dict[str, Any]) -> None:
        self.inserts.setdefault(table, []).extend(rows)

    def update(self, table: Table, where: Any, **values: Any) -> None:
        self.flush()
        self.conn.execute(update(table).where(where).values(**values))

    def flush(self) -> None:
        for table, rows in self.inserts.items():
            if rows:
                self.conn.execute(table.insert(), rows)
        self.inserts = {}


Handler = Callable[[_Batch, int, str, Any], None]


class LedgerProjection:
    name = "ledger"
    tables: Sequence[Table] = (
        company_info, accounts, dimension_values, fiscal_periods, vouchers, gl_lines
    )

    def __init__(self) -> None:
        self.event_names = frozenset(cls.__name__ for cls in HANDLERS)

    def apply(self, conn: Connection, records: Sequence[Record], base_currency: str) -> None:
        batch = _Batch(conn, base_currency)
        for position, stream, event in records:
            HANDLERS[type(event)](batch, position, stream, event)
        batch.flush()


def _company(b: _Batch, _pos: int, _stream: str, e: CompanyCreated) -> None:
    b.base = e.base_currency
    b.insert(company_info, {
        "id": 1, "name": e.name, "base_currency": e.base_currency,
        "fiscal_year_start": e.fiscal_year_start,
    })


def _account_opened(b: _Batch, _pos: int, _stream: str, e: AccountOpened) -> None:
    b.insert(accounts, {
        "code": e.code, "name": e.name, "type": e.type, "parent": e.parent,
        "is_group": e.is_group, "control": e.control, "currency": e.currency, "closed": False,
    })


def _account_closed(b: _Batch, _pos: int, _stream: str, e: AccountClosed) -> None:
    b.update(accounts, accounts.c.code == e.code, closed=True)


def _dimension(b: _Batch, _pos: int, _stream: str, e: DimensionValueAdded) -> None:
    b.insert(dimension_values, {"dimension": e.dimension, "code": e.code, "name": e.name})


def _year_opened(b: _Batch, _pos: int, _stream: str, e: FiscalYearOpened) -> None:
    b.insert(fiscal_periods, *(
        {"fiscal_year": e.label, "period": p.number, "start": p.start, "end": p.end,
         "status": "open"}
        for p in e.periods
    ))


def _period_status(status: str) -> Handler:
    def handler(b: _Batch, _pos: int, stream: str, e: Any) -> None:
        label = stream.removeprefix("fy:")
        b.update(
            fiscal_periods,
            (fiscal_periods.c.fiscal_year == label) & (fiscal_periods.c.period == e.period),
            status=status,
        )
    return handler


def _voucher_posted(b: _Batch, pos: int, _stream: str, e: VoucherPosted) -> None:
    b.insert(vouchers, {
        "document": e.document, "kind": e.kind, "date": e.date, "fiscal_year": e.fiscal_year,
        "period": e.period, "memo": e.memo, "reverses": e.reverses, "reversed_by": None,
        "actor": e.actor, "recorded_at": e.recorded_at.isoformat(), "position": pos,
    })
    base = b.base
    b.insert(gl_lines, *(
        {
            "document": e.document, "line_no": i + 1, "position": pos, "date": e.date,
            "kind": e.kind, "account": line.account, "currency": line.currency,
            "amount_minor": to_minor(line.amount, line.currency),
            "base_minor": to_minor(line.base, base),
            "rate": None if line.rate is None else format(line.rate, "f"),
            "memo": line.memo,
            "cost_centre": line.dimensions.get("cost_centre"),
            "project": line.dimensions.get("project"),
            "department": line.dimensions.get("department"),
            "actor": e.actor,
        }
        for i, line in enumerate(e.lines)
    ))


def _voucher_reversed(b: _Batch, _pos: int, stream: str, e: VoucherReversed) -> None:
    document = stream.removeprefix("doc:")
    b.update(vouchers, vouchers.c.document == document, reversed_by=e.by_document)


HANDLERS: dict[type[DomainEvent], Handler] = {
    CompanyCreated: _company,
    AccountOpened: _account_opened,
    AccountClosed: _account_closed,
    DimensionValueAdded: _dimension,
    FiscalYearOpened: _year_opened,
    PeriodClosed: _period_status("closed"),
    PeriodLocked: _period_status("locked"),
    PeriodReopened: _period_status("open"),
    VoucherPosted: _voucher_posted,
    VoucherReversed: _voucher_reversed,
}
