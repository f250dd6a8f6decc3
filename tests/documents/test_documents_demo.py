"""Every document type of the demo company (`erp demo`), rendered as HTML and PDF, read back and
checked against the posted journal, then verified (and a tampered copy refused) by the CLI."""

from __future__ import annotations

import io
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from erp_core import Erp
from erp_core.cli import cli
from erp_core.documents import service
from erp_core.documents.log import LogView
from erp_core.documents.render import render
from erp_core.procurement.events import GoodsReceived, PurchaseOrderCreated, SupplierPaymentPosted
from erp_core.sales.events import (
    CreditNotePosted,
    GoodsDelivered,
    SalesInvoicePosted,
    SalesOrderCreated,
)

# the figure of each type that the journal posted for the document (orders post nothing)
POSTED_FIGURE = {
    "sales_invoice": "Total due",
    "credit_note": "Total credited",
    "payment_advice": "Amount paid",
    "goods_receipt": "Accepted value",
}


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("documents-demo") / "demo.sqlite"
    result = CliRunner().invoke(cli, ["--db", f"sqlite:///{path}", "--actor", "tester", "demo"])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture(scope="module")
def demo(demo_path: Path) -> Iterator[Erp]:
    books = Erp.open(f"sqlite:///{demo_path}", actor="tester")
    yield books
    books.close()


def first_numbers(erp: Erp) -> dict[str, str]:
    """The first document of each series in the demo's log."""
    found: dict[str, str] = {}
    for cls, attr, series in (
        (PurchaseOrderCreated, "document", "PO"),
        (GoodsReceived, "receipt", "GR"),
        (SupplierPaymentPosted, "document", "PY"),
        (SalesOrderCreated, "document", "SO"),
        (GoodsDelivered, "delivery", "DN"),
        (SalesInvoicePosted, "document", "SI"),
        (CreditNotePosted, "document", "CN"),
    ):
        for record in LogView(erp).scan(cls):
            found.setdefault(series, getattr(record.event, attr))
            break
    customer = next(iter(LogView(erp).scan(SalesInvoicePosted))).event.customer  # type: ignore[attr-defined]
    found["STMT"] = f"STMT-2026-12-31-{customer}"
    return found


def amount(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_every_document_type_of_the_demo_renders_and_matches_the_journal(demo: Erp) -> None:
    numbers = first_numbers(demo)
    assert set(numbers) == {"PO", "GR", "PY", "SO", "DN", "SI", "CN", "STMT"}
    journal: dict[str, Decimal] = {}
    for line in demo.general_ledger():
        if line.base > 0:
            journal[line.document] = journal.get(line.document, Decimal(0)) + line.base
    for number in numbers.values():
        doc = service.document(demo, number)
        assert doc.party is not None, number
        totals = dict(doc.totals)
        # the figures the journal posted for the document
        if doc.type in POSTED_FIGURE:
            assert amount(totals[POSTED_FIGURE[doc.type]]) == journal[number], number
        # the lines add up to the totals
        lines = doc.table("lines")
        assert lines is not None and lines.rows, number
        if doc.type == "purchase_order":
            assert sum(amount(r["amount"]) for r in lines.rows) == amount(totals["Total"])
        if doc.type in ("sales_order", "sales_invoice", "credit_note"):
            net = sum(amount(r["net"]) for r in lines.rows)
            assert net == amount(totals["Net"]), number
            assert amount(totals["Net"]) + amount(totals["Tax"]) == amount(doc.totals[2][1])
        if doc.type == "delivery_note":
            delivered = sum(amount(r["delivered"]) for r in lines.rows)
            assert delivered == amount(totals["Quantity delivered"])
        if doc.type == "statement":
            assert rows_balance(lines.rows) == amount(totals["Balance due"])
            # the year's last statement: its balance is the customer's sub-ledger balance
            ledger = demo.customer_ledger(doc.party.code)
            assert ledger[-1].balance == amount(totals["Balance due"])

        html = render(doc, "html")
        text = service.html_scan(html)[1]
        assert f"{doc.title} {number}" in text and doc.party.name in text
        for label, value in doc.totals:
            last = len(text) - 1 - text[::-1].index(label)  # the totals come after the tables
            assert text[last + 1] == value, (number, label)
        extracted = pdf_text(render(doc, "pdf"))
        assert f"{doc.title} {number}" in extracted and doc.party.name in extracted
        for label, value in doc.totals:
            assert f"{label} {value}" in extracted, (number, label)


def rows_balance(rows: tuple[dict[str, str], ...]) -> Decimal:
    debit = sum((amount(r["debit"]) for r in rows if r["debit"]), Decimal(0))
    credit = sum((amount(r["credit"]) for r in rows if r["credit"]), Decimal(0))
    assert amount(rows[-1]["balance"]) == debit - credit
    return debit - credit


@pytest.mark.parametrize("fmt", ["html", "pdf"])
def test_erp_document_verify_passes_for_each_demo_document_and_fails_for_a_tampered_copy(
    demo: Erp, demo_path: Path, tmp_path: Path, fmt: str
) -> None:
    db = ["--db", f"sqlite:///{demo_path}", "--actor", "tester"]
    runner = CliRunner()
    for number in first_numbers(demo).values():
        out = tmp_path / f"{number}.{fmt}"
        if number.startswith("STMT"):
            args = ["document", "statement", number[16:], "--as-of", number[5:15]]
        else:
            args = ["document", number]
        made = runner.invoke(cli, [*db, *args, "--format", fmt, "--out", str(out)])
        assert made.exit_code == 0, made.output
        ok = runner.invoke(cli, [*db, "document", "verify", str(out)])
        assert ok.exit_code == 0, (number, ok.output)
        assert f"OK: {number} at log position" in ok.output

        doc = service.document(demo, number)
        figure = doc.totals[-1][1]
        forged = tmp_path / f"forged-{number}.{fmt}"
        if fmt == "html":
            data = out.read_bytes()
            old = f'<td class="num">{figure}</td>'.encode()
            assert old in data, number
            forged.write_bytes(data.replace(old, f'<td class="num">{figure}9</td>'.encode()))
        else:
            import dataclasses

            changed = dataclasses.replace(
                doc, totals=(*doc.totals[:-1], (doc.totals[-1][0], figure + "9"))
            )
            forged.write_bytes(_forge_pdf(changed, doc))
        bad = runner.invoke(cli, [*db, "document", "verify", str(forged)])
        assert bad.exit_code == 1, (number, bad.output)
        assert f"FAILED: {number}" in bad.output
        assert f"+{doc.totals[-1][0]} {figure}9" in bad.output or f"+{figure}9" in bad.output


def _forge_pdf(changed: service.Document, real: service.Document) -> bytes:
    """A PDF with a changed figure and the real document's verification block copied in."""
    from erp_core.documents import model

    block, code = real.verification_json(), real.code
    original = (model.Document.verification_json, model.Document.code)
    model.Document.verification_json = lambda self: block  # type: ignore[method-assign]
    model.Document.code = property(lambda self: code)  # type: ignore[assignment,method-assign]
    try:
        return render(changed, "pdf")
    finally:
        model.Document.verification_json, model.Document.code = original  # type: ignore[method-assign]
