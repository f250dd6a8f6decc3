"""Each document type built from the stored events of its stream and the streams it names.

A document is the log as known at its own last event: the letterhead, the party and the items
are read as they were then, so rendering it again later (or from a copy of the log) gives the
same document. `DOCUMENT_TYPES` maps a number's series prefix to its builder; an area added
later (payroll's payslips) registers its own type with `register`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Protocol

from erp_core.documents.details import STREAM as DETAILS_STREAM
from erp_core.documents.details import language_stream
from erp_core.documents.events import CompanyDetailsConfigured, DocumentLanguageSet
from erp_core.documents.i18n import Formats
from erp_core.documents.log import LogView, Record
from erp_core.documents.model import Column, Document, Letterhead, Party, Table
from erp_core.inventory.events import ItemRegistered
from erp_core.kernel.errors import NotFound, ValidationError
from erp_core.kernel.money import round_to
from erp_core.ledger.events import CompanyCreated
from erp_core.procurement.events import (
    GoodsReceived,
    PurchaseOrderAmended,
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


def formats(view: LogView, party: str | None, code: str | None, at: int) -> Formats:
    """The language of a document to this party, as known at `at`: the one asked for when
    rendering, else the party's, else the company's, else English."""
    if view.language is not None:
        return Formats(view.language)
    if party is not None and code is not None:
        own = view.last(language_stream(party, code), DocumentLanguageSet, at)
        if own is not None and own[1].language is not None:
            return Formats(own[1].language)
    details = view.last(DETAILS_STREAM, CompanyDetailsConfigured, at)
    if details is not None and details[1].language is not None:
        return Formats(details[1].language)
    return Formats()


def currency_fields(
    f: Formats, currency: str, base: str, rate: Decimal | None, rate_date: dt.date | None
) -> list[tuple[str, str]]:
    """The document currency and, for a foreign one, the rate it was booked at."""
    fields = [(f.t("Currency"), currency)]
    if currency != base and rate is not None:
        fields.append(
            (f.t("Exchange rate"), f"1 {currency} = {f.number(rate)} {base}"),
        )
        if rate_date is not None:
            fields.append((f.t("Rate date"), f.date(rate_date)))
    return fields


def base_total(
    f: Formats, currency: str, base: str, amount: Decimal | None, label: str = "Total in {currency}"
) -> list[tuple[str, str]]:
    """The base-currency equivalent of a foreign document's total (as posted)."""
    if currency == base or amount is None:
        return []
    return [(f.t(label, currency=base), f.money(amount, base))]


def item_names(view: LogView, codes: set[str], at: int) -> dict[str, str]:
    names = {}
    for code in sorted(codes):
        found = view.last(f"item:{code}", ItemRegistered, at)
        names[code] = found[1].name if found else code
    return names


def supplier_party(
    view: LogView, code: str, at: int, f: Formats
) -> tuple[Party, SupplierRegistered | None]:
    found = view.last(f"supplier:{code}", SupplierRegistered, at)
    if found is None:
        return Party(role=f.t("Supplier"), code=code, name=code), None
    s = found[1]
    return Party(role=f.t("Supplier"), code=code, name=s.name, contact=s.contact), s


def customer_party(
    view: LogView, code: str, at: int, f: Formats, role: str = "Customer"
) -> tuple[Party, CustomerRegistered | None]:
    found = view.last(f"customer:{code}", CustomerRegistered, at)
    if found is None:
        return Party(role=f.t(role), code=code, name=code), None
    c = found[1]
    return Party(role=f.t(role), code=code, name=c.name, address=c.address, contact=c.contact), c


def finish(view: LogView, doc: Document) -> Document:
    """Stamp the chain hash at the document's position."""
    return replace(doc, chain_hash=view.chain_hash(doc.position))


def by_actor(records: list[Record], cls: type) -> Record | None:
    return next((r for r in reversed(records) if isinstance(r.event, cls)), None)


def terms_days(f: Formats, days: int) -> str:
    return f.t("{days} days net", days=days)


# --- purchase to pay -----------------------------------------------------------------------------


def build_purchase_order(view: LogView, number: str) -> Document:
    records = view.stream(f"po:{number}")
    own = [
        r
        for r in records
        if isinstance(
            r.event,
            PurchaseOrderCreated
            | PurchaseOrderAmended
            | PurchaseOrderApproved
            | PurchaseOrderCancelled
            | PurchaseOrderClosed,
        )
    ]
    if not own or not isinstance(own[0].event, PurchaseOrderCreated):
        raise not_found(number)
    order = own[0].event
    amended = by_actor(own, PurchaseOrderAmended)
    if amended is not None:  # the order as its last revision stands
        revision = amended.event
        assert isinstance(revision, PurchaseOrderAmended)
        order = order.model_copy(
            update={
                "lines": revision.lines,
                "total": revision.total,
                "base_total": revision.base_total,
                "expected_delivery": revision.expected_delivery,
                "needs_approval": revision.needs_approval,
            }
        )
    at = own[-1].position
    company, base = letterhead(view, at)
    currency = order.currency or base
    f = formats(view, "supplier", order.supplier, at)
    party, supplier = supplier_party(view, order.supplier, at, f)
    names = item_names(view, {line.item for line in order.lines}, at)
    status = f.t("Awaiting approval") if order.needs_approval else f.t("Approved")
    approved = by_actor(own, PurchaseOrderApproved)
    if approved is not None and (
        amended is None or approved.position > amended.position or not order.needs_approval
    ):
        status = f.t("Approved by {actor}", actor=approved.event.actor)
    for cls, word in ((PurchaseOrderClosed, "Closed"), (PurchaseOrderCancelled, "Cancelled")):
        ended = by_actor(own, cls)
        if ended is not None:
            status = f"{f.t(word)}: {ended.event.reason}"  # type: ignore[attr-defined]
    rows = []
    for i, line in enumerate(order.lines, start=1):
        rows.append(
            {
                "line": str(i),
                "item": line.item,
                "description": names[line.item],
                "quality": line.quality_standard or "",
                "warehouse": line.warehouse,
                "delivery": f.date(order.expected_delivery),
                "quantity": f.qty(line.quantity),
                "price": f.money(line.price, currency),
                "amount": f.money(round_to(line.quantity * line.price, currency), currency),
            }
        )
    fields = [
        (f.t("Order number"), number),
        (f.t("Order date"), f.date(order.date)),
        (f.t("Deliver by"), f.date(order.expected_delivery)),
        *currency_fields(f, currency, base, order.rate, order.rate_date),
    ]
    if amended is not None:
        assert isinstance(amended.event, PurchaseOrderAmended)
        fields.append((f.t("Revision"), f"{amended.event.revision} ({f.date(amended.event.date)})"))
    if supplier is not None:
        fields.append((f.t("Payment terms"), terms_days(f, supplier.payment_terms_days)))
    if order.plan:
        fields.append((f.t("Purchase plan"), order.plan))
    fields.append((f.t("Ordered by"), order.actor))
    notes = []
    if order.terms:
        notes.append((f.t("Terms"), order.terms))
    if order.contract:
        notes.append((f.t("Contract clauses"), order.contract))
    return finish(
        view,
        Document(
            type="purchase_order",
            title=f.t("Purchase order"),
            number=number,
            date=order.date,
            currency=currency,
            company=company,
            party=party,
            fields=tuple(fields),
            tables=(
                Table(
                    "lines",
                    f.t("Lines"),
                    (
                        Column("line", "#"),
                        Column("item", f.t("Item")),
                        Column("description", f.t("Description")),
                        Column("quality", f.t("Quality standard")),
                        Column("warehouse", f.t("Deliver to")),
                        Column("delivery", f.t("Delivery date")),
                        Column("quantity", f.t("Quantity"), True),
                        Column("price", f.t("Unit price"), True),
                        Column("amount", f.t("Amount"), True),
                    ),
                    tuple(rows),
                ),
            ),
            totals=(
                (f.t("Total"), f.money(order.total, currency)),
                *base_total(f, currency, base, order.base_total),
            ),
            notes=tuple(notes),
            status=status,
            figures={"total": f.money(order.total, currency)},
            language=f.language,
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
    # receipts come after any amendment (an order received against is never amended)
    revised = view.last(record.stream, PurchaseOrderAmended, at)
    if revised is not None:
        order = order.model_copy(update={"lines": revised[1].lines})
    company, base = letterhead(view, at)
    currency = received.currency or order.currency or base
    foreign = currency != base
    f = formats(view, "supplier", order.supplier, at)
    party, _ = supplier_party(view, order.supplier, at, f)
    names = item_names(view, {line.item for line in order.lines}, at)
    rows = []
    accepted_value = ZERO
    accepted_base = ZERO
    for line_no in sorted(received.lines):
        got = received.lines[line_no]
        ordered = order.lines[line_no - 1]
        amount = got.amount if foreign and got.amount is not None else got.value
        accepted_value += amount
        accepted_base += got.value
        rows.append(
            {
                "line": str(line_no),
                "item": ordered.item,
                "description": names[ordered.item],
                "warehouse": ordered.warehouse,
                "ordered": f.qty(ordered.quantity),
                "accepted": f.qty(got.accepted),
                "rejected": f.qty(got.rejected),
                "reason": got.reason or "",
                "value": f.money(amount, currency),
            }
        )
    accepted = sum((x.accepted for x in received.lines.values()), ZERO)
    rejected = sum((x.rejected for x in received.lines.values()), ZERO)
    return finish(
        view,
        Document(
            type="goods_receipt",
            title=f.t("Goods receipt note"),
            number=number,
            date=received.date,
            currency=currency,
            company=company,
            party=party,
            fields=(
                (f.t("Receipt number"), number),
                (f.t("Receipt date"), f.date(received.date)),
                (f.t("Purchase order"), order.document),
                *(
                    currency_fields(f, currency, base, received.rate, received.rate_date)
                    if foreign
                    else []
                ),
                (f.t("Received by"), received.actor),
            ),
            tables=(
                Table(
                    "lines",
                    f.t("Received"),
                    (
                        Column("line", f.t("Order line")),
                        Column("item", f.t("Item")),
                        Column("description", f.t("Description")),
                        Column("warehouse", f.t("Warehouse")),
                        Column("ordered", f.t("Ordered"), True),
                        Column("accepted", f.t("Accepted"), True),
                        Column("rejected", f.t("Rejected"), True),
                        Column("reason", f.t("Reason for rejection")),
                        Column("value", f.t("Accepted value"), True),
                    ),
                    tuple(rows),
                ),
            ),
            totals=(
                (f.t("Accepted quantity"), f.qty(accepted)),
                (f.t("Rejected quantity"), f.qty(rejected)),
                (f.t("Accepted value"), f.money(accepted_value, currency)),
                *base_total(
                    f,
                    currency,
                    base,
                    accepted_base if foreign else None,
                    "Stocked at, in {currency}",
                ),
            ),
            figures={
                "accepted": f.qty(accepted),
                "rejected": f.qty(rejected),
                "value": f.money(accepted_value, currency),
            },
            language=f.language,
            position=at,
        ),
    )


def build_payment_advice(view: LogView, number: str) -> Document:
    records = view.stream(f"pay:{number}")
    if not records or not isinstance(records[0].event, SupplierPaymentPosted):
        raise not_found(number)
    payment = records[0].event
    at = records[-1].position
    company, base = letterhead(view, at)
    currency = payment.currency or base
    f = formats(view, "supplier", payment.supplier, at)
    party, _ = supplier_party(view, payment.supplier, at, f)
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
                "invoice_date": f.date(posted.date) if posted else "",
                "invoice_total": (f.money(posted.total, posted.currency or base) if posted else ""),
                "paid": f.money(a.amount, currency),
            }
        )
    unallocated = payment.amount - allocated
    return finish(
        view,
        Document(
            type="payment_advice",
            title=f.t("Payment advice"),
            number=number,
            date=payment.date,
            currency=currency,
            company=company,
            party=party,
            fields=(
                (f.t("Payment number"), number),
                (f.t("Payment date"), f.date(payment.date)),
                *currency_fields(f, currency, base, payment.rate, payment.rate_date),
            ),
            tables=(
                Table(
                    "lines",
                    f.t("Invoices paid"),
                    (
                        Column("invoice", f.t("Our reference")),
                        Column("reference", f.t("Your invoice")),
                        Column("invoice_date", f.t("Invoice date")),
                        Column("invoice_total", f.t("Invoice total"), True),
                        Column("paid", f.t("Paid"), True),
                    ),
                    tuple(rows),
                ),
            ),
            totals=(
                (f.t("Allocated to invoices"), f.money(allocated, currency)),
                (f.t("On account"), f.money(unallocated, currency)),
                (f.t("Amount paid"), f.money(payment.amount, currency)),
                *base_total(f, currency, base, payment.base_amount, "Amount paid in {currency}"),
            ),
            figures={
                "amount": f.money(payment.amount, currency),
                "allocated": f.money(allocated, currency),
                "unallocated": f.money(unallocated, currency),
            },
            language=f.language,
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
    company, base = letterhead(view, at)
    currency = order.currency or base
    f = formats(view, "customer", order.customer, at)
    party, customer = customer_party(view, order.customer, at, f)
    names = item_names(view, {line.item for line in order.lines}, at)
    status = f.t("Draft: not confirmed")
    if by_actor(own, SalesOrderConfirmed) is not None:
        status = f.t("Confirmed")
    cancelled = by_actor(own, SalesOrderCancelled)
    if cancelled is not None:
        status = f"{f.t('Cancelled')}: {cancelled.event.reason}"  # type: ignore[attr-defined]
    fields = [
        (f.t("Order number"), number),
        (f.t("Order date"), f.date(order.date)),
        (f.t("Delivery date"), f.date(order.delivery_date)),
        *currency_fields(f, currency, base, order.rate, order.rate_date),
    ]
    notes = []
    if customer is not None:
        fields.append((f.t("Payment terms"), terms_days(f, customer.payment_terms_days)))
        notes.append(
            (
                f.t("Terms"),
                f.t(
                    "Goods are delivered by {date} and invoiced on delivery; payment is due "
                    "{days} days after the invoice date. Prices are in {currency}.",
                    date=f.date(order.delivery_date),
                    days=customer.payment_terms_days,
                    currency=currency,
                ),
            )
        )
    return finish(
        view,
        Document(
            type="sales_order",
            title=f.t("Sales order confirmation"),
            number=number,
            date=order.date,
            currency=currency,
            company=company,
            party=party,
            fields=tuple(fields),
            tables=(
                _billed_lines(dict(enumerate(order.lines, start=1)), order, names, currency, f),
            ),
            totals=_net_tax_total(f, order, currency, base, label="Total"),
            notes=tuple(notes),
            status=status,
            figures=_net_tax_figures(f, order, currency),
            language=f.language,
            position=at,
        ),
    )


def build_delivery_note(view: LogView, number: str) -> Document:
    record = _find(view, GoodsDelivered, "delivery", number)
    delivered = record.event
    assert isinstance(delivered, GoodsDelivered)
    at = record.position
    _, order = _sales_order(view, record.stream.removeprefix("so:"), number)
    company, base = letterhead(view, at)
    f = formats(view, "customer", order.customer, at)
    party, _ = customer_party(view, order.customer, at, f, role="Deliver to")
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
                "ordered": f.qty(ordered.quantity),
                "delivered": f.qty(d.quantity),
            }
        )
    total = sum((d.quantity for d in delivered.lines.values()), ZERO)
    return finish(
        view,
        Document(
            type="delivery_note",
            title=f.t("Delivery note"),
            number=number,
            date=delivered.date,
            currency=order.currency or base,
            company=company,
            party=party,
            fields=(
                (f.t("Delivery number"), number),
                (f.t("Delivery date"), f.date(delivered.date)),
                (f.t("Sales order"), order.document),
                (f.t("Dispatched by"), delivered.actor),
            ),
            tables=(
                Table(
                    "lines",
                    f.t("Goods"),
                    (
                        Column("line", f.t("Order line")),
                        Column("item", f.t("Item")),
                        Column("description", f.t("Description")),
                        Column("warehouse", f.t("From")),
                        Column("batch", f.t("Batch")),
                        Column("ordered", f.t("Ordered"), True),
                        Column("delivered", f.t("Delivered"), True),
                    ),
                    tuple(rows),
                ),
            ),
            totals=((f.t("Quantity delivered"), f.qty(total)),),
            figures={"quantity": f.qty(total)},
            language=f.language,
            position=at,
        ),
    )


def _tax_breakdown(
    billed: dict[int, tuple[Decimal, Decimal]],
    order: SalesOrderCreated,
    currency: str,
    f: Formats,
) -> Table:
    """Net and tax per tax rate."""
    by_rate: dict[Decimal, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for line_no, (net, tax) in billed.items():
        rate = order.lines[line_no - 1].tax_rate
        by_rate[rate][0] += net
        by_rate[rate][1] += tax
    rows = tuple(
        {
            "rate": f.percent(rate),
            "net": f.money(net, currency),
            "tax": f.money(tax, currency),
            "gross": f.money(net + tax, currency),
        }
        for rate, (net, tax) in sorted(by_rate.items())
    )
    return Table(
        "tax",
        f.t("Tax breakdown"),
        (
            Column("rate", f.t("Tax rate"), True),
            Column("net", f.t("Net"), True),
            Column("tax", f.t("Tax"), True),
            Column("gross", f.t("Gross"), True),
        ),
        rows,
    )


class _Billed(Protocol):
    """What a sales document's line bills of an order line: an order's own lines, or the
    lines of an invoice or a credit note."""

    @property
    def quantity(self) -> Decimal: ...
    @property
    def net(self) -> Decimal: ...
    @property
    def tax(self) -> Decimal: ...


def _billed_lines(
    lines: Mapping[int, _Billed],
    order: SalesOrderCreated,
    names: dict[str, str],
    currency: str,
    f: Formats,
) -> Table:
    """The lines of a sales document, by order line number: item, quantity and amounts
    billed, at the order's price, discount and tax rate."""
    rows = []
    for line_no in sorted(lines):
        b = lines[line_no]
        o = order.lines[line_no - 1]
        rows.append(
            {
                "line": str(line_no),
                "item": o.item,
                "description": names[o.item],
                "quantity": f.qty(b.quantity),
                "price": f.money(o.price, currency),
                "discount": f.percent(o.discount),
                "net": f.money(b.net, currency),
                "tax_rate": f.percent(o.tax_rate),
                "tax": f.money(b.tax, currency),
            }
        )
    columns = (
        Column("line", "#"),
        Column("item", f.t("Item")),
        Column("description", f.t("Description")),
        Column("quantity", f.t("Quantity"), True),
        Column("price", f.t("Unit price"), True),
        Column("discount", f.t("Discount"), True),
        Column("net", f.t("Net"), True),
        Column("tax_rate", f.t("Tax rate"), True),
        Column("tax", f.t("Tax"), True),
    )
    return Table("lines", f.t("Lines"), columns, tuple(rows))


class _Taxed(Protocol):
    """A sales document's amounts: an order, an invoice or a credit note."""

    @property
    def net(self) -> Decimal: ...
    @property
    def tax(self) -> Decimal: ...
    @property
    def total(self) -> Decimal: ...
    @property
    def base_total(self) -> Decimal | None: ...


def _net_tax_total(
    f: Formats, doc: _Taxed, currency: str, base: str, label: str
) -> tuple[tuple[str, str], ...]:
    """The totals of a sales document: net, tax, the total under `label`, and for a foreign
    one the total in base."""
    return (
        (f.t("Net"), f.money(doc.net, currency)),
        (f.t("Tax"), f.money(doc.tax, currency)),
        (f.t(label), f.money(doc.total, currency)),
        *base_total(f, currency, base, doc.base_total),
    )


def _net_tax_figures(f: Formats, doc: _Taxed, currency: str) -> dict[str, str]:
    return {
        "net": f.money(doc.net, currency),
        "tax": f.money(doc.tax, currency),
        "total": f.money(doc.total, currency),
    }


def build_sales_invoice(view: LogView, number: str) -> Document:
    posted = view.of(f"sinv:{number}", SalesInvoicePosted)
    if not posted:
        raise not_found(number)
    at, invoice = posted[0]
    _, order = _sales_order(view, invoice.order, number)
    company, base = letterhead(view, at)
    currency = invoice.currency or base
    f = formats(view, "customer", invoice.customer, at)
    party, customer = customer_party(view, invoice.customer, at, f, role="Bill to")
    names = item_names(view, {line.item for line in order.lines}, at)
    billed = {n: (b.net, b.tax) for n, b in invoice.lines.items()}
    fields = [
        (f.t("Invoice number"), number),
        (f.t("Invoice date"), f.date(invoice.date)),
        (f.t("Due date"), f.date(invoice.due)),
        (f.t("Sales order"), invoice.order),
        *currency_fields(f, currency, base, invoice.rate, invoice.rate_date),
    ]
    if customer is not None:
        fields.append((f.t("Payment terms"), terms_days(f, customer.payment_terms_days)))
    return finish(
        view,
        Document(
            type="sales_invoice",
            title=f.t("Invoice"),
            number=number,
            date=invoice.date,
            currency=currency,
            company=company,
            party=party,
            fields=tuple(fields),
            tables=(
                _billed_lines(invoice.lines, order, names, currency, f),
                _tax_breakdown(billed, order, currency, f),
            ),
            totals=_net_tax_total(f, invoice, currency, base, label="Total due"),
            notes=(
                (
                    f.t("Payment"),
                    f.t(
                        "Please pay {amount} {currency} by {date}, quoting {number}.",
                        amount=f.money(invoice.total, currency),
                        currency=currency,
                        date=f.date(invoice.due),
                        number=number,
                    ),
                ),
            ),
            figures={
                **_net_tax_figures(f, invoice, currency),
                "due": f.date(invoice.due),
            },
            language=f.language,
            position=at,
        ),
    )


def build_credit_note(view: LogView, number: str) -> Document:
    posted = view.of(f"rcpt:{number}", CreditNotePosted)
    if not posted:
        raise not_found(number)
    at, note = posted[0]
    _, order = _sales_order(view, note.order, number)
    company, base = letterhead(view, at)
    currency = note.currency or base
    f = formats(view, "customer", note.customer, at)
    party, _ = customer_party(view, note.customer, at, f, role="Credit to")
    names = item_names(view, {line.item for line in order.lines}, at)
    credited = {n: (b.net, b.tax) for n, b in note.lines.items()}
    return finish(
        view,
        Document(
            type="credit_note",
            title=f.t("Credit note"),
            number=number,
            date=note.date,
            currency=currency,
            company=company,
            party=party,
            fields=(
                (f.t("Credit note number"), number),
                (f.t("Date"), f.date(note.date)),
                (f.t("Credits invoice"), note.invoice),
                (f.t("Sales order"), note.order),
                *currency_fields(f, currency, base, note.rate, note.rate_date),
            ),
            tables=(
                _billed_lines(note.lines, order, names, currency, f),
                _tax_breakdown(credited, order, currency, f),
            ),
            totals=_net_tax_total(f, note, currency, base, label="Total credited"),
            notes=((f.t("Reason"), note.reason),),
            figures=_net_tax_figures(f, note, currency),
            language=f.language,
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
    running balance, and the invoices still open on that date, in the customer's currency."""
    number = statement_number(customer, as_of)
    registered = view.of(f"customer:{customer}", CustomerRegistered)
    if not registered:
        raise NotFound(f"customer: unknown customer {customer!r}")
    at = registered[0][0]
    entries: list[tuple[dt.date, int, str, str, dict[str, object], str, Decimal]] = []
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
                (
                    e.date,
                    record.position,
                    e.document,
                    "Invoice, due {date}",
                    {"date": e.due},
                    "debit",
                    e.total,
                )
            )
        elif isinstance(e, CreditNotePosted):
            entries.append(
                (
                    e.date,
                    record.position,
                    e.document,
                    "Credit note on {invoice}",
                    {"invoice": e.invoice},
                    "credit",
                    e.total,
                )
            )
        elif isinstance(e, CustomerReceiptPosted):
            entries.append(
                (e.date, record.position, e.document, "Payment received", {}, "credit", e.amount)
            )
        at = max(at, record.position)
    company, base = letterhead(view, at)
    f = formats(view, "customer", customer, at)
    party, info = customer_party(view, customer, at, f)
    currency = (info.currency if info is not None else None) or base
    rows = []
    balance = ZERO
    for date, _pos, document, text, values, side, amount in sorted(
        entries, key=lambda x: (x[0], x[1])
    ):
        balance += amount if side == "debit" else -amount
        shown = {k: f.date(v) if isinstance(v, dt.date) else v for k, v in values.items()}
        rows.append(
            {
                "date": f.date(date),
                "document": document,
                "description": f.t(text, **shown),
                "debit": f.money(amount, currency) if side == "debit" else "",
                "credit": f.money(amount, currency) if side == "credit" else "",
                "balance": f.money(balance, currency),
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
                "date": f.date(inv.date),
                "due": f.date(inv.due),
                "total": f.money(inv.total, currency),
                "open": f.money(left, currency),
                "overdue_days": str(late) if late > 0 else "",
            }
        )
    return finish(
        view,
        Document(
            type="statement",
            title=f.t("Statement of account"),
            number=number,
            date=as_of,
            currency=currency,
            company=company,
            party=party,
            fields=(
                (f.t("Statement date"), f.date(as_of)),
                (f.t("Customer"), customer),
                (f.t("Currency"), currency),
            ),
            tables=(
                Table(
                    "lines",
                    f.t("Transactions"),
                    (
                        Column("date", f.t("Date")),
                        Column("document", f.t("Document")),
                        Column("description", f.t("Description")),
                        Column("debit", f.t("Debit"), True),
                        Column("credit", f.t("Credit"), True),
                        Column("balance", f.t("Balance"), True),
                    ),
                    tuple(rows),
                ),
                Table(
                    "open_items",
                    f.t("Open invoices"),
                    (
                        Column("invoice", f.t("Invoice")),
                        Column("date", f.t("Date")),
                        Column("due", f.t("Due")),
                        Column("total", f.t("Total"), True),
                        Column("open", f.t("Open"), True),
                        Column("overdue_days", f.t("Days overdue"), True),
                    ),
                    tuple(open_rows),
                ),
            ),
            totals=(
                (f.t("Overdue"), f.money(overdue, currency)),
                (f.t("Balance due"), f.money(balance, currency)),
            ),
            figures={
                "balance": f.money(balance, currency),
                "overdue": f.money(overdue, currency),
            },
            as_of=as_of,
            language=f.language,
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
