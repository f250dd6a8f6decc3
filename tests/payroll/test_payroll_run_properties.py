"""Hypothesis: random employees in two pay groups, joiners and leavers, unpaid leave (recorded
or requested and approved), absences and half days, part payments and remittances over three
monthly runs (one of them reversed and run again). Every run voucher balances, every slip's net
is gross less deductions, the salaries payable sub-ledger equals the control account per
employee, each tax and contribution account equals what the runs still owe, `erp check` is
clean, and a rebuild gives the same reports."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal as D

from conftest import open_company
from erp_core.projections.payroll import (
    payroll_liabilities_report,
    payroll_summary,
    payslips,
    salaries_payable_check,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from erp_core.api import Erp

COMPONENTS = [
    {"code": "pension", "type": "deduction", "formula": "basic * 0.04", "pre_tax": True,
     "prorated": True, "payable_account": "2430"},
    {"code": "allowance", "type": "earning", "formula": "min(basic * 0.10, 300)",
     "taxable": True, "prorated": True},
    {"code": "basic", "type": "earning", "formula": "base", "taxable": True, "prorated": True},
    {"code": "employer_pension", "type": "employer_contribution", "formula": "basic * 0.05",
     "expense_account": "6150", "payable_account": "2430"},
]  # fmt: skip

employee = st.fixed_dictionaries(
    {
        "base": st.integers(min_value=0, max_value=2_000_000).map(lambda c: D(c) / 100),
        "join_day": st.integers(min_value=0, max_value=80),  # days after 1 Jan
        "stay": st.one_of(st.none(), st.integers(min_value=0, max_value=90)),
        "unpaid": st.lists(st.integers(min_value=0, max_value=89), max_size=4, unique=True),
        "cc": st.sampled_from(["HQ", "OPS"]),
        "pay_part": st.sampled_from([None, D("0.5"), D(1)]),
        "group": st.sampled_from(["", "EXEC"]),
        "attendance": st.dictionaries(
            st.integers(min_value=0, max_value=89),
            st.sampled_from(["absent", "half_day", "present"]),
            max_size=3,
        ),
    }
)
counter = itertools.count()
MONTH_END = {"2026-01": "2026-01-31", "2026-02": "2026-02-28", "2026-03": "2026-03-31"}


def _setup(erp: Erp) -> None:
    for code, name in [("2410", "Net salaries"), ("2420", "Tax"), ("2430", "Pensions")]:
        erp.open_account(code, name, "liability", parent="2000")
    erp.open_account("6150", "Employer pension", "expense", parent="6000")
    for cc in ("HQ", "OPS"):
        erp.add_dimension_value(dimension="cost_centre", code=cc, name=cc)
    erp.configure_payroll(salaries_payable="2410", tax_payable="2420")
    erp.define_tax_table(
        effective_from="2026-01-01",
        basis="annual",
        slabs=[
            {"lower": "0", "rate_percent": "0"},
            {"lower": "12000", "rate_percent": "20"},
            {"lower": "50000", "rate_percent": "40"},
        ],
    )
    erp.define_salary_structure(
        code="STD", name="Standard", effective_from="2026-01-01", components=COMPONENTS
    )
    erp.define_pay_group(code="EXEC", name="Executives")
    erp.define_leave_type(code="UNPAID", name="Unpaid", paid_fraction="0", allow_negative=True)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(people=st.lists(employee, min_size=1, max_size=5))
def test_runs_balance_and_the_payable_sub_ledger_equals_the_control(
    tmp_path_factory: object, people: list[dict]
) -> None:
    path = tmp_path_factory.mktemp(f"payroll{next(counter)}")  # type: ignore[attr-defined]
    erp = open_company(f"sqlite:///{path}/books.sqlite")
    try:
        _setup(erp)
        jan1 = dt.date(2026, 1, 1)
        for i, p in enumerate(people):
            joined = jan1 + dt.timedelta(days=p["join_day"])
            emp = erp.hire_employee(
                name=f"E{i}", joining_date=joined, cost_centre=p["cc"], pay_group=p["group"] or None
            ).documents[0]
            erp.assign_salary(employee=emp, effective=joined, structure="STD", base_pay=p["base"])
            if p["stay"] is not None:
                erp.record_leaving(
                    employee=emp, leaving_date=joined + dt.timedelta(days=p["stay"]), reason="x"
                )

            def employed(day: dt.date, p: dict = p, joined: dt.date = joined) -> bool:
                return joined <= day and (
                    p["stay"] is None or day <= joined + dt.timedelta(days=p["stay"])
                )

            for offset in p["unpaid"]:
                day = jan1 + dt.timedelta(days=offset)
                if not employed(day):
                    continue
                if offset % 2 and day.weekday() < 5:  # requested and approved
                    request = erp.request_leave(
                        employee=emp, leave_type="UNPAID", date_from=day, date_to=day
                    ).documents[0]
                    erp.approve_leave(employee=emp, request=request)
                else:
                    erp.record_leave(employee=emp, date_from=day, date_to=day, leave_type="UNPAID")
            days = [
                {"day": jan1 + dt.timedelta(days=o), "status": status}
                for o, status in sorted(p["attendance"].items())
                if o not in p["unpaid"] and employed(jan1 + dt.timedelta(days=o))
            ]
            if days:
                erp.record_attendance(employee=emp, days=days)
            p["emp"] = emp
        runs = []
        for month, group in itertools.product(("2026-01", "2026-02", "2026-03"), ("", "EXEC")):
            try:
                runs.append(erp.run_payroll(month=month, pay_group=group or None).documents[0])
            except Exception as exc:  # a month nobody works in is refused, nothing else
                assert "nobody is employed" in str(exc)
                continue
            if month == "2026-02":
                erp.reverse_payroll_run(
                    month=month, pay_group=group or None, date="2026-02-28", reason="redo"
                )
                runs.append(erp.run_payroll(month=month, pay_group=group or None).documents[0])
            for r in erp.query(payroll_liabilities_report, 2026):
                if r.month == month and r.run == runs[-1] and r.open > 0 and not group:
                    erp.remit_payroll_liabilities(
                        month=month,
                        date=MONTH_END[month],
                        bank_account="1120",
                        authority="Tax office",
                        lines=[{"account": r.account}],
                    )
            for slip in erp.query(payslips, month):
                if slip.run != runs[-1]:
                    continue
                assert slip.net == slip.gross - slip.deductions
                assert slip.net >= 0
                part = next(p["pay_part"] for p in people if p["emp"] == slip.employee)
                amount = (slip.net * part).quantize(D("0.01")) if part else D(0)
                if amount > 0:
                    erp.pay_salaries(
                        month=month,
                        pay_group=group or None,
                        date=MONTH_END[month],
                        bank_account="1120",
                        allocations=[{"invoice": f"{month}/{slip.employee}", "amount": amount}],
                    )
            check = erp.query(salaries_payable_check)
            assert check.ok, check.message
            assert [c.message for c in erp.check() if not c.ok] == []
        ledger = erp.general_ledger()
        for run in runs:
            assert sum(ln.base for ln in ledger if ln.document == run) == 0
        tb = erp.trial_balance()
        assert tb.total_debit == tb.total_credit

        def reports() -> object:
            return (
                [erp.query(payslips, m, None, True) for m in ("2026-01", "2026-02", "2026-03")],
                erp.query(payroll_summary),
                erp.query(salaries_payable_check),
                erp.query(payroll_liabilities_report, 2026),
                erp.trial_balance(),
            )

        before = reports()
        erp.rebuild()
        assert reports() == before
    finally:
        erp.close()
