"""Reviews, recruitment and payslip documents on SQLite and PostgreSQL, rebuild equal to live."""

from __future__ import annotations

from erp_core.projections.hr import appraisals, rating_distribution, recruitment

from erp_core.api import Erp
from erp_core.documents import service


def test_reviews_recruitment_and_payslips_on_both_databases(any_erp: Erp) -> None:
    erp = any_erp
    erp.add_dimension_value(dimension="department", code="ENG", name="Engineering")
    for code, name in (("2461", "Net salaries"), ("2462", "Payroll tax")):
        erp.open_account(code, name, "liability", parent="2000")
    erp.configure_payroll(salaries_payable="2461", tax_payable="2462")
    erp.define_tax_table(effective_from="2026-01-01", slabs=[
        {"lower": "0", "rate_percent": "0"}, {"lower": "2000", "rate_percent": "15"}])  # fmt: skip
    erp.define_salary_structure(code="STD", name="Std", effective_from="2026-01-01", components=[
        {"code": "basic", "type": "earning", "formula": "base", "taxable": True}])  # fmt: skip
    req = erp.raise_requisition(date="2026-01-05", position="Engineer", department="ENG",
                                count=1).documents[0]  # fmt: skip
    erp.approve_requisition(requisition=req, date="2026-01-06")
    erp.open_job(requisition=req, date="2026-01-07", title="Engineer")
    app = erp.add_applicant(requisition=req, date="2026-01-08", name="Ada").documents[0]
    offer = erp.make_offer(requisition=req, applicant=app, date="2026-01-10",
                           base_pay="3000.00", joining_date="2026-02-01").documents[0]  # fmt: skip
    erp.accept_offer(requisition=req, offer=offer, date="2026-01-11")
    ada = erp.hire_applicant(requisition=req, offer=offer, bank_account="NL91 0001").documents[0]
    erp.assign_salary(employee=ada, effective="2026-02-01", structure="STD", base_pay="3000.00")
    slip = erp.run_payroll(month="2026-02").documents[1]
    doc = service.document(erp, slip)
    assert dict(doc.totals)["Net pay"] == "2,850.00"  # 3000 - 15% of 1000
    assert dict(doc.fields)["Paid to account *"] == "NL91 0001"
    assert service.verify_file(erp, service.render_document(erp, slip, redact=True)).ok
    erp.open_appraisal_cycle(code="C1", name="C1", period_from="2026-01-01",
                             period_to="2026-12-31")  # fmt: skip
    erp.set_appraisal_goals(cycle="C1", employee=ada, kras=[{"code": "g", "weight": "100"}])
    erp.rate_appraisal(cycle="C1", employee=ada, rater="self", ratings={"g": "4"})
    erp.rate_appraisal(cycle="C1", employee=ada, rater="manager", ratings={"g": "3"})
    erp.finalise_appraisal(cycle="C1", employee=ada)
    live = (
        erp.query(recruitment),
        erp.query(appraisals, "C1"),
        erp.query(rating_distribution, "C1"),
    )
    assert live[0][0].days_to_fill == 5 and live[1][0].final == "3.25"  # (20*4 + 60*3) / 80
    erp.rebuild()
    assert (
        erp.query(recruitment),
        erp.query(appraisals, "C1"),
        erp.query(rating_distribution, "C1"),
    ) == live
    assert service.document(erp, slip).code == doc.code
