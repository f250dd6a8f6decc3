"""Each document type built from the stored events of its stream and the streams it names.

A document is the log as known at its own last event: the letterhead, the party and the items
are read as they were then, so rendering it again later (or from a copy of the log) gives the
same document. `DOCUMENT_TYPES` maps a number's series prefix to its builder; an area added
later (payroll's payslips) registers its own type with `register`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal

from erp_core.documents.details import STREAM as DETAILS_STREAM
from erp_core.documents.events import CompanyDetailsConfigured
from erp_core.documents.log import LogView, Record
from erp_core.documents.model import Column, Document, Letterhead, Party, Table, money, percent, qty
from erp_core.inventory.events import ItemRegistered
from erp_core.kernel.errors import NotFound, ValidationError
from erp_core.kernel.money import round_to
from erp_core.ledger.events import CompanyCreated
from erp_core.procurement.events import (
    GoodsReceived,
    PurchaseOrderApproved,
    PurchaseOrderCancelled,
    PurchaseOrderClosed,
    PurchaseOrderCreated,
    SupplierInvoicePosted,
    SupplierPaymentAllocated,
    SupplierPaymentPosted,
    SupplierRegistered,
)
from erp_core.sales.events import (
    CreditNotePosted,
    CustomerReceiptAllocated,
    CustomerReceiptPosted,
    CustomerRegistered,
    GoodsDelivered,
    SalesInvoicePosted,
    SalesLine,
    SalesOrderCancelled,
    SalesOrderConfirmed,
    SalesOrderCreated,
    SalesOrderCreditApproved,
)

ZERO = Decimal(0)
STATEMENT_PREFIX = "STMT"

Builder = Callable[[LogView, str], Document]


@dataclass(frozen=True)
class DocumentType:
    prefix: str  # the number series: PO-2026-000001
    type: str  # the template is templates/<type>.html
    title: str
    build: Builder


DOCUMENT_TYPES: dict[str, DocumentType] = {}


def register(kind: DocumentType) -> DocumentType:
    """Add a document type (payroll's payslips register here when payroll exists)."""
    known = DOCUMENT_TYPES.get(kind.prefix)
    if known is not None and known.build is not kind.build:
        raise TypeError(f"document series {kind.prefix!r} is taken by {known.type}")
    DOCUMENT_TYPES[kind.prefix] = kind
    return kind


def known_types() -> str:
    names = [f"{t.prefix} ({t.title.lower()})" for t in DOCUMENT_TYPES.values()]
    return ", ".join([*names, f"{STATEMENT_PREFIX}-<date>-<customer> (statement of account)"])


def build(view: LogView, number: str) -> Document:
    """The document with this number, from the log as `view` sees it."""
    number = number.strip()
    if number.startswith(f"{STATEMENT_PREFIX}-"):
        as_of, customer = parse_statement_number(number)
        return build_statement(view, customer, as_of)
    kind = DOCUMENT_TYPES.get(number.split("-", 1)[0])
    if kind is None:
        raise ValidationError(
            "document",
            f"{number!r} is not a document number this book prints; known series: {known_types()}",
        )
    return kind.build(view, number)


def not_found(number: str) -> NotFound:
    return NotFound(f"document: nothing is stored for {number!r}")


# --- what every document shares ---------------------------------------------------------------


def letterhead(view: LogView, at: int) -> tuple[Letterhead, str]:
    """The letterhead and base currency in force at log position `at`."""
    created = view.last("company", CompanyCreated, at)
    if created is None:
        raise NotFound("no company in this database yet: run `erp init` first")
    company = created[1]
    details = view.last(DETAILS_STREAM, CompanyDetailsConfigured, at)
    if details is None:
        return Letterhead(name=company.name), company.base_currency
    d = details[1]
    return (
        Letterhead(
            name=d.legal_name,
            address=d.address,
            tax_id=d.tax_id,
            email=d.email,
            phone=d.phone,
            logo=d.logo,
        ),
        company.base_currency,
    )


def item_names(view: LogView, codes: set[str], at: int) -> dict[str, str]:
    names = {}
    for code in sorted(codes):
        found = view.last(f"item:{code}", ItemRegistered, at)
        names[code] = found[1].name if found else code
    return names


def supplier_party(view: LogView, code: str, at: int) -> tuple[Party, SupplierRegistered | None]:
    found = view.last(f"supplier:{code}", SupplierRegistered, at)
    if found is None:
        return Party(role="Supplier", code=code, name=code), None
    s = found[1]
    return Party(role="Supplier", code=code, name=s.name, contact=s.contact), s


def customer_party(
    view: LogView, code: str, at: int, role: str = "Customer"
) -> tuple[Party, CustomerRegistered | None]:
    found = view.last(f"customer:{code}", CustomerRegistered, at)
    if found is None:
        return Party(role=role, code=code, name=code), None
    c = found[1]
    return Party(role=role, code=code, name=c.name, address=c.address, contact=c.contact), c


def finish(view: LogView, doc: Document) -> Document:
    """Stamp the chain hash at the document's position."""
    return replace(doc, chain_hash=view.chain_hash(doc.position))


def by_actor(records: list[Record], cls: type) -> Record | None:
    return next((r for r in reversed(records) if isinstance(r.event, cls)), None)


# --- purchase to pay -----------------------------------------------------------------------------


def build_purchase_order(view: LogView, number: str) -> Document:
    records = view.stream(f"po:{number}")
    own = [
        r
        for r in records
        if isinstance(
            r.event,
            PurchaseOrderCreated
            | PurchaseOrderApproved
            | PurchaseOrderCancelled
            | PurchaseOrderClosed,
        )
    ]
    if not own or not isinstance(own[0].event, PurchaseOrderCreated):
        raise not_found(number)
    order = own[0].event
    at = own[-1].position
    company, currency = letterhead(view, at)
    party, supplier = supplier_party(view, order.supplier, at)
    names = item_names(view, {line.item for line in order.lines}, at)
    status = "Awaiting approval" if order.needs_approval else "Approved"
    approved = by_actor(own, PurchaseOrderApproved)
    if approved is not None:
        status = f"Approved by {approved.event.actor}"
    for cls, word in ((PurchaseOrderClosed, "Closed"), (PurchaseOrderCancelled, "Cancelled")):
        ended = by_actor(own, cls)
        if ended is not None:
            status = f"{word}: {ended.event.reason}"  # type: ignore[attr-defined]
    rows = []
    for i, line in enumerate(order.lines, start=1):
        rows.append(
            {
                "line": str(i),
                "item": line.item,
                "description": names[line.item],
                "quality": line.quality_standard or "",
                "warehouse": line.warehouse,
                "delivery": order.expected_delivery.isoformat(),
                "quantity": qty(line.quantity),
                "price": money(line.price, currency),
                "amount": money(round_to(line.quantity * line.price, currency), currency),
            }
        )
    fields = [
        ("Order number", number),
        ("Order date", order.date.isoformat()),
        ("Deliver by", order.expected_delivery.isoformat()),
        ("Currency", currency),
    ]
    if supplier is not None:
        fields.append(("Payment terms", f"{supplier.payment_terms_days} days net"))
    if order.plan:
        fields.append(("Purchase plan", order.plan))
    fields.append(("Ordered by", order.actor))
    notes = []
    if order.terms:
        notes.append(("Terms", order.terms))
    if order.contract:
        notes.append(("Contract clauses", order.contract))
    return finish(
        view,
        Document(
            type="purchase_order",
            title="Purchase order",
            number=number,
            date=order.date,
            currency=currency,
            company=company,
            party=party,
            fields=tuple(fields),
            tables=(
                Table(
                    "lines",
                    "Lines",
                    (
                        Column("line", "#"),
                        Column("item", "Item"),
                        Column("description", "Description"),
                        Column("quality", "Quality standard"),
                        Column("warehouse", "Deliver to"),
                        Column("delivery", "Delivery date"),
                        Column("quantity", "Quantity", True),
                        Column("price", "Unit price", True),
                        Column("amount", "Amount", True),
                    ),
                    tuple(rows),
                ),
            ),
            totals=(("Total", money(order.total, currency)),),
            notes=tuple(notes),
            status=status,
            figures={"total": money(order.total, currency)},
            position=at,
        ),
    )


def _find(view: LogView, cls: type, attr: str, number: str) -> Record:
    for record in view.scan(cls):
        if getattr(record.event, attr) == number:
            return record
    raise not_found(number)


def build_goods_receipt(view: LogView, number: str) -> Document:
    record = _find(view, GoodsReceived, "receipt", number)
    received = record.event
    assert isinstance(received, GoodsReceived)
    at = record.position
    created = view.of(record.stream, PurchaseOrderCreated)
    order = created[0][1]
    company, currency = letterhead(view, at)
    party, _ = supplier_party(view, order.supplier, at)
    names = item_names(view, {line.item for line in order.lines}, at)
    rows = []
    accepted_value = ZERO
    for line_no in sorted(received.lines):
        got = received.lines[line_no]
        ordered = order.lines[line_no - 1]
        accepted_value += got.value
        rows.append(
            {
                "line": str(line_no),
                "item": ordered.item,
                "description": names[ordered.item],
                "warehouse": ordered.warehouse,
                "ordered": qty(ordered.quantity),
                "accepted": qty(got.accepted),
                "rejected": qty(got.rejected),
                "reason": got.reason or "",
                "value": money(got.value, currency),
            }
        )
    accepted = sum((x.accepted for x in received.lines.values()), ZERO)
    rejected = sum((x.rejected for x in received.lines.values()), ZERO)
    return finish(
        view,
        Document(
            type="goods_receipt",
            title="Goods receipt note",
            number=number,
            date=received.date,
            currency=currency,
            company=company,
            party=party,
            fields=(
                ("Receipt number", number),
                ("Receipt date", received.date.isoformat()),
                ("Purchase order", order.document),
                ("Received by", received.actor),
            ),
            tables=(
                Table(
                    "lines",
                    "Received",
                    (
                        Column("line", "Order line"),
                        Column("item", "Item"),
                        Column("description", "Description"),
                        Column("warehouse", "Warehouse"),
                        Column("ordered", "Ordered", True),
                        Column("accepted", "Accepted", True),
                        Column("rejected", "Rejected", True),
                        Column("reason", "Reason for rejection"),
                        Column("value", "Accepted value", True),
                    ),
                    tuple(rows),
                ),
            ),
            totals=(
                ("Accepted quantity", qty(accepted)),
                ("Rejected quantity", qty(rejected)),
                ("Accepted value", money(accepted_value, currency)),
            ),
            figures={
                "accepted": qty(accepted),
                "rejected": qty(rejected),
                "value": money(accepted_value, currency),
            },
            position=at,
        ),
    )


def build_payment_advice(view: LogView, number: str) -> Document:
    records = view.stream(f"pay:{number}")
    if not records or not isinstance(records[0].event, SupplierPaymentPosted):
        raise not_found(number)
    payment = records[0].event
    at = records[-1].position
    company, currency = letterhead(view, at)
    party, _ = supplier_party(view, payment.supplier, at)
    rows = []
    allocated = ZERO
    for r in records[1:]:
        if not isinstance(r.event, SupplierPaymentAllocated):
            continue
        a = r.event
        invoice = view.of(f"pinv:{a.invoice}", SupplierInvoicePosted)
        posted = invoice[0][1] if invoice else None
        allocated += a.amount
        rows.append(
            {
                "invoice": a.invoice,
                "reference": posted.supplier_reference if posted else "",
                "invoice_date": posted.date.isoformat() if posted else "",
                "invoice_total": money(posted.total, currency) if posted else "",
                "paid": money(a.amount, currency),
            }
        )
    unallocated = payment.amount - allocated
    return finish(
        view,
        Document(
            type="payment_advice",
            title="Payment advice",
            number=number,
            date=payment.date,
            currency=currency,
            company=company,
            party=party,
            fields=(
                ("Payment number", number),
                ("Payment date", payment.date.isoformat()),
                ("Currency", currency),
            ),
            tables=(
                Table(
                    "lines",
                    "Invoices paid",
                    (
                        Column("invoice", "Our reference"),
                        Column("reference", "Your invoice"),
                        Column("invoice_date", "Invoice date"),
                        Column("invoice_total", "Invoice total", True),
                        Column("paid", "Paid", True),
                    ),
                    tuple(rows),
                ),
            ),
            totals=(
                ("Allocated to invoices", money(allocated, currency)),
                ("On account", money(unallocated, currency)),
                ("Amount paid", money(payment.amount, currency)),
            ),
            figures={
                "amount": money(payment.amount, currency),
                "allocated": money(allocated, currency),
                "unallocated": money(unallocated, currency),
            },
            position=at,
        ),
    )


# --- order to cash -------------------------------------------------------------------------------


def _sales_order(view: LogView, order: str, number: str) -> tuple[list[Record], SalesOrderCreated]:
    records = view.stream(f"so:{order}")
    if not records or not isinstance(records[0].event, SalesOrderCreated):
        raise not_found(number)
    return records, records[0].event


def build_sales_order(view: LogView, number: str) -> Document:
    records, order = _sales_order(view, number, number)
    own = [
        r
        for r in records
        if isinstance(
            r.event,
            SalesOrderCreated
            | SalesOrderCreditApproved
            | SalesOrderConfirmed
            | SalesOrderCancelled,
        )
    ]
    at = own[-1].position
    company, currency = letterhead(view, at)
    party, customer = customer_party(view, order.customer, at)
    names = item_names(view, {line.item for line in order.lines}, at)
    status = "Draft: not confirmed"
    if by_actor(own, SalesOrderConfirmed) is not None:
        status = "Confirmed"
    cancelled = by_actor(own, SalesOrderCancelled)
    if cancelled is not None:
        status = f"Cancelled: {cancelled.event.reason}"  # type: ignore[attr-defined]
    fields = [
        ("Order number", number),
        ("Order date", order.date.isoformat()),
        ("Delivery date", order.delivery_date.isoformat()),
        ("Currency", currency),
    ]
    notes = []
    if customer is not None:
        fields.append(("Payment terms", f"{customer.payment_terms_days} days net"))
        notes.append(
            (
                "Terms",
                f"Goods are delivered by {order.delivery_date.isoformat()} and invoiced on "
                f"delivery; payment is due {customer.payment_terms_days} days after the "
                f"invoice date. Prices are in {currency}.",
            )
        )
    return finish(
        view,
        Document(
            type="sales_order",
            title="Sales order confirmation",
            number=number,
            date=order.date,
            currency=currency,
            company=company,
            party=party,
            fields=tuple(fields),
            tables=(_sales_lines(order.lines, names, currency),),
            totals=(
                ("Net", money(order.net, currency)),
                ("Tax", money(order.tax, currency)),
                ("Total", money(order.total, currency)),
            ),
            notes=tuple(notes),
            status=status,
            figures={
                "net": money(order.net, currency),
                "tax": money(order.tax, currency),
                "total": money(order.total, currency),
            },
            position=at,
        ),
    )


def _sales_lines(lines: tuple[SalesLine, ...], names: dict[str, str], currency: str) -> Table:
    rows = [
        {
            "line": str(i),
            "item": line.item,
            "description": names[line.item],
            "quantity": qty(line.quantity),
            "price": money(line.price, currency),
            "discount": percent(line.discount),
            "net": money(line.net, currency),
            "tax_rate": percent(line.tax_rate),
            "tax": money(line.tax, currency),
        }
        for i, line in enumerate(lines, start=1)
    ]
    return Table("lines", "Lines", _SALES_COLUMNS, tuple(rows))


_SALES_COLUMNS = (
    Column("line", "#"),
    Column("item", "Item"),
    Column("description", "Description"),
    Column("quantity", "Quantity", True),
    Column("price", "Unit price", True),
    Column("discount", "Discount", True),
    Column("net", "Net", True),
    Column("tax_rate", "Tax rate", True),
    Column("tax", "Tax", True),
)


def build_delivery_note(view: LogView, number: str) -> Document:
    record = _find(view, GoodsDelivered, "delivery", number)
    delivered = record.event
    assert isinstance(delivered, GoodsDelivered)
    at = record.position
    _, order = _sales_order(view, record.stream.removeprefix("so:"), number)
    company, currency = letterhead(view, at)
    party, _ = customer_party(view, order.customer, at, role="Deliver to")
    names = item_names(view, {line.item for line in order.lines}, at)
    rows = []
    for line_no in sorted(delivered.lines):
        d = delivered.lines[line_no]
        ordered = order.lines[line_no - 1]
        rows.append(
            {
                "line": str(line_no),
                "item": ordered.item,
                "description": names[ordered.item],
                "warehouse": ordered.warehouse,
                "batch": d.batch or "",
                "ordered": qty(ordered.quantity),
                "delivered": qty(d.quantity),
            }
        )
    total = sum((d.quantity for d in delivered.lines.values()), ZERO)
    return finish(
        view,
        Document(
            type="delivery_note",
            title="Delivery note",
            number=number,
            date=delivered.date,
            currency=currency,
            company=company,
            party=party,
            fields=(
                ("Delivery number", number),
                ("Delivery date", delivered.date.isoformat()),
                ("Sales order", order.document),
                ("Dispatched by", delivered.actor),
            ),
            tables=(
                Table(
                    "lines",
                    "Goods",
                    (
                        Column("line", "Order line"),
                        Column("item", "Item"),
                        Column("description", "Description"),
                        Column("warehouse", "From"),
                        Column("batch", "Batch"),
                        Column("ordered", "Ordered", True),
                        Column("delivered", "Delivered", True),
                    ),
                    tuple(rows),
                ),
            ),
            totals=(("Quantity delivered", qty(total)),),
            figures={"quantity": qty(total)},
            position=at,
        ),
    )


def _tax_breakdown(
    billed: dict[int, tuple[Decimal, Decimal]], order: SalesOrderCreated, currency: str
) -> Table:
    """Net and tax per tax rate."""
    by_rate: dict[Decimal, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for line_no, (net, tax) in billed.items():
        rate = order.lines[line_no - 1].tax_rate
        by_rate[rate][0] += net
        by_rate[rate][1] += tax
    rows = tuple(
        {
            "rate": percent(rate),
            "net": money(net, currency),
            "tax": money(tax, currency),
            "gross": money(net + tax, currency),
        }
        for rate, (net, tax) in sorted(by_rate.items())
    )
    return Table(
        "tax",
        "Tax breakdown",
        (
            Column("rate", "Tax rate", True),
            Column("net", "Net", True),
            Column("tax", "Tax", True),
            Column("gross", "Gross", True),
        ),
        rows,
    )


def _billed_lines(
    lines: dict[int, object], order: SalesOrderCreated, names: dict[str, str], currency: str
) -> Table:
    rows = []
    for line_no in sorted(lines):
        b = lines[line_no]
        o = order.lines[line_no - 1]
        rows.append(
            {
                "line": str(line_no),
                "item": o.item,
                "description": names[o.item],
                "quantity": qty(b.quantity),  # type: ignore[attr-defined]
                "price": money(o.price, currency),
                "discount": percent(o.discount),
                "net": money(b.net, currency),  # type: ignore[attr-defined]
                "tax_rate": percent(o.tax_rate),
                "tax": money(b.tax, currency),  # type: ignore[attr-defined]
            }
        )
    return Table("lines", "Lines", _SALES_COLUMNS, tuple(rows))


def build_sales_invoice(view: LogView, number: str) -> Document:
    posted = view.of(f"sinv:{number}", SalesInvoicePosted)
    if not posted:
        raise not_found(number)
    at, invoice = posted[0]
    _, order = _sales_order(view, invoice.order, number)
    company, currency = letterhead(view, at)
    party, customer = customer_party(view, invoice.customer, at, role="Bill to")
    names = item_names(view, {line.item for line in order.lines}, at)
    billed = {n: (b.net, b.tax) for n, b in invoice.lines.items()}
    fields = [
        ("Invoice number", number),
        ("Invoice date", invoice.date.isoformat()),
        ("Due date", invoice.due.isoformat()),
        ("Sales order", invoice.order),
        ("Currency", currency),
    ]
    if customer is not None:
        fields.append(("Payment terms", f"{customer.payment_terms_days} days net"))
    return finish(
        view,
        Document(
            type="sales_invoice",
            title="Invoice",
            number=number,
            date=invoice.date,
            currency=currency,
            company=company,
            party=party,
            fields=tuple(fields),
            tables=(
                _billed_lines(dict(invoice.lines), order, names, currency),
                _tax_breakdown(billed, order, currency),
            ),
            totals=(
                ("Net", money(invoice.net, currency)),
                ("Tax", money(invoice.tax, currency)),
                ("Total due", money(invoice.total, currency)),
            ),
            notes=(
                (
                    "Payment",
                    f"Please pay {money(invoice.total, currency)} {currency} by "
                    f"{invoice.due.isoformat()}, quoting {number}.",
                ),
            ),
            figures={
                "net": money(invoice.net, currency),
                "tax": money(invoice.tax, currency),
                "total": money(invoice.total, currency),
                "due": invoice.due.isoformat(),
            },
            position=at,
        ),
    )


def build_credit_note(view: LogView, number: str) -> Document:
    posted = view.of(f"rcpt:{number}", CreditNotePosted)
    if not posted:
        raise not_found(number)
    at, note = posted[0]
    _, order = _sales_order(view, note.order, number)
    company, currency = letterhead(view, at)
    party, _ = customer_party(view, note.customer, at, role="Credit to")
    names = item_names(view, {line.item for line in order.lines}, at)
    credited = {n: (b.net, b.tax) for n, b in note.lines.items()}
    return finish(
        view,
        Document(
            type="credit_note",
            title="Credit note",
            number=number,
            date=note.date,
            currency=currency,
            company=company,
            party=party,
            fields=(
                ("Credit note number", number),
                ("Date", note.date.isoformat()),
                ("Credits invoice", note.invoice),
                ("Sales order", note.order),
                ("Currency", currency),
            ),
            tables=(
                _billed_lines(dict(note.lines), order, names, currency),
                _tax_breakdown(credited, order, currency),
            ),
            totals=(
                ("Net", money(note.net, currency)),
                ("Tax", money(note.tax, currency)),
                ("Total credited", money(note.total, currency)),
            ),
            notes=(("Reason", note.reason),),
            figures={
                "net": money(note.net, currency),
                "tax": money(note.tax, currency),
                "total": money(note.total, currency),
            },
            position=at,
        ),
    )


# --- statement of account -------------------------------------------------------------------------


def statement_number(customer: str, as_of: dt.date) -> str:
    return f"{STATEMENT_PREFIX}-{as_of.isoformat()}-{customer}"


def parse_statement_number(number: str) -> tuple[dt.date, str]:
    rest = number.removeprefix(f"{STATEMENT_PREFIX}-")
    try:
        as_of = dt.date.fromisoformat(rest[:10])
    except ValueError:
        raise ValidationError(
            "document", f"a statement is {STATEMENT_PREFIX}-YYYY-MM-DD-<customer>, not {number!r}"
        ) from None
    customer = rest[11:]
    if rest[10:11] != "-" or not customer:
        raise ValidationError(
            "document", f"a statement is {STATEMENT_PREFIX}-YYYY-MM-DD-<customer>, not {number!r}"
        )
    return as_of, customer


def build_statement(view: LogView, customer: str, as_of: dt.date) -> Document:
    """Every invoice, credit note and receipt of a customer dated up to `as_of`, with the
    running balance, and the invoices still open on that date."""
    number = statement_number(customer, as_of)
    registered = view.of(f"customer:{customer}", CustomerRegistered)
    if not registered:
        raise NotFound(f"customer: unknown customer {customer!r}")
    at = registered[0][0]
    entries: list[tuple[dt.date, int, str, str, str, Decimal]] = []
    invoices: dict[str, SalesInvoicePosted] = {}
    settled: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for record in view.scan(
        SalesInvoicePosted, CreditNotePosted, CustomerReceiptPosted, CustomerReceiptAllocated
    ):
        e = record.event
        if isinstance(e, CustomerReceiptAllocated):
            # recorded on the receipt's stream and on the invoice's: count the invoice's
            if e.invoice in invoices and record.stream == f"sinv:{e.invoice}" and e.date <= as_of:
                settled[e.invoice] += e.amount
                at = max(at, record.position)
            continue
        if e.customer != customer or e.date > as_of:  # type: ignore[attr-defined]
            continue
        home = "sinv" if isinstance(e, SalesInvoicePosted) else "rcpt"
        if record.stream != f"{home}:{e.document}":  # type: ignore[attr-defined]
            continue  # the same event recorded on the order's or the invoice's stream
        if isinstance(e, SalesInvoicePosted):
            invoices[e.document] = e
            entries.append(
                (e.date, record.position, e.document, f"Invoice, due {e.due}", "debit", e.total)
            )
        elif isinstance(e, CreditNotePosted):
            entries.append(
                (
                    e.date,
                    record.position,
                    e.document,
                    f"Credit note on {e.invoice}",
                    "credit",
                    e.total,
                )
            )
        elif isinstance(e, CustomerReceiptPosted):
            entries.append(
                (e.date, record.position, e.document, "Payment received", "credit", e.amount)
            )
        at = max(at, record.position)
    company, currency = letterhead(view, at)
    party, _ = customer_party(view, customer, at)
    rows = []
    balance = ZERO
    for date, _pos, document, text, side, amount in sorted(entries):
        balance += amount if side == "debit" else -amount
        rows.append(
            {
                "date": date.isoformat(),
                "document": document,
                "description": text,
                "debit": money(amount, currency) if side == "debit" else "",
                "credit": money(amount, currency) if side == "credit" else "",
                "balance": money(balance, currency),
            }
        )
    open_rows = []
    overdue = ZERO
    for document, inv in sorted(invoices.items(), key=lambda kv: (kv[1].date, kv[0])):
        left = inv.total - settled[document]
        if left <= 0:
            continue
        late = (as_of - inv.due).days
        if late > 0:
            overdue += left
        open_rows.append(
            {
                "invoice": document,
                "date": inv.date.isoformat(),
                "due": inv.due.isoformat(),
                "total": money(inv.total, currency),
                "open": money(left, currency),
                "overdue_days": str(late) if late > 0 else "",
            }
        )
    return finish(
        view,
        Document(
            type="statement",
            title="Statement of account",
            number=number,
            date=as_of,
            currency=currency,
            company=company,
            party=party,
            fields=(
                ("Statement date", as_of.isoformat()),
                ("Customer", customer),
                ("Currency", currency),
            ),
            tables=(
                Table(
                    "lines",
                    "Transactions",
                    (
                        Column("date", "Date"),
                        Column("document", "Document"),
                        Column("description", "Description"),
                        Column("debit", "Debit", True),
                        Column("credit", "Credit", True),
                        Column("balance", "Balance", True),
                    ),
                    tuple(rows),
                ),
                Table(
                    "open_items",
                    "Open invoices",
                    (
                        Column("invoice", "Invoice"),
                        Column("date", "Date"),
                        Column("due", "Due"),
                        Column("total", "Total", True),
                        Column("open", "Open", True),
                        Column("overdue_days", "Days overdue", True),
                    ),
                    tuple(open_rows),
                ),
            ),
            totals=(
                ("Overdue", money(overdue, currency)),
                ("Balance due", money(balance, currency)),
            ),
            figures={"balance": money(balance, currency), "overdue": money(overdue, currency)},
            as_of=as_of,
            position=at,
        ),
    )


for _kind in (
    DocumentType("PO", "purchase_order", "Purchase order", build_purchase_order),
    DocumentType("GR", "goods_receipt", "Goods receipt note", build_goods_receipt),
    DocumentType("PY", "payment_advice", "Payment advice", build_payment_advice),
    DocumentType("SO", "sales_order", "Sales order confirmation", build_sales_order),
    DocumentType("DN", "delivery_note", "Delivery note", build_delivery_note),
    DocumentType("SI", "sales_invoice", "Invoice", build_sales_invoice),
    DocumentType("CN", "credit_note", "Credit note", build_credit_note),
):
    register(_kind)
