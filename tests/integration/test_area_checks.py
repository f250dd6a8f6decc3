"""`erp check` runs every area's reconciliation: a WIP or asset register that disagrees with
its account is named there, not only in the area's own report."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from erp_core import Erp


def test_an_asset_register_that_disagrees_with_its_account_fails_erp_check(erp: Erp) -> None:
    erp.open_account("1695", "Accumulated impairment", "asset", parent="1600")
    erp.open_account("4910", "Gain on disposal of assets", "income", parent="4000")
    erp.open_account("6510", "Impairment losses", "expense", parent="6000")
    erp.open_account("6910", "Loss on disposal of assets", "expense", parent="6000")
    erp.define_asset_category(
        code="EQ",
        name="Equipment",
        cost_account="1610",
        accumulated_depreciation_account="1690",
        depreciation_expense_account="6500",
        gain_account="4910",
        loss_account="6910",
        impairment_loss_account="6510",
        accumulated_impairment_account="1695",
        useful_life_months=48,
    )
    erp.capitalise_asset(
        category="EQ",
        name="Laser cutter",
        cost="12000.00",
        residual_value="0.00",
        date=dt.date(2026, 1, 10),
        available_for_use=dt.date(2026, 1, 10),
        credit_account="1120",
    )
    assert all(r.ok for r in erp.check())
    messages = [r.message for r in erp.check()]
    assert any("1610" in m for m in messages), messages

    from erp_core.projections.assets import asset_entries

    with erp.writer.begin() as conn:
        conn.execute(update(asset_entries).values(cost_minor=asset_entries.c.cost_minor + 1))
    failed = [r for r in erp.check() if not r.ok]
    assert failed and any("1610" in r.message for r in failed), [r.message for r in failed]
