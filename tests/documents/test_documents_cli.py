"""`erp document` through the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from documents_book import Book, build_book

from erp_core import Erp
from erp_core.cli import cli


@pytest.fixture
def book(erp: Erp) -> Book:
    return build_book(erp)


def run(erp: Erp, *args: str) -> Result:
    return CliRunner().invoke(
        cli, ["--db", f"sqlite:///{erp.url.path}", "--actor", "tester", *args]
    )


def test_render_verify_and_tamper_through_the_cli(erp: Erp, book: Book, tmp_path: Path) -> None:
    out = tmp_path / "invoice.pdf"
    made = run(erp, "document", book.si, "--format", "pdf", "--out", str(out))
    assert made.exit_code == 0, made.output
    assert out.read_bytes().startswith(b"%PDF")
    ok = run(erp, "document", "verify", str(out))
    assert ok.exit_code == 0, ok.output
    assert f"OK: {book.si} at log position" in ok.output

    page = run(erp, "document", book.si, "--out", "-")
    assert page.exit_code == 0
    assert "Total due" in page.output and "432.00" in page.output
    edited = tmp_path / "invoice.html"
    edited.write_text(page.output.replace(">432.00<", ">4320.00<", 1), encoding="utf-8")
    bad = run(erp, "document", "verify", str(edited))
    assert bad.exit_code == 1
    assert f"FAILED: {book.si} at log position" in bad.output
    assert "-432.00; +4320.00" in bad.output


def test_statement_and_code_through_the_cli(erp: Erp, book: Book, tmp_path: Path) -> None:
    out = tmp_path / "st.html"
    made = run(erp, "document", "statement", "C1", "--as-of", "2026-03-31", "--out", str(out))
    assert made.exit_code == 0, made.output
    assert "278.00" in out.read_text(encoding="utf-8")
    from erp_core.documents import service

    code = service.document(erp, book.dn).code
    assert run(erp, "document", "verify", code).exit_code == 0


def test_default_file_name_and_clear_errors(
    erp: Erp, book: Book, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    made = run(erp, "document", book.po)
    assert made.exit_code == 0, made.output
    assert (tmp_path / f"{book.po}.html").is_file()
    missing = run(erp, "document", "SI-2026-000404")
    assert missing.exit_code == 1
    assert "error: document: nothing is stored for 'SI-2026-000404'" in missing.output
    unknown = run(erp, "document", "ZZ-1")
    assert unknown.exit_code == 2 and "known series" in unknown.output
    nofile = run(erp, "document", "verify", "nothing.html")
    assert nofile.exit_code != 0 and "no such file" in nofile.output
    helped = run(erp, "document", "--help")
    assert helped.exit_code == 0 and "statement" in helped.output


def test_language_through_the_cli(erp: Erp, book: Book, tmp_path: Path) -> None:
    set_it = run(erp, "do", "set_document_language", "party=customer", "code=C1", "language=de")
    assert set_it.exit_code == 0, set_it.output
    page = run(erp, "document", book.si, "--language", "zh", "--out", "-")
    assert page.exit_code == 0, page.output
    assert "发票" in page.output and "应付总额" in page.output
    out = tmp_path / "rechnung.pdf"
    made = run(erp, "document", book.si, "--language", "de", "--format", "pdf", "--out", str(out))
    assert made.exit_code == 0, made.output
    ok = run(erp, "document", "verify", str(out))
    assert ok.exit_code == 0, ok.output
    refused = run(erp, "document", book.si, "--language", "fr")
    assert refused.exit_code == 2
    assert "language: documents are translated into en, de, zh; not into 'fr'" in refused.output
    unknown = run(erp, "do", "set_document_language", "party=customer", "code=NOPE", "language=de")
    assert unknown.exit_code == 1 and "unknown customer 'NOPE'" in unknown.output
