"""A stateful property test of stock: random receipts, issues, transfers, counts and purchases,
many of them back-dated, checked after every step against a model written here.

The model is deliberately simple and independent of `erp_core.valuation`: per bin it keeps the
movements made (date, record order, signed quantity, value of inflows, layers a transfer
brought) and values the bin by replaying them in (date, record order) from scratch: FIFO
layers, oldest first, or one moving-average pool. Outflows take ``round_half_up(value * q /
quantity)`` of a layer or pool, or all of it when they take everything; a count gain is valued
at the unit cost (newest FIFO layer, or the average) on the count's date.

Invariants after every step: no bin is negative at any date, every reconciliation check is OK,
and each bin's quantity and value at the year end equal the model's.

One restriction keeps the model free of two known defects (see the xfail tests in
tests/inventory/test_inventory_scenarios.py): nothing is dated before a bin's latest
outgoing transfer, and a transfer is never back-dated in its source bin, so a transfer's cost is
final when it is recorded.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import pytest
from conftest import make_clock
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from erp_core import Erp
from erp_core.inventory.valuation import InsufficientStock
from erp_core.kernel.errors import ValidationError

YEAR_START = dt.date(2026, 1, 1)
YEAR_END = dt.date(2026, 12, 31)
CENT = Decimal("0.01")
ZERO = Decimal(0)
ITEMS = {"FIF": "fifo", "AVG": "moving_average"}
WAREHOUSES = ("W1", "W2")

quantities = st.integers(1, 60).map(lambda n: Decimal(n) / 4)  # 0.25 .. 15
unit_costs = st.integers(0, 9999).map(lambda n: Decimal(n) / 1000)  # 0.000 .. 9.999
days = st.integers(0, 364)
shares = st.integers(1, 115)  # percent of the bin: sometimes more than there is
items = st.sampled_from(sorted(ITEMS))
warehouses = st.sampled_from(WAREHOUSES)


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


# --- the model -------------------------------------------------------------------------------


class Short(Exception):
    """The model's replay found a bin going below zero."""


@dataclass(frozen=True)
class Move:
    date: dt.date
    seq: int  # record order (global, so it orders the moves of any one bin too)
    quantity: Decimal  # signed
    value: Decimal = ZERO  # inflows only; outflows are valued by the replay
    layers: tuple[tuple[Decimal, Decimal], ...] = ()  # a transfer in: the pieces it brought


@dataclass
class Valued:
    quantity: Decimal = ZERO
    value: Decimal = ZERO
    layers: list[list[Decimal]] = field(default_factory=list)  # FIFO: [quantity, value]
    pieces: dict[int, list[tuple[Decimal, Decimal]]] = field(default_factory=dict)

    def unit_cost(self, fifo: bool) -> Decimal:
        if fifo and self.layers:
            return self.layers[-1][1] / self.layers[-1][0]
        return self.value / self.quantity if self.quantity else ZERO


def replay(method: str, moves: list[Move], upto: dt.date = YEAR_END) -> Valued:
    """Value a bin by replaying its moves in (date, record order) up to a day."""
    fifo = method == "fifo"
    state = Valued()
    for m in sorted(moves, key=lambda m: (m.date, m.seq)):
        if m.date > upto:
            break
        if m.quantity > 0:
            for qty, value in m.layers or ((m.quantity, m.value),):
                state.quantity += qty
                state.value += value
                if fifo:
                    state.layers.append([qty, value])
            continue
        wanted = -m.quantity
        if wanted > state.quantity:
            raise Short(f"{wanted} wanted on {m.date}, {state.quantity} there")
        pieces = []
        if fifo:
            left = wanted
            for layer in state.layers:
                if left == 0:
                    break
                use = min(layer[0], left)
                part = layer[1] if use == layer[0] else cents(layer[1] * use / layer[0])
                layer[0] -= use
                layer[1] -= part
                left -= use
                pieces.append((use, part))
            state.layers = [x for x in state.layers if x[0] != 0]
        else:
            taken = (
                state.value
                if wanted == state.quantity
                else cents(state.value * wanted / state.quantity)
            )
            pieces.append((wanted, taken))
        state.quantity -= wanted
        state.value -= sum((v for _q, v in pieces), ZERO)
        state.pieces[m.seq] = pieces
    return state


# --- the machine -----------------------------------------------------------------------------


class StockMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.tmp = tempfile.mkdtemp(prefix="erp-stock-machine-")
        self.erp = Erp.open(
            f"sqlite:///{self.tmp}/books.sqlite", actor="tester", clock=make_clock()
        )
        self.erp.init("Machine Co", "EUR", YEAR_START)
        for code, valuation in ITEMS.items():
            self.erp.register_item(code=code, name=code, uom="pcs", valuation=valuation)
        for code in WAREHOUSES:
            self.erp.register_warehouse(code=code, name=code)
        self.erp.register_supplier(code="SUP", name="Supplier", payment_terms_days=30)
        self.moves: dict[tuple[str, str], list[Move]] = {
            (i, w): [] for i in ITEMS for w in WAREHOUSES
        }
        self.floor: dict[tuple[str, str], dt.date] = dict.fromkeys(self.moves, YEAR_START)
        self.seq = 0
        self.references = 0
        self.refusals = 0

    def teardown(self) -> None:
        self.erp.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # -- helpers ---------------------------------------------------------------------------
    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def date_for(self, day: int, *bins: tuple[str, str]) -> dt.date:
        """A day of 2026, moved forward to no earlier than the bins' latest transfer out."""
        return max([YEAR_START + dt.timedelta(days=day), *(self.floor[b] for b in bins)])

    def portion(self, key: tuple[str, str], share: int) -> Decimal:
        """`share` percent of what the bin holds at the year end (in quarters, at least one):
        above 100 it is more than there is; back-dated, even less may be too much."""
        on_hand = replay(ITEMS[key[0]], self.moves[key]).quantity
        return max((on_hand * share / 100 * 4).to_integral_value() / 4, Decimal("0.25"))

    def fits(self, item: str, moves: list[Move]) -> bool:
        try:
            replay(ITEMS[item], moves)
        except Short:
            return False
        return True

    def expect_refusal(self, action: Callable[[], object]) -> None:
        before = self.erp.store.last_position()
        try:
            action()
        except InsufficientStock:
            pass
        else:
            raise AssertionError("the model says this takes stock that is not there")
        assert self.erp.store.last_position() == before, "a refused action stored events"
        self.refusals += 1

    # -- rules -----------------------------------------------------------------------------
    @rule(item=items, warehouse=warehouses, quantity=quantities, cost=unit_costs, day=days)
    def receive(
        self, item: str, warehouse: str, quantity: Decimal, cost: Decimal, day: int
    ) -> None:
        key = (item, warehouse)
        date = self.date_for(day, key)
        self.erp.receive_stock(
            date=date,
            account="3100",
            lines=[{"item": item, "warehouse": warehouse, "quantity": quantity, "unit_cost": cost}],
        )
        self.moves[key].append(Move(date, self.next_seq(), quantity, cents(quantity * cost)))

    @rule(item=items, warehouse=warehouses, share=shares, day=days, late=st.booleans())
    def issue(self, item: str, warehouse: str, share: int, day: int, late: bool) -> None:
        key = (item, warehouse)
        date = self.date_for(day, key)
        if late:  # after everything in the bin; else wherever the day falls
            date = max([date, *(m.date for m in self.moves[key])])
        quantity = self.portion(key, share)
        move = Move(date, self.seq + 1, -quantity)

        def act() -> object:
            return self.erp.issue_material(
                date=date,
                requester="R",
                purpose="p",
                lines=[{"item": item, "warehouse": warehouse, "quantity": quantity}],
            )

        if not self.fits(item, [*self.moves[key], move]):
            self.expect_refusal(act)
            return
        act()
        self.moves[key].append(move)
        self.next_seq()

    @rule(item=items, source=warehouses, share=shares, day=days)
    def transfer(self, item: str, source: str, share: int, day: int) -> None:
        target = next(w for w in WAREHOUSES if w != source)
        out_key, in_key = (item, source), (item, target)
        quantity = self.portion(out_key, share)
        # never back-dated in the source (see the module docstring)
        last = max((m.date for m in self.moves[out_key]), default=YEAR_START)
        date = max(self.date_for(day, out_key, in_key), last)
        out = Move(date, self.seq + 1, -quantity)

        def act() -> object:
            return self.erp.transfer_stock(
                date=date,
                from_warehouse=source,
                to_warehouse=target,
                lines=[{"item": item, "quantity": quantity}],
            )

        if not self.fits(item, [*self.moves[out_key], out]):
            self.expect_refusal(act)
            return
        act()
        self.next_seq()
        pieces = replay(ITEMS[item], [*self.moves[out_key], out]).pieces[out.seq]
        self.moves[out_key].append(out)
        value = sum((v for _q, v in pieces), ZERO)
        self.moves[in_key].append(Move(date, self.next_seq(), quantity, value, tuple(pieces)))
        self.floor[out_key] = date

    @rule(item=items, warehouse=warehouses, day=days, extra=st.integers(-12, 8))
    def count(self, item: str, warehouse: str, day: int, extra: int) -> None:
        key = (item, warehouse)
        date = self.date_for(day, key)
        as_of = replay(ITEMS[item], self.moves[key], upto=date)
        counted = max(as_of.quantity + Decimal(extra) / 4, ZERO)
        difference = counted - as_of.quantity

        def act() -> object:
            return self.erp.count_stock(
                date=date, warehouse=warehouse, lines=[{"item": item, "counted": counted}]
            )

        if difference > 0:
            value = cents(difference * as_of.unit_cost(ITEMS[item] == "fifo"))
            move = Move(date, self.seq + 1, difference, value)
        else:
            move = Move(date, self.seq + 1, difference)
        if difference < 0 and not self.fits(item, [*self.moves[key], move]):
            self.expect_refusal(act)  # the loss would leave a later outflow short
            return
        act()
        if difference != 0:
            self.moves[key].append(move)
            self.next_seq()

    @rule(
        item=items,
        warehouse=warehouses,
        quantity=quantities,
        rejected=st.integers(0, 3),
        price=st.integers(1, 999).map(lambda n: Decimal(n) / 100),
        variance=st.integers(-50, 50).map(lambda n: Decimal(n) / 100),
        tax=st.sampled_from(["0", "0.07", "0.2"]),
        day=days,
    )
    def purchase(
        self,
        item: str,
        warehouse: str,
        quantity: Decimal,
        rejected: int,
        price: Decimal,
        variance: Decimal,
        tax: str,
        day: int,
    ) -> None:
        """Order, receive (part of it rejected) and invoice at a possibly different price."""
        key = (item, warehouse)
        date = self.date_for(day, key)
        ordered = quantity + rejected
        (order,) = self.erp.create_purchase_order(
            date=date,
            supplier="SUP",
            expected_delivery=date,
            lines=[{"item": item, "quantity": ordered, "price": price, "warehouse": warehouse}],
        ).documents
        line = {"line": 1, "accepted": quantity, "rejected": rejected}
        if rejected:
            line["reason"] = "damaged"
        self.erp.receive_purchase_order(document=order, date=date, lines=[line])
        self.moves[key].append(Move(date, self.next_seq(), quantity, cents(quantity * price)))
        self.references += 1
        invoice_price = max(price + variance, ZERO)
        invoice = {
            "supplier": "SUP",
            "supplier_reference": f"INV-{self.references}",
            "date": date,
            "lines": [
                {
                    "order": order,
                    "line": 1,
                    "quantity": quantity,
                    "price": invoice_price,
                    "tax_rate": tax,
                }
            ],
        }
        if cents(quantity * invoice_price) == ZERO:
            # An invoice must come to more than 0.00 (a quarter unit at 0.01 rounds to 0.00):
            # refused, and nothing stored; the receipt stays uninvoiced.
            before = self.erp.store.last_position()
            with pytest.raises(ValidationError, match="comes to 0.00"):
                self.erp.post_supplier_invoice(**invoice)
            assert self.erp.store.last_position() == before
            return
        self.erp.post_supplier_invoice(**invoice)

    # -- invariants ------------------------------------------------------------------------
    @invariant()
    def every_check_is_ok(self) -> None:
        results = self.erp.check()
        assert all(r.ok for r in results), [r.message for r in results]

    @invariant()
    def no_bin_is_ever_negative(self) -> None:
        for row in self.erp.stock_ledger():
            assert row.running_quantity >= 0, row

    @invariant()
    def bins_equal_the_model(self) -> None:
        actual = {
            (r.item, r.warehouse): (r.quantity, r.value)
            for r in self.erp.stock_balance(YEAR_END).rows
        }
        expected = {}
        for (item, warehouse), moves in self.moves.items():
            state = replay(ITEMS[item], moves)
            assert state.quantity >= 0
            if state.quantity or state.value:
                expected[(item, warehouse)] = (state.quantity, state.value)
        assert actual == expected
        mid_year = dt.date(2026, 6, 30)  # quantities as of any day match too
        actual_mid = {
            (r.item, r.warehouse): r.quantity for r in self.erp.stock_balance(mid_year).rows
        }
        expected_mid = {
            key: q
            for key, moves in self.moves.items()
            if (q := replay(ITEMS[key[0]], moves, upto=mid_year).quantity)
        }
        assert {k: v for k, v in actual_mid.items() if v} == expected_mid


StockMachine.TestCase.settings = settings(max_examples=15, stateful_step_count=25, deadline=None)
TestStockMachine = StockMachine.TestCase


def test_the_model_agrees_with_hand_computed_fifo_and_average() -> None:
    """The model itself, on the numbers of the FIFO and average stories worked by hand."""
    d = dt.date
    fifo = [
        Move(d(2026, 1, 5), 1, Decimal(100), Decimal("100.00")),
        Move(d(2026, 1, 10), 2, Decimal(50), Decimal("65.00")),
        Move(d(2026, 1, 15), 3, Decimal(-120)),
        Move(d(2026, 1, 8), 4, Decimal(20), Decimal("10.00")),  # back-dated
    ]
    state = replay("fifo", fifo)
    assert state.pieces[3] == [(100, Decimal("100.00")), (20, Decimal("10.00"))]
    assert (state.quantity, state.value) == (50, Decimal("65.00"))
    average = [
        Move(d(2026, 4, 1), 1, Decimal(10), Decimal("30.00")),
        Move(d(2026, 4, 10), 2, Decimal(20), Decimal("80.00")),
        Move(d(2026, 4, 20), 3, Decimal(-7)),
    ]
    assert replay("moving_average", average).pieces[3] == [(7, Decimal("25.67"))]
    average.append(Move(d(2026, 4, 5), 4, Decimal(5), Decimal("25.00")))
    assert replay("moving_average", average).pieces[3] == [(7, Decimal("27.00"))]
    try:
        replay("fifo", [*fifo, Move(d(2026, 1, 1), 5, Decimal(-1))])
    except Short:
        pass
    else:
        raise AssertionError("a short bin was not noticed")
