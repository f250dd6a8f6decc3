"""Moving between pay groups of different frequencies never pays a day twice: a run pays only
the days of its period that no posted (and not reversed) payslip of another group has paid,
and says why in the payslip's reasons. Every figure is computed by hand in the comments.

October 2026 has 31 days and starts on a Thursday; ISO week 40 runs Monday 28 September to
Sunday 4 October, week 43 from 19 to 25 October, week 44 from 26 October to 1 November. The
structure is the issue's (allowance 10% and pension 4% of basic, all prorated), taxed on the
monthly slabs 0 / 2,000 at 15% / 5,000 at 30% (scaled by 12/52 in a weekly run: 461.54)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal as D

import pytest
from conftest import open_company
from erp_core.projections.payroll import payslips, salaries_payable_check
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_payroll_run import hire, setup_payroll

from erp_core.api import Erp
from erp_core.kernel.errors import ValidationError
from erp_core.payroll.handlers import PayrollPreview
from erp_core.payroll.periods import pay_period, periods_touching
from erp_core.payroll.slip import PaidElsewhere, PayPeriod, ProrationBasis, payment_days


def lines(slip: object) -> dict[str, D]:
    return {ln.code: ln.amount for ln in slip.lines}  # type: ignore[attr-defined]


def balance(erp: Erp, document: str) -> D:
    return sum((ln.base for ln in erp.general_ledger() if ln.document == document), D(0))


def books(erp: Erp) -> None:
    setup_payroll(erp)
    erp.define_pay_group(code="WK", name="Weekly staff", frequency="weekly")


def move(erp: Erp, employee: str, effective: str, group: str, base: str) -> None:
    erp.change_employee_record(employee=employee, effective=effective, pay_group=group)
    erp.assign_salary(employee=employee, effective=effective, structure="STD", base_pay=base)


def test_monthly_to_weekly_mid_month_pays_only_the_days_october_did_not(erp: Erp) -> None:
    books(erp)
    ada = hire(erp, base="3100")  # monthly: 3,100.00 a month, 100.00 a day in October
    bob = hire(erp, base="700", name="Bob", pay_group="WK")
    october = erp.run_payroll(month="2026-10").documents[0]
    # after October is paid, Ada moves to the weekly group from Monday 19 October, at 700.00
    # a week (100.00 a day)
    move(erp, ada, "2026-10-19", "WK", "700")
    # week 43 (19 to 25 October) is wholly paid by her October slip: she has no payslip
    erp.run_payroll(month="2026W43", pay_group="WK")
    assert [s.employee for s in erp.query(payslips, "2026W43")] == [bob]
    # week 44 (26 October to 1 November): 26 to 31 October are paid by October; 1 November
    # is not: 1 payment day of 7. basic 700 x 1/7 = 100.00, allowance 10.00, pension 4.00;
    # taxable 110.00 - 4.00 = 106.00, below 461.54: no tax; net 110.00 - 4.00 = 106.00
    week44 = erp.run_payroll(month="2026W44", pay_group="WK").documents[0]
    slip = next(s for s in erp.query(payslips, "2026W44") if s.employee == ada)
    assert lines(slip) == {
        "basic": D("100.00"),
        "allowance": D("10.00"),
        "pension": D("4.00"),
        "income_tax": D("0.00"),
    }
    assert (slip.working_days, slip.payment_days, slip.net) == (D(7), D(1), D("106.00"))
    assert slip.gross - slip.deductions == slip.net
    assert (
        f"paid already by run {october} (2026-10) for 2026-10-26..2026-10-31: 6 days"
        in slip.reasons
    )
    # Bob's full week is untouched: basic 700.00, allowance 70.00, pension 28.00; taxable
    # 742.00; tax (742.00 - 461.54) x 15% = 42.069 -> 42.07; net 770.00 - 28.00 - 42.07
    bob_slip = next(s for s in erp.query(payslips, "2026W44") if s.employee == bob)
    assert (bob_slip.payment_days, bob_slip.net) == (D(7), D("699.93"))
    # the week's voucher balances and the salaries payable account equals the open slips
    assert balance(erp, week44) == 0
    assert erp.query(salaries_payable_check).ok


def test_weekly_to_monthly_mid_month_pays_only_the_days_the_weeks_did_not(erp: Erp) -> None:
    books(erp)
    cy = hire(erp, base="700", name="Cy", pay_group="WK")
    weeks = {
        w: erp.run_payroll(month=w, pay_group="WK").documents[0]
        for w in ("2026W40", "2026W41", "2026W42")
    }
    # Cy moves to the (monthly) default group from Monday 19 October, at 3,100.00 a month
    move(erp, cy, "2026-10-19", "", "3100")
    october = erp.run_payroll(month="2026-10").documents[0]
    (slip,) = erp.query(payslips, "2026-10")
    # 1 to 18 October are paid by weeks 40 (1 to 4 October), 41 and 42: 13 days of 31 left.
    # basic 3,100 x 13/31 = 1,300.00; allowance 130.00; pension 52.00; taxable 1,430.00 -
    # 52.00 = 1,378.00, below 2,000: no tax; net 1,430.00 - 52.00 = 1,378.00
    assert lines(slip) == {
        "basic": D("1300.00"),
        "allowance": D("130.00"),
        "pension": D("52.00"),
        "income_tax": D("0.00"),
    }
    assert (slip.working_days, slip.payment_days, slip.net) == (D(31), D(13), D("1378.00"))
    assert list(slip.reasons) == [
        f"paid already by run {weeks['2026W40']} (2026W40) for 2026-10-01..2026-10-04: 4 days",
        f"paid already by run {weeks['2026W41']} (2026W41) for 2026-10-05..2026-10-11: 7 days",
        f"paid already by run {weeks['2026W42']} (2026W42) for 2026-10-12..2026-10-18: 7 days",
    ]
    assert balance(erp, october) == 0
    assert erp.query(salaries_payable_check).ok


def test_a_reversed_run_no_longer_counts_as_paid(erp: Erp) -> None:
    books(erp)
    ada = hire(erp, base="3100")
    erp.run_payroll(month="2026-10")
    move(erp, ada, "2026-10-26", "WK", "700")
    # the preview of week 44 pays her 1 November only (26 to 31 October are paid by October)
    with pytest.raises(PayrollPreview) as preview:
        erp.run_payroll(month="2026W44", pay_group="WK", dry_run=True)
    (previewed,) = preview.value.slips
    assert (previewed.employee, previewed.payment_days, previewed.net) == (
        ada,
        D(1),
        D("106.00"),
    )
    # October is reversed: nothing of the week is paid any more, so week 44 pays all 7 days:
    # basic 700.00, allowance 70.00, pension 28.00; tax (742.00 - 461.54) x 15% = 42.07
    erp.reverse_payroll_run(month="2026-10", date="2026-10-31", reason="moved to weekly pay")
    erp.run_payroll(month="2026W44", pay_group="WK")
    (slip,) = erp.query(payslips, "2026W44")
    assert (slip.payment_days, slip.net, list(slip.reasons)) == (D(7), D("699.93"), [])


def test_the_same_period_twice_is_still_refused_and_stores_nothing(erp: Erp) -> None:
    books(erp)
    erp.define_pay_group(code="WK2", name="Weekly, site B", frequency="weekly")
    ada = hire(erp, base="700", pay_group="WK")
    hire(erp, base="700", name="Bob", pay_group="WK2")
    week44 = erp.run_payroll(month="2026W44", pay_group="WK").documents[0]
    head = erp.store.last_position()
    # the same group's week again: refused as before
    with pytest.raises(ValidationError, match="payroll for 2026W44 .*already posted"):
        erp.run_payroll(month="2026W44", pay_group="WK")
    assert erp.store.last_position() == head
    # Ada moves to another weekly group within the week she is paid for: that group's run of
    # the same week is refused, naming her, the run and the days
    erp.change_employee_record(employee=ada, effective="2026-10-28", pay_group="WK2")
    head = erp.store.last_position()
    with pytest.raises(
        ValidationError,
        match=(
            rf"employees\.{ada}: is paid for 2026W44 already by run {week44} \(pay group WK\): "
            r"days 2026-10-26\.\.2026-11-01 paid"
        ),
    ):
        erp.run_payroll(month="2026W44", pay_group="WK2")
    assert erp.store.last_position() == head
    with pytest.raises(ValidationError, match="already by run"):
        erp.run_payroll(month="2026W44", pay_group="WK2", dry_run=True)
    assert erp.store.last_position() == head


def test_periods_touching_a_span_in_each_frequency() -> None:
    start, end = dt.date(2026, 10, 1), dt.date(2026, 10, 31)
    assert periods_touching(start, end, "monthly") == ["2026-10"]
    assert periods_touching(start, end, "weekly") == [f"2026W{w}" for w in range(40, 45)]
    # fortnights from Monday 5 January 2026 (W02): ... W38-39, W40-41, W42-43, W44-45
    anchor = dt.date(2026, 1, 5)
    assert periods_touching(start, end, "fortnightly", anchor) == [
        "2026W40",
        "2026W42",
        "2026W44",
    ]
    # a week across a month end touches both months
    week44 = (dt.date(2026, 10, 26), dt.date(2026, 11, 1))
    assert periods_touching(*week44, "monthly") == ["2026-10", "2026-11"]
    assert periods_touching(dt.date(2026, 12, 28), dt.date(2027, 1, 3), "monthly") == [
        "2026-12",
        "2027-01",
    ]


def test_days_paid_elsewhere_on_the_working_days_basis() -> None:
    # week 44 on working days: Monday 26 to Friday 30 October are 5 working days; 26 to 31
    # October paid by October leave none; a slip of 1 November (a Sunday) would pay nothing
    week = PayPeriod(dt.date(2026, 10, 26), dt.date(2026, 11, 1))
    october = PaidElsewhere(dt.date(2026, 10, 26), dt.date(2026, 10, 31), "PR-1", "2026-10")
    days = payment_days(
        week, dt.date(2026, 1, 1), basis=ProrationBasis.WORKING_DAYS, paid_elsewhere=[october]
    )
    assert (days.working_days, days.employed_days, days.payment_days) == (D(5), D(0), D(0))
    assert days.reasons == (
        "paid already by run PR-1 (2026-10) for 2026-10-26..2026-10-31: 5 working days",
    )


RUNS = ["2026-10", "2026-11", *(f"2026W{w}" for w in range(40, 49))]
move_case = st.fixed_dictionaries(
    {
        "weekly_first": st.booleans(),
        "move_day": st.integers(min_value=0, max_value=62),  # days after 28 September
        "order": st.permutations(RUNS),
        "recorded_after": st.integers(min_value=0, max_value=len(RUNS)),
    }
)
counter = itertools.count()


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=move_case)
def test_a_mover_is_paid_each_day_once_whatever_the_order_of_the_runs(
    tmp_path_factory: object, case: dict
) -> None:
    """Someone moves between the monthly and the weekly group on a random day; the move is
    recorded after a random number of runs, taken in a random order. Every slip pays its
    period less the days earlier slips paid, so on the calendar basis (no leave) the mover's
    payment days over all their slips add up to exactly the distinct days of those slips'
    periods: no day is paid twice, none of them is left out. Every voucher balances and the
    salaries payable account equals the open slips."""
    path = tmp_path_factory.mktemp(f"moves{next(counter)}")  # type: ignore[attr-defined]
    erp = open_company(f"sqlite:///{path}/books.sqlite")
    try:
        books(erp)
        first, then = ("WK", "") if case["weekly_first"] else ("", "WK")
        base = {"WK": "700", "": "3100"}
        hire(erp, base="3100", name="Monthly")  # each group always has someone to pay
        hire(erp, base="700", name="Weekly", pay_group="WK")
        mover = hire(erp, base=base[first], name="Mover", pay_group=first or None)
        moved = dt.date(2026, 9, 28) + dt.timedelta(days=case["move_day"])
        documents = []
        for i, period in enumerate(case["order"]):
            if i == case["recorded_after"]:
                move(erp, mover, moved.isoformat(), then, base[then])
            group = None if "-" in period else "WK"
            documents.append(erp.run_payroll(month=period, pay_group=group).documents[0])
        if case["recorded_after"] == len(RUNS):
            move(erp, mover, moved.isoformat(), then, base[then])
        days: set[dt.date] = set()
        paid = D(0)
        for period in RUNS:
            frequency = "monthly" if "-" in period else "weekly"
            for slip in erp.query(payslips, period):
                assert slip.gross - slip.deductions == slip.net
                if slip.employee == mover:
                    days |= set(pay_period(period, frequency).days())
                    paid += slip.payment_days
        assert paid == len(days)
        assert all(balance(erp, d) == 0 for d in documents)
        assert erp.query(salaries_payable_check).ok
    finally:
        erp.close()
