"""The payables projection: suppliers, purchase orders and their lines, supplier invoices,
payments and allocations (the supplier sub-ledger)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from erp_core.projections.engine import Projection, Record, insert_rows
from erp_core.projections.schema import (
    purchase_order_lines,
    purchase_orders,
    supplier_allocations,
    supplier_invoices,
    supplier_payments,
    suppliers,
)
from sqlalchemy import Connection, Table, and_, delete, func, select, update

from erp_core.kernel.money import MINOR_UNITS, minor_from_text

QTY = 6


def _status(conn: Connection, document: str) -> None:
    """Derive received / partly received from the lines (closed and cancelled stay)."""
    lines = purchase_order_lines
    short = conn.execute(
        select(func.count()).where(
            and_(lines.c.document == document, lines.c.received_micro < lines.c.quantity_micro)
        )
    ).scalar_one()
    conn.execute(
        update(purchase_orders)
        .where(
            and_(
                purchase_orders.c.document == document,
                purchase_orders.c.status.notin_(("closed", "cancelled")),
            )
        )
        .values(status="partly_received" if short else "received")
    )


class PayablesProjection:
    name = "payables"
    tables: Sequence[Table] = (
        suppliers,
        purchase_orders,
        purchase_order_lines,
        supplier_invoices,
        supplier_payments,
        supplier_allocations,
    )
    event_names = frozenset(
        {
            "SupplierRegistered",
            "PurchaseOrderCreated",
            "PurchaseOrderAmended",
            "PurchaseOrderApproved",
            "PurchaseOrderCancelled",
            "PurchaseOrderClosed",
            "GoodsReceived",
            "GoodsInvoiced",
            "SupplierInvoicePosted",
            "SupplierPaymentPosted",
            "SupplierPaymentAllocated",
        }
    )

    def apply(self, conn: Connection, records: Sequence[Record], base_currency: str) -> None:
        places = MINOR_UNITS[base_currency]
        po = purchase_orders
        pol = purchase_order_lines
        for position, stream, name, e in records:
            document = stream.partition(":")[2]
            if name == "SupplierRegistered":
                insert_rows(
                    conn,
                    suppliers,
                    [(e["code"], e["name"], e["payment_terms_days"], e["currency"], e["contact"])],
                )
            elif name == "PurchaseOrderCreated":
                insert_rows(
                    conn,
                    po,
                    [
                        (
                            e["document"],
                            e["supplier"],
                            e["date"],
                            e["expected_delivery"],
                            "draft" if e["needs_approval"] else "approved",
                            minor_from_text(e.get("base_total") or e["total"], places),
                            e["plan"],
                            e["contract"],
                            e["actor"],
                        )
                    ],
                )
                insert_rows(
                    conn,
                    pol,
                    [
                        (
                            e["document"],
                            i,
                            x["item"],
                            x["warehouse"],
                            minor_from_text(x["quantity"], QTY),
                            x["price"],
                            0,
                            0,
                            0,
                            0,
                            0,
                        )
                        for i, x in enumerate(e["lines"], start=1)
                    ],
                )
            elif name == "PurchaseOrderAmended":
                # nothing was received or invoiced yet: the lines are replaced whole
                conn.execute(
                    update(po)
                    .where(po.c.document == document)
                    .values(
                        expected_delivery=dt.date.fromisoformat(e["expected_delivery"]),
                        status="draft" if e["needs_approval"] else "approved",
                        total_minor=minor_from_text(e.get("base_total") or e["total"], places),
                    )
                )
                conn.execute(delete(pol).where(pol.c.document == document))
                insert_rows(
                    conn,
                    pol,
                    [
                        (
                            document,
                            i,
                            x["item"],
                            x["warehouse"],
                            minor_from_text(x["quantity"], QTY),
                            x["price"],
                            0,
                            0,
                            0,
                            0,
                            0,
                        )
                        for i, x in enumerate(e["lines"], start=1)
                    ],
                )
            elif name in ("PurchaseOrderApproved", "PurchaseOrderCancelled", "PurchaseOrderClosed"):
                status = {
                    "PurchaseOrderApproved": "approved",
                    "PurchaseOrderCancelled": "cancelled",
                    "PurchaseOrderClosed": "closed",
                }[name]
                conn.execute(update(po).where(po.c.document == document).values(status=status))
            elif name == "GoodsReceived":
                for line, got in e["lines"].items():
                    conn.execute(
                        update(pol)
                        .where(and_(pol.c.document == document, pol.c.line == int(line)))
                        .values(
                            received_micro=pol.c.received_micro
                            + minor_from_text(got["accepted"], QTY),
                            rejected_micro=pol.c.rejected_micro
                            + minor_from_text(got["rejected"], QTY),
                            received_minor=pol.c.received_minor
                            + minor_from_text(got["value"], places),
                        )
                    )
                _status(conn, document)
            elif name == "GoodsInvoiced":
                for line, billed in e["lines"].items():
                    conn.execute(
                        update(pol)
                        .where(and_(pol.c.document == document, pol.c.line == int(line)))
                        .values(
                            invoiced_micro=pol.c.invoiced_micro
                            + minor_from_text(billed["quantity"], QTY),
                            cleared_minor=pol.c.cleared_minor
                            + minor_from_text(billed["cleared"], places),
                        )
                    )
            elif name == "SupplierInvoicePosted":
                insert_rows(
                    conn,
                    supplier_invoices,
                    [
                        (
                            e["document"],
                            e["supplier"],
                            e["supplier_reference"],
                            e["date"],
                            e["due"],
                            # in the base currency (a foreign invoice's as booked)
                            minor_from_text(_base(e, "total"), places)
                            - minor_from_text(_base(e, "tax"), places),
                            minor_from_text(_base(e, "tax"), places),
                            minor_from_text(_base(e, "total"), places),
                        )
                    ],
                )
            elif name == "SupplierPaymentPosted":
                insert_rows(
                    conn,
                    supplier_payments,
                    [
                        (
                            e["document"],
                            e["supplier"],
                            e["date"],
                            minor_from_text(e.get("base_amount") or e["amount"], places),
                            e["bank_account"],
                        )
                    ],
                )
            elif name == "SupplierPaymentAllocated" and stream.startswith("pay:"):
                # the same fact is recorded on the invoice's stream too; count it once
                insert_rows(
                    conn,
                    supplier_allocations,
                    [
                        (
                            position,
                            e["payment"],
                            e["invoice"],
                            e["date"],
                            minor_from_text(e.get("base_settled") or e["amount"], places),
                        )
                    ],
                )


def _base(e: dict[str, object], field: str) -> str:
    """A foreign invoice's amount in the base currency (`base_<field>`), else the amount."""
    value = e.get(f"base_{field}")
    return str(e[field] if value is None else value)


def projections() -> list[Projection]:
    return [PayablesProjection()]
