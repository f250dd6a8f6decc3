"""The receivables projection: customers, their credit history, sales orders, deliveries and
returns at cost, invoice and credit-note lines, receipts and allocations."""

from __future__ import annotations

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
from sqlalchemy import Connection, Table, and_, func, select, update

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
        places = MINOR_UNITS[base_currency]

        def money(text: str) -> int:
            return minor_from_text(text, places)

        so, sol = sales_orders, sales_order_lines
        for position, stream, name, e in records:
            key = stream.partition(":")[2]
            if name == "CustomerRegistered":
                insert_rows(
                    conn,
                    customers,
                    [
                        (
                            e["code"],
                            e["name"],
                            e["payment_terms_days"],
                            e["currency"],
                            e["contact"],
                            e["address"],
                        )
                    ],
                )
                insert_rows(
                    conn,
                    customer_credit,
                    [
                        (
                            position,
                            e["code"],
                            e["effective"],
                            e["credit_level"],
                            money(e["credit_limit"]),
                        )
                    ],
                )
            elif name == "CustomerCreditChanged":
                insert_rows(
                    conn,
                    customer_credit,
                    [(position, key, e["effective"], e["credit_level"], money(e["credit_limit"]))],
                )
            elif name == "SalesOrderCreated":
                insert_rows(
                    conn,
                    so,
                    [
                        (
                            e["document"],
                            e["customer"],
                            e["date"],
                            e["delivery_date"],
                            "draft",
                            money(_base(e, "total")),
                            e["actor"],
                        )
                    ],
                )
                insert_rows(
                    conn,
                    sol,
                    [
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
                    ],
                )
            elif name in ("SalesOrderConfirmed", "SalesOrderCancelled", "SalesOrderClosed"):
                status = {
                    "SalesOrderConfirmed": "confirmed",
                    "SalesOrderCancelled": "cancelled",
                    "SalesOrderClosed": "closed",
                }[name]
                conn.execute(update(so).where(so.c.document == key).values(status=status))
            elif name in ("GoodsDelivered", "GoodsReturned"):
                sign = 1 if name == "GoodsDelivered" else -1
                document = e["delivery"] if name == "GoodsDelivered" else e["document"]
                order = self._order(conn, key)
                rows: list[tuple[Any, ...]] = []
                for line, d in e["lines"].items():
                    quantity = minor_from_text(d["quantity"], QTY)
                    rows.append(
                        (
                            position,
                            int(line),
                            document,
                            key,
                            order["items"][int(line)],
                            order["customer"],
                            e["date"],
                            sign * quantity,
                            sign * money(d["cost"]),
                        )
                    )
                    column = "delivered_micro" if sign > 0 else "returned_micro"
                    conn.execute(
                        update(sol)
                        .where(and_(sol.c.document == key, sol.c.line == int(line)))
                        .values({column: sol.c[column] + quantity})
                    )
                insert_rows(conn, sales_movements, rows)
                if sign > 0:
                    short = conn.execute(
                        select(func.count()).where(
                            and_(
                                sol.c.document == key, sol.c.delivered_micro < sol.c.quantity_micro
                            )
                        )
                    ).scalar_one()
                    conn.execute(
                        update(so)
                        .where(so.c.document == key)
                        .values(status="partly_delivered" if short else "delivered")
                    )
            elif name == "SalesInvoicePosted" and stream.startswith("sinv:"):
                # an opening invoice (taken over from the old books) has no order and no lines
                order = self._order(conn, e["order"]) if e["order"] else {"items": {}}
                insert_rows(
                    conn,
                    sales_invoices,
                    [
                        (
                            e["document"],
                            e["order"],
                            e["customer"],
                            e["date"],
                            e["due"],
                            money(_base(e, "total")),
                        )
                    ],
                )
                insert_rows(
                    conn,
                    sales_billing,
                    [
                        (
                            e["document"],
                            int(line),
                            "invoice",
                            e["order"],
                            e["document"],
                            order["items"][int(line)],
                            e["customer"],
                            e["date"],
                            minor_from_text(b["quantity"], QTY),
                            money(_base(b, "net")),
                            money(_base(b, "tax")),
                        )
                        for line, b in e["lines"].items()
                    ],
                )
                for line, b in e["lines"].items():
                    conn.execute(
                        update(sol)
                        .where(and_(sol.c.document == e["order"], sol.c.line == int(line)))
                        .values(
                            invoiced_micro=sol.c.invoiced_micro
                            + minor_from_text(b["quantity"], QTY)
                        )
                    )
            elif name == "CreditNotePosted" and stream.startswith("rcpt:"):
                order = self._order(conn, e["order"])
                insert_rows(
                    conn,
                    customer_credits,
                    [
                        (
                            e["document"],
                            "credit_note",
                            e["customer"],
                            e["date"],
                            money(_base(e, "total")),
                        )
                    ],
                )
                insert_rows(
                    conn,
                    sales_billing,
                    [
                        (
                            e["document"],
                            int(line),
                            "credit_note",
                            e["order"],
                            e["invoice"],
                            order["items"][int(line)],
                            e["customer"],
                            e["date"],
                            -minor_from_text(b["quantity"], QTY),
                            -money(_base(b, "net")),
                            -money(_base(b, "tax")),
                        )
                        for line, b in e["lines"].items()
                    ],
                )
            elif name == "CustomerReceiptPosted":
                insert_rows(
                    conn,
                    customer_credits,
                    [
                        (
                            e["document"],
                            "receipt",
                            e["customer"],
                            e["date"],
                            money(_base(e, "amount")),
                        )
                    ],
                )
            elif name == "CustomerReceiptAllocated" and stream.startswith("rcpt:"):
                # recorded on the invoice's stream too; counted once
                insert_rows(
                    conn,
                    customer_allocations,
                    [
                        (
                            position,
                            e["receipt"],
                            e["invoice"],
                            e["date"],
                            money(e.get("base_settled") or e["amount"]),
                        )
                    ],
                )

    @staticmethod
    def _order(conn: Connection, document: str) -> dict[str, Any]:
        head = conn.execute(
            select(sales_orders.c.customer).where(sales_orders.c.document == document)
        ).scalar_one()
        items: dict[int, str] = dict(
            conn.execute(
                select(sales_order_lines.c.line, sales_order_lines.c.item).where(
                    sales_order_lines.c.document == document
                )
            ).all()
        )
        return {"customer": head, "items": items}


def _base(e: dict[str, Any], field: str) -> str:
    """A foreign document's amount in the base currency (`base_<field>`), else the amount."""
    value = e.get(f"base_{field}")
    return str(e[field] if value is None else value)


def projections() -> list[Projection]:
    return [ReceivablesProjection()]
