"""Handlers of the import area (importing this module registers them)."""

from __future__ import annotations

import datetime as dt

import erp_core.imports.events  # noqa: F401  (registers the voucher kind)
from erp_core.imports.commands import (
    RecordImportBatch,
    RecordOpeningPayable,
    RecordOpeningReceivable,
)
from erp_core.imports.events import ImportBatchRecorded, ImportedRow, OpeningReceivableClaimed
from erp_core.kernel.aggregate import Aggregate
from erp_core.kernel.context import Context
from erp_core.kernel.errors import ValidationError
from erp_core.kernel.money import ZERO
from erp_core.kernel.registry import handles
from erp_core.ledger.posting import (
    chart_of,
    check_money,
    check_period,
    company_of,
    gl,
    post,
)
from erp_core.procurement.documents import Supplier, SupplierInvoice, SupplierReference
from erp_core.procurement.events import SupplierInvoicePosted, SupplierReferenceClaimed
from erp_core.sales.documents import Customer, SalesInvoice, customer_stream
from erp_core.sales.documents import invoice_stream as sales_invoice_stream
from erp_core.sales.events import CustomerExposureChanged, SalesInvoicePosted


# procurement's stream names (its handlers module is not imported from another area; a test
# checks these agree with it)
def supplier_stream(code: str) -> str:
    return f"supplier:{code}"


def invoice_stream(document: str) -> str:
    return f"pinv:{document}"


def reference_stream(supplier: str, reference: str) -> str:
    return f"supref:{supplier}/{reference}"


def _invoice_date(cmd: RecordOpeningPayable | RecordOpeningReceivable) -> dt.date:
    """The open invoice's own date (default: the opening day), checked against the opening
    day and the due date."""
    invoice_date = cmd.invoice_date or cmd.date
    if invoice_date > cmd.date:
        raise ValidationError("invoice_date", f"{invoice_date} is after the opening day {cmd.date}")
    if cmd.due < invoice_date:
        raise ValidationError("due", f"{cmd.due} is before the invoice date {invoice_date}")
    return invoice_date


@handles(RecordOpeningPayable)
def record_opening_payable(cmd: RecordOpeningPayable, ctx: Context) -> list[str]:
    uow, actor, now = ctx.uow, ctx.actor, ctx.now
    base = company_of(uow).base_currency
    chart = chart_of(uow)
    check_period(uow, cmd.date)
    supplier = uow.get(Supplier, supplier_stream(cmd.supplier)).info()
    if supplier.currency != base:
        raise ValidationError(
            "supplier",
            f"{supplier.code} invoices in {supplier.currency}; opening items are taken over in "
            f"the base currency {base} only",
        )
    check_money(cmd.amount, base, "amount")
    invoice_date = _invoice_date(cmd)
    chart.check_postable(cmd.offset_account, base, "offset_account")
    payables = chart.by_role("payables").code
    claimed = uow.get(SupplierReference, reference_stream(cmd.supplier, cmd.supplier_reference))
    if claimed.invoice is not None:
        raise ValidationError(
            "supplier_reference",
            f"{supplier.code}'s invoice {cmd.supplier_reference} is already booked as "
            f"{claimed.invoice}",
        )
    memo = cmd.memo or f"{supplier.code} {cmd.supplier_reference} (opening)"
    document = post(
        ctx,
        series="OP",
        kind="opening_payable",
        date=cmd.date,
        memo=f"Opening payable {supplier.name} {cmd.supplier_reference}",
        lines=[
            gl(cmd.offset_account, cmd.amount, base, memo),
            gl(payables, -cmd.amount, base, memo, party=cmd.supplier),
        ],
    )
    claimed.trigger(SupplierReferenceClaimed(actor=actor, recorded_at=now, invoice=document))
    invoice = SupplierInvoice(invoice_stream(document))
    invoice.trigger(
        SupplierInvoicePosted(
            actor=actor,
            recorded_at=now,
            document=document,
            supplier=cmd.supplier,
            supplier_reference=cmd.supplier_reference,
            date=invoice_date,
            due=cmd.due,
            net=cmd.amount,
            tax=ZERO,
            total=cmd.amount,
        )
    )
    uow.add(invoice)
    return [document]


class OpeningReceivableClaim(Aggregate):
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.invoice: str | None = None

    def _on_claimed(self, e: OpeningReceivableClaimed) -> None:
        self.invoice = e.invoice

    handlers = {OpeningReceivableClaimed: _on_claimed}


def claim_stream(customer: str, reference: str) -> str:
    return f"oprcv:{customer}/{reference}"


@handles(RecordOpeningReceivable)
def record_opening_receivable(cmd: RecordOpeningReceivable, ctx: Context) -> list[str]:
    uow = ctx.uow
    base = company_of(uow).base_currency
    chart = chart_of(uow)
    check_period(uow, cmd.date)
    customer = uow.get(Customer, customer_stream(cmd.customer))
    info = customer.info()
    if info.currency != base:
        raise ValidationError(
            "customer",
            f"{info.code} is billed in {info.currency}; opening items are taken over in the "
            f"base currency {base} only",
        )
    check_money(cmd.amount, base, "amount")
    if cmd.amount <= 0:
        raise ValidationError(
            "amount",
            "an open invoice's amount must be greater than zero (take a credit over "
            "as an opening balance or a receipt)",
        )
    invoice_date = _invoice_date(cmd)
    chart.check_postable(cmd.offset_account, base, "offset_account")
    receivables = chart.by_role("receivables").code
    if cmd.offset_account == receivables:
        raise ValidationError("offset_account", "must differ from the receivables account")
    claim = uow.get(OpeningReceivableClaim, claim_stream(cmd.customer, cmd.invoice_reference))
    if claim.invoice is not None:
        raise ValidationError(
            "invoice_reference",
            f"{info.code}'s invoice {cmd.invoice_reference} is already taken over as "
            f"{claim.invoice}",
        )
    memo = cmd.memo or f"{info.code} {cmd.invoice_reference} (opening)"
    document = post(
        ctx,
        series="OR",
        kind="opening_receivable",
        date=cmd.date,
        memo=f"Opening receivable {info.name} {cmd.invoice_reference}",
        lines=[
            gl(receivables, cmd.amount, base, memo, party=cmd.customer),
            gl(cmd.offset_account, -cmd.amount, base, memo),
        ],
    )
    claim.trigger(
        ctx.event(
            OpeningReceivableClaimed,
            customer=cmd.customer,
            reference=cmd.invoice_reference,
            invoice=document,
        )
    )
    invoice = SalesInvoice(sales_invoice_stream(document))
    invoice.trigger(
        ctx.event(
            SalesInvoicePosted,
            document=document,
            order="",  # taken over from the old books: no sales order, no order lines
            customer=cmd.customer,
            date=invoice_date,
            due=cmd.due,
            lines={},
            net=cmd.amount,
            tax=ZERO,
            total=cmd.amount,
        )
    )
    uow.add(invoice)
    customer.trigger(
        ctx.event(
            CustomerExposureChanged,
            document=document,
            orders=ZERO,
            receivables=cmd.amount,
        )
    )
    return [document]


def batch_stream(file_sha256: str) -> str:
    return f"import:{file_sha256}"


class ImportedFile(Aggregate):
    """The runs that stored something from one source file (by the hash of its bytes)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.batches = 0

    def _on_recorded(self, e: ImportBatchRecorded) -> None:
        self.batches += 1

    handlers = {ImportBatchRecorded: _on_recorded}


@handles(RecordImportBatch)
def record_import_batch(cmd: RecordImportBatch, ctx: Context) -> list[str]:
    if cmd.part > cmd.parts:
        raise ValidationError("part", f"part {cmd.part} of {cmd.parts}")
    seen: set[int] = set()
    for index, row in enumerate(cmd.rows):
        twice = seen.intersection(row.rows)
        if twice:
            raise ValidationError(f"rows.{index}.rows", f"row {min(twice)} is listed twice")
        seen.update(row.rows)
    stream = batch_stream(cmd.file_sha256)
    imported = ctx.uow.get(ImportedFile, stream)
    imported.trigger(
        ctx.event(
            ImportBatchRecorded,
            kind=cmd.kind,
            file=cmd.file,
            file_sha256=cmd.file_sha256,
            mapping_sha256=cmd.mapping_sha256,
            rows_read=cmd.rows_read,
            part=cmd.part,
            parts=cmd.parts,
            rows=tuple(
                ImportedRow(
                    rows=r.rows, external_id=r.external_id, key=r.key, documents=r.documents
                )
                for r in cmd.rows
            ),
        )
    )
    return [stream]
