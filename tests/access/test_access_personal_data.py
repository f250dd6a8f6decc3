"""HR and payroll data are shown only to roles naming those areas (the built-in HR and payroll
roles, the administrator, or a role given the report by name): ``report:*`` (the auditor, the
accountant, managers) does not reach them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from erp_core.projections.hr import appraisals, employees_as_of
from erp_core.projections.payroll import payslips

from erp_core import Erp
from erp_core.access.tokens import create_token
from erp_core.kernel.errors import AccessDenied, NotFound

DAY = dt.date(2026, 3, 31)
REPORTS: dict[str, Callable[[Erp], object]] = {
    "employees": lambda b: b.query(employees_as_of, DAY),
    "appraisals": lambda b: b.query(appraisals, "2026"),
    "payslips": lambda b: b.query(payslips, "2026-03"),
    "trial balance": lambda b: b.trial_balance(),
}
# role -> the reports above it may run
SEES = {
    "administrator": {"employees", "appraisals", "payslips", "trial balance"},
    "hr": {"employees", "appraisals", "trial balance"},
    "payroll": {"employees", "payslips", "trial balance"},
    "auditor": {"trial balance"},
    "accountant": {"trial balance"},
    "purchasing_manager": {"trial balance"},
    "warehouse_keeper": set(),
}


@pytest.mark.parametrize("role", sorted(SEES))
def test_personal_reports_need_an_hr_or_payroll_role(
    erp: Erp, clock: Callable[[], dt.datetime], role: str
) -> None:
    erp.create_user(code="someone", name="Someone")
    erp.grant_role(user="someone", role=role)
    token = create_token(erp, "someone")
    create_token(erp, "tester")
    erp.enable_access_control()
    with Erp.open(erp.url.raw, token=token, clock=clock) as books:
        for name, run in REPORTS.items():
            try:
                run(books)
                shown = True
            except NotFound:  # allowed: it ran and found no such cycle
                shown = True
            except AccessDenied as refused:
                shown = False
                if name != "trial balance":
                    assert "it shows personal data" in refused.message
            assert shown == (name in SEES[role]), f"{role} x {name}"


def test_a_role_may_be_given_one_personal_report_by_name(
    erp: Erp, clock: Callable[[], dt.datetime]
) -> None:
    erp.define_role(
        code="hr_reader", name="Headcount", permissions=["report:*", "report:employees-as-of"]
    )
    erp.create_user(code="hank", name="Hank")
    erp.grant_role(user="hank", role="hr_reader")
    token = create_token(erp, "hank")
    create_token(erp, "tester")
    erp.enable_access_control()
    with Erp.open(erp.url.raw, token=token, clock=clock) as hank:
        assert hank.query(employees_as_of, DAY) == []
        with pytest.raises(AccessDenied, match="grants area:payroll or report:payslips"):
            hank.query(payslips, "2026-03")


def test_an_employees_trail_is_personal_data(erp: Erp, clock: Callable[[], dt.datetime]) -> None:
    employee = erp.hire_employee(
        name="Erin Employee", joining_date="2026-02-01", national_id="X-123"
    ).documents[0]
    tokens = {}
    for code, role in (("dave", "auditor"), ("hana", "hr")):
        erp.create_user(code=code, name=code)
        erp.grant_role(user=code, role=role)
        tokens[code] = create_token(erp, code)
    create_token(erp, "tester")
    erp.enable_access_control()
    stream = next(r.stream for r in erp.store.iter_log() if employee in r.stream)
    with Erp.open(erp.url.raw, token=tokens["dave"], clock=clock) as dave:
        with pytest.raises(AccessDenied, match="shows personal data \\(hr\\)"):
            dave.trail(stream)
        assert dave.trail("company")  # the rest of the log: as before
    with Erp.open(erp.url.raw, token=tokens["hana"], clock=clock) as hana:
        assert any(e.event == "EmployeeHired" for e in hana.trail(stream))
