"""Shared set-up of the assets tests: the accounts the standard chart lacks and categories."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, text

from erp_core import Erp

D = Decimal


def add_asset_accounts(erp: Erp) -> None:
    erp.open_account(code="1695", name="Accumulated impairment", type="asset", parent="1600")
    erp.open_account(code="4910", name="Gain on disposal of assets", type="income", parent="4000")
    erp.open_account(code="6510", name="Impairment losses", type="expense", parent="6000")
    erp.open_account(code="6910", name="Loss on disposal of assets", type="expense", parent="6000")
    erp.open_account(code="2900", name="Opening balances", type="equity", parent="3000")


def define_category(erp: Erp, code: str = "EQ", **terms: Any) -> None:
    fields: dict[str, Any] = {
        "code": code,
        "name": f"Category {code}",
        "cost_account": "1610",
        "accumulated_depreciation_account": "1690",
        "depreciation_expense_account": "6500",
        "gain_account": "4910",
        "loss_account": "6910",
        "impairment_loss_account": "6510",
        "accumulated_impairment_account": "1695",
        "useful_life_months": 48,
    }
    fields.update(terms)
    erp.define_asset_category(**fields)


def setup_books(erp: Erp) -> None:
    add_asset_accounts(erp)
    define_category(erp)


def capitalise(erp: Erp, **fields: Any) -> str:
    base: dict[str, Any] = {
        "category": "EQ",
        "name": "Lathe",
        "date": "2026-01-01",
        "available_for_use": "2026-01-01",
        "cost": "12000.00",
        "residual_value": "2000.00",
        "credit_account": "1120",
    }
    base.update(fields)
    return erp.capitalise_asset(**base).documents[0]


def balance(erp: Erp, account: str, as_of: dt.date | None = None) -> Decimal:
    """Debit-positive balance of one account (from the trial balance)."""
    for row in erp.trial_balance(as_of).rows:
        if row.account == account:
            return row.debit - row.credit
    return D("0.00")


def entries(erp: Erp) -> list[tuple[Any, ...]]:
    def q(conn: Connection) -> list[tuple[Any, ...]]:
        return [
            tuple(r)
            for r in conn.execute(
                text(
                    "SELECT position, asset, date, month, kind, document, cost_minor, "
                    "depreciation_minor, impairment_minor, proceeds_minor, gain_minor, "
                    "loss_minor, detail FROM asset_entries ORDER BY position"
                )
            )
        ]

    return erp.query(q)


def voucher_lines(erp: Erp, document: str) -> list[tuple[str, Decimal]]:
    def q(conn: Connection) -> list[tuple[str, Decimal]]:
        rows = conn.execute(
            text("SELECT account, base_minor FROM gl_lines WHERE document = :d ORDER BY line_no"),
            {"d": document},
        )
        return [(a, D(int(m)) / 100) for a, m in rows]

    return erp.query(q)


def voucher_dates(erp: Erp, kind: str) -> list[tuple[str, str]]:
    def q(conn: Connection) -> list[tuple[str, str]]:
        rows = conn.execute(
            text("SELECT document, date FROM vouchers WHERE kind = :k ORDER BY document"),
            {"k": kind},
        )
        return [(d, str(x)) for d, x in rows]

    return erp.query(q)


def log_head(erp: Erp) -> int:
    return erp.store.last_position()
