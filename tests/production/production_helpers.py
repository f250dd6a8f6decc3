"""Shared set-up of the production tests: a chair factory."""

from __future__ import annotations

from decimal import Decimal

from erp_core import Erp

D = Decimal


def chair_factory(erp: Erp) -> None:
    """Accounts, production settings, items, a warehouse, stock, a work centre and a BOM.

    Legs 12 @ 3.00 then 20 @ 3.50 (FIFO), seats 10 @ 20.00; a chair is 4 legs + 1 seat and
    0.25 h at ASSY (32.00/h labour, no overhead)."""
    erp.open_account(code="1350", name="Work in progress", type="asset", parent="1100")
    erp.open_account(code="5410", name="Applied labour", type="expense", parent="5000")
    erp.open_account(code="5420", name="Applied overhead", type="expense", parent="5000")
    erp.open_account(code="5500", name="Production variance", type="expense", parent="5000")
    erp.configure_production()
    for code, name in (("LEG", "Chair leg"), ("SEAT", "Chair seat"), ("CHAIR", "Chair")):
        erp.register_item(code=code, name=name, uom="pcs")
    erp.register_warehouse(code="MAIN", name="Main")
    erp.receive_stock(
        date="2026-03-02",
        account="1120",
        lines=[
            {"item": "LEG", "warehouse": "MAIN", "quantity": "12", "unit_cost": "3.00"},
            {"item": "SEAT", "warehouse": "MAIN", "quantity": "10", "unit_cost": "20.00"},
        ],
    )
    erp.receive_stock(
        date="2026-03-03",
        account="1120",
        lines=[{"item": "LEG", "warehouse": "MAIN", "quantity": "20", "unit_cost": "3.50"}],
    )
    erp.register_work_centre(code="ASSY", name="Assembly", labour_rate="32.00")
    erp.define_bom(
        item="CHAIR",
        components=[{"item": "LEG", "quantity": "4"}, {"item": "SEAT", "quantity": "1"}],
        operations=[{"work_centre": "ASSY", "hours": "0.25"}],
    )


def balance(erp: Erp, account: str) -> Decimal:
    """Debit-positive balance of an account from the trial balance."""
    total = D(0)
    for row in erp.trial_balance().rows:
        if row.account == account:
            total += row.debit - row.credit
    return total


def dump(erp: Erp) -> dict[str, list[tuple[object, ...]]]:
    """Every projection table's rows, in key order (the projection's whole state)."""
    from erp_core.projections.schema import metadata, projection_position
    from sqlalchemy import select

    tables = [t for t in metadata.sorted_tables if t is not projection_position]
    with erp.reader.connect() as conn:
        return {
            t.name: [tuple(row) for row in conn.execute(select(t).order_by(*t.primary_key))]
            for t in tables
        }


def head(erp: Erp) -> int:
    """The log position the projections have reached (all caught up)."""
    return max(s.position for s in erp.projection_status())


def all_checks_ok(erp: Erp) -> None:
    from erp_core.projections.production import wip_check

    results = [*erp.check(), *erp.query(wip_check)]
    bad = [r.message for r in results if not r.ok]
    assert not bad, bad
