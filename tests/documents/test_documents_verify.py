"""A document handed back is checked against the log: untouched passes, edited fails."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io

import pytest
from documents_book import Book, build_book
from sqlalchemy import text

from erp_core import Erp
from erp_core.documents import service
from erp_core.documents.model import Document
from erp_core.documents.render import render


@pytest.fixture
def book(erp: Erp) -> Book:
    return build_book(erp)


@pytest.mark.parametrize("fmt", ["html", "pdf"])
def test_an_untouched_document_matches_the_log(erp: Erp, book: Book, fmt: str) -> None:
    for number in (book.po, book.gr, book.py, book.so, book.dn, book.si, book.cn):
        data = service.render_document(erp, number, fmt)  # type: ignore[arg-type]
        result = service.verify_file(erp, data)
        assert result.ok, result.problems
        assert result.number == number
        assert result.notes == ["identical to the document rendered from the log"]


def test_a_document_still_matches_after_the_log_grew(erp: Erp, book: Book) -> None:
    data = service.render_document(erp, book.si, "html")
    erp.receive_customer_payment(customer="C1", date="2026-03-01", amount="5.00")
    assert service.verify_file(erp, data).ok


def test_an_edited_amount_in_html_is_caught(erp: Erp, book: Book) -> None:
    data = service.render_document(erp, book.si, "html")
    tampered = data.replace(b'<td class="num">432.00</td>', b'<td class="num">234.00</td>', 1)
    assert tampered != data
    result = service.verify_file(erp, tampered)
    assert not result.ok
    assert result.problems == ["the text differs from the log's: -432.00; +234.00"]


def test_an_edited_amount_in_a_pdf_is_caught(
    erp: Erp, book: Book, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A forged PDF: the total changed, the verification block copied from the real one."""
    real = service.document(erp, book.si)
    forged = dataclasses.replace(
        real, totals=(("Net", "360.00"), ("Tax", "72.00"), ("Total due", "423.00"))
    )
    block, code = real.verification_json(), real.code
    monkeypatch.setattr(Document, "verification_json", lambda self: block)
    monkeypatch.setattr(Document, "code", property(lambda self: code))
    data = render(forged, "pdf")
    monkeypatch.undo()
    result = service.verify_file(erp, data)
    assert not result.ok
    assert "-Total due 432.00" in result.problems[-1]
    assert "+Total due 423.00" in result.problems[-1]
    # the untouched PDF passes
    assert service.verify_file(erp, render(real, "pdf")).ok


def test_an_edited_verification_block_is_caught(erp: Erp, book: Book) -> None:
    doc = service.document(erp, book.si)
    data = service.render_document(erp, book.si, "html")
    other = data.replace(doc.fingerprint[:16].encode(), b"0" * 16)
    result = service.verify_file(erp, other)
    assert not result.ok
    assert any("its content differs from the log's" in p for p in result.problems)


def test_a_rewritten_log_is_caught(erp: Erp, book: Book) -> None:
    doc = service.document(erp, book.si)
    data = render(doc, "html")
    # someone edits the stored invoice event in the database (432.00 -> 423.00)
    with erp.writer.begin() as conn:
        state = conn.execute(
            text("SELECT state FROM stored_events WHERE rowid = :p"), {"p": doc.position}
        ).scalar_one()
        conn.execute(
            text("UPDATE stored_events SET state = :s WHERE rowid = :p"),
            {"s": bytes(state).replace(b'"432.00"', b'"423.00"'), "p": doc.position},
        )
    result = service.verify_file(erp, data)
    assert not result.ok
    assert any("the event differs from what was stored" in p for p in result.problems)


def test_verification_codes(erp: Erp, book: Book) -> None:
    doc = service.document(erp, book.cn)
    assert service.verify_code(erp, doc.code).ok
    number, position, digest = doc.code.split(":")
    wrong = service.verify_code(erp, f"{number}:{position}:{'f' * 16}")
    assert not wrong.ok and "its content differs" in wrong.problems[-1]
    too_far = service.verify_code(erp, f"{number}:99999:{digest}")
    assert too_far.problems == ["the log does not reach position 99999"]


def test_a_file_without_a_block_is_not_verified(erp: Erp, book: Book) -> None:
    result = service.verify_file(erp, b"<html><body>Invoice 432.00</body></html>")
    assert not result.ok and result.problems == ["no erp_core verification block was found"]


def test_pdf_block_is_read_from_metadata(erp: Erp, book: Book) -> None:
    from pypdf import PdfReader

    doc = service.document(erp, book.gr)
    data = render(doc, "pdf")
    assert service.pdf_block(data) == doc.verification()
    assert PdfReader(io.BytesIO(data)).metadata.title == f"Goods receipt note {book.gr}"


def test_documents_render_and_verify_the_same_on_every_store(any_erp: Erp) -> None:
    book = build_book(any_erp)
    doc = service.document(any_erp, book.si)
    assert doc.totals == (("Net", "360.00"), ("Tax", "72.00"), ("Total due", "432.00"))
    assert len(doc.chain_hash) == 64
    for fmt in ("html", "pdf"):
        assert service.verify_file(any_erp, render(doc, fmt)).ok  # type: ignore[arg-type]
    statement = service.statement(any_erp, "C1", dt.date(2026, 3, 31))
    assert statement.totals == (("Overdue", "278.00"), ("Balance due", "278.00"))
