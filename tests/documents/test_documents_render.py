"""Every document type rendered from a small book, checked figure by figure."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from documents_book import HOSTILE, Book, build_book

from erp_core import Erp
from erp_core.documents import service
from erp_core.documents.render import render
from erp_core.kernel.errors import NotFound, ValidationError


@pytest.fixture
def book(erp: Erp) -> Book:
    return build_book(erp)


def text_of(data: bytes) -> list[str]:
    return service.html_scan(data)[1]


def rows(doc: service.Document, table: str = "lines") -> list[dict[str, str]]:
    found = doc.table(table)
    assert found is not None
    return list(found.rows)


def test_purchase_order_has_lines_terms_delivery_date_and_contract_clauses(
    erp: Erp, book: Book
) -> None:
    doc = service.document(erp, book.po)
    assert (doc.title, doc.number, doc.date) == ("Purchase order", book.po, dt.date(2026, 1, 5))
    assert doc.party is not None and doc.party.name == "Steel Supplies"
    assert rows(doc) == [
        {
            "line": "1",
            "item": "BOLT",
            "description": "Bolt M8",
            "quality": "ISO 898-1",
            "warehouse": "MAIN",
            "delivery": "2026-01-10",
            "quantity": "100",
            "price": "2.00",
            "amount": "200.00",
        }
    ]
    assert doc.totals == (("Total", "200.00"),)
    assert dict(doc.fields)["Payment terms"] == "30 days net"
    assert dict(doc.notes) == {
        "Terms": "Delivered duty paid, Springfield",
        "Contract clauses": "1. Goods must meet ISO 898-1.\n2. Late delivery: 1% per week.",
    }
    page = render(doc, "html").decode()
    assert "Late delivery: 1% per week." in page
    assert "Test Co Ltd" in page and "EU123456789" in page


def test_goods_receipt_note_shows_accepted_and_rejected_quantities(erp: Erp, book: Book) -> None:
    doc = service.document(erp, book.gr)
    assert rows(doc)[0] | {} == {
        "line": "1",
        "item": "BOLT",
        "description": "Bolt M8",
        "warehouse": "MAIN",
        "ordered": "100",
        "accepted": "90",
        "rejected": "10",
        "reason": "rust",
        "value": "180.00",
    }
    assert doc.totals == (
        ("Accepted quantity", "90"),
        ("Rejected quantity", "10"),
        ("Accepted value", "180.00"),
    )
    assert dict(doc.fields)["Purchase order"] == book.po


def test_payment_advice_lists_the_invoices_paid_and_what_is_on_account(
    erp: Erp, book: Book
) -> None:
    doc = service.document(erp, book.py)
    assert rows(doc) == [
        {
            "invoice": book.pi,
            "reference": "SS-77",
            "invoice_date": "2026-01-12",
            "invoice_total": "216.00",
            "paid": "216.00",
        }
    ]
    assert doc.totals == (
        ("Allocated to invoices", "216.00"),
        ("On account", "34.00"),
        ("Amount paid", "250.00"),
    )


def test_sales_order_confirmation_has_prices_discount_tax_and_terms(erp: Erp, book: Book) -> None:
    doc = service.document(erp, book.so)
    assert doc.status == "Confirmed"
    (line,) = rows(doc)
    assert (line["quantity"], line["price"], line["discount"], line["net"], line["tax"]) == (
        "50",
        "10.00",
        "10%",
        "450.00",
        "90.00",
    )
    assert doc.totals == (("Net", "450.00"), ("Tax", "90.00"), ("Total", "540.00"))
    assert "payment is due 30 days after the invoice date" in dict(doc.notes)["Terms"]


def test_delivery_note_shows_quantities_without_prices(erp: Erp, book: Book) -> None:
    doc = service.document(erp, book.dn)
    assert rows(doc) == [
        {
            "line": "1",
            "item": "BOLT",
            "description": "Bolt M8",
            "warehouse": "MAIN",
            "batch": "",
            "ordered": "50",
            "delivered": "40",
        }
    ]
    assert doc.totals == (("Quantity delivered", "40"),)
    assert doc.party is not None and doc.party.address == "2 High Street\nShelbyville"
    assert "10.00" not in " ".join(text_of(render(doc, "html")))


def test_sales_invoice_has_tax_breakdown_and_due_date_equal_to_the_posted_journal(
    erp: Erp, book: Book
) -> None:
    doc = service.document(erp, book.si)
    assert doc.totals == (("Net", "360.00"), ("Tax", "72.00"), ("Total due", "432.00"))
    assert rows(doc, "tax") == [{"rate": "20%", "net": "360.00", "tax": "72.00", "gross": "432.00"}]
    assert dict(doc.fields)["Due date"] == "2026-03-08"
    # the journal posted for the invoice: receivables 432.00, revenue 360.00, tax 72.00
    posted = {
        (line.account, line.base) for line in erp.general_ledger() if line.document == book.si
    }
    assert posted == {
        ("1200", Decimal("432.00")),
        ("4100", Decimal("-360.00")),
        ("2200", Decimal("-72.00")),
    }
    text = text_of(render(doc, "html"))
    assert "Total due" in text and text[text.index("Total due") + 1] == "432.00"


def test_credit_note_points_at_its_invoice_with_reason_and_totals(erp: Erp, book: Book) -> None:
    doc = service.document(erp, book.cn)
    assert dict(doc.fields)["Credits invoice"] == book.si
    assert dict(doc.notes) == {"Reason": "damaged"}
    assert rows(doc)[0]["quantity"] == "5"
    assert doc.totals == (("Net", "45.00"), ("Tax", "9.00"), ("Total credited", "54.00"))


def test_statement_of_account_as_of_a_date(erp: Erp, book: Book) -> None:
    doc = service.statement(erp, "C1", dt.date(2026, 3, 31))
    assert doc.number == "STMT-2026-03-31-C1"
    assert [(r["document"], r["debit"], r["credit"], r["balance"]) for r in rows(doc)] == [
        (book.si, "432.00", "", "432.00"),
        (book.rc, "", "100.00", "332.00"),
        (book.cn, "", "54.00", "278.00"),
    ]
    assert rows(doc, "open_items") == [
        {
            "invoice": book.si,
            "date": "2026-02-06",
            "due": "2026-03-08",
            "total": "432.00",
            "open": "278.00",
            "overdue_days": "23",
        }
    ]
    assert doc.totals == (("Overdue", "278.00"), ("Balance due", "278.00"))
    # earlier, before the payment and the credit note: the whole invoice, not yet due
    early = service.statement(erp, "C1", dt.date(2026, 2, 10))
    assert early.totals == (("Overdue", "0.00"), ("Balance due", "432.00"))
    # the same statement by its number
    again = service.document(erp, "STMT-2026-03-31-C1")
    assert again.code == doc.code
    # its balance equals the customer's sub-ledger
    assert erp.customer_ledger("C1")[-1].balance == Decimal("278.00")


def test_hostile_names_are_escaped_in_html(erp: Erp, book: Book) -> None:
    page = render(service.document(erp, book.si), "html").decode()
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Sons" in page
    assert HOSTILE in text_of(page.encode())


def test_the_same_log_gives_the_same_bytes_twice(erp: Erp, book: Book) -> None:
    for number in (book.po, book.si):
        for fmt in ("html", "pdf"):
            first = service.render_document(erp, number, fmt)  # type: ignore[arg-type]
            assert first == service.render_document(erp, number, fmt)  # type: ignore[arg-type]
    pdf = service.render_document(erp, book.si, "pdf")
    assert b"/CreationDate (D:20260206000000Z)" in pdf


def test_pdf_text_shows_the_totals_and_the_verification_block(erp: Erp, book: Book) -> None:
    import io

    from pypdf import PdfReader

    doc = service.document(erp, book.si)
    reader = PdfReader(io.BytesIO(render(doc, "pdf")))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Total due 432.00" in text
    assert "Net 360.00" in text and "Tax 72.00" in text
    assert f"Code {doc.code}" in text
    assert HOSTILE in text
    assert reader.metadata is not None and reader.metadata.subject == doc.code


def test_unknown_documents_get_clear_errors(erp: Erp, book: Book) -> None:
    with pytest.raises(NotFound, match="nothing is stored for 'SI-2026-000099'"):
        service.document(erp, "SI-2026-000099")
    with pytest.raises(NotFound, match="nothing is stored for 'DN-2026-000099'"):
        service.document(erp, "DN-2026-000099")
    with pytest.raises(ValidationError, match="not a document number .* known series: PO"):
        service.document(erp, "XX-2026-000001")
    with pytest.raises(NotFound, match="unknown customer 'NOPE'"):
        service.statement(erp, "NOPE", dt.date(2026, 3, 31))
    with pytest.raises(ValidationError, match="STMT-YYYY-MM-DD-<customer>"):
        service.document(erp, "STMT-2026-13-01-C1")


def test_a_document_as_known_at_an_earlier_position(erp: Erp, book: Book) -> None:
    confirmed = service.document(erp, book.so)
    draft = service.document(erp, book.so, as_of_position=confirmed.position - 1)
    assert draft.status == "Draft: not confirmed"
    assert draft.position < confirmed.position
    with pytest.raises(NotFound):
        service.document(erp, book.cn, as_of_position=confirmed.position)


def test_the_letterhead_in_force_when_the_document_was_issued(erp: Erp, book: Book) -> None:
    before = service.document(erp, book.si)
    erp.configure_company_details(legal_name="Renamed Ltd", address="New Road 9")
    assert service.document(erp, book.si) == before  # issued under the old letterhead
    erp.configure_sales(credit_approvers=["carol"])
    erp.create_sales_order(
        date="2026-03-01",
        customer="C1",
        delivery_date="2026-03-02",
        lines=[{"item": "BOLT", "quantity": "1", "price": "1.00", "warehouse": "MAIN"}],
    )
    newer = service.document(erp, "SO-2026-000002")
    assert (newer.company.name, newer.company.address) == ("Renamed Ltd", "New Road 9")


def test_company_templates_override_the_shipped_ones(erp: Erp, book: Book, tmp_path: Path) -> None:
    (tmp_path / "sales_invoice.html").write_text(
        "{% extends 'base.html' %}{% block closing %}<p class='bank'>IBAN {{ party.name }}"
        "</p>{% endblock %}",
        encoding="utf-8",
    )
    page = service.render_document(erp, book.si, "html", templates=str(tmp_path)).decode()
    assert "IBAN &lt;script&gt;" in page  # still escaped
    assert "Total due" in page
    shipped = service.render_document(erp, book.so, "html", templates=str(tmp_path)).decode()
    assert "IBAN" not in shipped  # other types keep the shipped template
    with pytest.raises(ValidationError, match="is not a folder"):
        service.render_document(erp, book.si, "html", templates=str(tmp_path / "missing"))


TINY_PNG = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAE"
    "hQGAhKmMIQAAAABJRU5ErkJggg=="
)


def test_the_logo_is_printed_from_the_log(erp: Erp, book: Book) -> None:
    erp.configure_company_details(legal_name="Logo Ltd", logo=TINY_PNG)
    erp.create_sales_order(
        date="2026-03-01",
        customer="C1",
        delivery_date="2026-03-02",
        lines=[{"item": "BOLT", "quantity": "1", "price": "1.00", "warehouse": "MAIN"}],
    )
    doc = service.document(erp, "SO-2026-000002")
    assert f'<img src="{TINY_PNG}"' in render(doc, "html").decode()
    assert b"/Subtype /Image" in render(doc, "pdf")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"logo": "http://example.com/logo.png"}, "logo: give the logo as data:image/png"),
        ({"logo": "data:image/gif;base64,R0lGODlh"}, "a PNG or JPEG image, not image/gif"),
        ({"logo": "data:image/png;base64,@@@"}, "does not decode"),
        ({"logo": "data:image/png;base64,aGVsbG8="}, "not a image/png image"),
        ({"email": "nobody"}, "email: 'nobody' is not an e-mail address"),
    ],
)
def test_bad_company_details_are_refused_and_change_nothing(
    erp: Erp, fields: dict[str, str], message: str
) -> None:
    head = erp.store.last_position()
    with pytest.raises(ValidationError, match=message):
        erp.configure_company_details(legal_name="X", **fields)
    assert erp.store.last_position() == head
