"""Progressive slab tax and monthly withholding by annual projection."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from erp_core.payroll.errors import PayrollError
from erp_core.payroll.tax import Slab, TaxPosition, TaxTable, monthly_tax, table_in_force

D = Decimal
JAN = dt.date(2026, 1, 1)

# 0-10,000 at 0%; 10,000-40,000 at 10%; above 40,000 at 20%; standard deduction 5,000.
THREE = TaxTable(JAN, (Slab(D(0), D(0)), Slab(D(10_000), D(10)), Slab(D(40_000), D(20))), D(5_000))


def test_annual_tax_across_brackets() -> None:
    assert THREE.annual_tax(D(9_000)) == 0
    # 25,000: 15,000 in the 10% slab -> 1,500.
    assert THREE.annual_tax(D(25_000)) == D(1_500)
    # 55,000: 30,000 * 10% + 15,000 * 20% = 3,000 + 3,000 = 6,000.
    assert THREE.annual_tax(D(55_000)) == D(6_000)


def test_first_month_projects_the_year() -> None:
    # 5,000 a month * 12 = 60,000; less 5,000 standard deduction = 55,000 -> 6,000; / 12 = 500.
    c = monthly_tax(TaxPosition(THREE, remaining_months=12), D(5_000))
    assert c.projected_annual_income == D(60_000)
    assert c.taxable_annual_income == D(55_000)
    assert c.annual_tax == D("6000.00")
    assert c.tax_this_month == D("500.00")


def test_a_raise_midyear_spreads_the_extra_tax_over_the_remaining_months() -> None:
    # July: 6 months at 5,000 already (30,000), 3,000 withheld; now 6,000 a month for 6 months.
    # projected 30,000 + 6,000 * 6 = 66,000; less 5,000 = 61,000;
    # tax 3,000 + 21,000 * 20% = 7,200; (7,200 - 3,000) / 6 = 700.
    position = TaxPosition(THREE, 6, taxable_to_date=D(30_000), tax_withheld_to_date=D(3_000))
    assert monthly_tax(position, D(6_000)).tax_this_month == D("700.00")


def test_exemptions_reduce_the_projected_income() -> None:
    # 60,000 - 5,000 standard - 6,000 exemptions = 49,000 -> 3,000 + 9,000 * 20% = 4,800 -> 400.
    position = TaxPosition(THREE, 12, exemptions=D(6_000))
    assert monthly_tax(position, D(5_000)).tax_this_month == D("400.00")


def test_future_months_can_be_projected_at_a_different_amount() -> None:
    # A mid-month joiner: 2,500 this month, 5,000 in each of the 11 later months.
    # projected 2,500 + 55,000 = 57,500; less 5,000 = 52,500 -> 3,000 + 12,500 * 20% = 5,500;
    # this month's share in proportion to its pay: 5,500 * 2,500 / 57,500 = 239.130... -> 239.13
    # (an even twelfth, 458.33, would take 18% of a half month's pay).
    c = monthly_tax(TaxPosition(THREE, 12), D(2_500), D(5_000))
    assert c.tax_this_month == D("239.13")


def test_over_withholding_gives_zero_unless_refunds_are_allowed() -> None:
    position = TaxPosition(THREE, 1, taxable_to_date=D(20_000), tax_withheld_to_date=D(2_000))
    # projected 20,000 + 0 = 20,000; less 5,000 = 15,000 -> 500 due; 2,000 withheld -> -1,500.
    assert monthly_tax(position, D(0)).tax_this_month == 0
    refunding = TaxTable(JAN, THREE.slabs, D(5_000), allow_refund=True)
    position = TaxPosition(refunding, 1, taxable_to_date=D(20_000), tax_withheld_to_date=D(2_000))
    assert monthly_tax(position, D(0)).tax_this_month == D("-1500.00")


def test_published_fixed_amounts_per_slab() -> None:
    # "42,678 + 26% of the amount above 237,100": consistent with 18% below (237,100 * 18%).
    table = TaxTable(JAN, (Slab(D(0), D(18)), Slab(D(237_100), D(26), fixed=D(42_678))))
    # 300,000: 42,678 + 62,900 * 26% = 42,678 + 16,354 = 59,032.
    assert table.annual_tax(D(300_000)) == D(59_032)
    # A jump (a published fixed above the marginal figure) is allowed; a drop is refused.
    jump = TaxTable(JAN, (Slab(D(0), D(0)), Slab(D(1_000), D(10), fixed=D(50))))
    assert jump.annual_tax(D(1_000)) == D(50) and jump.annual_tax(D(999)) == 0
    with pytest.raises(PayrollError, match=r"slabs\[1\].fixed: 40000 is below the tax already"):
        TaxTable(JAN, (Slab(D(0), D(18)), Slab(D(237_100), D(26), fixed=D(40_000))))


def test_monthly_tax_is_rounded_half_up_to_cents() -> None:
    # 1,000 annual tax over 3 months: 333.333... -> 333.33; 100.005 -> 100.01 half up.
    flat = TaxTable(JAN, (Slab(D(0), D(10)),))
    assert monthly_tax(TaxPosition(flat, 3), D(10_000) / 3).tax_this_month == D("333.33")
    assert monthly_tax(TaxPosition(flat, 1), D("1000.05")).tax_this_month == D("100.01")


def test_table_errors() -> None:
    with pytest.raises(PayrollError, match="first slab must start at 0"):
        TaxTable(JAN, (Slab(D(100), D(10)),))
    with pytest.raises(PayrollError, match=r"slabs\[1\].lower: lower bounds must increase"):
        TaxTable(JAN, (Slab(D(0), D(10)), Slab(D(0), D(20))))
    with pytest.raises(PayrollError, match="rate_percent: must be at most 100"):
        Slab(D(0), D(101))
    with pytest.raises(PayrollError, match="not a float"):
        Slab(D(0), 0.1)  # type: ignore[arg-type]
    with pytest.raises(PayrollError, match="remaining_months: must be from 1 to 12"):
        TaxPosition(THREE, 0)


def test_effective_dated_tables() -> None:
    old = TaxTable(dt.date(2025, 1, 1), (Slab(D(0), D(10)),))
    new = TaxTable(dt.date(2026, 1, 1), (Slab(D(0), D(12)),))
    assert table_in_force([new, old], dt.date(2025, 12, 31)) is old
    assert table_in_force([new, old], dt.date(2026, 1, 1)) is new
    with pytest.raises(PayrollError, match="no tax table in force on 2024-06-30"):
        table_in_force([new, old], dt.date(2024, 6, 30))


@st.composite
def tables(draw: st.DrawFn) -> TaxTable:
    n = draw(st.integers(1, 5))
    widths = draw(st.lists(st.integers(1, 50_000), min_size=n - 1, max_size=n - 1))
    rates = draw(st.lists(st.integers(0, 60), min_size=n, max_size=n))
    jumps = draw(st.lists(st.one_of(st.none(), st.integers(0, 3_000)), min_size=n, max_size=n))
    slabs: list[Slab] = []
    lower, due = D(0), D(0)
    for i in range(n):
        if i:
            due += D(rates[i - 1]) * D(widths[i - 1]) / 100
            lower += D(widths[i - 1])
        jump = jumps[i]
        fixed = None if jump is None or i == 0 else due + D(jump)
        if fixed is not None:
            due = fixed
        slabs.append(Slab(lower, D(rates[i]), fixed))
    return TaxTable(JAN, tuple(slabs), D(draw(st.integers(0, 10_000))))


money = st.decimals(min_value=0, max_value=500_000, places=2)


@settings(max_examples=200, deadline=None)
@given(table=tables(), a=money, b=money)
def test_tax_is_monotone_in_income(table: TaxTable, a: Decimal, b: Decimal) -> None:
    low, high = min(a, b), max(a, b)
    assert table.annual_tax(low) <= table.annual_tax(high)
    m_low = monthly_tax(TaxPosition(table, 12), low / 12).tax_this_month
    m_high = monthly_tax(TaxPosition(table, 12), high / 12).tax_this_month
    assert D(0) <= m_low <= m_high
    assert m_high == m_high.quantize(D("0.01"))
