"""The production projection: work orders with their quantities, costs and WIP balance.

Every amount is what the events carry (materials issued and returned, labour and overhead
absorbed, value received, variance); the WIP balance is their sum, never recomputed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from erp_core.projections.engine import Projection, Record, insert_rows
from erp_core.projections.schema import daily_balances, metadata
from pydantic import BaseModel, ConfigDict
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Date,
    Integer,
    String,
    Table,
    func,
    select,
    update,
)

from erp_core.kernel.money import MINOR_UNITS, from_minor, minor_from_text
from erp_core.ledger.reports import CheckResult

QTY = 6

production_work_orders = Table(
    "production_work_orders",
    metadata,
    Column("document", String(32), primary_key=True),
    Column("item", String(32), nullable=False),
    Column("bom_version", Integer, nullable=False),
    Column("warehouse", String(32), nullable=False),
    Column("date", Date, nullable=False),
    Column("due", Date),
    Column("status", String(16), nullable=False),
    Column("quantity_micro", BigInteger, nullable=False),
    Column("good_micro", BigInteger, nullable=False),
    Column("rejected_micro", BigInteger, nullable=False),
    Column("hours_micro", BigInteger, nullable=False),
    Column("materials_minor", BigInteger, nullable=False),
    Column("returned_minor", BigInteger, nullable=False),
    Column("labour_minor", BigInteger, nullable=False),
    Column("overhead_minor", BigInteger, nullable=False),
    Column("received_minor", BigInteger, nullable=False),
    Column("variance_minor", BigInteger, nullable=False),
    Column("wip_minor", BigInteger, nullable=False),
    Column("wip_account", String(20), nullable=False),
    Column("completed_on", Date),
    Column("actor", String(200), nullable=False),
)

production_plans = Table(
    "production_plans",
    metadata,
    Column("document", String(32), primary_key=True),
    Column("date", Date, nullable=False),
    Column("start", Date, nullable=False),
    Column("end", Date, nullable=False),
    Column("demand_lines", Integer, nullable=False),
    Column("memo", String(400)),
    Column("actor", String(200), nullable=False),
)

production_plan_rows = Table(
    "production_plan_rows",
    metadata,
    Column("document", String(32), primary_key=True),
    Column("item", String(32), primary_key=True),
    Column("low_level_code", Integer, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("gross_micro", BigInteger, nullable=False),
    Column("on_hand_micro", BigInteger, nullable=False),
    Column("on_order_micro", BigInteger, nullable=False),
    Column("reserved_micro", BigInteger, nullable=False),
    Column("available_micro", BigInteger, nullable=False),
    Column("net_micro", BigInteger, nullable=False),
    Column("planned_micro", BigInteger, nullable=False),
    Column("projected_end_micro", BigInteger, nullable=False),
)

production_plan_orders = Table(
    "production_plan_orders",
    metadata,
    Column("document", String(32), primary_key=True),
    Column("line", Integer, primary_key=True),
    Column("kind", String(8), nullable=False),
    Column("item", String(32), nullable=False),
    Column("quantity_micro", BigInteger, nullable=False),
    Column("shortage_micro", BigInteger, nullable=False),
    Column("start", Date, nullable=False),
    Column("due", Date, nullable=False),
    Column("bom_version", Integer),
    Column("late", Integer, nullable=False),
    Column("work_order", String(32)),
)

PLAN_EVENTS = frozenset({"ProductionPlanCreated", "PlannedWorkOrdersCreated"})

EVENTS = frozenset(
    {
        "WorkOrderCreated",
        "WorkOrderReleased",
        "MaterialIssued",
        "MaterialReturned",
        "ProgressReported",
        "WorkOrderCompleted",
        "WorkOrderClosed",
        "WorkOrderCancelled",
    }
)


class WorkOrderProjection:
    name = "production"
    tables: Sequence[Table] = (
        production_work_orders,
        production_plans,
        production_plan_rows,
        production_plan_orders,
    )
    event_names = EVENTS | PLAN_EVENTS

    def apply(self, conn: Connection, records: Sequence[Record], base_currency: str) -> None:
        places = MINOR_UNITS[base_currency]
        t = production_work_orders
        c = t.c

        def money(text: str) -> int:
            return minor_from_text(text, places)

        def qty(text: str) -> int:
            return minor_from_text(text, QTY)

        def change(document: str, **values: Any) -> None:
            conn.execute(update(t).where(c.document == document).values(**values))

        for _, _, name, e in records:
            doc = e.get("document", "")
            if name in PLAN_EVENTS:
                _apply_plan(conn, name, e)
            elif name == "WorkOrderCreated":
                insert_rows(
                    conn,
                    t,
                    [
                        (
                            doc,
                            e["item"],
                            e["bom_version"],
                            e["warehouse"],
                            e["date"],
                            e.get("due"),
                            "draft",
                            qty(e["quantity"]),
                            0,
                            0,
                            0,
                            0,
                            0,
                            0,
                            0,
                            0,
                            0,
                            0,
                            e["wip_account"],
                            None,
                            e["actor"],
                        )
                    ],
                )
            elif name == "WorkOrderReleased":
                change(doc, status="released")
            elif name == "MaterialIssued":
                value = sum(money(x["value"]) for x in e["lines"])
                change(
                    doc,
                    status="in_progress",
                    materials_minor=c.materials_minor + value,
                    wip_minor=c.wip_minor + value,
                )
            elif name == "MaterialReturned":
                value = sum(money(x["value"]) for x in e["lines"])
                change(doc, returned_minor=c.returned_minor + value, wip_minor=c.wip_minor - value)
            elif name == "ProgressReported":
                labour, overhead = money(e["labour"]), money(e["overhead"])
                conn.execute(
                    update(t)
                    .where(c.document == doc, c.status == "released")
                    .values(status="in_progress")
                )
                change(
                    doc,
                    hours_micro=c.hours_micro + qty(e["hours"]),
                    rejected_micro=c.rejected_micro + qty(e["rejected_quantity"]),
                    labour_minor=c.labour_minor + labour,
                    overhead_minor=c.overhead_minor + overhead,
                    wip_minor=c.wip_minor + labour + overhead,
                )
            elif name == "WorkOrderCompleted":
                value = money(e["value"])
                extra: dict[str, Any] = (
                    {"status": "completed", "completed_on": dt.date.fromisoformat(e["date"])}
                    if e["final"]
                    else {"status": "in_progress"}
                )
                change(
                    doc,
                    good_micro=c.good_micro + qty(e["quantity"]),
                    received_minor=c.received_minor + value,
                    wip_minor=c.wip_minor - value,
                    **extra,
                )
            elif name == "WorkOrderClosed":
                value = money(e["variance"])
                change(
                    doc,
                    status="closed",
                    variance_minor=c.variance_minor + value,
                    wip_minor=c.wip_minor - value,
                )
            else:  # WorkOrderCancelled
                change(doc, status="cancelled")


def _apply_plan(conn: Connection, name: str, e: dict[str, Any]) -> None:
    doc = e["document"]

    def qty(text: str) -> int:
        return minor_from_text(text, QTY)

    if name == "PlannedWorkOrdersCreated":
        t = production_plan_orders
        for line, work_order in e["work_orders"].items():
            conn.execute(
                update(t)
                .where(t.c.document == doc, t.c.line == int(line))
                .values(work_order=work_order)
            )
        return
    insert_rows(
        conn,
        production_plans,
        [
            (
                doc,
                e["date"],
                e["start"],
                e["end"],
                len(e["demand"]),
                e.get("memo"),
                e["actor"],
            )
        ],
    )
    insert_rows(
        conn,
        production_plan_rows,
        [
            (
                doc,
                r["item"],
                r["low_level_code"],
                r["kind"],
                qty(r["gross"]),
                qty(r["on_hand"]),
                qty(r["on_order"]),
                qty(r["reserved"]),
                qty(r["available"]),
                qty(r["net"]),
                qty(r["planned"]),
                qty(r["projected_end"]),
            )
            for r in e["rows"]
        ],
    )
    insert_rows(
        conn,
        production_plan_orders,
        [
            (
                doc,
                o["line"],
                o["kind"],
                o["item"],
                qty(o["quantity"]),
                qty(o["shortage"]),
                o["start"],
                o["due"],
                o.get("bom_version"),
                1 if o.get("late") else 0,
                None,
            )
            for o in e["orders"]
        ],
    )


def projections() -> list[Projection]:
    return [WorkOrderProjection()]


# --- report queries (called through `Erp.query`) ---------------------------------------------


class WorkOrderRow(BaseModel):
    """One work order: quantities, what went into WIP and out of it, and the WIP left."""

    model_config = ConfigDict(frozen=True)
    document: str
    item: str
    bom_version: int
    warehouse: str
    date: dt.date
    due: dt.date | None
    status: str
    quantity: Decimal
    good_quantity: Decimal
    rejected_quantity: Decimal
    hours: Decimal
    materials: Decimal
    returned: Decimal
    labour: Decimal
    overhead: Decimal
    received: Decimal
    variance: Decimal
    wip: Decimal
    unit_cost: Decimal | None
    completed_on: dt.date | None


def _base(conn: Connection) -> str:
    from erp_core.projections.queries import company

    return company(conn)[1]


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def work_orders(
    conn: Connection, status: str | None = None, item: str | None = None
) -> list[WorkOrderRow]:
    """Every work order (optionally of one status or item), in number order."""
    base = _base(conn)
    t = production_work_orders
    query = select(t).order_by(t.c.document)
    if status:
        query = query.where(t.c.status == status)
    if item:
        query = query.where(t.c.item == item)
    rows: list[WorkOrderRow] = []
    for r in conn.execute(query).mappings():
        good = _qty(r["good_micro"])
        received = from_minor(int(r["received_minor"]), base)
        rows.append(
            WorkOrderRow(
                document=r["document"],
                item=r["item"],
                bom_version=int(r["bom_version"]),
                warehouse=r["warehouse"],
                date=_date(r["date"]) or dt.date.min,
                due=_date(r["due"]),
                status=r["status"],
                quantity=_qty(r["quantity_micro"]),
                good_quantity=_qty(r["good_micro"]),
                rejected_quantity=_qty(r["rejected_micro"]),
                hours=_qty(r["hours_micro"]),
                materials=from_minor(int(r["materials_minor"]), base),
                returned=from_minor(int(r["returned_minor"]), base),
                labour=from_minor(int(r["labour_minor"]), base),
                overhead=from_minor(int(r["overhead_minor"]), base),
                received=received,
                variance=from_minor(int(r["variance_minor"]), base),
                wip=from_minor(int(r["wip_minor"]), base),
                unit_cost=(received / good).quantize(Decimal("0.0001")) if good else None,
                completed_on=_date(r["completed_on"]),
            )
        )
    return rows


def _qty(micro: int) -> Decimal:
    return Decimal(int(micro)).scaleb(-QTY).normalize()


def wip_check(conn: Connection) -> list[CheckResult]:
    """For each WIP account: its general-ledger balance equals the work orders' WIP."""
    base = _base(conn)
    t = production_work_orders
    results: list[CheckResult] = []
    by_account = dict(
        conn.execute(
            select(t.c.wip_account, func.sum(t.c.wip_minor)).group_by(t.c.wip_account)
        ).all()
    )
    for account in sorted(by_account):
        expected = from_minor(int(by_account[account] or 0), base)
        actual = from_minor(
            int(
                conn.execute(
                    select(func.coalesce(func.sum(daily_balances.c.base_minor), 0)).where(
                        daily_balances.c.account == account
                    )
                ).scalar_one()
            ),
            base,
        )
        ok = expected == actual
        message = (
            f"work in progress {account}: OK ({actual:,})"
            if ok
            else f"work in progress {account}: the WIP account and the work orders' WIP differ "
            f"by {actual - expected:,} (work orders {expected:,}, general ledger {actual:,})"
        )
        results.append(
            CheckResult(
                name=f"work in progress {account}",
                ok=ok,
                expected=expected,
                actual=actual,
                message=message,
            )
        )
    return results


# --- production plans ------------------------------------------------------------------------


class PlanItemRow(BaseModel):
    """The netting of one item in a plan: gross - (on hand + on order - reserved) = net."""

    model_config = ConfigDict(frozen=True)
    item: str
    low_level_code: int
    kind: str
    gross: Decimal
    on_hand: Decimal
    on_order: Decimal
    reserved: Decimal
    available: Decimal
    net: Decimal
    planned: Decimal
    projected_end: Decimal


class PlanOrderRow(BaseModel):
    """A planned work order (`make`) or purchase (`buy`), and the work order made from it."""

    model_config = ConfigDict(frozen=True)
    line: int
    kind: str
    item: str
    quantity: Decimal
    shortage: Decimal
    start: dt.date
    due: dt.date
    bom_version: int | None
    late: bool
    work_order: str | None


class ProductionPlanReport(BaseModel):
    model_config = ConfigDict(frozen=True)
    document: str
    date: dt.date
    start: dt.date
    end: dt.date
    demand_lines: int
    memo: str | None
    rows: list[PlanItemRow]
    orders: list[PlanOrderRow]


def production_plan(conn: Connection, document: str) -> ProductionPlanReport | None:
    """A stored production plan: the netting per item (in low-level-code order) and orders."""
    p = (
        conn.execute(select(production_plans).where(production_plans.c.document == document))
        .mappings()
        .first()
    )
    if p is None:
        return None
    r, o = production_plan_rows, production_plan_orders
    rows = [
        PlanItemRow(
            item=x["item"],
            low_level_code=int(x["low_level_code"]),
            kind=x["kind"],
            **{
                k: _signed_qty(x[f"{k}_micro"])
                for k in (
                    "gross",
                    "on_hand",
                    "on_order",
                    "reserved",
                    "available",
                    "net",
                    "planned",
                    "projected_end",
                )
            },
        )
        for x in conn.execute(
            select(r).where(r.c.document == document).order_by(r.c.low_level_code, r.c.item)
        ).mappings()
    ]
    orders = [
        PlanOrderRow(
            line=int(x["line"]),
            kind=x["kind"],
            item=x["item"],
            quantity=_qty(x["quantity_micro"]),
            shortage=_qty(x["shortage_micro"]),
            start=_date(x["start"]) or dt.date.min,
            due=_date(x["due"]) or dt.date.min,
            bom_version=None if x["bom_version"] is None else int(x["bom_version"]),
            late=bool(x["late"]),
            work_order=x["work_order"],
        )
        for x in conn.execute(
            select(o).where(o.c.document == document).order_by(o.c.line)
        ).mappings()
    ]
    return ProductionPlanReport(
        document=p["document"],
        date=_date(p["date"]) or dt.date.min,
        start=_date(p["start"]) or dt.date.min,
        end=_date(p["end"]) or dt.date.min,
        demand_lines=int(p["demand_lines"]),
        memo=p["memo"],
        rows=rows,
        orders=orders,
    )


def _signed_qty(micro: int) -> Decimal:
    value = Decimal(int(micro)).scaleb(-QTY).normalize()
    return value + 0  # -0 -> 0


def checks(conn: Connection) -> list[CheckResult]:
    """This area's reconciliations, run by `erp check` with every other area's."""
    return wip_check(conn)
