# ruff: noqa: RUF001  (Chinese text rightly uses full-width punctuation)
"""A payslip in the employee's language: Chinese labels and dates, redaction, verification."""

from __future__ import annotations

import io
import sys
from pathlib import Path

from erp_core.api import Erp
from erp_core.documents import service
from erp_core.documents.render import render

sys.path.insert(0, str(Path(__file__).parents[1] / "payroll"))
from test_payroll_run import hire, setup_payroll


def test_a_chinese_employees_payslip(erp: Erp) -> None:
    setup_payroll(erp)
    emp = hire(erp, position="Engineer", grade="G2", department="ENG")
    erp.record_personal_data(employee=emp, national_id="AB-123456", bank_account="DE89 3704")
    erp.set_document_language(party="employee", code=emp, language="zh")
    number = erp.run_payroll(month="2026-03").documents[1]
    doc = service.document(erp, number)
    assert (doc.language, doc.title, doc.status) == ("zh", "工资单", "已出具，尚未支付")
    assert doc.totals == (
        ("应发工资", "4,400.00"),
        ("应税工资", "4,240.00"),
        ("扣款合计", "496.00"),
        ("实发工资", "3,904.00"),
    )
    fields = dict(doc.fields)
    assert fields["付款日期"] == "2026年3月31日"
    assert fields["身份证号 *"] == "AB-123456"  # still marked as personal data
    masked = service.document(erp, number, redact=True)
    assert dict(masked.fields)["身份证号 *"] == "***"
    from pypdf import PdfReader

    pdf = render(masked, "pdf")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "实发工资 3,904.00" in text and "AB-123456" not in text
    assert "个人数据已隐去（标有 * 的字段）" in text
    assert service.verify_file(erp, pdf).ok
    assert service.verify_code(erp, masked.code).ok
