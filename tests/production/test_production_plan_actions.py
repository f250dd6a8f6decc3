"""Production plans through real events: netting computed by hand, work orders from a plan."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from erp_core.projections.production import production_plan, work_orders
from production_helpers import all_checks_ok, chair_factory, dump, head

from erp_core import Erp
from erp_core.kernel.errors import ErpError, ValidationError

D = Decimal
DAY = dt.date.fromisoformat


def _book(erp: Erp) -> None:
    """Chairs: LEG 32 and SEAT 10 on hand; an open work order for 2 chairs (nothing issued);
    an open purchase order for 5 seats; a confirmed sales order for 3 chairs due 03-25."""
    chair_factory(erp)
    erp.create_work_order(date="2026-03-05", item="CHAIR", quantity="2", warehouse="MAIN")
    erp.register_supplier(code="WOODCO", name="Wood Co", payment_terms_days=30)
    erp.create_purchase_order(
        date="2026-03-05",
        supplier="WOODCO",
        expected_delivery="2026-03-12",
        lines=[{"item": "SEAT", "quantity": "5", "price": "20.00", "warehouse": "MAIN"}],
    )
    erp.register_customer(code="HOME", name="Home Store", credit_limit="100000.00")
    so = erp.create_sales_order(
        date="2026-03-06",
        customer="HOME",
        delivery_date="2026-03-25",
        lines=[{"item": "CHAIR", "quantity": "3", "price": "90.00", "warehouse": "MAIN"}],
    ).documents[0]
    erp.confirm_sales_order(document=so)


PLAN = {
    "date": "2026-03-10",
    "start": "2026-03-01",
    "end": "2026-03-31",
    "demand": [{"item": "CHAIR", "quantity": "10", "wanted": "2026-03-20", "reference": "fair"}],
    "from_sales_orders": True,
    "policies": [
        {"item": "CHAIR", "lead_time_days": 5},
        {"item": "LEG", "lot_multiple": "10"},
    ],
}


def test_plan_nets_stock_open_orders_and_allocations(erp: Erp) -> None:
    _book(erp)
    result = erp.create_production_plan(**PLAN)
    assert result.documents == ["PP-2026-000001"]
    report = erp.query(production_plan, "PP-2026-000001")
    assert report is not None
    rows = {r.item: r for r in report.rows}
    # CHAIR: gross 10 + 3 = 13; on order 2 (the open work order); 03-20: 2 - 10 = -8 -> make 8
    # (start 03-15, 5 days' lead); 03-25: 0 - 3 -> make 3 (start 03-20); net 11
    chair = rows["CHAIR"]
    assert (chair.gross, chair.on_hand, chair.on_order, chair.reserved) == (13, 0, 2, 0)
    assert (chair.available, chair.net, chair.planned, chair.projected_end) == (2, 11, 11, 0)
    # LEG: 8 chairs x 4 = 32 on 03-15, 3 x 4 = 12 on 03-20; on hand 32, the open work order
    # still needs 2 x 4 = 8 (reserved): available 24; 24 - 32 = -8 -> lot 10, 2 left;
    # 2 - 12 = -10 -> lot 10; net 18, planned 20, ends at 0
    leg = rows["LEG"]
    assert (leg.gross, leg.on_hand, leg.on_order, leg.reserved, leg.available) == (
        44,
        32,
        0,
        8,
        24,
    )
    assert (leg.net, leg.planned, leg.projected_end) == (18, 20, 0)
    # SEAT: 8 + 3 = 11 needed; on hand 10 + 5 on order - 2 reserved = 13: no shortage, 2 left
    seat = rows["SEAT"]
    assert (seat.gross, seat.on_hand, seat.on_order, seat.reserved, seat.available) == (
        11,
        10,
        5,
        2,
        13,
    )
    assert (seat.net, seat.planned, seat.projected_end) == (0, 0, 2)
    assert [(r.item, r.low_level_code) for r in report.rows] == [
        ("CHAIR", 0),
        ("LEG", 1),
        ("SEAT", 1),
    ]
    assert [(o.line, o.kind, o.item, o.quantity, o.start, o.due) for o in report.orders] == [
        (1, "make", "CHAIR", 8, DAY("2026-03-15"), DAY("2026-03-20")),
        (2, "make", "CHAIR", 3, DAY("2026-03-20"), DAY("2026-03-25")),
        (3, "buy", "LEG", 10, DAY("2026-03-15"), DAY("2026-03-15")),
        (4, "buy", "LEG", 10, DAY("2026-03-20"), DAY("2026-03-20")),
    ]
    assert not any(o.late for o in report.orders)
    assert all(o.work_order is None for o in report.orders)


def test_work_orders_from_plan_then_a_new_plan_nets_them(erp: Erp) -> None:
    _book(erp)
    erp.create_production_plan(**PLAN)
    made = erp.create_work_orders_from_plan(
        plan="PP-2026-000001", date="2026-03-11", warehouse="MAIN"
    )
    assert made.documents == ["WO-2026-000002", "WO-2026-000003"]
    wos = {w.document: w for w in erp.query(work_orders)}
    assert (wos["WO-2026-000002"].quantity, wos["WO-2026-000002"].due) == (8, DAY("2026-03-20"))
    assert (wos["WO-2026-000003"].quantity, wos["WO-2026-000003"].due) == (3, DAY("2026-03-25"))
    assert all(w.status == "draft" and w.bom_version == 1 for w in wos.values())
    report = erp.query(production_plan, "PP-2026-000001")
    assert report is not None
    assert [o.work_order for o in report.orders] == ["WO-2026-000002", "WO-2026-000003", None, None]
    with pytest.raises(ValidationError, match="no planned work order left"):
        erp.create_work_orders_from_plan(plan="PP-2026-000001", date="2026-03-11", warehouse="MAIN")
    # A second plan for the same demand: 2 + 8 + 3 = 13 chairs on order, nothing to make
    second = erp.create_production_plan(**PLAN).documents[0]
    assert second == "PP-2026-000002"
    report2 = erp.query(production_plan, second)
    assert report2 is not None
    (chair,) = report2.rows
    assert (chair.gross, chair.on_order, chair.net, chair.planned) == (13, 13, 0, 0)
    assert report2.orders == []
    all_checks_ok(erp)
    # The plan is read from events: a rebuild gives the same tables
    before = dump(erp)
    erp.rebuild()
    assert dump(erp) == before
    assert head(erp) > 0


def test_one_line_at_a_time_and_a_late_order(erp: Erp) -> None:
    _book(erp)
    # Made on 03-18: the 8 chairs should start 03-15, so that planned order is late
    erp.create_production_plan(**{**PLAN, "date": "2026-03-18"})
    report = erp.query(production_plan, "PP-2026-000001")
    assert report is not None
    assert [o.late for o in report.orders] == [True, False, True, False]
    got = erp.create_work_orders_from_plan(
        plan="PP-2026-000001", date="2026-03-21", warehouse="MAIN", lines=[1]
    )
    # its due date (03-20) is before the work order's date: the work order is due that day
    (wo,) = [w for w in erp.query(work_orders) if w.document == got.documents[0]]
    assert (wo.quantity, wo.due) == (8, DAY("2026-03-21"))
    with pytest.raises(ValidationError, match="already work order WO-2026-000002"):
        erp.create_work_orders_from_plan(
            plan="PP-2026-000001", date="2026-03-21", warehouse="MAIN", lines=[1]
        )
    with pytest.raises(ValidationError, match="not a planned work order"):
        erp.create_work_orders_from_plan(
            plan="PP-2026-000001", date="2026-03-21", warehouse="MAIN", lines=[3]
        )


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"end": "2026-02-01"}, "end", "before it starts"),
        (
            {"demand": [{"item": "NOPE", "quantity": "1", "wanted": "2026-03-20"}]},
            "demand[0].item",
            "unknown item",
        ),
        (
            {"demand": [{"item": "CHAIR", "quantity": "0", "wanted": "2026-03-20"}]},
            "demand[0].quantity",
            "greater than zero",
        ),
        (
            {"demand": [{"item": "CHAIR", "quantity": "1", "wanted": "2026-04-20"}]},
            "demand[0].wanted",
            "outside the plan's period",
        ),
        ({"demand": [], "from_sales_orders": False}, "demand", "nothing to plan"),
        (
            {"policies": [{"item": "LEG"}, {"item": "LEG"}]},
            "policies[LEG]",
            "duplicate",
        ),
        ({"policies": [{"item": "LEG", "min_lot": "-1"}]}, "policies[0].min_lot", "greater"),
    ],
)
def test_bad_plans_are_refused_and_store_nothing(
    erp: Erp, change: dict[str, object], field: str, message: str
) -> None:
    _book(erp)
    before = head(erp)
    with pytest.raises(ErpError) as info:
        erp.create_production_plan(**{**PLAN, **change})
    assert message in str(info.value)
    if isinstance(info.value, ValidationError):
        assert info.value.field == field
    assert head(erp) == before
    assert erp.query(production_plan, "PP-2026-000001") is None


def test_unknown_plan_and_warehouse(erp: Erp) -> None:
    _book(erp)
    with pytest.raises(ErpError, match="unknown production plan"):
        erp.create_work_orders_from_plan(plan="PP-2026-000009", date="2026-03-11", warehouse="MAIN")
    erp.create_production_plan(**PLAN)
    with pytest.raises(ErpError, match="unknown warehouse"):
        erp.create_work_orders_from_plan(plan="PP-2026-000001", date="2026-03-11", warehouse="X")


def test_production_plan_report_cli(tmp_path: Path) -> None:
    from test_production_cli import ACTIONS, run

    db = f"sqlite:///{tmp_path}/p.sqlite"
    init = run(db, "init", "--company", "Acme", "--currency", "EUR", "--year-start", "2026-01-01")
    assert init.exit_code == 0, init.output
    plan = {
        "action": "create_production_plan",
        "date": "2026-02-05",
        "start": "2026-02-01",
        "end": "2026-02-28",
        "demand": [{"item": "STOOL", "quantity": "10", "wanted": "2026-02-20"}],
    }
    actions = tmp_path / "actions.jsonl"
    actions.write_text("".join(json.dumps(a) + "\n" for a in [*ACTIONS, plan]))
    applied = run(db, "apply", str(actions))
    assert applied.exit_code == 0, applied.output
    # STOOL: 10 wanted, 4 on the open work order -> make 6; LEG: 6 x 3 = 18 needed, 30 - 12
    # issued = 18 on hand, the work order's 12 all issued (nothing reserved) -> no shortage
    out = run(db, "report", "production-plan", "PP-2026-000001", "--format", "json")
    assert out.exit_code == 0, out.output
    body = json.loads(out.output)
    assert [(r["item"], r["net"], r["planned"]) for r in body["rows"]] == [
        ("STOOL", "6", "6"),
        ("LEG", "0", "0"),
    ]
    assert [(o["kind"], o["item"], o["quantity"]) for o in body["orders"]] == [
        ("make", "STOOL", "6")
    ]
    table = run(db, "report", "production-plan", "PP-2026-000001")
    assert table.exit_code == 0 and "STOOL" in table.output and "PP-2026-000001" in table.output
    made = run(
        db,
        "do",
        "create_work_orders_from_plan",
        "plan=PP-2026-000001",
        "date=2026-02-06",
        "warehouse=MAIN",
    )
    assert made.exit_code == 0, made.output
    assert "WO-2026-000002" in run(db, "report", "production-plan", "PP-2026-000001").output
    missing = run(db, "report", "production-plan", "PP-2026-000099")
    assert missing.exit_code != 0 and "unknown production plan" in missing.output
