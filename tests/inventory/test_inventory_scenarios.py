"""Inventory and purchase-to-pay told as stories, with every expected number worked by hand.

Each test is a small story: one comment per step, the arithmetic of the expected values in the
comments, and the assertions right after the step. Most stories run on SQLite (`erp`); the
central ones also run on PostgreSQL (`any_erp`). Refusals check the error names the problem and
that nothing was stored (the log position does not move).

"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from conftest import make_clock
from erp_core.projections.schema import stock_movements
from sqlalchemy import delete

from erp_core import Erp
from erp_core.inventory.events import StockCostAdjusted, StockCountRecorded, StockMoved
from erp_core.inventory.valuation import InsufficientStock
from erp_core.kernel.errors import ErpError, NotFound, PeriodClosed, ValidationError

D = Decimal
YEAR_END = dt.date(2026, 12, 31)


# --- helpers ---------------------------------------------------------------------------------


@contextlib.contextmanager
def refused(erp: Erp, error: type[ErpError], match: str) -> Iterator[Any]:
    """The action inside is refused with `error` (message matching `match`) and stores nothing."""
    before = erp.store.last_position()
    with pytest.raises(error, match=match) as info:
        yield info
    assert erp.store.last_position() == before, "a refused action stored events"


def journal(erp: Erp, document: str) -> list[tuple[str, Decimal]]:
    """(account, base amount, debit positive) of every line of one voucher, in line order."""
    return [(x.account, x.base) for x in erp.general_ledger() if x.document == document]


def balance(erp: Erp, account: str, as_of: dt.date | None = None) -> Decimal:
    """GL balance of one account (debit positive)."""
    return sum((x.base for x in erp.general_ledger(account, date_to=as_of)), D(0))


def bin_value(erp: Erp, item: str, warehouse: str, as_of: dt.date = YEAR_END) -> tuple[Any, Any]:
    """(quantity, value) of one bin from the stock balance report."""
    for row in erp.stock_balance(as_of).rows:
        if (row.item, row.warehouse) == (item, warehouse):
            return row.quantity, row.value
    return D(0), D(0)


def bin_events(erp: Erp, item: str, warehouse: str) -> list[Any]:
    return [e for _v, e in erp.store.stream(f"bin:{item}@{warehouse}")]


def moves(erp: Erp, item: str, warehouse: str, kind: str) -> list[StockMoved]:
    return [e for e in bin_events(erp, item, warehouse) if getattr(e, "kind", None) == kind]


def all_checks_ok(erp: Erp) -> None:
    results = erp.check()
    assert all(r.ok for r in results), [r.message for r in results]


def receive(erp: Erp, date: str, item: str, warehouse: str, qty: str, cost: str) -> list[str]:
    return erp.receive_stock(
        date=date,
        account="3100",
        lines=[{"item": item, "warehouse": warehouse, "quantity": qty, "unit_cost": cost}],
    ).documents


def issue(erp: Erp, date: str, item: str, warehouse: str, qty: str, **extra: Any) -> list[str]:
    return erp.issue_material(
        date=date,
        requester="Bob",
        purpose="maintenance",
        lines=[{"item": item, "warehouse": warehouse, "quantity": qty, **extra}],
    ).documents


def set_up_stock(erp: Erp) -> None:
    erp.register_item(code="BOLT", name="Bolt M8", uom="pcs", valuation="fifo")
    erp.register_item(code="OIL", name="Hydraulic oil", uom="l", valuation="moving_average")
    erp.register_item(code="RESIN", name="Epoxy resin", uom="kg", batch_tracked=True)
    erp.register_warehouse(code="MAIN", name="Main store")
    erp.register_warehouse(code="EAST", name="East depot")


# --- FIFO ------------------------------------------------------------------------------------


def test_fifo_story_receipts_issue_transfer_back_dated_receipt_and_counts(any_erp: Erp) -> None:
    erp = any_erp
    set_up_stock(erp)

    # 5 Jan: 100 bolts at 1.00 = 100.00; 10 Jan: 50 bolts at 1.30 = 65.00
    assert receive(erp, "2026-01-05", "BOLT", "MAIN", "100", "1.00") == ["GR-2026-000001"]
    assert receive(erp, "2026-01-10", "BOLT", "MAIN", "50", "1.30") == ["GR-2026-000002"]
    assert bin_value(erp, "BOLT", "MAIN") == (D(150), D("165.00"))

    # 15 Jan: issue 120, across both layers: 100 x 1.00 + 20 x 1.30 = 100.00 + 26.00 = 126.00;
    # left: 30 x 1.30 = 39.00
    assert issue(erp, "2026-01-15", "BOLT", "MAIN", "120") == ["MI-2026-000001"]
    assert journal(erp, "MI-2026-000001") == [("5100", D("126.00")), ("1300", D("-126.00"))]
    assert bin_value(erp, "BOLT", "MAIN") == (D(30), D("39.00"))
    assert balance(erp, "1300") == D("39.00")

    # 20 Jan: transfer 20 to EAST; they take their cost along: round(39.00 x 20 / 30) = 26.00.
    # MAIN keeps 10 at 13.00; the total (39.00) and the inventory account do not change.
    assert erp.transfer_stock(
        date="2026-01-20",
        from_warehouse="MAIN",
        to_warehouse="EAST",
        lines=[{"item": "BOLT", "quantity": "20"}],
    ).documents == ["ST-2026-000001"]
    assert bin_value(erp, "BOLT", "MAIN") == (D(10), D("13.00"))
    assert bin_value(erp, "BOLT", "EAST") == (D(20), D("26.00"))
    assert erp.stock_balance(YEAR_END).total_value == D("39.00")
    assert sorted(journal(erp, "ST-2026-000001")) == [("1300", D("-26.00")), ("1300", D("26.00"))]
    assert balance(erp, "1300") == D("39.00")
    (transfer_in,) = moves(erp, "BOLT", "EAST", "transfer_in")
    assert [(x.quantity, x.value) for x in transfer_in.layers] == [(D(20), D("26.00"))]

    # 8 Jan, recorded now (back-dated): 20 bolts at 0.50 = 10.00. In date order the 15 Jan
    # issue now takes 100 x 1.00 + 20 x 0.50 = 110.00 instead of 126.00: the bin gets 16.00
    # back (delta +16.00) through an explicit cost adjustment CA dated 8 Jan, debit inventory
    # 16.00, credit the issue's account 5100 16.00. The transfer then takes 20 of the layer
    # 50 x 1.30 = round(65.00 x 20 / 50) = 26.00, as before: no adjustment, nothing for EAST.
    log_before = [(r.position, r.stream, r.version, r.state) for r in erp.store.read_log(0, 10**6)]
    issue_events_before = erp.store.stream("doc:MI-2026-000001")
    east_before = bin_events(erp, "BOLT", "EAST")
    result = erp.receive_stock(
        date="2026-01-08",
        account="3100",
        lines=[{"item": "BOLT", "warehouse": "MAIN", "quantity": "20", "unit_cost": "0.50"}],
    )
    assert result.documents == ["GR-2026-000003", "CA-2026-000001"]
    assert journal(erp, "GR-2026-000003") == [("1300", D("10.00")), ("3100", D("-10.00"))]
    assert journal(erp, "CA-2026-000001") == [("1300", D("16.00")), ("5100", D("-16.00"))]
    (ca_voucher,) = {(x.date, x.kind) for x in erp.general_ledger() if x.document.startswith("CA")}
    # dated on the re-costed issue's own date (its period is open), not on the receipt's
    assert ca_voucher == (dt.date(2026, 1, 15), "cost_adjustment")
    (adjusted,) = [e for e in bin_events(erp, "BOLT", "MAIN") if isinstance(e, StockCostAdjusted)]
    assert (adjusted.document, adjusted.line, adjusted.adjustment_document) == (
        "MI-2026-000001",
        1,
        "CA-2026-000001",
    )
    assert (adjusted.delta, adjusted.date, adjusted.counter_account) == (
        D("16.00"),
        dt.date(2026, 1, 15),
        "5100",
    )
    # nothing stored was rewritten: the log before the receipt is unchanged, byte for byte,
    # and so are the issue's voucher and its movement (still -126.00 as recorded)
    log_after = [(r.position, r.stream, r.version, r.state) for r in erp.store.read_log(0, 10**6)]
    assert log_after[: len(log_before)] == log_before
    assert erp.store.stream("doc:MI-2026-000001") == issue_events_before
    (issued,) = moves(erp, "BOLT", "MAIN", "issue")
    assert issued.value == D("-126.00")
    # the receipt touched one bin only
    new_bins = {s for _p, s, _v, _st in log_after[len(log_before) :] if s.startswith("bin:")}
    assert new_bins == {"bin:BOLT@MAIN"}
    assert bin_events(erp, "BOLT", "EAST") == east_before
    # MAIN: received 100.00 + 65.00 + 10.00 = 175.00, out 110.00 + 26.00 = 136.00 -> 39.00
    # (30 left of the 1.30 layer = 39.00); COGS is now 126.00 - 16.00 = 110.00
    assert bin_value(erp, "BOLT", "MAIN") == (D(30), D("39.00"))
    assert balance(erp, "5100") == D("110.00")
    assert balance(erp, "1300") == D("65.00")  # 39.00 + 26.00 in EAST
    ledger = [(r.document, r.kind, r.value, r.reference) for r in erp.stock_ledger("BOLT", "MAIN")]
    assert ("MI-2026-000001", "cost_adjustment", D("16.00"), "CA-2026-000001") in ledger
    all_checks_ok(erp)

    # 25 Jan: EAST counts 18, the book says 20: a loss of 2 at round(26.00 x 2 / 20) = 2.60,
    # debit 5300 (inventory gains and losses), credit inventory
    assert erp.count_stock(
        date="2026-01-25", warehouse="EAST", lines=[{"item": "BOLT", "counted": "18"}]
    ).documents == ["SC-2026-000001"]
    assert journal(erp, "SC-2026-000001") == [("1300", D("-2.60")), ("5300", D("2.60"))]
    (loss,) = moves(erp, "BOLT", "EAST", "count_loss")
    assert (loss.counted, loss.book, loss.quantity, loss.value) == (
        D(18),
        D(20),
        D(-2),
        D("-2.60"),
    )
    (sheet,) = [e for _v, e in erp.store.stream("count:SC-2026-000001")]
    assert isinstance(sheet, StockCountRecorded)
    assert sheet.lines == (("BOLT", None, D(18), D(20)),)

    # 26 Jan: MAIN counts 33, the book says 30: a gain of 3 at the newest layer's cost 1.30 =
    # 3.90, debit inventory, credit 5300
    assert erp.count_stock(
        date="2026-01-26", warehouse="MAIN", lines=[{"item": "BOLT", "counted": "33"}]
    ).documents == ["SC-2026-000002"]
    assert journal(erp, "SC-2026-000002") == [("1300", D("3.90")), ("5300", D("-3.90"))]
    (gain,) = moves(erp, "BOLT", "MAIN", "count_gain")
    assert (gain.counted, gain.book, gain.quantity, gain.value) == (D(33), D(30), D(3), D("3.90"))

    # the end: MAIN 33 bolts = 39.00 + 3.90 = 42.90; EAST 18 = 26.00 - 2.60 = 23.40;
    # inventory 65.00 - 2.60 + 3.90 = 66.30; 5300 = 2.60 - 3.90 = -1.30 (a net gain)
    assert bin_value(erp, "BOLT", "MAIN") == (D(33), D("42.90"))
    assert bin_value(erp, "BOLT", "EAST") == (D(18), D("23.40"))
    assert erp.stock_balance(YEAR_END).total_value == D("66.30")
    assert balance(erp, "1300") == D("66.30")
    assert balance(erp, "5300") == D("-1.30")
    running = [(r.running_quantity, r.running_value) for r in erp.stock_ledger("BOLT", "MAIN")]
    assert running[-1] == (D(33), D("42.90"))
    all_checks_ok(erp)
    erp.rebuild()
    assert erp.stock_balance(YEAR_END).total_value == D("66.30")
    all_checks_ok(erp)


def test_a_back_dated_issue_can_take_from_a_later_issues_layer(erp: Erp) -> None:
    set_up_stock(erp)
    # 1 Mar: 10 at 2.00 = 20.00; 5 Mar: 10 at 3.00 = 30.00; 10 Mar: issue 5 -> 5 x 2.00 = 10.00
    receive(erp, "2026-03-01", "BOLT", "MAIN", "10", "2.00")
    receive(erp, "2026-03-05", "BOLT", "MAIN", "10", "3.00")
    assert issue(erp, "2026-03-10", "BOLT", "MAIN", "5") == ["MI-2026-000001"]
    # 2 Mar (back-dated): issue 8 -> 8 x 2.00 = 16.00; the 10 Mar issue now takes the last 2 of
    # the 2.00 layer and 3 of the 3.00 layer: 4.00 + 9.00 = 13.00 (was 10.00): the bin loses
    # 3.00 more (delta -3.00): debit 5100 3.00, credit inventory 3.00
    result = issue(erp, "2026-03-02", "BOLT", "MAIN", "8")
    assert result == ["MI-2026-000002", "CA-2026-000001"]
    assert journal(erp, "MI-2026-000002") == [("5100", D("16.00")), ("1300", D("-16.00"))]
    assert journal(erp, "CA-2026-000001") == [("1300", D("-3.00")), ("5100", D("3.00"))]
    # left: 7 x 3.00 = 21.00 = 50.00 - 16.00 - 13.00
    assert bin_value(erp, "BOLT", "MAIN") == (D(7), D("21.00"))
    assert balance(erp, "5100") == D("29.00")
    all_checks_ok(erp)


# --- moving average --------------------------------------------------------------------------


def test_moving_average_story_with_a_back_dated_receipt(erp: Erp) -> None:
    set_up_stock(erp)
    # 1 Apr: 10 l at 3.00 = 30.00; 10 Apr: 20 l at 4.00 = 80.00 -> 30 l worth 110.00
    receive(erp, "2026-04-01", "OIL", "MAIN", "10", "3.00")
    receive(erp, "2026-04-10", "OIL", "MAIN", "20", "4.00")
    # 20 Apr: issue 7 at the average: 110.00 x 7 / 30 = 25.666... -> 25.67 (half-up to cents);
    # left 23 l worth 110.00 - 25.67 = 84.33
    assert issue(erp, "2026-04-20", "OIL", "MAIN", "7") == ["MI-2026-000001"]
    assert journal(erp, "MI-2026-000001") == [("5100", D("25.67")), ("1300", D("-25.67"))]
    assert bin_value(erp, "OIL", "MAIN") == (D(23), D("84.33"))

    # 5 Apr (back-dated): 5 l at 5.00 = 25.00. The pool is now 15 l / 55.00 on 5 Apr and
    # 35 l / 135.00 on 10 Apr, so the 20 Apr issue takes 135.00 x 7 / 35 = 27.00: 1.33 more
    # than recorded (delta -1.33): debit 5100 1.33, credit inventory 1.33
    result = receive(erp, "2026-04-05", "OIL", "MAIN", "5", "5.00")
    assert result == ["GR-2026-000003", "CA-2026-000001"]
    assert journal(erp, "CA-2026-000001") == [("1300", D("-1.33")), ("5100", D("1.33"))]
    (adjusted,) = [e for e in bin_events(erp, "OIL", "MAIN") if isinstance(e, StockCostAdjusted)]
    assert (adjusted.document, adjusted.delta) == ("MI-2026-000001", D("-1.33"))
    # left: 28 l worth 135.00 - 27.00 = 108.00
    assert bin_value(erp, "OIL", "MAIN") == (D(28), D("108.00"))
    assert balance(erp, "5100") == D("27.00")

    # 25 Apr: issue 9 at 108.00 x 9 / 28 = 34.714... -> 34.71; left 19 l worth 73.29
    issue(erp, "2026-04-25", "OIL", "MAIN", "9")
    assert bin_value(erp, "OIL", "MAIN") == (D(19), D("73.29"))

    # half-up, not half-even: EAST gets 2 l worth 0.25 (2 x 0.125); one litre is
    # 0.25 / 2 = 0.125 -> 0.13 (half-even would say 0.12); the last litre takes what is left,
    # 0.12, so no residue stays behind
    receive(erp, "2026-04-26", "OIL", "EAST", "2", "0.125")
    issue(erp, "2026-04-27", "OIL", "EAST", "1")
    assert bin_value(erp, "OIL", "EAST") == (D(1), D("0.12"))
    (last,) = issue(erp, "2026-04-28", "OIL", "EAST", "1")
    assert journal(erp, last) == [("5100", D("0.12")), ("1300", D("-0.12"))]
    assert bin_value(erp, "OIL", "EAST") == (D(0), D(0))
    all_checks_ok(erp)


# --- refusals --------------------------------------------------------------------------------


def test_stock_refusals_name_the_problem_and_store_nothing(erp: Erp) -> None:
    set_up_stock(erp)
    receive(erp, "2026-03-01", "BOLT", "MAIN", "10", "1.00")
    issue(erp, "2026-03-10", "BOLT", "MAIN", "4")  # 6 left

    # more than on hand: item, warehouse, available and requested are named
    with refused(erp, InsufficientStock, r"BOLT in MAIN: available 6, requested 7") as info:
        issue(erp, "2026-03-15", "BOLT", "MAIN", "7")
    assert (info.value.available, info.value.requested) == (D(6), D(7))
    # two lines of one issue share the bin: 4 + 4 > 6 (the first line alone would pass)
    with refused(erp, InsufficientStock, r"available 2, requested 4"):
        erp.issue_material(
            date="2026-03-15",
            requester="Bob",
            purpose="x",
            lines=[{"item": "BOLT", "warehouse": "MAIN", "quantity": "4"}] * 2,
        )
    # back-dated before any stock
    with refused(erp, InsufficientStock, r"BOLT in MAIN on 2026-02-01: available 0, requested 1"):
        issue(erp, "2026-02-01", "BOLT", "MAIN", "1")
    # back-dated 5 Mar: there are 10 then, but the 10 Mar issue of 4 would find only 1
    with refused(erp, InsufficientStock, r"on 2026-03-10: available 1, requested 4"):
        issue(erp, "2026-03-05", "BOLT", "MAIN", "9")
    # an empty bin elsewhere
    with refused(erp, InsufficientStock, r"BOLT in EAST: available 0, requested 1"):
        issue(erp, "2026-03-15", "BOLT", "EAST", "1")
    # a transfer of more than the source holds
    with refused(erp, InsufficientStock, r"BOLT in MAIN: available 6, requested 8"):
        erp.transfer_stock(
            date="2026-03-15",
            from_warehouse="MAIN",
            to_warehouse="EAST",
            lines=[{"item": "BOLT", "quantity": "8"}],
        )
    with refused(erp, ValidationError, r"two different warehouses"):
        erp.transfer_stock(
            date="2026-03-15",
            from_warehouse="MAIN",
            to_warehouse="MAIN",
            lines=[{"item": "BOLT", "quantity": "1"}],
        )

    # batches: a batch-tracked item needs one, another item must not have one
    with refused(erp, ValidationError, r"lines\[0\]\.batch: item RESIN is batch tracked"):
        receive(erp, "2026-03-15", "RESIN", "MAIN", "1", "1.00")
    with refused(erp, ValidationError, r"lines\[0\]\.batch: item BOLT is not batch tracked"):
        erp.receive_stock(
            date="2026-03-15",
            account="3100",
            lines=[
                {
                    "item": "BOLT",
                    "warehouse": "MAIN",
                    "quantity": "1",
                    "unit_cost": "1",
                    "batch": "B1",
                }
            ],
        )
    erp.receive_stock(
        date="2026-03-15",
        account="3100",
        lines=[
            {"item": "RESIN", "warehouse": "MAIN", "quantity": "5", "unit_cost": "2", "batch": "L1"}
        ],
    )
    with refused(erp, InsufficientStock, r"RESIN in MAIN, batch L2: available 0, requested 1"):
        issue(erp, "2026-03-16", "RESIN", "MAIN", "1", batch="L2")

    # unknown master data
    with refused(erp, NotFound, r"lines\[0\]\.item: unknown item 'NOPE'"):
        issue(erp, "2026-03-15", "NOPE", "MAIN", "1")
    with refused(erp, NotFound, r"lines\[0\]\.warehouse: unknown warehouse 'NOPE'"):
        issue(erp, "2026-03-15", "BOLT", "NOPE", "1")
    with refused(erp, NotFound, r"unknown supplier 'NOPE'"):
        erp.create_purchase_order(
            date="2026-03-15",
            supplier="NOPE",
            expected_delivery="2026-03-20",
            lines=[{"item": "BOLT", "quantity": "1", "price": "1", "warehouse": "MAIN"}],
        )
    with refused(erp, ValidationError, r"code: item 'BOLT' already exists"):
        erp.register_item(code="BOLT", name="Another bolt", uom="pcs")
    with refused(erp, ValidationError, r"warehouse 'MAIN' already exists"):
        erp.register_warehouse(code="MAIN", name="Again")

    # quantities: negative, zero, more than 6 decimals
    with refused(erp, ValidationError, r"lines\[0\]\.quantity: .*greater than zero"):
        issue(erp, "2026-03-15", "BOLT", "MAIN", "-1")
    with refused(erp, ValidationError, r"lines\[0\]\.quantity: .*greater than zero"):
        receive(erp, "2026-03-15", "BOLT", "MAIN", "0", "1.00")
    with refused(erp, ValidationError, r"at most 6 decimal places"):
        receive(erp, "2026-03-15", "BOLT", "MAIN", "0.0000001", "1.00")
    with refused(erp, ValidationError, r"unit_cost: must not be negative"):
        receive(erp, "2026-03-15", "BOLT", "MAIN", "1", "-1.00")

    # a stock voucher is not reversed as a journal voucher (that would split the inventory
    # account from the stock ledger)
    with refused(erp, ValidationError, r"GR-2026-000001 was posted by a goods receipt"):
        erp.reverse_voucher("GR-2026-000001", "2026-03-20")

    # a closed period takes nothing: not a receipt, not a (back-dated) issue, not a count
    erp.close_period("2026-03")
    with refused(erp, PeriodClosed, r"period 2026-03 .* is closed"):
        receive(erp, "2026-03-20", "BOLT", "MAIN", "1", "1.00")
    with refused(erp, PeriodClosed, r"is closed"):
        issue(erp, "2026-03-20", "BOLT", "MAIN", "1")
    with refused(erp, PeriodClosed, r"is closed"):
        erp.count_stock(date="2026-03-31", warehouse="MAIN", lines=[{"item": "BOLT", "counted": 0}])
    with refused(erp, PeriodClosed, r"fiscal year 2027 .* is not open"):
        receive(erp, "2027-01-05", "BOLT", "MAIN", "1", "1.00")
    # after all that: 6 bolts worth 6.00, 5 resin worth 10.00
    assert bin_value(erp, "BOLT", "MAIN") == (D(6), D("6.00"))
    assert erp.stock_balance(YEAR_END).total_value == D("16.00")
    all_checks_ok(erp)


# --- purchase to pay -------------------------------------------------------------------------


def test_purchase_to_pay_story(any_erp: Erp, any_url: str) -> None:
    erp = any_erp
    set_up_stock(erp)
    erp.register_item(code="NUT", name="Nut M8", uom="pcs")
    # orders above 1,000.00 need approval; 10% over-receipt is tolerated
    erp.configure_procurement(approval_threshold="1000.00", over_receipt_tolerance="0.10")
    erp.register_supplier(code="ACME", name="Acme Parts", payment_terms_days=30)
    erp.register_supplier(code="BETA", name="Beta Oils", payment_terms_days=14)

    # 1 Mar: a purchase plan of three lines
    plan = erp.create_purchase_plan(
        date="2026-03-01",
        title="Spring restock",
        lines=[
            {
                "item": "BOLT",
                "quantity": "100",
                "wanted_by": "2026-03-20",
                "quality_standard": "8.8",
            },
            {"item": "OIL", "quantity": "40", "wanted_by": "2026-03-25"},
            {"item": "NUT", "quantity": "500", "wanted_by": "2026-03-20"},
        ],
    ).documents
    assert plan == ["PP-2026-000001"]

    # 2 Mar: order it: bolts and nuts from ACME, oil from BETA -> one order per supplier.
    # ACME: 100 x 12.00 + 500 x 0.10 = 1,250.00 > 1,000.00: waits for approval.
    # BETA: 40 x 4.50 = 180.00: approved at once.
    orders = erp.order_purchase_plan(
        plan="PP-2026-000001",
        date="2026-03-02",
        expected_delivery="2026-03-15",
        lines=[
            {"line": 1, "supplier": "ACME", "price": "12.00", "warehouse": "MAIN"},
            {"line": 2, "supplier": "BETA", "price": "4.50", "warehouse": "MAIN"},
            {"line": 3, "supplier": "ACME", "price": "0.10", "warehouse": "MAIN"},
        ],
    ).documents
    assert orders == ["PO-2026-000001", "PO-2026-000002"]
    acme_po, beta_po = orders
    status = {(x.document, x.line): (x.item, x.status, x.ordered) for x in erp.open_orders()}
    assert status == {
        (acme_po, 1): ("BOLT", "draft", D(100)),
        (acme_po, 2): ("NUT", "draft", D(500)),
        (beta_po, 1): ("OIL", "approved", D(40)),
    }
    with refused(erp, ValidationError, r"line 1 of PP-2026-000001 is already ordered"):
        erp.order_purchase_plan(
            plan="PP-2026-000001",
            date="2026-03-02",
            expected_delivery="2026-03-15",
            lines=[{"line": 1, "supplier": "BETA", "price": "11", "warehouse": "MAIN"}],
        )

    # not approved yet: no receipt; its creator may not approve it; the boss does
    with refused(erp, ValidationError, r"PO-2026-000001 is not approved yet"):
        erp.receive_purchase_order(
            document=acme_po, date="2026-03-10", lines=[{"line": 1, "accepted": "1"}]
        )
    with refused(erp, ValidationError, r"tester created PO-2026-000001 and cannot approve it"):
        erp.approve_purchase_order(acme_po)
    with Erp.open(
        any_url, actor="boss", clock=make_clock(dt.datetime(2026, 11, 2, tzinfo=dt.UTC))
    ) as boss:
        boss.approve_purchase_order(acme_po)
        with refused(boss, ValidationError, r"is approved, not waiting for approval"):
            boss.approve_purchase_order(acme_po)
    erp.catch_up()

    # 10 Mar: ACME delivers; 80 bolts accepted, 20 rejected (a reason is required), 500 nuts.
    # Inventory debit / GRNI credit 80 x 12.00 + 500 x 0.10 = 960.00 + 50.00 = 1,010.00
    with refused(erp, ValidationError, r"lines\[0\]\.reason: a rejected quantity needs a reason"):
        erp.receive_purchase_order(
            document=acme_po, date="2026-03-10", lines=[{"line": 1, "accepted": 80, "rejected": 20}]
        )
    receipt = erp.receive_purchase_order(
        document=acme_po,
        date="2026-03-10",
        lines=[
            {"line": 1, "accepted": "80", "rejected": "20", "reason": "threads damaged"},
            {"line": 2, "accepted": "500"},
        ],
    ).documents
    assert receipt == ["GR-2026-000001"]
    assert sorted(journal(erp, "GR-2026-000001")) == [
        ("1300", D("50.00")),
        ("1300", D("960.00")),
        ("2150", D("-960.00")),
        ("2150", D("-50.00")),
    ]
    # 11 Mar: BETA delivers 40 l of oil: 180.00
    erp.receive_purchase_order(
        document=beta_po, date="2026-03-11", lines=[{"line": 1, "accepted": "40"}]
    )
    # 12 Mar: more bolts: the limit is 100 x 1.10 = 110, 80 are in, so at most 30 more
    with refused(
        erp, ValidationError, r"over-receipt on PO-2026-000001 line 1 .* at most 30(\.0*)? more"
    ):
        erp.receive_purchase_order(
            document=acme_po, date="2026-03-12", lines=[{"line": 1, "accepted": "31"}]
        )
    erp.receive_purchase_order(
        document=acme_po, date="2026-03-12", lines=[{"line": 1, "accepted": "30"}]
    )  # 30 x 12.00 = 360.00; the order is now fully received
    with refused(erp, ValidationError, r"PO-2026-000001 is received"):
        erp.receive_purchase_order(
            document=acme_po, date="2026-03-13", lines=[{"line": 1, "accepted": "1"}]
        )
    # GRNI: 960.00 + 50.00 + 180.00 + 360.00 = 1,550.00 = the stock received
    assert balance(erp, "2150") == D("-1550.00")
    assert erp.stock_balance(YEAR_END).total_value == D("1550.00")
    all_checks_ok(erp)

    # 12 Mar: BETA invoices 40 x 4.50 = 180.00, no tax, due 12 Mar + 14 = 26 Mar
    assert erp.post_supplier_invoice(
        supplier="BETA",
        supplier_reference="B-1",
        date="2026-03-12",
        lines=[{"order": beta_po, "line": 1, "quantity": "40", "price": "4.50"}],
        total="180.00",
    ).documents == ["PI-2026-000001"]

    # 15 Mar: ACME invoices 80 bolts at 12.50 and 500 nuts at 0.10, 20% tax:
    #   bolts: 80 x 12.50 = 1,000.00 against 80 x 12.00 = 960.00 received: variance 40.00 (5200)
    #   nuts:  500 x 0.10 = 50.00 = received; tax (1,000.00 + 50.00) x 20% = 210.00 (1400)
    #   payables: 1,050.00 + 210.00 = 1,260.00; due 15 Mar + 30 = 14 Apr
    invoice_lines = [
        {"order": acme_po, "line": 1, "quantity": "80", "price": "12.50", "tax_rate": "0.2"},
        {"order": acme_po, "line": 2, "quantity": "500", "price": "0.10", "tax_rate": "0.2"},
    ]
    with refused(erp, ValidationError, r"says 1250.00 but its lines come to 1260.00"):
        erp.post_supplier_invoice(
            supplier="ACME",
            supplier_reference="A-100",
            date="2026-03-15",
            lines=invoice_lines,
            total="1250.00",
        )
    assert erp.post_supplier_invoice(
        supplier="ACME",
        supplier_reference="A-100",
        date="2026-03-15",
        lines=invoice_lines,
        total="1260.00",
    ).documents == ["PI-2026-000002"]
    assert sorted(journal(erp, "PI-2026-000002")) == [
        ("1400", D("10.00")),
        ("1400", D("200.00")),
        ("2100", D("-1260.00")),
        ("2150", D("50.00")),
        ("2150", D("960.00")),
        ("5200", D("40.00")),
    ]
    assert balance(erp, "5200") == D("40.00")
    assert balance(erp, "1400") == D("210.00")
    # the price difference does not touch the stock: still 1,550.00
    assert erp.stock_balance(YEAR_END).total_value == D("1550.00")
    # the same reference again, and more than received-less-invoiced (110 - 80 = 30)
    with refused(erp, ValidationError, r"invoice A-100 is already booked as PI-2026-000002"):
        erp.post_supplier_invoice(
            supplier="ACME",
            supplier_reference="A-100",
            date="2026-03-16",
            lines=[{"order": acme_po, "line": 1, "quantity": "1", "price": "12"}],
        )
    with refused(erp, ValidationError, r"three-way match failed .* at most 30 can be invoiced"):
        erp.post_supplier_invoice(
            supplier="ACME",
            supplier_reference="A-101",
            date="2026-03-16",
            lines=[{"order": acme_po, "line": 1, "quantity": "31", "price": "12"}],
        )
    with refused(erp, ValidationError, r"PO-2026-000002 is an order to BETA, not ACME"):
        erp.post_supplier_invoice(
            supplier="ACME",
            supplier_reference="A-102",
            date="2026-03-16",
            lines=[{"order": beta_po, "line": 1, "quantity": "1", "price": "4.50"}],
        )

    # GRNI left: the 30 over-received bolts, 360.00; open orders show exactly that line
    (still_open,) = erp.open_orders()
    assert (still_open.document, still_open.line, still_open.status) == (acme_po, 1, "received")
    assert (still_open.ordered, still_open.received, still_open.rejected) == (D(100), D(110), D(20))
    assert (still_open.invoiced, still_open.open_quantity) == (D(80), D(0))
    assert still_open.received_not_invoiced == D("360.00")
    assert balance(erp, "2150") == D("-360.00")
    all_checks_ok(erp)

    # 20 Apr: ACME invoices the 30 bolts at 12.00 = 360.00, due 20 May; GRNI is cleared
    assert erp.post_supplier_invoice(
        supplier="ACME",
        supplier_reference="A-101",
        date="2026-04-20",
        lines=[{"order": acme_po, "line": 1, "quantity": "30", "price": "12.00"}],
    ).documents == ["PI-2026-000003"]
    assert balance(erp, "2150") == D(0)
    assert erp.open_orders() == []

    # 1 May: pay ACME 1,000.00 and allocate 700.00 to A-100 (300.00 stays unallocated)
    assert erp.pay_supplier(
        supplier="ACME",
        date="2026-05-01",
        amount="1000.00",
        allocations=[{"invoice": "PI-2026-000002", "amount": "700.00"}],
    ).documents == ["PY-2026-000001"]
    # over-allocation: A-101 has only 360.00 open; the payment has only 300.00 left
    with refused(erp, ValidationError, r"PI-2026-000003 has 360.00 open; cannot allocate 400.00"):
        erp.allocate_supplier_payment(
            payment="PY-2026-000001",
            date="2026-05-05",
            allocations=[{"invoice": "PI-2026-000003", "amount": "400.00"}],
        )
    with refused(erp, ValidationError, r"allocations total 301.00, more than the 300.00 available"):
        erp.allocate_supplier_payment(
            payment="PY-2026-000001",
            date="2026-05-05",
            allocations=[{"invoice": "PI-2026-000002", "amount": "301.00"}],
        )
    with refused(erp, ValidationError, r"PI-2026-000001 is an invoice of BETA, not ACME"):
        erp.allocate_supplier_payment(
            payment="PY-2026-000001",
            date="2026-05-05",
            allocations=[{"invoice": "PI-2026-000001", "amount": "1.00"}],
        )
    # 5 May: the remaining 300.00 go to A-100 as well: it has 1,260.00 - 1,000.00 = 260.00 open
    erp.allocate_supplier_payment(
        payment="PY-2026-000001",
        date="2026-05-05",
        allocations=[{"invoice": "PI-2026-000002", "amount": "300.00"}],
    )
    with refused(erp, ValidationError, r"more than the 0.00 available"):
        erp.allocate_supplier_payment(
            payment="PY-2026-000001",
            date="2026-05-06",
            allocations=[{"invoice": "PI-2026-000003", "amount": "0.01"}],
        )

    # payables aging on chosen dates (days past due -> bucket):
    def aging(day: dt.date) -> dict[str, tuple[Decimal, ...]]:
        report = erp.payables_aging(day)
        return {
            r.supplier: (
                r.not_due,
                r.days_1_30,
                r.days_31_60,
                r.days_61_90,
                r.over_90,
                r.unallocated_payments,
                r.balance,
            )
            for r in report.rows
        }

    z = D(0)
    # 20 Mar: A-100 (due 14 Apr) and B-1 (due 26 Mar) are not due
    assert aging(dt.date(2026, 3, 20)) == {
        "ACME": (D(1260), z, z, z, z, z, D(1260)),
        "BETA": (D(180), z, z, z, z, z, D(180)),
    }
    # 30 Apr: A-100 16 days late (1-30), A-101 (due 20 May) not due, B-1 35 days late (31-60)
    assert aging(dt.date(2026, 4, 30)) == {
        "ACME": (D(360), D(1260), z, z, z, z, D(1620)),
        "BETA": (z, z, D(180), z, z, z, D(180)),
    }
    # 3 May: 700.00 allocated to A-100 (560.00 open, 19 days late); 300.00 unallocated;
    # ACME owes 560.00 + 360.00 - 300.00 = 620.00
    assert aging(dt.date(2026, 5, 3)) == {
        "ACME": (D(360), D(560), z, z, z, D(300), D(620)),
        "BETA": (z, z, D(180), z, z, z, D(180)),
    }
    # 30 Jun: A-100 260.00 open, 77 days late (61-90); A-101 41 days late (31-60);
    # B-1 96 days late (over 90); total 620.00 + 180.00 = 800.00 = the payables account
    report = erp.payables_aging(dt.date(2026, 6, 30))
    assert aging(dt.date(2026, 6, 30)) == {
        "ACME": (z, z, D(360), D(260), z, z, D(620)),
        "BETA": (z, z, z, z, D(180), z, D(180)),
    }
    assert report.total == D("800.00") == -balance(erp, "2100")

    # ACME's ledger: 1,260.00, then 360.00, then the payment of 1,000.00
    rows = [(r.date, r.document, r.amount, r.balance) for r in erp.supplier_ledger("ACME")]
    assert rows == [
        (dt.date(2026, 3, 15), "PI-2026-000002", D("1260.00"), D("1260.00")),
        (dt.date(2026, 4, 20), "PI-2026-000003", D("360.00"), D("1620.00")),
        (dt.date(2026, 5, 1), "PY-2026-000001", D("-1000.00"), D("620.00")),
    ]
    assert [(r.document, r.balance) for r in erp.supplier_ledger("BETA")] == [
        ("PI-2026-000001", D("180.00"))
    ]

    # every reconciliation holds, and still does after a rebuild
    results = {r.name: (r.ok, r.actual) for r in erp.check()}
    assert results["inventory"] == (True, D("1550.00"))
    assert results["goods received not invoiced"] == (True, D(0))
    assert results["accounts payable"] == (True, D("800.00"))
    all_checks_ok(erp)
    erp.rebuild()
    all_checks_ok(erp)
    assert erp.payables_aging(dt.date(2026, 6, 30)) == report


def test_cancel_and_close_rules(erp: Erp) -> None:
    set_up_stock(erp)
    erp.register_supplier(code="ACME", name="Acme Parts")

    def order() -> str:
        (document,) = erp.create_purchase_order(
            date="2026-02-01",
            supplier="ACME",
            expected_delivery="2026-02-10",
            lines=[{"item": "BOLT", "quantity": "10", "price": "2.00", "warehouse": "MAIN"}],
        ).documents
        return document

    # an order nothing was received against can be cancelled, once; then nothing more
    first = order()  # 20.00, below the default threshold 10,000: approved at once
    erp.cancel_purchase_order(first, reason="ordered twice")
    with refused(erp, ValidationError, r"PO-2026-000001 is already cancelled"):
        erp.cancel_purchase_order(first, reason="again")
    with refused(erp, ValidationError, r"PO-2026-000001 is cancelled"):
        erp.receive_purchase_order(
            document=first, date="2026-02-05", lines=[{"line": 1, "accepted": "1"}]
        )
    with refused(erp, ValidationError, r"is cancelled, not waiting for approval"):
        erp.approve_purchase_order(first)
    with refused(erp, ValidationError, r"is already cancelled"):
        erp.close_purchase_order(first, reason="x")
    assert erp.open_orders() == []  # cancelled orders are not open

    # once goods came in, cancelling is refused: close it instead; then no more receipts
    second = order()
    with refused(erp, ValidationError, r"has no line 2 \(it has 1\)"):
        erp.receive_purchase_order(
            document=second, date="2026-02-05", lines=[{"line": 2, "accepted": "1"}]
        )
    with refused(erp, ValidationError, r"date: is before the order date 2026-02-01"):
        erp.receive_purchase_order(
            document=second, date="2026-01-31", lines=[{"line": 1, "accepted": "1"}]
        )
    erp.receive_purchase_order(
        document=second, date="2026-02-05", lines=[{"line": 1, "accepted": "4"}]
    )  # 4 x 2.00 = 8.00 into GRNI
    with refused(erp, ValidationError, r"goods were received against PO-2026-000002; close it"):
        erp.cancel_purchase_order(second, reason="changed my mind")
    erp.close_purchase_order(second, reason="supplier cannot deliver the rest")
    with refused(erp, ValidationError, r"PO-2026-000002 is closed"):
        erp.receive_purchase_order(
            document=second, date="2026-02-06", lines=[{"line": 1, "accepted": "1"}]
        )
    with refused(erp, ValidationError, r"is already closed"):
        erp.close_purchase_order(second, reason="again")
    # closed: nothing left to receive, but the 8.00 received is still to be invoiced
    (line,) = erp.open_orders()
    assert (line.document, line.status, line.open_quantity) == (second, "closed", D(0))
    assert line.received_not_invoiced == D("8.00")
    # ... and it can still be invoiced
    erp.post_supplier_invoice(
        supplier="ACME",
        supplier_reference="X-1",
        date="2026-02-07",
        lines=[{"order": second, "line": 1, "quantity": "4", "price": "2.00"}],
    )
    assert erp.open_orders() == []
    # an order exactly at the threshold needs no approval; a cent above does
    erp.configure_procurement(approval_threshold="20.00")
    assert erp.open_orders() == []
    third = order()  # exactly 20.00
    fourth = erp.create_purchase_order(
        date="2026-02-01",
        supplier="ACME",
        expected_delivery="2026-02-10",
        lines=[{"item": "BOLT", "quantity": "1", "price": "20.01", "warehouse": "MAIN"}],
    ).documents[0]
    status = {x.document: x.status for x in erp.open_orders()}
    assert status == {third: "approved", fourth: "draft"}
    # a draft can be cancelled (never approved)
    erp.cancel_purchase_order(fourth, reason="too expensive")
    all_checks_ok(erp)


# --- the checks find a broken projection -----------------------------------------------------


def test_check_reports_a_broken_stock_projection_and_a_rebuild_repairs_it(any_erp: Erp) -> None:
    erp = any_erp
    set_up_stock(erp)
    receive(erp, "2026-02-01", "BOLT", "MAIN", "10", "1.50")  # 15.00
    issue(erp, "2026-02-02", "BOLT", "MAIN", "4")  # 6.00; 6 left = 9.00
    all_checks_ok(erp)
    # simulate a broken projection: the issue's movement row disappears
    with erp.writer.begin() as conn:
        gone = conn.execute(
            delete(stock_movements).where(stock_movements.c.document == "MI-2026-000001")
        ).rowcount
    assert gone == 1
    results = {r.name: r for r in erp.check()}
    broken = results["inventory"]
    assert not broken.ok
    # the stock ledger now says 15.00; the inventory account still says 9.00
    assert (broken.expected, broken.actual) == (D("15.00"), D("9.00"))
    assert "differ by -6.00" in broken.message
    assert all(r.ok for name, r in results.items() if name != "inventory")
    erp.rebuild()
    all_checks_ok(erp)
    assert bin_value(erp, "BOLT", "MAIN") == (D(6), D("9.00"))


# --- back-dating at the edges ------------------------------------------------------------------


def test_a_back_dated_receipt_recosts_a_transfer_in_its_source_bin_only(erp: Erp) -> None:
    set_up_stock(erp)
    # 1 Feb: 10 at 2.00 = 20.00 into MAIN; 10 Feb: transfer 5 to EAST = 10.00
    receive(erp, "2026-02-01", "BOLT", "MAIN", "10", "2.00")
    erp.transfer_stock(
        date="2026-02-10",
        from_warehouse="MAIN",
        to_warehouse="EAST",
        lines=[{"item": "BOLT", "quantity": "5"}],
    )
    # 15 Jan (back-dated): 5 at 1.00 = 5.00. FIFO: the transfer now took the 1.00 layer, so
    # MAIN gets +5.00 back. EAST is another bin and is not touched (no repost cascade): it
    # keeps the 10.00 it received, and the 5.00 difference goes to the adjustment account.
    receive(erp, "2026-01-15", "BOLT", "MAIN", "5", "1.00")
    all_checks_ok(erp)
    assert bin_value(erp, "BOLT", "MAIN") == (D(10), D("20.00"))
    assert bin_value(erp, "BOLT", "EAST") == (D(5), D("10.00"))
    assert balance(erp, "5300") == D("-5.00")
    assert erp.stock_balance(YEAR_END).total_value == D("30.00")


def test_a_back_dated_transfer_carries_its_fifo_layers(erp: Erp) -> None:
    set_up_stock(erp)
    # MAIN: 10 at 1.00 (5 Jan), 30 at 2.00 (6 Jan), 1 at 9.00 (20 Jan), all recorded first
    receive(erp, "2026-01-05", "BOLT", "MAIN", "10", "1.00")
    receive(erp, "2026-01-06", "BOLT", "MAIN", "30", "2.00")
    receive(erp, "2026-01-20", "BOLT", "MAIN", "1", "9.00")
    # 10 Jan (back-dated: before the 20 Jan receipt): transfer 40 -> the layers 10 x 1.00 and
    # 30 x 2.00 = 70.00 go to EAST
    erp.transfer_stock(
        date="2026-01-10",
        from_warehouse="MAIN",
        to_warehouse="EAST",
        lines=[{"item": "BOLT", "quantity": "40"}],
    )
    assert bin_value(erp, "BOLT", "EAST") == (D(40), D("70.00"))
    # 1 Feb: EAST issues 10: FIFO takes the 1.00 layer = 10.00
    (document,) = issue(erp, "2026-02-01", "BOLT", "EAST", "10")
    assert journal(erp, document) == [("5100", D("10.00")), ("1300", D("-10.00"))]


def test_stock_balance_between_a_back_dated_receipt_and_the_issue_it_recosts(erp: Erp) -> None:
    set_up_stock(erp)
    receive(erp, "2026-01-05", "BOLT", "MAIN", "100", "1.00")  # 100.00
    receive(erp, "2026-01-10", "BOLT", "MAIN", "50", "1.30")  # 65.00
    issue(erp, "2026-01-15", "BOLT", "MAIN", "120")  # 126.00
    receive(erp, "2026-01-08", "BOLT", "MAIN", "20", "0.50")  # 10.00; re-costs the issue: +16
    # on 12 Jan nothing has been issued yet: 170 bolts worth 100.00 + 10.00 + 65.00 = 175.00
    # (the +16.00 re-costing of the 15 Jan issue is dated 15 Jan, not 8 Jan)
    assert bin_value(erp, "BOLT", "MAIN", dt.date(2026, 1, 12)) == (D(170), D("175.00"))
    assert balance(erp, "1300", dt.date(2026, 1, 12)) == D("175.00")


def test_payables_aging_agrees_with_the_payables_account_on_every_day(erp: Erp) -> None:
    set_up_stock(erp)
    erp.register_supplier(code="ACME", name="Acme Parts")
    (po,) = erp.create_purchase_order(
        date="2026-03-01",
        supplier="ACME",
        expected_delivery="2026-03-05",
        lines=[{"item": "BOLT", "quantity": "10", "price": "2.00", "warehouse": "MAIN"}],
    ).documents
    erp.receive_purchase_order(document=po, date="2026-03-02", lines=[{"line": 1, "accepted": 10}])
    # 5 Mar: a 30.00 advance; 20 Mar: the invoice of 20.00
    (payment,) = erp.pay_supplier(supplier="ACME", date="2026-03-05", amount="30.00").documents
    (invoice,) = erp.post_supplier_invoice(
        supplier="ACME",
        supplier_reference="X1",
        date="2026-03-20",
        lines=[{"order": po, "line": 1, "quantity": "10", "price": "2.00"}],
    ).documents
    # allocated "on 6 Mar" to an invoice of 20 Mar: refused, the invoice did not exist yet
    with pytest.raises(ValidationError, match="dated 2026-03-20, after the allocation date"):
        erp.allocate_supplier_payment(
            payment=payment, date="2026-03-06", allocations=[{"invoice": invoice, "amount": 20}]
        )
    # on 10 Mar we have paid 30.00 and owe nothing: -30.00
    assert balance(erp, "2100", dt.date(2026, 3, 10)) == D("30.00")
    assert erp.payables_aging(dt.date(2026, 3, 10)).total == D("-30.00")
