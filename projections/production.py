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
    tables: Sequence[Table] = (production_work_orders,)
    event_names = EVENTS

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
            if name == "WorkOrderCreated":
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
