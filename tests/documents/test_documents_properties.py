"""Hypothesis: for random invoices, the printed figures are the posted ones."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import open_company
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from erp_core import Erp
from erp_core.documents import service
from erp_core.documents.render import render

lines = st.lists(
    st.tuples(
        st.integers(1, 40),  # quantity
        st.decimals("0.01", "99.99", places=2),  # price
        st.sampled_from(["0", "0.05", "0.125"]),  # discount
        st.sampled_from(["0", "0.07", "0.2"]),  # tax rate
    ),
    min_size=1,
    max_size=4,
)


def amount(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Erp]:
    """One company for every example (each example is a new order and invoice)."""
    folder: Path = tmp_path_factory.mktemp("props")
    erp = open_company(f"sqlite:///{folder}/p.sqlite")
    erp.register_item(code="W", name="Widget", uom="pcs", valuation="fifo")
    erp.register_warehouse(code="MAIN", name="Main")
    erp.receive_stock(
        date="2026-01-02",
        account="3100",
        lines=[{"item": "W", "warehouse": "MAIN", "quantity": "100000", "unit_cost": "1.00"}],
    )
    erp.configure_sales(credit_approvers=[])
    erp.register_customer(code="C", name="C", credit_limit="100000000")
    yield erp
    erp.close()


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(drawn=lines)
def test_invoice_figures_equal_the_journal_and_the_tax_breakdown_adds_up(
    shop: Erp, drawn: list[tuple[int, Decimal, str, str]]
) -> None:
    erp = shop
    so = erp.create_sales_order(
        date="2026-01-05",
        customer="C",
        delivery_date="2026-01-06",
        lines=[
            {
                "item": "W",
                "quantity": str(q),
                "price": str(p),
                "discount": d,
                "tax_rate": t,
                "warehouse": "MAIN",
            }
            for q, p, d, t in drawn
        ],
    ).documents[0]
    erp.confirm_sales_order(document=so)
    erp.deliver_sales_order(
        document=so,
        date="2026-01-06",
        lines=[{"line": i, "quantity": str(q)} for i, (q, *_) in enumerate(drawn, 1)],
    )
    si = erp.invoice_sales_order(document=so, date="2026-01-07").documents[0]
    doc = service.document(erp, si)
    totals = {label: amount(v) for label, v in doc.totals}
    posted: dict[str, Decimal] = defaultdict(Decimal)
    for line in erp.general_ledger():
        if line.document == si:
            posted[line.account] += line.base
    assert totals["Total due"] == posted["1200"]
    assert totals["Net"] == -posted["4100"]
    assert totals["Tax"] == -posted["2200"]
    tax_table = doc.table("tax")
    assert tax_table is not None
    assert sum(amount(r["tax"]) for r in tax_table.rows) == totals["Tax"]
    assert sum(amount(r["net"]) for r in tax_table.rows) == totals["Net"]
    assert sum(amount(r["net"]) for r in doc.tables[0].rows) == totals["Net"]
    assert service.verify_file(erp, render(doc, "html")).ok


@settings(max_examples=200, deadline=None)
@given(
    value=st.decimals("-999999999999.999", "999999999999.999", places=3),
    language=st.sampled_from(["en", "zh", "de", "de_AT", "en_GB"]),
    currency=st.sampled_from(["EUR", "JPY", "BHD", "CNY"]),
)
def test_a_printed_amount_reads_back_as_the_rounded_amount(
    value: Decimal, language: str, currency: str
) -> None:
    """Every language prints every amount so that its own conventions read it back exactly
    (commercially rounded to the currency's minor unit): no digit lost, no separator mixed."""
    from babel.numbers import parse_decimal

    from erp_core.documents.i18n import Formats
    from erp_core.kernel.money import round_to

    printed = Formats(language).money(value, currency)
    assert parse_decimal(printed, locale=language, strict=True) == round_to(value, currency)
