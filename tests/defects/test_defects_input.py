"""Defects of issue 10: wrongly accepted input (dates, booleans as numbers, control accounts,
empty actors)."""

from __future__ import annotations

import datetime as dt

import pytest

from erp_core import Erp
from erp_core.kernel.errors import ErpError

LINES = [{"account": "6200", "debit": "10.00"}, {"account": "1120", "credit": "10.00"}]


@pytest.mark.parametrize("date", [1772668800, "1772668800", 20260305, "20260305", True, 1.5])
def test_defects_dates_are_iso_strings_only(erp: Erp, date: object) -> None:
    with pytest.raises(ErpError, match="YYYY-MM-DD"):
        erp.apply({"action": "post_voucher", "date": date, "lines": LINES})
    assert erp.general_ledger() == []


def test_defects_iso_dates_still_work(erp: Erp) -> None:
    erp.apply({"action": "post_voucher", "date": "2026-03-05", "lines": LINES})
    erp.apply({"action": "post_voucher", "date": dt.date(2026, 3, 6), "lines": LINES})
    assert len(erp.general_ledger()) == 4


@pytest.mark.parametrize("year", [True, False, 2027.0])
def test_defects_booleans_and_floats_are_not_whole_numbers(erp: Erp, year: object) -> None:
    with pytest.raises(ErpError, match="whole number"):
        erp.apply({"action": "open_fiscal_year", "year": year})


def test_defects_line_true_is_not_line_one() -> None:
    from erp_core.api import parse_action
    from erp_core.kernel.registry import action_types

    for name, cls in action_types().items():
        if "line" in cls.model_fields:
            fields = {"action": name, "line": True}
            with pytest.raises(ErpError, match="whole number"):
                parse_action(fields)


def test_defects_empty_actor_is_refused(sqlite_url: str) -> None:
    with pytest.raises(ErpError, match="actor"):
        Erp.open(sqlite_url, actor="")
    with pytest.raises(ErpError, match="actor"):
        Erp.open(sqlite_url, actor="   ")


@pytest.mark.parametrize("account", ["1300", "1200", "2100", "2150", "3200"])
def test_defects_item_expense_account_is_no_control_account(erp: Erp, account: str) -> None:
    with pytest.raises(ErpError, match="expense_account"):
        erp.register_item(code="WIDGET", name="Widget", uom="pcs", expense_account=account)
    erp.register_item(code="WIDGET", name="Widget", uom="pcs", expense_account="6400")
