"""The receivables projection: customers, their credit history, sales orders, deliveries and
returns at cost, invoice and credit-note lines, receipts and allocations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from erp_core.projections.engine import Projection, Record, insert_rows
from erp_core.projections.schema import (
    customer_allocations,
    customer_credit,
    customer_credits,
    customers,
    sales_billing,
    sales_invoices,
    sales_movements,
    sales_order_lines,
    sales_orders,
)
from sqlalchemy import Connection, Table, and_, bindparam, case, or_, select, update

from erp_core.kernel.money import MINOR_UNITS, minor_from_text

QTY = 6


class ReceivablesProjection:
    name = "receivables"
    tables: Sequence[Table] = (
        customers,
        customer_credit,
        sales_orders,
        sales_order_lines,
        sales_movements,
        sales_billing,
        sales_invoices,
        customer_credits,
        customer_allocations,
    )
    event_names = frozenset(
        {
            "CustomerRegistered",
            "CustomerCreditChanged",
            "SalesOrderCreated",
            "SalesOrderConfirmed",
            "SalesOrderCancelled",
            "SalesOrderClosed",
            "GoodsDelivered",
            "GoodsReturned",
            "SalesInvoicePosted",
            "CreditNotePosted",
            "CustomerReceiptPosted",
            "CustomerReceiptAllocated",
        }
    )

    def apply(self, conn: Connection, records: Sequence[Record], base_currency: str) -> None:
        """Apply a batch set-wise: rows are collected per table and inserted with one
        executemany each; the order lines' delivered, invoiced and returned quantities are
        summed per line and updated once; each order's status is written once, the last one
        the batch gives it (issue 9: one statement per event and line before)."""
        places = MINOR_UNITS[base_currency]

        def money(text: str) -> int:
            return minor_from_text(text, places)

        batch = _Batch(conn, records)
        rows = batch.rows
        for position, stream, name, e in records:
            key = stream.partition(":")[2]
            if name == "CustomerRegistered":
                rows[customers].append(
                    (
                        e["code"],
                        e["name"],
                        e["payment_terms_days"],
                        e["currency"],
                        e["contact"],
                        e["address"],
                    )
                )
                rows[customer_credit].append(
                    (
                        position,
                        e["code"],
                        e["effective"],
                        e["credit_level"],
                        money(e["credit_limit"]),
                    )
                )
            elif name == "CustomerCreditChanged":
                rows[customer_credit].append(
                    (position, key, e["effective"], e["credit_level"], money(e["credit_limit"]))
                )
            elif name == "SalesOrderCreated":
                batch.orders[e["document"]] = (
                    e["customer"],
                    {i: x["item"] for i, x in enumerate(e["lines"], start=1)},
                )
                rows[sales_orders].append(
                    (
                        e["document"],
                        e["customer"],
                        e["date"],
                        e["delivery_date"],
                        "draft",
                        money(_base(e, "total")),
                        e["actor"],
                    )
                )
                rows[sales_order_lines].extend(
                    (
                        e["document"],
                        i,
                        x["item"],
                        x["warehouse"],
                        minor_from_text(x["quantity"], QTY),
                        money(_base(x, "net")),
                        0,
                        0,
                        0,
                    )
                    for i, x in enumerate(e["lines"], start=1)
                )
            elif name in STATUSES:
                batch.status[key] = STATUSES[name]
            elif name in ("GoodsDelivered", "GoodsReturned"):
                delivered = name == "GoodsDelivered"
                sign = 1 if delivered else -1
                document = e["delivery"] if delivered else e["document"]
                customer, items = batch.orders[key]
                for line, d in e["lines"].items():
                    quantity = minor_from_text(d["quantity"], QTY)
                    rows[sales_movements].append(
                        (
                            position,
                            int(line),
                            document,
                            key,
                            items[int(line)],
                            customer,
                            e["date"],
                            sign * quantity,
                            sign * money(d["cost"]),
                        )
                    )
                    batch.add(key, int(line), DELIVERED if delivered else RETURNED, quantity)
                if delivered:
                    # delivered or partly delivered, from the lines once the batch is in
                    batch.status[key] = None
            elif name == "SalesInvoicePosted" and stream.startswith("sinv:"):
                # an opening invoice (taken over from the old books) has no order and no lines
                items = batch.orders[e["order"]][1] if e["order"] else {}
                rows[sales_invoices].append(
                    (
                        e["document"],
                        e["order"],
                        e["customer"],
                        e["date"],
                        e["due"],
                        money(_base(e, "total")),
                        0,
                        None,
                    )
                )
                for line, b in e["lines"].items():
                    quantity = minor_from_text(b["quantity"], QTY)
                    rows[sales_billing].append(
                        (
                            e["document"],
                            int(line),
                            "invoice",
                            e["order"],
                            e["document"],
                            items[int(line)],
                            e["customer"],
                            e["date"],
                            quantity,
                            money(_base(b, "net")),
                            money(_base(b, "tax")),
                        )
                    )
                    batch.add(e["order"], int(line), INVOICED, quantity)
            elif name == "CreditNotePosted" and stream.startswith("rcpt:"):
                items = batch.orders[e["order"]][1]
                rows[customer_credits].append(
                    (
                        e["document"],
                        "credit_note",
                        e["customer"],
                        e["date"],
                        money(_base(e, "total")),
                        0,
                        None,
                    )
                )
                rows[sales_billing].extend(
                    (
                        e["document"],
                        int(line),
                        "credit_note",
                        e["order"],
                        e["invoice"],
                        items[int(line)],
                        e["customer"],
                        e["date"],
                        -minor_from_text(b["quantity"], QTY),
                        -money(_base(b, "net")),
                        -money(_base(b, "tax")),
                    )
                    for line, b in e["lines"].items()
                )
            elif name == "CustomerReceiptPosted":
                rows[customer_credits].append(
                    (
                        e["document"],
                        "receipt",
                        e["customer"],
                        e["date"],
                        money(_base(e, "amount")),
                        0,
                        None,
                    )
                )
            elif name == "CustomerReceiptAllocated" and stream.startswith("rcpt:"):
                # recorded on the invoice's stream too; counted once
                amount = money(e.get("base_settled") or e["amount"])
                rows[customer_allocations].append(
                    (position, e["receipt"], e["invoice"], e["date"], amount)
                )
                batch.allocate(sales_invoices, e["invoice"], amount, e["date"])
                batch.allocate(customer_credits, e["receipt"], amount, e["date"])
        batch.write()


STATUSES = {
    "SalesOrderConfirmed": "confirmed",
    "SalesOrderCancelled": "cancelled",
    "SalesOrderClosed": "closed",
}
DELIVERED, INVOICED, RETURNED = 0, 1, 2  # index of a line's quantity change in _Batch.changes
ORDER_CHUNK = 500  # order numbers per IN (...) when the batch reads orders it did not create


class _Batch:
    """What one batch of events changes in the receivables tables, written at its end."""

    def __init__(self, conn: Connection, records: Sequence[Record]) -> None:
        self.conn = conn
        tables = ReceivablesProjection.tables
        self.rows: dict[Table, list[tuple[Any, ...]]] = {table: [] for table in tables}
        # (document, line) -> [delivered, invoiced, returned] quantity changes in micro units
        self.changes: dict[tuple[str, int], list[int]] = {}
        # document -> its last status in the batch; None: delivered or partly, from its lines
        self.status: dict[str, str | None] = {}
        # invoices and customer credits: document -> (allocated, latest allocation date)
        self.allocated: dict[Table, dict[str, tuple[int, str]]] = {
            sales_invoices: {},
            customer_credits: {},
        }
        # document -> (customer, {line: item}) of every order the batch's events refer to
        self.orders: dict[str, tuple[str, dict[int, str]]] = self._read_orders(records)

    def allocate(self, table: Table, document: str, amount: int, date: str) -> None:
        """Count an allocation on its invoice's or receipt's running total and latest date."""
        total, latest = self.allocated[table].get(document, (0, date))
        self.allocated[table][document] = (total + amount, max(latest, date))

    def add(self, document: str, line: int, which: int, quantity: int) -> None:
        self.changes.setdefault((document, line), [0, 0, 0])[which] += quantity

    def _read_orders(self, records: Sequence[Record]) -> dict[str, tuple[str, dict[int, str]]]:
        """The orders this batch's deliveries, returns, invoices and credit notes refer to and
        did not create itself, read from the tables in a few statements."""
        created: set[str] = set()
        wanted: set[str] = set()
        for _position, stream, name, e in records:
            if name == "SalesOrderCreated":
                created.add(e["document"])
            elif name in ("GoodsDelivered", "GoodsReturned"):
                wanted.add(stream.partition(":")[2])
            elif _billed(name, stream) and e["order"]:
                wanted.add(e["order"])
        missing = sorted(wanted - created)
        orders: dict[str, tuple[str, dict[int, str]]] = {}
        so, sol = sales_orders, sales_order_lines
        for start in range(0, len(missing), ORDER_CHUNK):
            chunk = missing[start : start + ORDER_CHUNK]
            heads = self.conn.execute(
                select(so.c.document, so.c.customer).where(so.c.document.in_(chunk))
            ).all()
            for document, customer in heads:
                orders[document] = (customer, {})
            lines = self.conn.execute(
                select(sol.c.document, sol.c.line, sol.c.item).where(sol.c.document.in_(chunk))
            ).all()
            for document, line, item in lines:
                orders[document][1][line] = item
        return orders

    def write(self) -> None:
        conn, so, sol = self.conn, sales_orders, sales_order_lines
        for table, rows in self.rows.items():
            insert_rows(conn, table, rows)
        if self.changes:
            conn.execute(
                update(sol)
                .where(and_(sol.c.document == bindparam("d"), sol.c.line == bindparam("n")))
                .values(
                    delivered_micro=sol.c.delivered_micro + bindparam("dq"),
                    invoiced_micro=sol.c.invoiced_micro + bindparam("iq"),
                    returned_micro=sol.c.returned_micro + bindparam("rq"),
                ),
                [
                    {"d": document, "n": line, "dq": q[0], "iq": q[1], "rq": q[2]}
                    for (document, line), q in self.changes.items()
                ],
            )
        for table, allocated in self.allocated.items():
            if allocated:
                last = table.c.last_allocated
                conn.execute(
                    update(table)
                    .where(table.c.document == bindparam("d"))
                    .values(
                        allocated_minor=table.c.allocated_minor + bindparam("a"),
                        last_allocated=case(
                            (or_(last.is_(None), last < bindparam("l")), bindparam("l")),
                            else_=last,
                        ),
                    ),
                    [
                        {"d": d, "a": a, "l": dt.date.fromisoformat(latest)}
                        for d, (a, latest) in allocated.items()
                    ],
                )
        fixed = [{"d": d, "s": s} for d, s in self.status.items() if s is not None]
        if fixed:
            conn.execute(
                update(so).where(so.c.document == bindparam("d")).values(status=bindparam("s")),
                fixed,
            )
        computed = [{"d": d} for d, s in self.status.items() if s is None]
        if computed:
            short = (
                select(sol.c.line)
                .where(
                    sol.c.document == so.c.document,
                    sol.c.delivered_micro < sol.c.quantity_micro,
                )
                .exists()
            )
            conn.execute(
                update(so)
                .where(so.c.document == bindparam("d"))
                .values(status=case((short, "partly_delivered"), else_="delivered")),
                computed,
            )


def _billed(name: str, stream: str) -> bool:
    """An invoice or credit-note event on the stream the projection counts it from."""
    return (name == "SalesInvoicePosted" and stream.startswith("sinv:")) or (
        name == "CreditNotePosted" and stream.startswith("rcpt:")
    )


def _base(e: dict[str, Any], field: str) -> str:
    """A foreign document's amount in the base currency (`base_<field>`), else the amount."""
    value = e.get(f"base_{field}")
    return str(e[field] if value is None else value)


def projections() -> list[Projection]:
    return [ReceivablesProjection()]
