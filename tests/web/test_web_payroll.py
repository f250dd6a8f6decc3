"""Payroll on the console: the runs (totals, no person named) and each run's payslips, which
are personal data: shown only to a user allowed `report:payslips`, redacted for the others."""

from __future__ import annotations

import sys
from pathlib import Path

from erp_core.projections.payroll import payroll_summary, payslips
from starlette.testclient import TestClient
from web.web_fixtures import log_in, read_page

from erp_core import Erp
from erp_core.access.tokens import create_token
from erp_core.web.app import create_app

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "payroll"))
from test_payroll_run import hire, setup_payroll


def books_with_payroll(erp: Erp) -> tuple[str, str]:
    setup_payroll(erp)
    ada = hire(erp)
    hire(erp, "3000", joining="2026-03-16", name="Bob Secret", national_id="X-1")
    march = erp.run_payroll(month="2026-03").documents[0]
    erp.pay_salaries(month="2026-03", date="2026-03-31", bank_account="1120",
                     allocations=[{"invoice": f"2026-03/{ada}", "amount": "100.00"}])  # fmt: skip
    erp.run_payroll(month="2026-04")
    erp.reverse_payroll_run(month="2026-04", date="2026-04-30", reason="redo")
    erp.run_payroll(month="2026-04")
    return ada, march


def test_web_payroll_runs_and_payslips_equal_the_library(erp: Erp) -> None:
    _, march = books_with_payroll(erp)
    client = TestClient(create_app(erp, allowed_hosts=["testserver"]))
    runs = client.get("/payroll")
    assert runs.status_code == 200
    table = read_page(runs.text).tables["payroll-runs"]
    expected = erp.query(payroll_summary)
    assert [r[0].text for r in table.rows[1:]] == [r.run for r in expected]
    assert [r[6].amount for r in table.rows[1:]] == [str(r.net) for r in expected]
    assert [r[10].text for r in table.rows[1:]] == [r.reversed_by or "" for r in expected]
    assert "Bob Secret" not in runs.text  # the runs name nobody
    link = table.rows[1][0].href
    assert link == f"/payroll/{march}"
    slips = read_page(client.get(link).text).tables["payslips"]
    library = [s for s in erp.query(payslips, "2026-03", None, True) if s.run == march]
    body = [r for r, c in zip(slips.rows[1:], slips.classes[1:], strict=True) if c != "total"]
    assert [(r[0].text, r[1].text, r[7].amount, r[9].amount) for r in body] == [
        (s.employee, s.name, str(s.net), str(s.paid)) for s in library
    ]
    total = slips.rows[-1]
    assert total[7].amount == str(expected[0].net)
    assert sum(s.net for s in library) == expected[0].net
    assert client.get("/payroll/NO-SUCH-RUN").status_code == 404
    # the API: the runs as `erp report payroll-summary --format json`, the run's payslips
    api = client.get("/api/payroll").json()
    assert [r["run"] for r in api] == [r.run for r in expected]
    assert [r["net"] for r in api] == [str(r.net) for r in expected]
    slips_api = client.get(f"/api/payroll/{march}/payslips").json()
    assert [(s["employee"], s["net"]) for s in slips_api] == [
        (s.employee, str(s.net)) for s in library
    ]
    assert client.get("/payroll?year=20x6").status_code == 400


def test_web_payslips_are_redacted_without_the_permission(erp: Erp) -> None:
    _, march = books_with_payroll(erp)
    erp.define_role(
        code="payroll_viewer", name="Payroll totals", permissions=["report:payroll-summary"]
    )
    for user, role in (("carol", "payroll_viewer"), ("dave", "payroll"), ("erin", "auditor")):
        erp.create_user(code=user, name=user.title())
        erp.grant_role(user=user, role=role)
    tokens = {u: create_token(erp, u) for u in ("tester", "carol", "dave", "erin")}
    erp.enable_access_control()
    server = Erp.open(erp.url.raw, actor="web")
    try:
        app = create_app(server, allowed_hosts=["testserver"])
        carol = TestClient(app, follow_redirects=False)
        log_in(carol, tokens["carol"], "/payroll")
        assert carol.get("/payroll").status_code == 200
        page = carol.get(f"/payroll/{march}")
        assert page.status_code == 200
        assert "Bob Secret" not in page.text and "Ada" not in page.text
        assert "The payslips (personal data) are hidden" in page.text
        assert "report:payslips" in page.text
        totals = read_page(page.text).tables["payslips"]
        assert totals.classes[-1] == "total"
        refused = carol.get(f"/api/payroll/{march}/payslips")
        assert refused.status_code == 403 and "report:payslips" in refused.json()["error"]
        assert carol.get("/api/payroll").status_code == 200
        dave = TestClient(app, follow_redirects=False)
        log_in(dave, tokens["dave"], "/payroll")
        shown = dave.get(f"/payroll/{march}")
        assert "Bob Secret" in shown.text and 'id="redacted"' not in shown.text
        # an auditor's report:* does not reach payroll (personal data): refused, naming why
        erin = TestClient(app, follow_redirects=False)
        log_in(erin, tokens["erin"], "/payroll")
        kept_out = erin.get(f"/payroll/{march}")
        assert kept_out.status_code == 403 and "Bob Secret" not in kept_out.text
        assert "area:payroll" in kept_out.text
        # nobody logged in: nothing
        assert TestClient(app, follow_redirects=False).get("/payroll").status_code == 303
    finally:
        server.close()
