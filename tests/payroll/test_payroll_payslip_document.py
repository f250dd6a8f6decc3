"""Payslips as business documents: `erp document PS-...` from the log, with the issue's figures,
personal data marked and redactable, the verification block, paid and reversed status."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from erp_core.projections.payroll import payroll_summary, payslips
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_payroll_run import hire, setup_payroll

from erp_core.api import Erp
from erp_core.cli import cli
from erp_core.documents import service
from erp_core.kernel.errors import NotFound


def run(erp: Erp, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", f"sqlite:///{erp.url.path}", "--actor", "t", *args])


def issue_payslip(erp: Erp) -> tuple[str, str]:
    setup_payroll(erp)
    emp = hire(erp, position="Engineer", grade="G2", department="ENG")
    erp.record_personal_data(employee=emp, national_id="AB-123456", bank_account="DE89 3704")
    docs = erp.run_payroll(month="2026-03").documents
    assert docs[0] == "PR-2026-000001"
    return emp, docs[1]


def test_the_issue_payslip_as_a_document(erp: Erp) -> None:
    emp, number = issue_payslip(erp)
    assert number == "PS-2026-000001"
    doc = service.document(erp, number)
    assert doc.type == "payslip" and doc.party is not None
    assert (doc.party.code, doc.party.name) == (emp, "Ada Lovelace")
    rows = {t.name: {r["code"]: r["amount"] for r in t.rows} for t in doc.tables}
    assert rows["lines"] == {"basic": "4,000.00", "allowance": "400.00"}
    assert rows["deductions"] == {"pension": "160.00", "income_tax": "336.00"}
    assert doc.totals == (
        ("Gross pay", "4,400.00"),
        ("Taxable pay", "4,240.00"),
        ("Total deductions", "496.00"),
        ("Net pay", "3,904.00"),
    )
    fields = dict(doc.fields)
    assert fields["Pay period"] == "2026-03"
    assert fields["Payment date"] == "2026-03-31"
    assert (fields["Position"], fields["Grade"], fields["Department"]) == ("Engineer", "G2", "ENG")
    assert fields["National id *"] == "AB-123456"
    assert fields["Paid to account *"] == "DE89 3704"
    assert doc.status == "Issued, not yet paid"
    assert doc.figures["tax"] == "336.00"


def test_payslip_html_and_pdf_verify_and_tamper_fails(erp: Erp) -> None:
    _, number = issue_payslip(erp)
    page = service.render_document(erp, number, "html")
    text = page.decode()
    assert "Payslip PS-2026-000001" in text and "3,904.00" in text
    assert "National id *" in text and "AB-123456" in text
    assert service.verify_file(erp, page).ok
    assert not service.verify_file(erp, page.replace(b">3,904.00<", b">3,940.00<")).ok
    pdf = service.render_document(erp, number, "pdf")
    assert pdf == service.render_document(erp, number, "pdf")
    assert service.verify_file(erp, pdf).ok


def test_redacted_payslip_masks_personal_data_and_still_verifies(erp: Erp) -> None:
    _, number = issue_payslip(erp)
    doc = service.document(erp, number, redact=True)
    fields = dict(doc.fields)
    assert fields["National id *"] == "***" and fields["Paid to account *"] == "***"
    assert fields["Employee"] == "EMP-000001"  # not personal: the employee number stays
    page = service.render_document(erp, number, "html", redact=True)
    assert b"AB-123456" not in page and b"DE89" not in page
    assert b"Personal data redacted" in page
    assert service.verify_file(erp, page).ok
    assert service.verify_code(erp, doc.code).ok  # a bare code of a redacted payslip
    assert doc.code != service.document(erp, number).code


def test_paid_and_reversed_status_and_earlier_positions(erp: Erp) -> None:
    _, number = issue_payslip(erp)
    issued = service.document(erp, number)
    erp.pay_salaries(month="2026-03", date="2026-03-31", bank_account="1120")
    paid = service.document(erp, number)
    assert paid.status == "Paid on 2026-03-31 (SP-2026-000001)"
    assert paid.position > issued.position
    again = service.document(erp, number, as_of_position=issued.position)
    assert again.code == issued.code  # as the log knew it then
    assert service.verify_code(erp, issued.code).ok


def test_reversed_run_payslip_is_marked_and_rerun_gets_new_numbers(erp: Erp) -> None:
    _, number = issue_payslip(erp)
    erp.reverse_payroll_run(month="2026-03", date="2026-03-31", reason="wrong grade")
    assert service.document(erp, number).status.startswith("Reversed by PRR-2026-000001")
    again = erp.run_payroll(month="2026-03").documents
    assert again[1] == "PS-2026-000002"
    assert service.document(erp, again[1]).status == "Issued, not yet paid"


def test_unknown_payslip_is_not_found(erp: Erp) -> None:
    issue_payslip(erp)
    with pytest.raises(NotFound):
        service.document(erp, "PS-2026-000404")


def test_payslip_through_the_cli(erp: Erp, tmp_path: Path) -> None:
    _, number = issue_payslip(erp)
    out = tmp_path / "slip.pdf"
    made = run(erp, "document", number, "--format", "pdf", "--redact", "--out", str(out))
    assert made.exit_code == 0, made.output
    ok = run(erp, "document", "verify", str(out))
    assert ok.exit_code == 0, ok.output
    page = run(erp, "document", number, "--out", "-")
    assert page.exit_code == 0 and "AB-123456" in page.output
    masked = run(erp, "document", number, "--redact", "--out", "-")
    assert "AB-123456" not in masked.output and "3,904.00" in masked.output
    missing = run(erp, "document", "PS-2026-000404", "--out", "-")
    assert missing.exit_code == 1


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    pays=st.lists(st.decimals(min_value=1000, max_value=20000, places=2), min_size=1, max_size=3),
    joining_day=st.integers(min_value=1, max_value=28),
)
def test_payslip_documents_agree_with_the_payslips(
    erp: Erp, pays: list[Decimal], joining_day: int
) -> None:
    """Whatever the pay and joining day: every payslip document shows the projection's
    figures, gross - deductions = net, numbers are gapless, and each verifies."""
    if not getattr(erp, "_payroll_set_up", False):  # one company for every example
        setup_payroll(erp)
        erp._payroll_set_up = True  # type: ignore[attr-defined]
    month = f"2026-{len(erp.query(payroll_summary)) % 12 + 1:02d}"
    for pay in pays:
        hire(erp, f"{pay:f}", joining=f"{month}-{joining_day:02d}", name="P")
    docs = erp.run_payroll(month=month).documents
    slips = {s.employee: s for s in erp.query(payslips, month)}
    numbers = [int(n.rsplit("-", 1)[1]) for n in docs[1:]]
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))
    for number in docs[1:]:
        doc = service.document(erp, number)
        assert doc.party is not None
        slip = slips[doc.party.code]
        totals = {k: Decimal(v.replace(",", "")) for k, v in doc.totals}
        assert totals["Gross pay"] == slip.gross and totals["Net pay"] == slip.net
        assert totals["Gross pay"] - totals["Total deductions"] == totals["Net pay"]
        assert service.verify_code(erp, doc.code).ok
