"""Working-capital KPIs of a tiny company, computed by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from erp_core.insight.kpi import (
    Kpi,
    KpiError,
    average_balance,
    cash_conversion_cycle,
    dio,
    dpo,
    dso,
    inventory_turnover,
    working_capital,
)

D = Decimal


def test_a_tiny_company_has_these_working_capital_figures() -> None:
    # one year: revenue 1,200,000; COGS 730,000; closing receivables 150,000,
    # payables 60,000, inventory 100,000
    wc = working_capital(
        receivables=D("150000"),
        payables=D("60000"),
        inventory=D("100000"),
        revenue=D("1200000"),
        cogs=D("730000"),
        days=365,
    )
    assert wc.dso.value == D("45.63")  # 150,000 / 1,200,000 x 365 = 45.625 -> 45.63 (half up)
    assert wc.dio.value == D("50.00")  # 100,000 / 730,000 x 365 = 50
    assert wc.dpo.value == D("30.00")  # 60,000 / 730,000 x 365 = 30
    assert wc.ccc.value == D("65.63")  # 45.63 + 50.00 - 30.00, from the rounded parts
    assert wc.ccc.formula == "DSO + DIO - DPO"
    assert (wc.dso.unit, wc.dso.reason, wc.dso.defined) == ("days", None, True)


def test_a_quarter_uses_its_own_days_and_average_balances() -> None:
    receivables = average_balance(D("40000.00"), D("50000.01"))
    assert receivables == D("45000.005")  # exact: (40,000.00 + 50,000.01) / 2
    # 45,000.005 / 300,000 x 90 = 13.5000015 -> 13.50
    assert dso(receivables, D("300000"), 90).value == D("13.50")


def test_inventory_turnover_is_cogs_over_average_inventory() -> None:
    # 730,000 / ((90,000 + 110,000) / 2) = 730,000 / 100,000 = 7.3 times
    kpi = inventory_turnover(D("730000"), average_balance(90000, 110000))
    assert (kpi.value, kpi.unit) == (D("7.30"), "times")


def test_zero_revenue_leaves_dso_and_the_cycle_undefined_with_a_reason() -> None:
    wc = working_capital(
        receivables=D("500"), payables=D("0"), inventory=D("0"), revenue=D("0"), cogs=D("10"),
        days=30,
    )  # fmt: skip
    assert wc.dso == Kpi(
        "DSO", None, "days", "receivables / revenue x days", "revenue is zero: DSO is undefined"
    )
    assert wc.dio.value == D("0.00") and wc.dpo.value == D("0.00")
    assert wc.ccc.value is None
    assert wc.ccc.reason == "undefined because revenue is zero: DSO is undefined"


def test_zero_or_negative_cogs_leaves_dio_dpo_and_turnover_undefined() -> None:
    assert dio(D("100"), D("0"), 365).reason == "COGS is zero: DIO is undefined"
    assert dpo(D("100"), D("-5"), 365).reason == "COGS is negative (-5): DPO is undefined"
    assert inventory_turnover(D("100"), D("0")).reason == (
        "average inventory is zero: inventory turnover is undefined"
    )
    wc = working_capital(receivables=1, payables=1, inventory=1, revenue=0, cogs=0, days=1)
    assert wc.ccc.reason == (
        "undefined because revenue is zero: DSO is undefined; COGS is zero: DIO is undefined; "
        "COGS is zero: DPO is undefined"
    )


def test_a_credit_balance_gives_a_negative_figure() -> None:
    # customers paid in advance: receivables -10,000 on revenue 100,000 over 30 days = -3 days
    assert dso(D("-10000"), D("100000"), 30).value == D("-3.00")


@pytest.mark.parametrize(
    ("call", "field", "reason"),
    [
        (lambda: dso(1.5, D("1"), 30), "receivables", "use Decimal"),  # type: ignore[arg-type]
        (lambda: dso(D("1"), True, 30), "revenue", "Decimal or int"),
        (lambda: dpo(D("1"), "10", 30), "cogs", "got str"),  # type: ignore[arg-type]
        (lambda: dio(D("NaN"), D("1"), 30), "inventory", "finite"),
        (lambda: dso(D("1"), D("1"), 0), "days", "positive"),
        (lambda: dso(D("1"), D("1"), 30.0), "days", "whole number"),  # type: ignore[arg-type]
        (lambda: average_balance(D("1"), 2.0), "closing", "float"),  # type: ignore[arg-type]
        (lambda: inventory_turnover(D("1"), None), "average_inventory", "NoneType"),  # type: ignore[arg-type]
    ],
)  # fmt: skip
def test_bad_input_is_refused_naming_the_field(call: object, field: str, reason: str) -> None:
    with pytest.raises(KpiError, match=reason) as err:
        call()  # type: ignore[operator]
    assert err.value.field == field


def test_the_cycle_refuses_figures_passed_in_the_wrong_place() -> None:
    s, i, p = dso(1, 1, 1), dio(1, 1, 1), dpo(1, 1, 1)
    with pytest.raises(KpiError) as err:
        cash_conversion_cycle(s, p, i)
    assert err.value.field == "dio_kpi"


figures = st.decimals(min_value=-(10**9), max_value=10**9, places=2)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])  # shared machine
@given(r=figures, p=figures, i=figures, rev=figures, cogs=figures, days=st.integers(1, 366))
def test_kpis_never_raise_and_the_cycle_adds_up_exactly(
    r: Decimal, p: Decimal, i: Decimal, rev: Decimal, cogs: Decimal, days: int
) -> None:
    wc = working_capital(receivables=r, payables=p, inventory=i, revenue=rev, cogs=cogs, days=days)
    for kpi in (wc.dso, wc.dio, wc.dpo, wc.ccc):
        assert (kpi.value is None) == (kpi.reason is not None)
        if kpi.value is not None:
            assert kpi.value == kpi.value.quantize(D("0.01"))
    assert wc.dso.defined == (rev > 0)
    assert wc.dio.defined == wc.dpo.defined == (cogs > 0)
    if wc.ccc.value is not None:
        assert wc.dso.value is not None and wc.dio.value is not None and wc.dpo.value is not None
        assert wc.ccc.value == wc.dso.value + wc.dio.value - wc.dpo.value
        if r >= 0 and rev > 0:
            assert wc.dso.value >= 0
