"""The ledger projection: company, chart, periods, vouchers and general-ledger lines.

Handlers read event payloads as plain dicts (see `erp_core.events.decode_data`): amounts are
decimal strings, dates ISO strings, exactly as stored.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from erp_core.projections.engine import Projection, Record, insert_rows
from erp_core.projections.schema import (
    accounts,
    company_info,
    dimension_values,
    fiscal_periods,
    gl_lines,
    vouchers,
)
from sqlalchemy import Connection, Table, update


class _Batch:
    """Buffers inserts per table; flushes before any update so updates see their rows."""

    def __init__(self, conn: Connection, base_currency: str) -> None:
        self.conn = conn
        self.base = base_currency
        self.inserts: dict[Table, list[tuple[Any, ...]]] = {}

    def insert(self, table: Table, *rows: tuple[Any, ...]) -> None:
        self.inserts.setdefault(table, []).extend(rows)

    def update(self, table: Table, where: Any, **values: Any) -> None:
        self.flush()
        self.conn.execute(update(table).where(where).values(**values))

    def flush(self) -> None:
        for table, rows in self.inserts.items():
            insert_rows(self.conn, table, rows)
        self.inserts = {}


Event = dict[str, Any]
Handler = Callable[[_Batch, int, str, Event], None]


class LedgerProjection:
    name = "ledger"
    tables: Sequence[Table] = (
        company_info,
        accounts,
        dimension_values,
        fiscal_periods,
        vouchers,
        gl_lines,
    )

    def __init__(self) -> None:
        self.event_names = frozenset(HANDLERS)

    def apply(self, conn: Connection, records: Sequence[Record], base_currency: str) -> None:
        batch = _Batch(conn, base_currency)
        for position, stream, name, data in records:
            HANDLERS[name](batch, position, stream, data)
        batch.flush()


def _company(b: _Batch, _pos: int, _stream: str, e: Event) -> None:
    b.base = e["base_currency"]
    b.insert(company_info, (1, e["name"], e["base_currency"], e["fiscal_year_start"]))


def _account_opened(b: _Batch, _pos: int, _stream: str, e: Event) -> None:
    b.insert(
        accounts,
        (
            e["code"],
            e["name"],
            e["type"],
            e["parent"],
            e["is_group"],
            e["control"],
            e["currency"],
            False,
        ),
    )


def _account_closed(b: _Batch, _pos: int, _stream: str, e: Event) -> None:
    b.update(accounts, accounts.c.code == e["code"], closed=True)


def _dimension(b: _Batch, _pos: int, _stream: str, e: Event) -> None:
    b.insert(dimension_values, (e["dimension"], e["code"], e["name"]))


def _year_opened(b: _Batch, _pos: int, _stream: str, e: Event) -> None:
    b.insert(
        fiscal_periods,
        *((e["label"], p["number"], p["start"], p["end"], "open") for p in e["periods"]),
    )


def _period_status(status: str) -> Handler:
    def handler(b: _Batch, _pos: int, stream: str, e: Event) -> None:
        label = stream.removeprefix("fy:")
        b.update(
            fiscal_periods,
            (fiscal_periods.c.fiscal_year == label) & (fiscal_periods.c.period == e["period"]),
            status=status,
        )

    return handler


def _voucher_posted(b: _Batch, pos: int, _stream: str, e: Event) -> None:
    document, date, kind, actor = e["document"], e["date"], e["kind"], e["actor"]
    b.insert(
        vouchers,
        (
            document,
            kind,
            date,
            e["fiscal_year"],
            e["period"],
            e["memo"],
            e["reverses"],
            None,
            actor,
            e["recorded_at"],
            pos,
        ),
    )
    rows = []
    for i, line in enumerate(e["lines"], start=1):
        dims = line["dimensions"]
        rows.append(
            (
                document,
                i,
                pos,
                date,
                kind,
                line["account"],
                line["currency"],
                line["amount_minor"],
                line["base_minor"],
                line["rate"],
                line["memo"],
                dims.get("cost_centre"),
                dims.get("project"),
                dims.get("department"),
                actor,
                line.get("party"),
            )
        )
    b.insert(gl_lines, *rows)


def _voucher_reversed(b: _Batch, _pos: int, stream: str, e: Event) -> None:
    document = stream.removeprefix("doc:")
    b.update(vouchers, vouchers.c.document == document, reversed_by=e["by_document"])


HANDLERS: dict[str, Handler] = {
    "CompanyCreated": _company,
    "AccountOpened": _account_opened,
    "AccountClosed": _account_closed,
    "DimensionValueAdded": _dimension,
    "FiscalYearOpened": _year_opened,
    "PeriodClosed": _period_status("closed"),
    "PeriodLocked": _period_status("locked"),
    "PeriodReopened": _period_status("open"),
    "VoucherPosted": _voucher_posted,
    "VoucherReversed": _voucher_reversed,
}


def projections() -> list[Projection]:
    from erp_core.projections.balances import BalancesProjection

    return [LedgerProjection(), BalancesProjection()]
