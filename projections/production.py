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
    Index,
    Integer,
    String,
    Table,
    bindparam,
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
    Column("adjusted_minor", BigInteger, nullable=False, server_default="0"),
)

# Every amount that moved a work order's WIP, dated, for the cost sheet and WIP as of a date:
# kind issue / return (item, warehouse), labour / overhead (work centre, hours), main /
# by_product / scrap (item received), variance, adjustment (a back-dated re-costing of an issue,
# read from inventory's StockCostAdjusted) and rejected (quantity only). `wip_minor` is signed:
# what the line added to the order's WIP.
production_wo_lines = Table(
    "production_wo_lines",
    metadata,
    Column("position", BigInteger, primary_key=True),
    Column("line", Integer, primary_key=True),
    Column("document", String(32), nullable=False, index=True),
    Column("date", Date, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("code", String(32), nullable=False),  # the item or the work centre
    Column("warehouse", String(32)),
    Column("voucher", String(32)),
    Column("voucher_line", Integer),
    Column("quantity_micro", BigInteger, nullable=False),
    Column("value_minor", BigInteger, nullable=False),
    Column("wip_minor", BigInteger, nullable=False),
    Column("reason", String(400)),
    # a back-dated re-costing finds the issue it changed by voucher and line
    Index("ix_production_wo_lines_voucher", "voucher", "voucher_line"),
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


# The planned and standard side of the cost sheet, kept as lines that move no WIP:
# plan_material (item, quantity, planned value), plan_labour / plan_overhead (work centre, hours,
# value), standard (the item; quantity_micro holds the standard unit cost to 6 decimals) and the
# variances a standard-costed close booked (v_<kind>, the item or work centre).
COSTING_EVENTS = frozenset({"WorkOrderPlanned", "StandardVariancesBooked", "FinishedGoodsRecosted"})
VARIANCE_CODES = {
    "material_price": "v_mat_price",
    "material_usage": "v_mat_usage",
    "labour_rate": "v_lab_rate",
    "labour_efficiency": "v_lab_eff",
    "overhead_rate": "v_ovh_rate",
    "overhead_efficiency": "v_ovh_eff",
    "other": "v_other",
}
VARIANCE_KINDS = {v: k for k, v in VARIANCE_CODES.items()}


class Inc:
    """An amount a projection update adds to a column (rather than sets it to)."""

    __slots__ = ("amount",)

    def __init__(self, amount: int) -> None:
        self.amount = amount


_UPDATES: dict[tuple[tuple[str, bool], ...], Any] = {}


def _update_of(shape: tuple[tuple[str, bool], ...]) -> Any:
    """`UPDATE production_work_orders SET ... WHERE document = :p_document`, built once per
    shape (which columns, set or added to): building and compiling a statement per event was
    most of the projection's time."""
    found = _UPDATES.get(shape)
    if found is None:
        t = production_work_orders
        found = (
            update(t)
            .where(t.c.document == bindparam("p_document"))
            .values(
                {
                    name: (t.c[name] + bindparam(f"p_{name}")) if add else bindparam(f"p_{name}")
                    for name, add in shape
                }
            )
        )
        _UPDATES[shape] = found
    return found


_STARTED = (
    update(production_work_orders)
    .where(
        production_work_orders.c.document == bindparam("p_document"),
        production_work_orders.c.status == "released",
    )
    .values(status="in_progress")
)


class WorkOrderProjection:
    name = "production"
    tables: Sequence[Table] = (
        production_work_orders,
        production_wo_lines,
        production_plans,
        production_plan_rows,
        production_plan_orders,
    )
    event_names = EVENTS | PLAN_EVENTS | COSTING_EVENTS | {"StockCostAdjusted"}

    def apply(self, conn: Connection, records: Sequence[Record], base_currency: str) -> None:
        places = MINOR_UNITS[base_currency]
        t = production_work_orders
        c = t.c

        def money(text: str) -> int:
            return minor_from_text(text, places)

        def qty(text: str) -> int:
            return minor_from_text(text, QTY)

        def change(document: str, **values: Any) -> None:
            """Set columns, or add to them (`Inc`), with one cached statement per shape."""
            shape = tuple((k, isinstance(v, Inc)) for k, v in values.items())
            params = {f"p_{k}": v.amount if isinstance(v, Inc) else v for k, v in values.items()}
            conn.execute(_update_of(shape), {"p_document": document, **params})

        def lines(position: int, document: str, date: str, rows: list[dict[str, Any]]) -> None:
            insert_rows(
                conn,
                production_wo_lines,
                [
                    (
                        position,
                        i,
                        document,
                        date,
                        r["kind"],
                        r["code"],
                        r.get("warehouse"),
                        r.get("voucher"),
                        r.get("voucher_line"),
                        r.get("quantity", 0),
                        r.get("value", 0),
                        r.get("wip", 0),
                        r.get("reason"),
                    )
                    for i, r in enumerate(rows, start=1)
                ],
            )

        for position, _, name, e in records:
            doc = e.get("document", "")
            if name == "StockCostAdjusted":
                _apply_adjustment(conn, position, e, money)
            elif name in PLAN_EVENTS:
                _apply_plan(conn, name, e)
            elif name == "WorkOrderPlanned":
                planned: list[dict[str, Any]] = []
                for m in e["materials"]:
                    planned.append(
                        {
                            "kind": "plan_material",
                            "code": m["item"],
                            "quantity": qty(m["quantity"]),
                            "value": money(m["value"]),
                        }
                    )
                for o in e["operations"]:
                    for kind, amount in (("plan_labour", "labour"), ("plan_overhead", "overhead")):
                        planned.append(
                            {
                                "kind": kind,
                                "code": o["work_centre"],
                                "quantity": qty(o["hours"]),
                                "value": money(o[amount]),
                            }
                        )
                if e.get("standard_unit_cost") is not None:
                    item = conn.execute(select(c.item).where(c.document == doc)).scalar_one()
                    planned.append(
                        {
                            "kind": "standard",
                            "code": item,
                            "quantity": qty(e["standard_unit_cost"]),
                            "reason": e["basis"],
                        }
                    )
                date = conn.execute(select(c.date).where(c.document == doc)).scalar_one()
                lines(position, doc, str(date), planned)
            elif name == "StandardVariancesBooked":
                lines(
                    position,
                    doc,
                    e["date"],
                    [
                        {
                            "kind": VARIANCE_CODES[x["kind"]],
                            "code": x["code"],
                            "voucher": e.get("voucher"),
                            "value": money(x["amount"]),
                            "reason": x["account"],
                        }
                        for x in e["lines"]
                    ],
                )
            elif name == "FinishedGoodsRecosted":
                # the finished goods took the change: a main line of no quantity (a line of
                # another item is a by-product valued by a cost share taking its share)
                total = sum(money(x["delta"]) for x in e["lines"])
                item = conn.execute(select(c.item).where(c.document == doc)).scalar_one()
                lines(
                    position,
                    doc,
                    e["date"],
                    [
                        {
                            "kind": "main" if x["item"] == item else "by_product",
                            "code": x["item"],
                            "warehouse": x["warehouse"],
                            "voucher": x["voucher"],
                            "voucher_line": x["line"],
                            "value": money(x["delta"]),
                            "wip": -money(x["delta"]),
                            "reason": "re-costed: " + ", ".join(e["adjustments"]),
                        }
                        for x in e["lines"]
                    ],
                )
                change(
                    doc,
                    received_minor=Inc(total),
                    wip_minor=Inc(-(total)),
                )
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
                            0,
                        )
                    ],
                )
            elif name == "WorkOrderReleased":
                change(doc, status="released")
            elif name == "MaterialIssued":
                value = sum(money(x["value"]) for x in e["lines"])
                lines(
                    position,
                    doc,
                    e["date"],
                    [
                        {
                            "kind": "issue",
                            "code": x["item"],
                            "warehouse": x["warehouse"],
                            "voucher": e["voucher"],
                            "voucher_line": i,
                            "quantity": qty(x["quantity"]),
                            "value": money(x["value"]),
                            "wip": money(x["value"]),
                            "reason": x.get("reason"),
                        }
                        for i, x in enumerate(e["lines"], start=1)
                    ],
                )
                change(
                    doc,
                    status="in_progress",
                    materials_minor=Inc(value),
                    wip_minor=Inc(value),
                )
            elif name == "MaterialReturned":
                value = sum(money(x["value"]) for x in e["lines"])
                lines(
                    position,
                    doc,
                    e["date"],
                    [
                        {
                            "kind": "return",
                            "code": x["item"],
                            "warehouse": x["warehouse"],
                            "voucher": e["voucher"],
                            "voucher_line": i,
                            "quantity": qty(x["quantity"]),
                            "value": money(x["value"]),
                            "wip": -money(x["value"]),
                            "reason": x.get("reason"),
                        }
                        for i, x in enumerate(e["lines"], start=1)
                    ],
                )
                change(doc, returned_minor=Inc(value), wip_minor=Inc(-value))
            elif name == "ProgressReported":
                labour, overhead = money(e["labour"]), money(e["overhead"])
                hours = qty(e["hours"])
                progress: list[dict[str, Any]] = []
                if hours or labour or overhead:
                    centre = e["work_centre"]
                    progress.append(
                        {"kind": "labour", "code": centre, "quantity": hours, "value": labour}
                    )
                    progress[-1].update(voucher=e.get("voucher"), wip=labour)
                    progress.append(
                        {"kind": "overhead", "code": centre, "value": overhead, "wip": overhead}
                    )
                if qty(e["good_quantity"]) or qty(e["rejected_quantity"]):
                    progress.append(
                        {
                            "kind": "reported",
                            "code": e["work_centre"],
                            "quantity": qty(e["good_quantity"]),
                            "value": 0,
                        }
                    )
                    progress.append(
                        {
                            "kind": "rejected",
                            "code": e["work_centre"],
                            "quantity": qty(e["rejected_quantity"]),
                            "reason": e.get("reason"),
                        }
                    )
                lines(position, doc, e["date"], progress)
                conn.execute(_STARTED, {"p_document": doc})
                change(
                    doc,
                    hours_micro=Inc(qty(e["hours"])),
                    rejected_micro=Inc(qty(e["rejected_quantity"])),
                    labour_minor=Inc(labour),
                    overhead_minor=Inc(overhead),
                    wip_minor=Inc(labour + overhead),
                )
            elif name == "WorkOrderCompleted":
                value = money(e["value"])
                lines(
                    position,
                    doc,
                    e["date"],
                    [
                        {
                            "kind": o["kind"],
                            "code": o["item"],
                            "warehouse": e["warehouse"],
                            "voucher": e["voucher"],
                            "quantity": qty(o["quantity"]),
                            "value": money(o["value"]),
                            "wip": -money(o["value"]),
                        }
                        for o in e["outputs"]
                    ],
                )
                extra: dict[str, Any] = (
                    {"status": "completed", "completed_on": dt.date.fromisoformat(e["date"])}
                    if e["final"]
                    else {"status": "in_progress"}
                )
                change(
                    doc,
                    good_micro=Inc(qty(e["quantity"])),
                    received_minor=Inc(value),
                    wip_minor=Inc(-(value)),
                    **extra,
                )
            elif name == "WorkOrderClosed":
                value = money(e["variance"])
                lines(
                    position,
                    doc,
                    e["date"],
                    [
                        {
                            "kind": "variance",
                            "code": "",
                            "voucher": e.get("voucher"),
                            "value": value,
                            "wip": -value,
                            "reason": e.get("reason"),
                        }
                    ],
                )
                change(
                    doc,
                    status="closed",
                    variance_minor=Inc(value),
                    wip_minor=Inc(-(value)),
                )
            else:  # WorkOrderCancelled
                change(doc, status="cancelled")


def _apply_adjustment(conn: Connection, position: int, e: dict[str, Any], money: Any) -> None:
    """A back-dated movement re-costed a material issue to a work order: inventory posted the
    change against the WIP account (the issue's counter account); the order's WIP follows."""
    t = production_wo_lines
    issue = (
        conn.execute(
            select(t.c.document, t.c.code, t.c.warehouse).where(
                t.c.kind == "issue",
                t.c.voucher == e["document"],
                t.c.voucher_line == int(e["line"]),
            )
        )
        .mappings()
        .first()
    )
    if issue is None:  # not a work order's issue
        return
    wip = -money(e["delta"])  # the bin lost more value: the order's WIP gained it
    insert_rows(
        conn,
        t,
        [
            (
                position,
                1,
                issue["document"],
                e["date"],
                "adjustment",
                issue["code"],
                issue["warehouse"],
                e["adjustment_document"],
                None,
                0,
                wip,
                wip,
                f"re-costed {e['document']}/{e['line']}",
            )
        ],
    )
    w = production_work_orders
    conn.execute(
        update(w)
        .where(w.c.document == issue["document"])
        .values(
            adjusted_minor=w.c.adjusted_minor + wip,
            wip_minor=w.c.wip_minor + wip,
        )
    )


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
    conn: Connection,
    status: str | None = None,
    item: str | None = None,
    document: str | None = None,
) -> list[WorkOrderRow]:
    """Every work order (optionally of one status or item, or the one `document`), in number
    order."""
    base = _base(conn)
    t = production_work_orders
    query = select(t).order_by(t.c.document)
    if status:
        query = query.where(t.c.status == status)
    if item:
        query = query.where(t.c.item == item)
    if document:
        query = query.where(t.c.document == document)
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
    return _plain(Decimal(int(micro)).scaleb(-QTY))


def _plain(d: Decimal) -> Decimal:
    """Without trailing zeros and never in exponent form: 40, not 4E+1 (as reports print it)."""
    return d.quantize(Decimal(1)) if d == d.to_integral_value() else d.normalize()


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
    value = _plain(Decimal(int(micro)).scaleb(-QTY))
    return value + 0  # -0 -> 0


def value_check(conn: Connection) -> list[CheckResult]:
    """Value in = value out for every work order: materials - returns + re-costings + labour +
    overhead = finished goods + by-products + scrap + variances + WIP, the WIP equal to the sum
    of the order's dated lines, and no WIP left on a closed order or on a completed order at
    actual cost (whose last receipt took all of it: WIP there is a late return, or a re-costing
    stored before back-dating flowed on by itself, not yet carried into the finished goods, see
    recost_work_order)."""
    base = _base(conn)
    w, t = production_work_orders, production_wo_lines
    by_lines = dict(
        conn.execute(select(t.c.document, func.sum(t.c.wip_minor)).group_by(t.c.document)).all()
    )
    standard = set(conn.execute(select(t.c.document).where(t.c.kind == "standard")).scalars())
    problems: list[str] = []
    count = 0
    for r in conn.execute(select(w)).mappings():
        count += 1
        doc = r["document"]
        value_in = (
            r["materials_minor"]
            - r["returned_minor"]
            + r["adjusted_minor"]
            + r["labour_minor"]
            + r["overhead_minor"]
        )
        value_out = r["received_minor"] + r["variance_minor"]
        wip = r["wip_minor"]
        if value_in - value_out != wip:
            problems.append(
                f"{doc}: value in {from_minor(value_in, base)} - value out "
                f"{from_minor(value_out, base)} != WIP {from_minor(wip, base)}"
            )
        lined = int(by_lines.get(doc) or 0)
        if lined != wip:
            problems.append(
                f"{doc}: its lines add up to {from_minor(lined, base)}, "
                f"not its WIP {from_minor(wip, base)}"
            )
        if r["status"] == "closed" and wip != 0:
            problems.append(f"{doc}: closed with {from_minor(wip, base)} left in WIP")
        if r["status"] == "completed" and doc not in standard and wip != 0:
            problems.append(
                f"{doc}: completed at actual cost with {from_minor(wip, base)} left in WIP "
                "(material returned after its final receipt: apply recost_work_order)"
            )
    if count == 0:  # no production: nothing to report (as wip_check)
        return []
    ok = not problems
    return [
        CheckResult(
            name="production value in = value out",
            ok=ok,
            expected=Decimal(0),
            actual=Decimal(len(problems)),
            message=f"production value in = value out: OK ({count} work orders)"
            if ok
            else "production value in = value out: " + "; ".join(problems[:20]),
        )
    ]


def checks(conn: Connection) -> list[CheckResult]:
    """This area's reconciliations, run by `erp check` with every other area's."""
    return [*wip_check(conn), *value_check(conn)]


# --- cost sheet, yield, schedule adherence, WIP as of a date --------------------------------


class CostSheetMaterial(BaseModel):
    """One item issued to the order: issued and returned at actual cost, re-costings, net."""

    model_config = ConfigDict(frozen=True)
    item: str
    issued_quantity: Decimal
    issued_value: Decimal
    returned_quantity: Decimal
    returned_value: Decimal
    adjustments: Decimal
    net_quantity: Decimal
    net_value: Decimal
    planned_quantity: Decimal = Decimal(0)  # from the BOM version, for the planned quantity
    planned_value: Decimal = Decimal(0)  # at standard, or at the cost when created
    quantity_difference: Decimal = Decimal(0)  # net - planned
    value_difference: Decimal = Decimal(0)


class CostSheetCentre(BaseModel):
    """Hours reported at one work centre and the labour and overhead absorbed, against plan."""

    model_config = ConfigDict(frozen=True)
    work_centre: str
    hours: Decimal
    labour: Decimal
    overhead: Decimal
    planned_hours: Decimal = Decimal(0)
    planned_labour: Decimal = Decimal(0)
    planned_overhead: Decimal = Decimal(0)
    hours_difference: Decimal = Decimal(0)
    cost_difference: Decimal = Decimal(0)  # (labour + overhead) - planned


class CostSheetVariance(BaseModel):
    """A standard-cost variance booked at close (positive: unfavourable)."""

    model_config = ConfigDict(frozen=True)
    kind: str
    code: str
    amount: Decimal


class CostSheetOutput(BaseModel):
    """What left WIP into stock: the finished goods (main), by-products and scrap."""

    model_config = ConfigDict(frozen=True)
    item: str
    kind: str
    quantity: Decimal
    value: Decimal


class CostSheet(BaseModel):
    """A work order's costs: value in (materials - returns + adjustments + labour + overhead)
    = value out (outputs + variance) + WIP left."""

    model_config = ConfigDict(frozen=True)
    document: str
    item: str
    status: str
    planned_quantity: Decimal
    good_quantity: Decimal
    rejected_quantity: Decimal
    materials: list[CostSheetMaterial]
    centres: list[CostSheetCentre]
    outputs: list[CostSheetOutput]
    material_cost: Decimal
    labour: Decimal
    overhead: Decimal
    value_in: Decimal
    finished_goods: Decimal
    by_products: Decimal
    scrap: Decimal
    variance: Decimal
    wip: Decimal
    unit_cost: Decimal | None
    basis: str | None = None  # standard, current (planned at the cost when created), or None
    standard_unit_cost: Decimal | None = None
    planned_material: Decimal = Decimal(0)
    planned_labour: Decimal = Decimal(0)
    planned_overhead: Decimal = Decimal(0)
    planned_total: Decimal = Decimal(0)
    planned_unit_cost: Decimal | None = None
    variances: list[CostSheetVariance] = []


def cost_sheet(conn: Connection, document: str) -> CostSheet | None:
    """The cost sheet of one work order, or None when there is no such order."""
    base = _base(conn)
    (row,) = work_orders_of(conn, document) or (None,)
    if row is None:
        return None
    t = production_wo_lines

    def money(minor: Any) -> Decimal:
        return from_minor(int(minor or 0), base)

    found = conn.execute(
        select(
            t.c.kind,
            t.c.code,
            func.sum(t.c.quantity_micro),
            func.sum(t.c.value_minor),
        )
        .where(t.c.document == document)
        .group_by(t.c.kind, t.c.code)
        .order_by(t.c.code, t.c.kind)
    ).all()
    sums: dict[tuple[str, str], tuple[int, int]] = {
        (kind, code): (int(q or 0), int(v or 0)) for kind, code, q, v in found
    }

    def get(kind: str, code: str) -> tuple[int, int]:
        return sums.get((kind, code), (0, 0))

    def total(kind: str) -> Decimal:
        return money(sum(v for (k, _), (_, v) in sums.items() if k == kind))

    items = sorted({c for k, c in sums if k in ("issue", "return", "adjustment", "plan_material")})
    materials = []
    for item in items:
        iq, iv = get("issue", item)
        rq, rv = get("return", item)
        _, av = get("adjustment", item)
        pq, pv = get("plan_material", item)
        materials.append(
            CostSheetMaterial(
                item=item,
                issued_quantity=_qty(iq),
                issued_value=money(iv),
                returned_quantity=_qty(rq),
                returned_value=money(rv),
                adjustments=money(av),
                net_quantity=_qty(iq - rq),
                net_value=money(iv - rv + av),
                planned_quantity=_qty(pq),
                planned_value=money(pv),
                quantity_difference=_signed_qty(iq - rq - pq),
                value_difference=money(iv - rv + av - pv),
            )
        )
    centres = []
    for code in sorted(
        {c for k, c in sums if k in ("labour", "overhead", "plan_labour", "plan_overhead")}
    ):
        h, lab = get("labour", code)
        oh = get("overhead", code)[1]
        ph, pl = get("plan_labour", code)
        po = get("plan_overhead", code)[1]
        centres.append(
            CostSheetCentre(
                work_centre=code,
                hours=_qty(h),
                labour=money(lab),
                overhead=money(oh),
                planned_hours=_qty(ph),
                planned_labour=money(pl),
                planned_overhead=money(po),
                hours_difference=_signed_qty(h - ph),
                cost_difference=money(lab + oh - pl - po),
            )
        )
    variances = [
        CostSheetVariance(kind=VARIANCE_KINDS[kind], code=code, amount=money(v))
        for (kind, code), (_, v) in sorted(sums.items())
        if kind in VARIANCE_KINDS and v
    ]
    standard = conn.execute(
        select(t.c.quantity_micro, t.c.reason).where(
            t.c.document == document, t.c.kind == "standard"
        )
    ).first()
    planned_kinds = {"plan_material", "plan_labour", "plan_overhead"}
    has_plan = any(k in planned_kinds for k, _ in sums)
    planned_material = total("plan_material") if has_plan else Decimal(0)
    planned_labour = total("plan_labour") if has_plan else Decimal(0)
    planned_overhead = total("plan_overhead") if has_plan else Decimal(0)
    planned_total = planned_material + planned_labour + planned_overhead
    outputs = [
        CostSheetOutput(item=code, kind=kind, quantity=_qty(q), value=money(v))
        for (kind, code), (q, v) in sorted(sums.items(), key=lambda x: (x[0][0] != "main", x[0]))
        if kind in ("main", "by_product", "scrap")
    ]

    material_cost = sum((m.net_value for m in materials), Decimal(0))
    finished = total("main")
    return CostSheet(
        document=row.document,
        item=row.item,
        status=row.status,
        planned_quantity=row.quantity,
        good_quantity=row.good_quantity,
        rejected_quantity=row.rejected_quantity,
        materials=materials,
        centres=centres,
        outputs=outputs,
        material_cost=material_cost,
        labour=row.labour,
        overhead=row.overhead,
        value_in=material_cost + row.labour + row.overhead,
        finished_goods=finished,
        by_products=total("by_product"),
        scrap=total("scrap"),
        variance=row.variance,
        wip=row.wip,
        unit_cost=(finished / row.good_quantity).quantize(Decimal("0.0001"))
        if row.good_quantity
        else None,
        basis=(standard[1] if standard else "current") if has_plan else None,
        standard_unit_cost=_qty(standard[0]) if standard else None,
        planned_material=planned_material,
        planned_labour=planned_labour,
        planned_overhead=planned_overhead,
        planned_total=planned_total,
        planned_unit_cost=(planned_total / row.quantity).quantize(Decimal("0.0001"))
        if has_plan
        else None,
        variances=variances,
    )


def work_orders_of(conn: Connection, document: str) -> list[WorkOrderRow]:
    return work_orders(conn, document=document)


class YieldRow(BaseModel):
    """Per item made: good received, rejected and scrap output in the period, and the rates.

    yield % = good / (good + rejected); scrap % = rejected / (good + rejected)."""

    model_config = ConfigDict(frozen=True)
    item: str
    work_orders: int
    good_quantity: Decimal
    rejected_quantity: Decimal
    scrap_output: Decimal
    yield_pct: Decimal | None
    scrap_pct: Decimal | None


def production_yield(
    conn: Connection, start: dt.date | None = None, end: dt.date | None = None
) -> list[YieldRow]:
    """Yield and scrap % per item made, from receipts and rejections dated in [start, end]."""
    t, w = production_wo_lines, production_work_orders
    query = (
        select(w.c.item, t.c.kind, t.c.document, func.sum(t.c.quantity_micro))
        .join(w, w.c.document == t.c.document)
        .where(t.c.kind.in_(("main", "rejected", "scrap")))
        .group_by(w.c.item, t.c.kind, t.c.document)
    )
    if start:
        query = query.where(t.c.date >= start)
    if end:
        query = query.where(t.c.date <= end)
    acc: dict[str, dict[str, int]] = {}
    orders: dict[str, set[str]] = {}
    for item, kind, document, q in conn.execute(query).all():
        acc.setdefault(item, {}).setdefault(kind, 0)
        acc[item][kind] += int(q or 0)
        orders.setdefault(item, set()).add(document)
    rows = []
    for item in sorted(acc):
        good, rejected = acc[item].get("main", 0), acc[item].get("rejected", 0)
        made = good + rejected
        rows.append(
            YieldRow(
                item=item,
                work_orders=len(orders[item]),
                good_quantity=_qty(good),
                rejected_quantity=_qty(rejected),
                scrap_output=_qty(acc[item].get("scrap", 0)),
                yield_pct=_pct(good, made),
                scrap_pct=_pct(rejected, made),
            )
        )
    return rows


def _pct(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"))


class ScheduleRow(BaseModel):
    """A work order's due date against its completion; `days_late` negative = early."""

    model_config = ConfigDict(frozen=True)
    document: str
    item: str
    status: str
    due: dt.date | None
    completed_on: dt.date | None
    days_late: int | None
    state: str  # on_time, late, open, overdue, closed_short, no_due_date


class ScheduleAdherence(BaseModel):
    model_config = ConfigDict(frozen=True)
    as_of: dt.date
    rows: list[ScheduleRow]
    completed: int
    on_time: int
    on_time_pct: Decimal | None
    overdue: int


def schedule_adherence(conn: Connection, as_of: dt.date) -> ScheduleAdherence:
    """Planned (due) against actual completion dates of the work orders created by `as_of`;
    an order completed after `as_of` counts as still open."""
    rows = []
    for r in work_orders(conn):
        if r.date > as_of or r.status == "cancelled":
            continue
        done = r.completed_on if r.completed_on and r.completed_on <= as_of else None
        if r.status == "closed" and done is None:
            state, late = "closed_short", None  # closed without its final receipt
        elif r.due is None:
            state, late = "no_due_date", None
        elif done is not None:
            late = (done - r.due).days
            state = "late" if late > 0 else "on_time"
        else:
            late = (as_of - r.due).days if as_of > r.due else None
            state = "overdue" if late else "open"
        rows.append(
            ScheduleRow(
                document=r.document,
                item=r.item,
                status=r.status if done or r.status != "completed" else "in_progress",
                due=r.due,
                completed_on=done,
                days_late=late,
                state=state,
            )
        )
    completed = sum(1 for r in rows if r.state in ("on_time", "late"))
    on_time = sum(1 for r in rows if r.state == "on_time")
    return ScheduleAdherence(
        as_of=as_of,
        rows=rows,
        completed=completed,
        on_time=on_time,
        on_time_pct=_pct(on_time, completed),
        overdue=sum(1 for r in rows if r.state == "overdue"),
    )


class WipRow(BaseModel):
    model_config = ConfigDict(frozen=True)
    document: str
    item: str
    wip_account: str
    wip: Decimal


def wip_as_of(conn: Connection, as_of: dt.date) -> list[WipRow]:
    """Each work order's WIP from every line dated on or before `as_of` (zero ones left out)."""
    base = _base(conn)
    t, w = production_wo_lines, production_work_orders
    found = conn.execute(
        select(t.c.document, w.c.item, w.c.wip_account, func.sum(t.c.wip_minor))
        .join(w, w.c.document == t.c.document)
        .where(t.c.date <= as_of)
        .group_by(t.c.document, w.c.item, w.c.wip_account)
        .order_by(t.c.document)
    ).all()
    return [
        WipRow(document=d, item=i, wip_account=a, wip=from_minor(int(v), base))
        for d, i, a, v in found
        if int(v or 0)
    ]
