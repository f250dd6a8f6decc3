"""Recruitment through actions: requisition -> approval -> opening -> applicants -> interviews
-> offers -> hire through hire_employee's rules; counts never off by one (erpnext#19592);
pipeline, time to fill and acceptance rate; refusals that store nothing; rebuild equals live."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner
from erp_core.projections.hr import employees_as_of, headcount, recruitment
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from erp_core.api import Erp
from erp_core.cli import cli
from erp_core.documents.log import LogView
from erp_core.hr.events import EmployeeHired
from erp_core.kernel.errors import NotFound, ValidationError


def open_requisition(erp: Erp, count: int = 2, budget: str | None = "5000.00") -> str:
    erp.add_dimension_value(dimension="department", code="ENG", name="Engineering")
    req = erp.raise_requisition(date="2026-02-01", position="Engineer", department="ENG",
                                grade="G2", count=count, budget=budget,
                                reason="new team").documents[0]  # fmt: skip
    erp.approve_requisition(requisition=req, date="2026-02-03")
    erp.open_job(requisition=req, date="2026-02-04", title="Backend engineer")
    return req


def applicant(erp: Erp, req: str, name: str, day: str = "2026-02-10") -> str:
    return erp.add_applicant(requisition=req, date=day, name=name, source="referral").documents[0]


def offer(erp: Erp, req: str, app: str, day: str = "2026-02-20", pay: str = "4500.00") -> str:
    return erp.make_offer(requisition=req, applicant=app, date=day, base_pay=pay,
                          joining_date="2026-03-01").documents[0]  # fmt: skip


def positions(erp: Erp) -> int:
    return erp.store.last_position()


def test_requisition_to_hire_with_the_offer_terms(erp: Erp) -> None:
    req = open_requisition(erp)
    assert req == "REQ-2026-000001"
    ada = applicant(erp, req, "Ada Lovelace")
    bob = applicant(erp, req, "Bob")
    erp.record_interview(requisition=req, applicant=ada, date="2026-02-12", interviewer="Grace",
                         round="technical", scores={"design": "5", "coding": "4"},
                         recommendation="hire")  # fmt: skip
    erp.reject_applicant(requisition=req, applicant=bob, date="2026-02-13", reason="no fit")
    off = offer(erp, req, ada)
    erp.accept_offer(requisition=req, offer=off, date="2026-02-22")
    emp = erp.hire_applicant(requisition=req, offer=off, national_id="AL-1815").documents[0]
    rec = {r.employee: r for r in erp.query(employees_as_of, dt.date(2026, 3, 1))}[emp]
    assert (rec.name, rec.department, rec.position, rec.grade, rec.base_pay) == (
        "Ada Lovelace", "ENG", "Engineer", "G2", "4500.00",
    )  # fmt: skip
    assert rec.national_id == "AL-1815"
    ((_, hired),) = LogView(erp).of(f"employee:{emp}", EmployeeHired)
    assert hired.offer == off
    (row,) = erp.query(recruitment)
    assert (row.applied, row.interviewed, row.offered, row.rejected, row.hired) == (0, 0, 0, 1, 1)
    assert (row.vacancies, row.status, row.acceptance_rate) == (1, "open", "100.0")
    assert row.days_to_fill is None  # one of two hired


def test_count_is_exact_and_a_declined_offer_frees_its_place(erp: Erp) -> None:
    req = open_requisition(erp, count=2)
    a, b, c = (applicant(erp, req, n) for n in ("A", "B", "C"))
    oa = offer(erp, req, a)
    ob = offer(erp, req, b)
    before = positions(erp)
    with pytest.raises(ValidationError) as err:  # two places, two offers out: no third
        offer(erp, req, c)
    assert err.value.field == "requisition" and "for 2" in err.value.reason
    assert positions(erp) == before
    assert erp.query(recruitment)[0].vacancies == 0
    erp.decline_offer(requisition=req, offer=ob, date="2026-02-21", reason="counter-offer")
    assert erp.query(recruitment)[0].vacancies == 1
    oc = offer(erp, req, c, day="2026-02-23")
    for o, day in ((oa, "2026-02-24"), (oc, "2026-03-02")):
        erp.accept_offer(requisition=req, offer=o, date=day)
        erp.hire_applicant(requisition=req, offer=o)
    (row,) = erp.query(recruitment)
    assert (row.hired, row.vacancies, row.status) == (2, 0, "filled")
    assert (row.filled_on, row.days_to_fill) == (dt.date(2026, 3, 2), 27)  # 03-02 - 02-03
    assert (row.offers_accepted, row.offers_declined, row.acceptance_rate) == (2, 1, "66.7")
    with pytest.raises(ValidationError, match="filled"):
        applicant(erp, req, "D")
    live = erp.query(recruitment)
    erp.rebuild()
    assert erp.query(recruitment) == live


def test_refusals_store_nothing(erp: Erp) -> None:
    erp.add_dimension_value(dimension="department", code="ENG", name="Engineering")
    req = erp.raise_requisition(date="2026-02-01", position="Engineer", department="ENG",
                                count=1, budget="5000.00").documents[0]  # fmt: skip
    before = positions(erp)
    with pytest.raises(ValidationError, match="not approved"):
        erp.open_job(requisition=req, date="2026-02-04", title="x")
    with pytest.raises(ValidationError, match="no job opening"):
        erp.add_applicant(requisition=req, date="2026-02-04", name="x")
    with pytest.raises(ValidationError) as err:
        erp.approve_requisition(requisition=req, date="2026-01-31")
    assert err.value.field == "date"
    with pytest.raises(NotFound):
        erp.approve_requisition(requisition="REQ-2026-000404", date="2026-02-02")
    with pytest.raises(ValidationError) as err:
        erp.raise_requisition(date="2026-02-01", position="x", department="NOPE")
    with pytest.raises(ValidationError):
        erp.apply({"action": "raise_requisition", "date": "2026-02-01", "position": "x",
                   "count": 0})  # fmt: skip
    assert positions(erp) == before
    erp.approve_requisition(requisition=req, date="2026-02-02")
    erp.open_job(requisition=req, date="2026-02-03", title="Engineer")
    app = applicant(erp, req, "Ada")
    before = positions(erp)
    with pytest.raises(ValidationError) as err:
        offer(erp, req, app, pay="5000.01")
    assert err.value.field == "base_pay" and "budget" in err.value.reason
    with pytest.raises(ValidationError) as err:
        erp.record_interview(requisition=req, applicant=app, date="2026-02-12", interviewer="G",
                             scores={"design": "6"}, recommendation="hire")  # fmt: skip
    assert err.value.field == "scores.design"
    with pytest.raises(NotFound):
        offer(erp, req, "APP-2026-000404")
    assert positions(erp) == before
    off = offer(erp, req, app)
    before = positions(erp)
    with pytest.raises(ValidationError, match="outstanding, not accepted"):
        erp.hire_applicant(requisition=req, offer=off)
    with pytest.raises(ValidationError, match="expired"):
        erp.accept_offer(requisition=req, offer=off, date="2026-03-31")
    with pytest.raises(ValidationError, match="open offer"):
        offer(erp, req, app)
    with pytest.raises(ValidationError, match="offers are open"):
        erp.cancel_requisition(requisition=req, date="2026-02-25", reason="budget cut")
    erp.accept_offer(requisition=req, offer=off, date="2026-02-21")
    with pytest.raises(ValidationError) as err:  # hire_employee's own rules apply to the hire
        erp.hire_applicant(requisition=req, offer=off, cost_centre="NOPE")
    assert positions(erp) == before + 1  # only the acceptance
    erp.hire_applicant(requisition=req, offer=off)
    with pytest.raises(ValidationError, match="hired, not accepted"):
        erp.hire_applicant(requisition=req, offer=off)


def test_cancelled_requisition_takes_nothing_more(erp: Erp) -> None:
    req = open_requisition(erp, count=3)
    applicant(erp, req, "A")
    erp.cancel_requisition(requisition=req, date="2026-02-15", reason="reorganisation")
    with pytest.raises(ValidationError, match="cancelled"):
        applicant(erp, req, "B")
    (row,) = erp.query(recruitment, req)
    assert (row.status, row.vacancies, row.applied) == ("cancelled", 0, 1)


def test_report_through_the_cli(erp: Erp) -> None:
    req = open_requisition(erp, count=1)
    applicant(erp, req, "A")
    db = ["--db", f"sqlite:///{erp.url.path}"]
    out = CliRunner().invoke(cli, [*db, "report", "recruitment", "--format", "json"])
    assert out.exit_code == 0, out.output
    assert f'"requisition": "{req}"' in out.output and '"applied": 1' in out.output


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    count=st.integers(min_value=1, max_value=3),
    steps=st.lists(st.sampled_from(["offer", "decline", "accept_hire"]), max_size=10),
)
def test_hires_never_exceed_the_count(erp: Erp, count: int, steps: list[str]) -> None:
    """Whatever the sequence, hires <= count and hires + open offers <= count."""
    req = erp.raise_requisition(date="2026-02-01", position="P", count=count).documents[0]
    erp.approve_requisition(requisition=req, date="2026-02-01")
    erp.open_job(requisition=req, date="2026-02-01", title="P")
    open_offers: list[str] = []
    for i, step in enumerate(steps):
        try:
            if step == "offer":
                app = applicant(erp, req, f"N{i}", day="2026-02-02")
                open_offers.append(offer(erp, req, app, day="2026-02-03"))
            elif step == "decline" and open_offers:
                erp.decline_offer(requisition=req, offer=open_offers.pop(0), date="2026-02-04",
                                  reason="no")  # fmt: skip
            elif step == "accept_hire" and open_offers:
                o = open_offers.pop(0)
                erp.accept_offer(requisition=req, offer=o, date="2026-02-04")
                erp.hire_applicant(requisition=req, offer=o)
        except ValidationError:
            pass
        (row,) = erp.query(recruitment, req)
        assert row.hired <= count
        assert row.hired + len(open_offers) <= count
        assert row.vacancies == count - row.hired - len(open_offers)


def test_headcount_with_joiners_leavers_and_vacancies(erp: Erp) -> None:
    req = open_requisition(erp, count=3)
    old = erp.hire_employee(name="Old", joining_date="2026-01-01", department="ENG").documents[0]
    erp.hire_employee(name="New", joining_date="2026-03-10", department="ENG")
    erp.hire_employee(name="Nobody", joining_date="2026-03-01")
    erp.record_leaving(employee=old, leaving_date="2026-03-20", reason="retired")
    offer(erp, req, applicant(erp, req, "A"))
    rows = {r.department: r for r in erp.query(headcount, dt.date(2026, 3, 31))}
    eng = rows["ENG"]
    assert (eng.headcount, eng.joiners, eng.leavers) == (1, 1, 1)
    assert (eng.open_requisitions, eng.vacancies) == (1, 2)  # 3 - 1 offer out, not 3 or 1
    assert (rows[""].headcount, rows[""].joiners) == (1, 1)
    db = ["--db", f"sqlite:///{erp.url.path}"]
    out = CliRunner().invoke(cli, [*db, "report", "headcount", "--as-of", "2026-03-31",
                                   "--since", "2026-01-01", "--format", "json"])  # fmt: skip
    assert out.exit_code == 0, out.output
    assert '"joiners": 2' in out.output  # Old and New since January
