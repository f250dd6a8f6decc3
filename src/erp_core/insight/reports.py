"""The insight area's reports: the OCEL export, the process report, conformance and KPIs.

Functions here take an :class:`~erp_core.api.Erp` (the CLI passes ``state.erp()``) or a read
connection (called through ``Erp.query``); they read the log and the projections and store
nothing.

Which time each figure uses:

- process report (cycle times, waits, bottlenecks, throughput, work in progress): the time
  basis asked for, recorded times by default; variants, rework and hand-overs use only the
  order of events on that basis;
- conformance: the order of events on the basis asked for (recorded by default: what was
  really done first); segregation of duties uses no time;
- KPIs: effective (posting) dates only, from the ledger projections.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import Connection, select

from erp_core.insight import kpi as kpis
from erp_core.insight import metrics
from erp_core.insight.mapping import CANCELLATIONS, TIME_BASES, read_log
from erp_core.insight.ocel import Log, save_ocel_json, save_ocel_sqlite
from erp_core.kernel.errors import ValidationError

if TYPE_CHECKING:
    from erp_core.api import Erp

OcelFormat = Literal["json", "sqlite"]

#: the activity after which an object of each type counts as finished
COMPLETED_BY: dict[str, frozenset[str]] = {
    "purchase_order": frozenset(
        {"allocate supplier payment", "cancel purchase order", "close purchase order"}
    ),
    "sales_order": frozenset({"allocate customer receipt", "cancel sales order"}),
}


def _window(
    date_from: dt.date | None, date_to: dt.date | None
) -> tuple[dt.datetime | None, dt.datetime | None]:
    if date_from is not None and date_to is not None and date_to < date_from:
        raise ValidationError("to", f"the end {date_to} is before the start {date_from}")
    start = None if date_from is None else dt.datetime.combine(date_from, dt.time(), dt.UTC)
    end = (
        None
        if date_to is None
        else dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(), dt.UTC)
    )
    return start, end


def load_log(
    erp: Erp,
    basis: str = "recorded",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> Log:
    """The book as an OCEL log on ``basis`` times, cut to events from ``date_from`` to
    ``date_to`` inclusive (days in UTC, on the same basis)."""
    if basis not in TIME_BASES:
        raise ValidationError("time", f"must be recorded or effective, got {basis!r}")
    start, end = _window(date_from, date_to)
    log = erp.query(read_log, basis)
    return log if start is None and end is None else log.between(start, end)


def export_ocel(
    erp: Erp,
    path: str | Path,
    fmt: str = "json",
    *,
    basis: str = "recorded",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> Log:
    """Write the book as OCEL 2.0 (``json`` or ``sqlite``) to ``path``; return the log written."""
    if fmt not in ("json", "sqlite"):
        raise ValidationError("format", f"must be json or sqlite, got {fmt!r}")
    target = Path(path)
    if not target.parent.is_dir():
        raise ValidationError("file", f"no folder {str(target.parent)!r} to write into")
    log = load_log(erp, basis, date_from, date_to)
    (save_ocel_json if fmt == "json" else save_ocel_sqlite)(log, target)
    return log


# --- process -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProcessReport:
    object_type: str
    basis: str
    cases: int
    finished: int
    cycle: metrics.CycleTimes
    arrows: tuple[metrics.Arrow, ...]
    bottlenecks: tuple[metrics.Bottleneck, ...]
    rework: metrics.Rework
    variants: tuple[metrics.Variant, ...]
    throughput: tuple[metrics.PeriodCount, ...]
    in_progress: int
    handovers: tuple[metrics.Handover, ...]


def check_object_type(log: Log, object_type: str) -> None:
    if object_type not in log.object_types:
        known = ", ".join(log.object_types) or "none (the book is empty)"
        raise ValidationError("object-type", f"unknown object type {object_type!r}; known: {known}")


def process_report(log: Log, object_type: str, basis: str = "recorded") -> ProcessReport:
    """Cycle times, waits, bottlenecks, rework, variants, throughput per week and hand-overs of
    the objects of one type. Finished: see :data:`COMPLETED_BY` (other types: every object)."""
    check_object_type(log, object_type)
    done = COMPLETED_BY.get(object_type)
    cycle = metrics.cycle_times(log, object_type, completed_by=done)
    cases = sum(1 for _, events in log.traces(object_type) if events)
    wip = metrics.work_in_progress(log, object_type, completed_by=done)
    return ProcessReport(
        object_type=object_type,
        basis=basis,
        cases=cases,
        finished=len(cycle.per_object),
        cycle=cycle,
        arrows=metrics.performance_dfg(log, object_type),
        bottlenecks=metrics.bottlenecks(log, object_type),
        rework=metrics.rework(log, object_type, cancellations=CANCELLATIONS),
        variants=metrics.variants(log, object_type),
        throughput=metrics.throughput(log, object_type, period="week", completed_by=done),
        in_progress=wip[-1][1] if wip else 0,
        handovers=metrics.handovers(log, object_type),
    )


# --- conformance -------------------------------------------------------------------------------

PAY_BEFORE_APPROVAL = metrics.PrecedenceRule(
    "approve purchase order",
    "pay supplier",
    "purchase_order",
    "payment before approval",
)
PRECEDENCE_RULES: tuple[metrics.PrecedenceRule, ...] = (
    metrics.PrecedenceRule(
        "receive goods", "post supplier invoice", "purchase_order", "invoice before receipt"
    ),
    metrics.PrecedenceRule(
        "deliver goods", "post sales invoice", "sales_order", "invoice before delivery"
    ),
    metrics.PrecedenceRule(
        "confirm sales order", "deliver goods", "sales_order", "delivery before confirmation"
    ),
)
SOD_RULES: tuple[metrics.SodRule, ...] = (
    metrics.SodRule(
        "create purchase order",
        "approve purchase order",
        "purchase_order",
        "same actor created and approved",
    ),
    metrics.SodRule(
        "create sales order",
        "approve sales credit",
        "sales_order",
        "same actor created and approved credit",
    ),
    metrics.SodRule(
        "post supplier invoice",
        "allocate supplier payment",
        "supplier_invoice",
        "same actor booked and paid",
    ),
)


def conformance(log: Log) -> tuple[metrics.Breach, ...]:
    """Every breach of the rules above. "Payment before approval" applies only to orders that
    needed approval (over the procurement threshold): money paid for the order (a payment later
    allocated to its invoice) before the approval. One breach per offending event."""
    needs = {
        o.id for o in log.objects_of_type("purchase_order") if o.value_at("needs_approval") is True
    }
    paid_early = tuple(
        b for b in metrics.check_precedence(log, [PAY_BEFORE_APPROVAL]) if b.object_id in needs
    )
    return (
        paid_early
        + metrics.check_precedence(log, PRECEDENCE_RULES)
        + metrics.check_segregation(log, SOD_RULES)
    )


# --- KPIs --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KpiReport:
    date_from: dt.date
    date_to: dt.date
    days: int
    currency: str
    revenue: Decimal
    cogs: Decimal
    gross_margin: Decimal
    gross_margin_pct: kpis.Kpi
    receivables: Decimal
    payables: Decimal
    inventory: Decimal
    working_capital: kpis.WorkingCapital

    def figures(self) -> Iterable[kpis.Kpi]:
        wc = self.working_capital
        return (self.gross_margin_pct, wc.dso, wc.dio, wc.dpo, wc.ccc)


def kpi_report(
    conn: Connection, date_from: dt.date, date_to: dt.date, cogs_account: str = "5100"
) -> KpiReport:
    """Working-capital KPIs and gross margin of a period, from the ledger (effective dates).

    revenue = income accounts over the period (the income statement's income total); COGS = the
    movement of ``cogs_account`` over the period; receivables, payables and inventory = the
    closing balances at ``date_to`` of the accounts with those control roles (payables as a
    positive amount owed); days = the days from ``date_from`` to ``date_to`` inclusive.
    gross margin = revenue - COGS; gross margin % = gross margin / revenue x 100.
    """
    from erp_core.projections import queries
    from erp_core.projections.schema import accounts

    if date_to < date_from:
        raise ValidationError("to", f"the end {date_to} is before the start {date_from}")
    statement = queries.income_statement(conn, date_from, date_to)
    revenue = statement.income.total
    cogs = sum(
        (line.amount for line in statement.expenses.lines if line.account == cogs_account),
        Decimal(0),
    )
    roles = {
        str(r.code): str(r.control)
        for r in conn.execute(select(accounts.c.code, accounts.c.control))
        if r.control in ("receivables", "payables", "inventory")
    }
    balance = dict.fromkeys(("receivables", "payables", "inventory"), Decimal(0))
    for row in queries.trial_balance(conn, date_to).rows:
        role = roles.get(row.account)
        if role is not None:
            balance[role] += row.debit - row.credit
    payables = -balance["payables"]
    days = (date_to - date_from).days + 1
    margin = revenue - cogs
    pct = kpis._ratio(
        "gross margin %",
        "(revenue - COGS) / revenue x 100",
        "%",
        margin,
        revenue,
        "revenue",
        100,
    )
    return KpiReport(
        date_from=date_from,
        date_to=date_to,
        days=days,
        currency=statement.currency,
        revenue=revenue,
        cogs=cogs,
        gross_margin=margin,
        gross_margin_pct=pct,
        receivables=balance["receivables"],
        payables=payables,
        inventory=balance["inventory"],
        working_capital=kpis.working_capital(
            receivables=balance["receivables"],
            payables=payables,
            inventory=balance["inventory"],
            revenue=revenue,
            cogs=cogs,
            days=days,
        ),
    )


def kpis_of(erp: Erp, date_from: dt.date, date_to: dt.date) -> KpiReport:
    """:func:`kpi_report` on the book's read models, with the sales COGS account."""
    return erp.query(kpi_report, date_from, date_to, _cogs_account(erp))


def _cogs_account(erp: Erp) -> str:
    from erp_core.kernel.events import decode_data

    def read(conn: Connection) -> str:
        from erp_core.audit.verify import stream_events

        account = "5100"
        for r in stream_events(conn, "settings:sales"):
            _, data = decode_data(r.topic, r.state)
            account = str(data.get("cogs_account", account))
        return account

    return erp.query(read)


def to_plain(value: Any) -> Any:
    """A report value as JSON-ready data (durations in seconds, Decimals as text)."""
    import dataclasses

    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [to_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    return value
