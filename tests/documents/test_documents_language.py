# ruff: noqa: RUF001  (Chinese text rightly uses full-width punctuation)
"""Documents in the party's language (Chinese, German, English) and in their own currency."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from documents_book import Book, build_book
from pydantic import ValidationError as PydanticError

from erp_core import Erp
from erp_core.documents import render as render_module
from erp_core.documents import service
from erp_core.documents.catalog import CATALOG
from erp_core.documents.i18n import Formats, check_language
from erp_core.documents.render import render
from erp_core.kernel.errors import ErpError, NotFound, ValidationError

CHINESE_NAME = "北京贸易有限公司"


@pytest.fixture
def book(erp: Erp) -> Book:
    return build_book(erp, customer_name=CHINESE_NAME)


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def html_text(data: bytes) -> list[str]:
    return service.html_scan(data)[1]


def order_and_invoice(erp: Erp, quantity: str = "150") -> tuple[str, str]:
    """A further order for C1 (150 x 10.00 less 10% = 1,350.00 + 20% = 1,620.00), delivered
    in full from the 50 bolts left and the 100 received here, and invoiced."""
    erp.receive_stock(
        date="2026-03-01",
        account="3100",
        lines=[{"item": "BOLT", "warehouse": "MAIN", "quantity": "100", "unit_cost": "2.00"}],
    )
    so = erp.create_sales_order(
        date="2026-03-02",
        customer="C1",
        delivery_date="2026-03-05",
        lines=[
            {
                "item": "BOLT",
                "quantity": quantity,
                "price": "10.00",
                "discount": "0.1",
                "tax_rate": "0.2",
                "warehouse": "MAIN",
            }
        ],
    ).documents[0]
    erp.confirm_sales_order(document=so)
    erp.deliver_sales_order(
        document=so, date="2026-03-05", lines=[{"line": 1, "quantity": quantity}]
    )
    si = erp.invoice_sales_order(document=so, date="2026-03-06").documents[0]
    return so, si


def test_a_chinese_customers_invoice_has_chinese_labels_and_formats_in_html_and_pdf(
    erp: Erp, book: Book
) -> None:
    erp.set_document_language(party="customer", code="C1", language="zh")
    _, si = order_and_invoice(erp)
    doc = service.document(erp, si)
    assert (doc.language, doc.title) == ("zh", "发票")
    fields = dict(doc.fields)
    assert fields["发票日期"] == "2026年3月6日"
    assert fields["到期日"] == "2026年4月5日"
    assert fields["付款条件"] == "30天净付"
    assert doc.totals == (("净额", "1,350.00"), ("税额", "270.00"), ("应付总额", "1,620.00"))
    (line,) = doc.table("lines").rows  # type: ignore[union-attr]
    assert (line["quantity"], line["discount"], line["tax_rate"]) == ("150", "10%", "20%")

    page = render(doc, "html")
    text = html_text(page)
    assert '<html lang="zh">' in page.decode()
    assert text[text.index("应付总额") + 1] == "1,620.00"
    assert CHINESE_NAME in text and "验证" in text
    assert "请于2026年4月5日前支付1,620.00 EUR，并注明" + si + "。" in text

    pdf = render(doc, "pdf")
    extracted = pdf_text(pdf)
    assert f"发票 {si}" in extracted
    assert "应付总额 1,620.00" in extracted
    assert "发票日期 2026年3月6日" in extracted
    assert CHINESE_NAME in extracted
    assert f"验证码 {doc.code}" in extracted
    assert render(doc, "pdf") == pdf  # deterministic with the CJK font too
    for data in (page, pdf):
        assert service.verify_file(erp, data).ok
    tampered = page.replace(b'<td class="num">1,620.00</td>', b'<td class="num">1,260.00</td>')
    assert tampered != page
    assert not service.verify_file(erp, tampered).ok


def test_a_german_document_has_decimal_commas_and_german_dates(erp: Erp, book: Book) -> None:
    _, si = order_and_invoice(erp)
    doc = service.document(erp, si, language="de")
    assert doc.title == "Rechnung"
    assert doc.totals == (
        ("Netto", "1.350,00"),
        ("Steuer", "270,00"),
        ("Zu zahlender Betrag", "1.620,00"),
    )
    assert dict(doc.fields)["Fälligkeitsdatum"] == "05.04.2026"
    (line,) = doc.table("lines").rows  # type: ignore[union-attr]
    assert line["discount"] == "10\xa0%" and line["price"] == "10,00"
    extracted = pdf_text(render(doc, "pdf"))
    assert "Zu zahlender Betrag 1.620,00" in extracted
    # the statement too: dates, amounts and the running balance
    statement = service.statement(erp, "C1", dt.date(2026, 3, 31))
    assert statement.language == "en"
    german = service.document(erp, statement.number, language="de")
    assert dict(german.fields)["Stichtag"] == "31.03.2026"
    assert german.totals[-1] == ("Offener Saldo", "1.898,00")  # 278.00 + 1,620.00
    # a regional locale: Austrian German, dates as in Austria
    austrian = service.document(erp, si, language="de-AT")
    assert austrian.language == "de_AT" and austrian.totals[-1][1] == "1.620,00"
    assert dict(austrian.fields)["Fälligkeitsdatum"] == "05.04.2026"


def test_the_language_comes_from_the_party_then_the_company_then_english(
    erp: Erp, book: Book
) -> None:
    assert service.document(erp, book.po).language == "en"
    erp.configure_company_details(legal_name="Test Co Ltd", language="de")
    erp.set_document_language(party="customer", code="C1", language="zh-CN")
    _, si = order_and_invoice(erp, quantity="10")
    assert service.document(erp, si).language == "zh_Hans_CN"
    # documents issued earlier keep the language of their own time
    assert service.document(erp, book.si).language == "en"
    # a supplier without a language of its own gets the company's
    po = erp.create_purchase_order(
        date="2026-03-10",
        supplier="S1",
        expected_delivery="2026-03-20",
        lines=[{"item": "BOLT", "quantity": "1", "price": "2.00", "warehouse": "MAIN"}],
    ).documents[0]
    assert service.document(erp, po).title == "Bestellung"
    # cleared: the company's language again
    erp.set_document_language(party="customer", code="C1", language=None)
    _, later = order_and_invoice(erp, quantity="1")
    assert service.document(erp, later).language == "de"
    # asked for explicitly: that language, and the file says so, so it verifies
    english = service.document(erp, later, language="en")
    assert english.title == "Invoice" and english.verification()["language"] == "en"
    assert service.verify_file(erp, render(english, "html")).ok
    assert service.verify_code(erp, english.code).ok  # a bare code: every language is tried


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"party": "customer", "code": "NOPE", "language": "zh"},
            NotFound,
            "unknown customer 'NOPE'",
        ),
        (
            {"party": "supplier", "code": "NOPE", "language": "zh"},
            NotFound,
            "unknown supplier 'NOPE'",
        ),
        (
            {"party": "employee", "code": "EMP-000404", "language": "zh"},
            NotFound,
            "unknown employee 'EMP-000404'",
        ),
        (
            {"party": "customer", "code": "C1", "language": "fr"},
            ValidationError,
            r"translated into en, de, zh; not into 'fr' \(French\)",
        ),
        (
            {"party": "customer", "code": "C1", "language": "xx-nowhere"},
            ValidationError,
            "'xx-nowhere' is not a known language or locale",
        ),
        (
            {"party": "bank", "code": "C1", "language": "zh"},
            PydanticError,
            "should be 'customer', 'supplier' or 'employee'",
        ),
    ],
)
def test_bad_language_settings_are_refused_and_store_nothing(
    erp: Erp, book: Book, kwargs: dict[str, str], error: type[Exception], message: str
) -> None:
    head = erp.store.last_position()
    with pytest.raises(error, match=message):
        erp.set_document_language(**kwargs)
    with pytest.raises(ValidationError, match="not a known language"):
        erp.configure_company_details(legal_name="X", language="klingon")
    assert erp.store.last_position() == head
    with pytest.raises(ValidationError, match="not into 'fr'"):
        service.document(erp, book.si, language="fr")


def test_every_label_has_its_chinese_and_german_translation() -> None:
    """Every label the builders, the PDF layout and the shipped templates print is in the
    catalogue, in Chinese and in German."""
    root = Path(render_module.__file__).parent
    literal = re.compile(r'\b(?:f|fx)\.t\(\s*((?:"[^"]*"\s*)+)|\bt\(\s*"([^"]*)"')
    indirect = re.compile(r'(?:role|word|label)="([^"]+)"|\(\s*\w+,\s*"([A-Z][^"]+)"\)')
    used: set[str] = set()
    for path in [*root.glob("*.py"), *(root / "templates").glob("*.html")]:
        if path.name == "catalog.py":
            continue
        source = path.read_text(encoding="utf-8")
        for m in literal.finditer(source):
            if m.group(1) is not None:
                used.add("".join(re.findall(r'"([^"]*)"', m.group(1))))
            else:
                used.add(m.group(2))
        for m in indirect.finditer(source):
            used.add(m.group(1) or m.group(2))
    used = {u for u in used if u.strip()}
    assert len(used) > 120
    for language in ("zh", "de"):
        missing = sorted(u for u in used if u not in CATALOG[language])
        assert missing == [], (language, missing)
    # and every translation keeps the placeholders of its English key
    for language, table in CATALOG.items():
        for english, translated in table.items():
            assert set(re.findall(r"{\w+}", english)) == set(re.findall(r"{\w+}", translated)), (
                language,
                english,
            )


def test_formats_by_locale() -> None:
    amount = Decimal("1234567.5")
    assert [Formats(x).money(amount, "EUR") for x in ("en", "zh", "de")] == [
        "1,234,567.50",
        "1,234,567.50",
        "1.234.567,50",
    ]
    assert Formats("de").money(Decimal("-5"), "JPY") == "-5"
    assert Formats("en").money(Decimal("1.2345"), "BHD") == "1.235"  # three minor units
    assert Formats("de").qty(Decimal("1500.250")) == "1.500,25"
    assert check_language(" zh-CN ") == "zh_Hans_CN"
    for traditional in ("zh_TW", "zh-Hant", "zh_Hant_HK"):
        with pytest.raises(ValidationError, match="is Traditional Chinese"):
            check_language(traditional)


def test_a_chinese_pdf_without_a_cjk_font_is_a_clear_error(
    erp: Erp, book: Book, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = service.document(erp, book.si, language="zh")
    monkeypatch.setenv("ERP_DOCUMENT_CJK_FONT", "/nowhere/font.ttf")
    with pytest.raises(ErpError, match="ERP_DOCUMENT_CJK_FONT is /nowhere/font.ttf"):
        render(doc, "pdf")
    monkeypatch.setattr(render_module, "cjk_font", lambda: None)
    with pytest.raises(ErpError, match="needs a font that has them: install one"):
        render(doc, "pdf")
    assert "发票" in render(doc, "html").decode()  # HTML needs no font


def test_the_verification_qr_code_carries_the_code(
    erp: Erp, book: Book, monkeypatch: pytest.MonkeyPatch
) -> None:
    import segno

    doc = service.document(erp, book.si)
    expected = segno.make_qr(f"erp-document:{doc.code}", error="m")
    assert render_module.qr_code(doc).matrix == expected.matrix
    page = render(doc, "html").decode()
    assert f'<img class="qr" src="{expected.svg_data_uri(scale=4, border=2)}"' in page
    with_qr = render(doc, "pdf")
    monkeypatch.setattr(render_module, "qr_code", lambda doc: None)
    without = render(doc, "pdf")
    assert with_qr != without and pdf_text(with_qr) == pdf_text(without)


def test_a_foreign_currency_invoice_shows_its_currency_the_rate_and_the_base_total(
    erp: Erp, book: Book
) -> None:
    erp.set_exchange_rate(currency="USD", date="2026-02-01", rate="0.92")
    erp.register_customer(
        code="US1", name="Boston Co", currency="USD", credit_limit="50000.00", payment_terms_days=30
    )
    so = erp.create_sales_order(
        date="2026-02-10",
        customer="US1",
        delivery_date="2026-02-12",
        lines=[
            {
                "item": "BOLT",
                "quantity": "10",
                "price": "100.00",
                "tax_rate": "0.2",
                "warehouse": "MAIN",
            }
        ],
    ).documents[0]
    erp.confirm_sales_order(document=so)
    erp.deliver_sales_order(document=so, date="2026-02-12", lines=[{"line": 1, "quantity": "10"}])
    si = erp.invoice_sales_order(document=so, date="2026-02-13").documents[0]
    doc = service.document(erp, si)
    assert doc.currency == "USD"
    fields = dict(doc.fields)
    assert (fields["Currency"], fields["Exchange rate"], fields["Rate date"]) == (
        "USD",
        "1 USD = 0.92 EUR",
        "2026-02-01",
    )
    assert doc.totals == (
        ("Net", "1,000.00"),
        ("Tax", "200.00"),
        ("Total due", "1,200.00"),
        ("Total in EUR", "1,104.00"),
    )
    # the receivable posted in the base currency is the one printed
    posted = {(line.account, line.base) for line in erp.general_ledger() if line.document == si}
    assert ("1200", Decimal("1104.00")) in posted
    assert "Please pay 1,200.00 USD" in dict(doc.notes)["Payment"]
    order = service.document(erp, so)
    assert order.totals[-1] == ("Total in EUR", "1,104.00")
    assert service.verify_file(erp, render(doc, "pdf")).ok
    statement = service.statement(erp, "US1", dt.date(2026, 2, 28))
    assert statement.currency == "USD" and statement.totals[-1] == ("Balance due", "1,200.00")


def test_a_foreign_currency_purchase_order_and_goods_receipt(erp: Erp, book: Book) -> None:
    erp.set_exchange_rate(currency="USD", date="2026-02-01", rate="0.92")
    erp.register_supplier(code="YANKEE", name="Yankee Inc", currency="USD", payment_terms_days=30)
    po = erp.create_purchase_order(
        date="2026-02-10",
        supplier="YANKEE",
        expected_delivery="2026-02-20",
        lines=[{"item": "BOLT", "quantity": "100", "price": "10.00", "warehouse": "MAIN"}],
    ).documents[0]
    gr = erp.receive_purchase_order(
        document=po, date="2026-02-15", lines=[{"line": 1, "accepted": "100"}]
    ).documents[0]
    order = service.document(erp, po)
    assert order.currency == "USD"
    assert order.totals == (("Total", "1,000.00"), ("Total in EUR", "920.00"))
    assert dict(order.fields)["Exchange rate"] == "1 USD = 0.92 EUR"
    receipt = service.document(erp, gr)
    assert receipt.table("lines").rows[0]["value"] == "1,000.00"  # type: ignore[union-attr]
    assert receipt.totals[-2:] == (
        ("Accepted value", "1,000.00"),
        ("Stocked at, in EUR", "920.00"),
    )
    pi = erp.post_supplier_invoice(
        supplier="YANKEE",
        supplier_reference="YI-1",
        date="2026-02-16",
        lines=[{"order": po, "line": 1, "quantity": "100", "price": "10.00"}],
    ).documents[0]
    py = erp.pay_supplier(
        supplier="YANKEE",
        date="2026-02-20",
        amount="1000.00",
        allocations=[{"invoice": pi, "amount": "1000.00"}],
    ).documents[0]
    advice = service.document(erp, py, language="de")
    assert advice.currency == "USD"
    assert dict(advice.fields)["Wechselkurs"] == "1 USD = 0,92 EUR"
    assert advice.table("lines").rows[0]["invoice_total"] == "1.000,00"  # type: ignore[union-attr]
    assert advice.totals[-2:] == (
        ("Gezahlter Betrag", "1.000,00"),
        ("Gezahlter Betrag in EUR", "920,00"),
    )


def test_a_company_template_in_chinese_uses_the_labels_and_formats_it_is_given(
    erp: Erp, book: Book, tmp_path: Path
) -> None:
    """An override receives `t`, `money`, `date` and the document; it verifies with the same
    template folder, and not against the shipped templates."""
    (tmp_path / "sales_invoice.html").write_text(
        "{% extends 'base.html' %}{% block closing %}"
        "<p class='bank'>{{ t('Total due') }}: {{ doc.figures.total }} {{ doc.currency }}, "
        "{{ t('Due date:') }} {{ doc.figures.due }}; {{ money(doc_total, doc.currency) }} "
        "{{ date(doc.date) }}</p>{% endblock %}",
        encoding="utf-8",
    )
    doc = service.document(erp, book.si, language="zh")
    from erp_core.documents.render import environment

    env = environment(str(tmp_path), Formats("zh"))
    assert env.globals["t"]("Total due") == "应付总额"
    with pytest.raises(ErpError, match="'doc_total' is undefined"):
        render(doc, "html", str(tmp_path))
    (tmp_path / "sales_invoice.html").write_text(
        "{% extends 'base.html' %}{% block closing %}"
        "<p class='bank'>{{ t('Total due') }}: {{ doc.figures.total }} {{ doc.currency }}, "
        "{{ t('Due date:') }} {{ doc.figures.due }}; {{ money(1234.5, 'EUR') }} "
        "{{ date(doc.date) }}</p>{% endblock %}",
        encoding="utf-8",
    )
    page = render(doc, "html", str(tmp_path))
    assert (
        "<p class='bank'>应付总额: 432.00 EUR, 到期日： 2026年3月8日; 1,234.50 2026年2月6日</p>"
        in (page.decode())
    )
    assert service.verify_file(erp, page, templates=str(tmp_path)).ok
    shipped = service.verify_file(erp, page)
    assert not shipped.ok and "the text differs" in shipped.problems[-1]
