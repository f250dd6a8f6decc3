"""Accounts another area holds to a working-capital sub-ledger (payroll's liabilities, the
work-in-progress account of work orders) are classified without being tagged by hand."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from erp_core import Erp
from erp_core.assets.cash_flow_report import cash_flow_result, effective_tags
from erp_core.ledger.cash_flow import CashFlowTag


def test_payroll_liability_accounts_are_working_capital_by_default(tmp_path: Path) -> None:
    with Erp.open(f"sqlite:///{tmp_path}/b.sqlite", actor="t") as erp:
        erp.init("Roles Ltd", "EUR", dt.date(2026, 1, 1))
        for code, name in (("2461", "Net salaries payable"), ("2462", "Payroll tax payable")):
            erp.apply(
                {
                    "action": "open_account",
                    "code": code,
                    "name": name,
                    "type": "liability",
                    "parent": "2000",
                }
            )
        unclassified = erp.query(effective_tags)
        assert unclassified["2461"] is None and unclassified["2462"] is None
        erp.apply(
            {"action": "configure_payroll", "salaries_payable": "2461", "tax_payable": "2462"}
        )
        erp.post_voucher(
            "2026-01-31",
            [
                {"account": "6100", "debit": "1000.00"},
                {"account": "2462", "credit": "150.00"},
                {"account": "1120", "credit": "850.00"},
            ],
        )
        tags = erp.query(effective_tags)
        assert tags["2461"] == tags["2462"] == CashFlowTag.WORKING_CAPITAL
        statement = erp.query(
            cash_flow_result, dt.date(2026, 1, 1), dt.date(2026, 1, 31), "indirect"
        )
        assert statement.ok, statement.problems
        assert statement.statement is not None and statement.statement.net_change == -850
