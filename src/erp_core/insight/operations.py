"""Operational figures of a period for the KPI report, from the read models and the log
(effective dates throughout).

- **OTIF** (on time in full): of the sales orders whose promised delivery date falls in the
  period (cancelled orders left out), those whose every item was delivered in full on or before
  that date. Deliveries are the sales movements (returns, negative, are not counted), summed per
  order and item against the quantity ordered of that item.
- **Supplier on-time**: the same for purchase orders whose expected delivery falls in the
  period: accepted quantities received on or before the expected date, per order and item
  (rejected goods do not count as received). Read from ``GoodsReceived`` in the log.
- **Production yield**: good quantity / (good + rejected) reported on work orders in the period
  (finished goods received and rejects recorded, by their dates).
- **Schedule adherence**: of the work orders with a due date in the period (cancelled ones left
  out), those completed on or before it.
- **Payroll cost per head**: (gross pay + employer contributions) of the payslips of the
  period's months (reversed runs left out) / the average headcount, the mean over those months
  of the employees with a payslip.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

if TYPE_CHECKING:
    from sqlalchemy import Connection

MICRO = 1_000_000


@dataclass(frozen=True)
class Operations:
    otif_hits: int
    otif_due: int
    supplier_hits: int
    supplier_due: int
    good: Decimal
    rejected: Decimal
    on_schedule: int
    scheduled: int
    payroll_cost: Decimal
    headcount: Decimal  # average over the months with a payroll
    payroll_months: int


def _table(conn: Connection, name: str) -> bool:
    from sqlalchemy import inspect

    return bool(inspect(conn).has_table(name))


def otif(conn: Connection, date_from: dt.date, date_to: dt.date) -> tuple[int, int]:
    from erp_core.projections.schema import sales_movements, sales_order_lines, sales_orders

    orders = {
        str(r.document): r.delivery_date
        for r in conn.execute(
            select(sales_orders.c.document, sales_orders.c.delivery_date).where(
                sales_orders.c.delivery_date >= date_from,
                sales_orders.c.delivery_date <= date_to,
                sales_orders.c.status != "cancelled",
            )
        )
    }
    if not orders:
        return 0, 0
    ordered: dict[tuple[str, str], int] = defaultdict(int)
    for r in conn.execute(
        select(
            sales_order_lines.c.document,
            sales_order_lines.c.item,
            sales_order_lines.c.quantity_micro,
        )
    ):
        if r.document in orders:
            ordered[(str(r.document), str(r.item))] += int(r.quantity_micro)
    delivered: dict[tuple[str, str], int] = defaultdict(int)
    m = sales_movements
    for r in conn.execute(
        select(m.c.order_document, m.c.item, m.c.date, m.c.quantity_micro).where(
            m.c.quantity_micro > 0
        )
    ):
        doc = str(r.order_document)
        if doc in orders and r.date <= orders[doc]:
            delivered[(doc, str(r.item))] += int(r.quantity_micro)
    hits = sum(
        1
        for doc in orders
        if all(delivered[k] >= q for k, q in ordered.items() if k[0] == doc)
        and any(k[0] == doc for k in ordered)
    )
    return hits, len(orders)


def supplier_on_time(conn: Connection, date_from: dt.date, date_to: dt.date) -> tuple[int, int]:
    from erp_core.audit.verify import raw_events
    from erp_core.kernel.events import decode_data

    wanted = {
        "PurchaseOrderCreated",
        "PurchaseOrderAmended",
        "GoodsReceived",
        "PurchaseOrderCancelled",
    }
    expected: dict[str, dt.date] = {}
    ordered: dict[str, dict[int, tuple[str, Decimal]]] = {}
    received: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    receipts: list[tuple[str, dt.date, dict[str, Any]]] = []
    cancelled: set[str] = set()
    for r in raw_events(conn):
        if r.topic.partition("@")[0] not in wanted:
            continue
        name, d = decode_data(r.topic, r.state)
        if name in ("PurchaseOrderCreated", "PurchaseOrderAmended"):  # as last amended
            document = str(d.get("document") or r.stream.partition(":")[2])
            expected[document] = dt.date.fromisoformat(str(d["expected_delivery"]))
            ordered[document] = {
                n: (str(line["item"]), Decimal(str(line["quantity"])))
                for n, line in enumerate(d["lines"], start=1)
            }
        elif name == "GoodsReceived":
            receipts.append(
                (r.stream.partition(":")[2], dt.date.fromisoformat(str(d["date"])), d["lines"])
            )
        else:
            cancelled.add(r.stream.partition(":")[2])
    due = {
        po: day
        for po, day in expected.items()
        if date_from <= day <= date_to and po not in cancelled
    }
    for po, day, lines in receipts:
        if po not in due or day > due[po]:
            continue
        for n, line in lines.items():
            item = ordered[po].get(int(n), ("?", Decimal(0)))[0]
            received[(po, item)] += Decimal(str(line["accepted"]))
    hits = 0
    for po in due:
        need: dict[str, Decimal] = defaultdict(Decimal)
        for item, quantity in ordered[po].values():
            need[item] += quantity
        if all(received[(po, item)] >= q for item, q in need.items()):
            hits += 1
    return hits, len(due)


def production(
    conn: Connection, date_from: dt.date, date_to: dt.date
) -> tuple[Decimal, Decimal, int, int]:
    """(good, rejected, completed on time, due) of the period; zeros without production."""
    if not _table(conn, "production_work_orders"):
        return Decimal(0), Decimal(0), 0, 0
    from erp_core.projections.production import production_wo_lines as lines
    from erp_core.projections.production import production_work_orders as wo

    qty: dict[str, int] = defaultdict(int)
    for kind, total in conn.execute(
        select(lines.c.kind, func.sum(lines.c.quantity_micro))
        .where(
            lines.c.date >= date_from,
            lines.c.date <= date_to,
            lines.c.kind.in_(("main", "rejected")),
        )
        .group_by(lines.c.kind)
    ):
        qty[str(kind)] = int(total or 0)
    on_time = due = 0
    for r in conn.execute(
        select(wo.c.due, wo.c.completed_on, wo.c.status).where(
            wo.c.due >= date_from, wo.c.due <= date_to, wo.c.status != "cancelled"
        )
    ):
        due += 1
        if r.completed_on is not None and r.completed_on <= r.due:
            on_time += 1
    return (
        Decimal(qty["main"]) / MICRO,
        Decimal(qty["rejected"]) / MICRO,
        on_time,
        due,
    )


def payroll(
    conn: Connection, date_from: dt.date, date_to: dt.date, base: str
) -> tuple[Decimal, Decimal, int]:
    """(payroll cost, average headcount, months with a payroll) of the period's months."""
    if not _table(conn, "payroll_slips"):
        return Decimal(0), Decimal(0), 0
    from erp_core.insight.budgets import months_between
    from erp_core.kernel.money import from_minor
    from erp_core.projections.payroll import payroll_slips as s

    months = months_between(date_from, date_to)
    cost = 0
    heads: dict[str, set[str]] = defaultdict(set)
    for r in conn.execute(
        select(s.c.month, s.c.employee, s.c.gross_minor, s.c.employer_minor).where(
            s.c.month.in_(months), s.c.reversed.is_(False)
        )
    ):
        cost += int(r.gross_minor) + int(r.employer_minor)
        heads[str(r.month)].add(str(r.employee))
    if not heads:
        return from_minor(0, base), Decimal(0), 0
    average = Decimal(sum(len(v) for v in heads.values())) / len(heads)
    return from_minor(cost, base), average, len(heads)


def operations(conn: Connection, date_from: dt.date, date_to: dt.date, base: str) -> Operations:
    hits, due = otif(conn, date_from, date_to)
    s_hits, s_due = supplier_on_time(conn, date_from, date_to)
    good, rejected, on_time, scheduled = production(conn, date_from, date_to)
    cost, heads, months = payroll(conn, date_from, date_to, base)
    return Operations(
        hits, due, s_hits, s_due, good, rejected, on_time, scheduled, cost, heads, months
    )
