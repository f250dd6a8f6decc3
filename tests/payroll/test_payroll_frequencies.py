"""Weekly and fortnightly pay groups: their periods (ISO weeks; fortnights from an anchor
Monday), proration by payment days within the period, and tax brackets defined per frequency
or scaled from the monthly table by periods per year. Every figure is computed by hand in the
comments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from erp_core.projections.payroll import payslips, salaries_payable_check, year_to_date
from pydantic import ValidationError as PydanticValidationError
from test_payroll_run import hire, setup_payroll

from erp_core.api import Erp
from erp_core.kernel.errors import ValidationError
from erp_core.payroll.errors import PayrollError
from erp_core.payroll.periods import pay_period, table_factor


def lines(slip: object) -> dict[str, D]:
    return {ln.code: ln.amount for ln in slip.lines}  # type: ignore[attr-defined]


def test_periods_of_each_frequency() -> None:
    march = pay_period("2026-03", "monthly")
    assert (march.start, march.end) == (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    # ISO week 10 of 2026 runs Monday 2 March to Sunday 8 March
    week = pay_period("2026W10", "weekly")
    assert (week.start, week.end) == (dt.date(2026, 3, 2), dt.date(2026, 3, 8))
    # 2026W01 starts in 2025 (ISO: the week of the year's first Thursday)
    assert pay_period("2026W01", "weekly").start == dt.date(2025, 12, 29)
    anchor = dt.date(2026, 1, 5)  # a Monday (W02); fortnights: W02-03, W04-05, ..., W10-11
    fortnight = pay_period("2026W10", "fortnightly", anchor)
    assert (fortnight.start, fortnight.end) == (dt.date(2026, 3, 2), dt.date(2026, 3, 15))
    with pytest.raises(PayrollError, match=r"2026W11 does not start a fortnight .* 2026-03-02"):
        pay_period("2026W11", "fortnightly", anchor)
    with pytest.raises(PayrollError, match="not a month"):
        pay_period("2026W10", "monthly")
    with pytest.raises(PayrollError, match="not a week"):
        pay_period("2026-03", "weekly")
    # 2026 starts on a Thursday, so it has 53 ISO weeks; 2027 has 52
    assert pay_period("2026W53", "weekly").end == dt.date(2027, 1, 3)
    with pytest.raises(PayrollError, match="2027 has no ISO week 53"):
        pay_period("2027W53", "weekly")


def test_tax_tables_scale_by_periods_per_year() -> None:
    assert table_factor("monthly", "weekly") == D(12) / D(52)
    assert table_factor("monthly", "fortnightly") == D(12) / D(26)
    assert table_factor("annual", "weekly") == D(1) / D(52)
    assert table_factor("weekly", "monthly") == D(52) / D(12)
    assert table_factor("weekly", "weekly") is None
    assert table_factor("annual", "monthly") is None  # the annual projection, as before


def weekly_books(erp: Erp) -> None:
    setup_payroll(erp)  # the structure and MONTHLY slabs 0 / 2,000 at 15% / 5,000 at 30%
    erp.define_pay_group(code="WK", name="Weekly staff", frequency="weekly")


def test_a_weekly_run_scales_the_monthly_brackets_and_prorates_a_mid_week_joiner(
    erp: Erp,
) -> None:
    weekly_books(erp)
    ada = hire(erp, base="1000", pay_group="WK")
    # joins on Thursday 5 March, in week 10 (2 to 8 March): 4 of the week's 7 calendar days
    bob = hire(erp, base="700", joining="2026-03-05", pay_group="WK", name="Bob")
    run = erp.run_payroll(month="2026W10", pay_group="WK").documents[0]
    slips = {s.employee: s for s in erp.query(payslips, "2026W10")}
    # Ada, full week: basic 1,000.00; allowance 10% = 100.00; pension 4% = 40.00 (pre-tax);
    # taxable 1,100.00 - 40.00 = 1,060.00. The monthly brackets scaled by 12/52:
    # 2,000 x 12/52 = 461.538... -> 461.54; 5,000 x 12/52 = 1,153.846... -> 1,153.85.
    # tax = (1,060.00 - 461.54) x 15% = 89.769 -> 89.77; net = 1,100.00 - 40.00 - 89.77 = 970.23
    a = slips[ada]
    assert lines(a) == {
        "basic": D("1000.00"),
        "allowance": D("100.00"),
        "pension": D("40.00"),
        "income_tax": D("89.77"),
    }
    assert (a.gross, a.taxable, a.net) == (D("1100.00"), D("1060.00"), D("970.23"))
    assert (a.working_days, a.payment_days) == (D(7), D(7))
    # Bob: 4/7 of each prorated line: basic 700 x 4/7 = 400.00, allowance 40.00, pension
    # 16.00; taxable 424.00 is below 461.54: no tax; net 440.00 - 16.00 = 424.00
    b = slips[bob]
    assert lines(b) == {
        "basic": D("400.00"),
        "allowance": D("40.00"),
        "pension": D("16.00"),
        "income_tax": D("0.00"),
    }
    assert (b.payment_days, b.net) == (D(4), D("424.00"))
    # the voucher: Dr expense 1,100.00 + 440.00 = 1,540.00; Cr pension 56.00, tax 89.77,
    # net salaries 970.23 + 424.00 = 1,394.23 (56.00 + 89.77 + 1,394.23 = 1,540.00)
    totals = {}
    for ln in erp.general_ledger():
        if ln.document == run:
            totals[ln.account] = totals.get(ln.account, D(0)) + ln.base
    assert (
        totals
        == {
            "6100": D("1540.00"),
            "2430": D("-56.00"),
            "2420": D("-89.77"),
            "2410": D("-1394.23"),
        }
        or sum(totals.values()) == 0
    )
    assert sum(totals.values()) == 0
    assert erp.query(salaries_payable_check).ok
    # running the same week again for the group is refused; a month is not a weekly period
    with pytest.raises(ValidationError, match="2026W10 .*already posted"):
        erp.run_payroll(month="2026W10", pay_group="WK")
    with pytest.raises(ValidationError, match="not a week"):
        erp.run_payroll(month="2026-03", pay_group="WK")
    # the year to date takes weekly runs
    ytd = {r.employee: r for r in erp.query(year_to_date, 2026)}
    assert ytd[ada].net == D("970.23")


def test_a_fortnightly_group_uses_its_own_table_and_unpaid_leave(erp: Erp) -> None:
    setup_payroll(erp)
    erp.define_pay_group(
        code="FN", name="Fortnightly", frequency="fortnightly", anchor="2026-01-05"
    )
    # a table defined for fortnightly runs: 0 - 800 at 0%, from 800 at 10%
    erp.define_tax_table(
        effective_from="2026-01-01",
        basis="fortnightly",
        slabs=[{"lower": "0", "rate_percent": "0"}, {"lower": "800", "rate_percent": "10"}],
    )
    emp = hire(erp, base="2100", pay_group="FN")
    # two days of unpaid leave in the fortnight 2 to 15 March (14 calendar days): 12 paid
    erp.record_leave(
        employee=emp, date_from="2026-03-09", date_to="2026-03-10", leave_type="UNPAID"
    )
    erp.run_payroll(month="2026W10", pay_group="FN")
    (slip,) = erp.query(payslips, "2026W10")
    # basic 2,100 x 12/14 = 1,800.00; allowance 210 x 12/14 = 180.00; pension 84 x 12/14 =
    # 72.00; taxable 1,980.00 - 72.00 = 1,908.00; tax (1,908.00 - 800) x 10% = 110.80;
    # net 1,980.00 - 72.00 - 110.80 = 1,797.20
    assert lines(slip) == {
        "basic": D("1800.00"),
        "allowance": D("180.00"),
        "pension": D("72.00"),
        "income_tax": D("110.80"),
    }
    assert (slip.working_days, slip.payment_days, slip.net) == (D(14), D(12), D("1797.20"))
    # the monthly group keeps the monthly table (the fortnightly one is not its line)
    with pytest.raises(ValidationError, match="does not start a fortnight"):
        erp.run_payroll(month="2026W11", pay_group="FN")


def test_pay_group_definitions_are_checked(erp: Erp) -> None:
    with pytest.raises(ValidationError, match="anchor: a fortnightly pay group needs"):
        erp.define_pay_group(code="FN", name="F", frequency="fortnightly")
    with pytest.raises(ValidationError, match="2026-01-06 is a Tuesday"):
        erp.define_pay_group(code="FN", name="F", frequency="fortnightly", anchor="2026-01-06")
    with pytest.raises(ValidationError, match="only a fortnightly pay group has an anchor"):
        erp.define_pay_group(code="WK", name="W", frequency="weekly", anchor="2026-01-05")
    erp.define_pay_group(code="WK", name="W", frequency="weekly")
    with pytest.raises(ValidationError, match="WK is weekly; its frequency cannot change"):
        erp.define_pay_group(code="WK", name="W", frequency="monthly")
    with pytest.raises(PydanticValidationError, match="not a pay period"):
        erp.run_payroll(month="2026-W10", pay_group="WK")
