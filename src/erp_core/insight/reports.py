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
    "work_order": frozenset({"close work order", "cancel work order"}),
}


@dataclass(frozen=True)
class ProcessKind:
    """A named business process: the object type whose objects are its cases, the activities
    that finish a case, and (``until``) the activity after whose first occurrence a case's trace
    is cut (later events of that object belong to another, repeating process)."""

    name: str
    object_type: str
    completed_by: frozenset[str]
    until: str | None = None


#: ``erp report process KIND``
PROCESS_KINDS: dict[str, ProcessKind] = {
    k.name: k
    for k in (
        ProcessKind("purchase-to-pay", "purchase_order", COMPLETED_BY["purchase_order"]),
        ProcessKind("order-to-cash", "sales_order", COMPLETED_BY["sales_order"]),
        ProcessKind("production", "work_order", COMPLETED_BY["work_order"]),
        ProcessKind(
            "hire-to-pay",
            "employee",
            frozenset({"pay salary", "employee leaves"}),
            until="pay salary",
        ),
    )
}


def process_kind(name: str) -> ProcessKind:
    """The process called ``name``, or a :class:`ValidationError` listing the known ones."""
    try:
        return PROCESS_KINDS[name]
    except KeyError:
        known = ", ".join(PROCESS_KINDS)
        raise ValidationError("kind", f"unknown process {name!r}; known: {known}") from None


def cut_traces(log: Log, object_type: str, until: str) -> Log:
    """The log as seen by the objects of ``object_type``, each trace cut after the first event
    of ``until`` (kept). Events keep only their links to objects of that type; an event left
    with none is dropped. Objects of other types are dropped with their links."""
    from erp_core.insight.ocel import OcelEvent, OcelObject

    cut: dict[str, int] = {}
    for obj, events in log.traces(object_type):
        for i, e in enumerate(events):
            if e.type == until:
                cut[obj.id] = i
                break
    seen: dict[str, int] = {}
    kept_events: list[OcelEvent] = []
    for e in log.events:
        keep = []
        for oid, qualifier in e.relationships:
            if log.object(oid).type != object_type:
                continue
            n = seen.get(oid, 0)
            seen[oid] = n + 1
            if oid in cut and n > cut[oid]:
                continue
            keep.append((oid, qualifier))
        if keep:
            kept_events.append(OcelEvent(e.id, e.type, e.time, e.attributes, tuple(keep)))
    kept = {oid for e in kept_events for oid in e.object_ids}
    objects = tuple(
        OcelObject(o.id, o.type, o.attributes, ())
        for o in log.objects
        if o.id in kept and o.type == object_type
    )
    return Log(tuple(kept_events), objects)


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
    kind: str | None
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
    work_in_progress: tuple[tuple[dt.datetime, int], ...] = ()  # at each week's start
    workload: tuple[metrics.ActorLoad, ...] = ()


def check_object_type(log: Log, object_type: str) -> None:
    if object_type not in log.object_types:
        known = ", ".join(log.object_types) or "none (the book is empty)"
        raise ValidationError("object-type", f"unknown object type {object_type!r}; known: {known}")


def process_report(
    log: Log,
    object_type: str,
    basis: str = "recorded",
    *,
    completed_by: frozenset[str] | None = None,
    kind: str | None = None,
) -> ProcessReport:
    """Cycle times, waits, bottlenecks, rework, variants, throughput per week and hand-overs of
    the objects of one type. Finished: ``completed_by``, else :data:`COMPLETED_BY` (other types:
    every object). ``kind`` names the process (the report only carries it)."""
    check_object_type(log, object_type)
    done = completed_by if completed_by is not None else COMPLETED_BY.get(object_type)
    cycle = metrics.cycle_times(log, object_type, completed_by=done)
    cases = sum(1 for _, events in log.traces(object_type) if events)
    wip = metrics.work_in_progress(log, object_type, completed_by=done)
    throughput = metrics.throughput(log, object_type, period="week", completed_by=done)
    return ProcessReport(
        object_type=object_type,
        kind=kind,
        basis=basis,
        cases=cases,
        finished=len(cycle.per_object),
        cycle=cycle,
        arrows=metrics.performance_dfg(log, object_type),
        bottlenecks=metrics.bottlenecks(log, object_type),
        rework=metrics.rework(log, object_type, cancellations=CANCELLATIONS),
        variants=metrics.variants(log, object_type),
        throughput=throughput,
        in_progress=wip[-1][1] if wip else 0,
        handovers=metrics.handovers(log, object_type),
        work_in_progress=_weekly_wip(log, object_type, done, throughput),
        workload=_workload(log, object_type),
    )


def _weekly_wip(
    log: Log,
    object_type: str,
    done: frozenset[str] | None,
    weeks: tuple[metrics.PeriodCount, ...],
) -> tuple[tuple[dt.datetime, int], ...]:
    """Cases in progress at the start (Monday 00:00 UTC) of each week of the throughput, and at
    the end of the last week."""
    if not weeks:
        return ()
    starts = [dt.datetime.combine(w.period_start, dt.time(), dt.UTC) for w in weeks]
    starts.append(starts[-1] + dt.timedelta(days=7))
    return metrics.wip_at(log, object_type, starts, completed_by=done)


def _workload(log: Log, object_type: str) -> tuple[metrics.ActorLoad, ...]:
    """Events per actor among the events of the process's cases (each event once), busiest
    first (as :func:`metrics.actor_workload`)."""
    from collections import Counter, defaultdict

    ids = {o.id for o in log.objects_of_type(object_type)}
    per_actor: dict[str, Counter[str]] = defaultdict(Counter)
    for e in log.events:
        actor = e.attribute("actor")
        if isinstance(actor, str) and actor and any(oid in ids for oid in e.object_ids):
            per_actor[actor][e.type] += 1
    loads = [
        metrics.ActorLoad(actor, sum(c.values()), tuple(sorted(c.items())))
        for actor, c in per_actor.items()
    ]
    return tuple(sorted(loads, key=lambda a: (-a.events, a.actor)))


def process_report_of(log: Log, kind: str, basis: str = "recorded") -> ProcessReport:
    """:func:`process_report` of a named process (:data:`PROCESS_KINDS`): its object type, what
    finishes a case, and the trace cut of processes that repeat (hire-to-pay: from hiring to the
    first salary paid). A book without cases of that process gets a clear error."""
    k = process_kind(kind)
    if k.object_type not in log.object_types:
        raise ValidationError(
            "kind",
            f"no {k.object_type.replace('_', ' ')} in the book (on the dates asked): "
            f"no {k.name} cases to show",
        )
    if k.until is not None:
        log = cut_traces(log, k.object_type, k.until)
    return process_report(log, k.object_type, basis, completed_by=k.completed_by, kind=k.name)


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
        "amend purchase order",
        "approve purchase order",
        "purchase_order",
        "same actor amended and approved",
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


#: expense groups whose accounts are operating costs (cost of sales, operating expenses)
OPERATING_GROUPS = ("5000", "6000")


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
    operating_profit: Decimal = Decimal(0)
    operating_margin_pct: kpis.Kpi | None = None
    otif: kpis.Kpi | None = None
    supplier_on_time: kpis.Kpi | None = None
    production_yield: kpis.Kpi | None = None
    schedule_adherence: kpis.Kpi | None = None
    payroll_cost_per_head: kpis.Kpi | None = None
    payroll_cost: Decimal = Decimal(0)
    headcount: Decimal = Decimal(0)
    opening_inventory: Decimal = Decimal(0)
    inventory_turnover: kpis.Kpi | None = None

    def figures(self) -> tuple[kpis.Kpi, ...]:
        wc = self.working_capital
        money = (
            kpis.Kpi("revenue", self.revenue, "money", "income accounts over the period"),
            kpis.Kpi(
                "operating profit",
                self.operating_profit,
                "money",
                "revenue - expenses under cost of sales (5000) and operating expenses (6000)",
            ),
        )
        rest = (
            self.operating_margin_pct,
            self.otif,
            self.supplier_on_time,
            self.production_yield,
            self.schedule_adherence,
            self.payroll_cost_per_head,
        )
        return (
            money[0],
            self.gross_margin_pct,
            money[1],
            *(k for k in rest[:1] if k is not None),
            wc.dso,
            wc.dio,
            wc.dpo,
            wc.ccc,
            *(k for k in (self.inventory_turnover,) if k is not None),
            *(k for k in rest[1:] if k is not None),
        )


def _operating_expenses(conn: Connection, statement: Any) -> Decimal:
    from erp_core.projections.schema import accounts

    parents = {
        str(r.code): (None if r.parent is None else str(r.parent))
        for r in conn.execute(select(accounts.c.code, accounts.c.parent))
    }

    def operating(code: str) -> bool:
        seen: set[str] = set()
        a: str | None = code
        while a is not None and a not in seen:
            if a in OPERATING_GROUPS:
                return True
            seen.add(a)
            a = parents.get(a)
        return False

    return sum(
        (
            line.amount
            for line in statement.expenses.lines
            if not line.is_group and operating(line.account)
        ),
        Decimal(0),
    )


def kpi_report(
    conn: Connection, date_from: dt.date, date_to: dt.date, cogs_account: str = "5100"
) -> KpiReport:
    """The KPIs of a period: money and working capital from the ledger, operations from the
    read models and the log; effective dates throughout.

    revenue = income accounts over the period (the income statement's income total); COGS = the
    movement of ``cogs_account`` over the period; receivables, payables and inventory = the
    closing balances at ``date_to`` of the accounts with those control roles (payables as a
    positive amount owed); days = the days from ``date_from`` to ``date_to`` inclusive.
    gross margin = revenue - COGS; gross margin % = gross margin / revenue x 100; operating
    profit = revenue - the expenses under the groups 5000 (cost of sales) and 6000 (operating
    expenses), so expense accounts a company adds outside them (interest, income tax) are left
    out; operating margin % = operating profit / revenue x 100; inventory turnover = COGS /
    ((opening + closing inventory) / 2), opening = the balance the day before ``date_from``.
    The operational figures are
    defined in :mod:`erp_core.insight.operations`.
    """
    from erp_core.insight.operations import operations
    from erp_core.projections import queries

    if date_to < date_from:
        raise ValidationError("to", f"the end {date_to} is before the start {date_from}")
    roles = _control_roles(conn)
    statement, revenue, cogs, balance = _ledger_figures(
        conn, date_from, date_to, cogs_account, roles
    )
    payables = -balance["payables"]
    opening_inventory = sum(
        (
            row.debit - row.credit
            for row in queries.trial_balance(conn, date_from - dt.timedelta(days=1)).rows
            if roles.get(row.account) == "inventory"
        ),
        Decimal(0),
    )
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
    operating = revenue - _operating_expenses(conn, statement)
    ops = operations(conn, date_from, date_to, statement.currency)
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
        operating_profit=operating,
        operating_margin_pct=kpis._ratio(
            "operating margin %",
            "operating profit / revenue x 100",
            "%",
            operating,
            revenue,
            "revenue",
            100,
        ),
        otif=kpis.percentage(
            "OTIF %",
            "sales orders due in the period delivered in full by their date / orders due x 100",
            ops.otif_hits,
            ops.otif_due,
            "sales orders due",
        ),
        supplier_on_time=kpis.percentage(
            "supplier on-time %",
            "purchase orders due in the period received in full by their date / orders due x 100",
            ops.supplier_hits,
            ops.supplier_due,
            "purchase orders due",
        ),
        production_yield=kpis.percentage(
            "production yield %",
            "good quantity / (good + rejected) x 100",
            ops.good,
            ops.good + ops.rejected,
            "production reported",
        ),
        schedule_adherence=kpis.percentage(
            "schedule adherence %",
            "work orders due in the period completed by their due date / orders due x 100",
            ops.on_schedule,
            ops.scheduled,
            "work orders due",
        ),
        payroll_cost_per_head=kpis.per_head(
            "payroll cost per head",
            "(gross pay + employer contributions) / average monthly headcount",
            ops.payroll_cost,
            ops.headcount,
        ),
        payroll_cost=ops.payroll_cost,
        headcount=ops.headcount,
        opening_inventory=opening_inventory,
        inventory_turnover=kpis.inventory_turnover(
            cogs, kpis.average_balance(opening_inventory, balance["inventory"])
        ),
    )


def _control_roles(conn: Connection) -> dict[str, str]:
    """Account code -> its control role, for the receivables, payables and inventory accounts."""
    from erp_core.projections.schema import accounts

    return {
        str(r.code): str(r.control)
        for r in conn.execute(select(accounts.c.code, accounts.c.control))
        if r.control in ("receivables", "payables", "inventory")
    }


def _ledger_figures(
    conn: Connection,
    date_from: dt.date,
    date_to: dt.date,
    cogs_account: str,
    roles: dict[str, str],
) -> tuple[Any, Decimal, Decimal, dict[str, Decimal]]:
    """The income statement of the period, its revenue and COGS, and the closing balances
    (debit - credit) at ``date_to`` of the accounts of each control role."""
    from erp_core.projections import queries

    statement = queries.income_statement(conn, date_from, date_to)
    revenue = statement.income.total
    cogs = sum(
        (line.amount for line in statement.expenses.lines if line.account == cogs_account),
        Decimal(0),
    )
    balance = dict.fromkeys(("receivables", "payables", "inventory"), Decimal(0))
    for row in queries.trial_balance(conn, date_to).rows:
        role = roles.get(row.account)
        if role is not None:
            balance[role] += row.debit - row.credit
    return statement, revenue, cogs, balance


def working_capital_by_period(
    conn: Connection, periods: list[tuple[dt.date, dt.date]], cogs_account: str = "5100"
) -> list[kpis.WorkingCapital]:
    """The working-capital days (DSO, DIO, DPO, cash-conversion cycle) of each period alone,
    as :func:`kpi_report` computes them, without its operational figures (which read the
    log): what a chart of the days month by month needs."""
    roles = _control_roles(conn)
    out = []
    for date_from, date_to in periods:
        if date_to < date_from:
            raise ValidationError("to", f"the end {date_to} is before the start {date_from}")
        _, revenue, cogs, balance = _ledger_figures(conn, date_from, date_to, cogs_account, roles)
        out.append(
            kpis.working_capital(
                receivables=balance["receivables"],
                payables=-balance["payables"],
                inventory=balance["inventory"],
                revenue=revenue,
                cogs=cogs,
                days=(date_to - date_from).days + 1,
            )
        )
    return out


@dataclass(frozen=True)
class KpiColumn:
    """The KPIs of one period and of the period just before it (the same length: the months
    before for whole months, else the same number of days)."""

    label: str
    current: KpiReport
    previous: KpiReport


def kpi_columns(
    conn: Connection,
    date_from: dt.date,
    date_to: dt.date,
    by: str | None = None,
    cogs_account: str = "5100",
) -> tuple[KpiColumn, ...]:
    """The KPIs per month or quarter (``by``), or of the whole range, each with the previous
    period's."""
    from erp_core.ledger.comparative import compared, split

    out = []
    for c in split(date_from, date_to, by):
        p = compared(c, "previous")
        out.append(
            KpiColumn(
                c.label,
                kpi_report(conn, c.date_from, c.date_to, cogs_account),
                kpi_report(conn, p.date_from, p.date_to, cogs_account),
            )
        )
    return tuple(out)


def kpis_of(erp: Erp, date_from: dt.date, date_to: dt.date) -> KpiReport:
    """:func:`kpi_report` on the book's read models, with the sales COGS account."""
    return erp.query(kpi_report, date_from, date_to, _cogs_account(erp))


def kpi_columns_of(
    erp: Erp, date_from: dt.date, date_to: dt.date, by: str | None = None
) -> tuple[KpiColumn, ...]:
    """:func:`kpi_columns` on the book's read models, with the sales COGS account."""
    return erp.query(kpi_columns, date_from, date_to, by, _cogs_account(erp))


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
