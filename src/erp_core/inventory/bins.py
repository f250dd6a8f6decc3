"""Items, warehouses and stock bins.

A stock bin (one item in one warehouse, stream ``bin:<item>@<warehouse>``) is the consistency
boundary of stock: its on-hand quantity, batches and valuation change only through its own
events, so two writers issuing from one bin race for the same stream version and the loser
retries on fresh state; no issue can take stock that is not there.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from erp_core.inventory.events import (
    ItemRegistered,
    StockBinOpened,
    StockCostAdjusted,
    StockCountRecorded,
    StockMoved,
    WarehouseRegistered,
)
from erp_core.inventory.valuation import Movement, Pool, fold
from erp_core.kernel.aggregate import Aggregate
from erp_core.kernel.errors import NotFound, ValidationError
from erp_core.kernel.money import quantum

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
QTY_PLACES = 6


def item_stream(code: str) -> str:
    return f"item:{code}"


def warehouse_stream(code: str) -> str:
    return f"wh:{code}"


def bin_stream(item: str, warehouse: str) -> str:
    return f"bin:{item}@{warehouse}"


def check_code(kind: str, code: str) -> None:
    if not CODE_RE.match(code):
        raise ValidationError(
            "code", f"{code!r} is not a valid {kind} code (letters, digits, . _ -; 1-32)"
        )


MAX_QUANTITY = Decimal(10) ** 12  # stored as millionths in a 64-bit integer


def check_quantity(quantity: Decimal, field: str, *, allow_zero: bool = False) -> None:
    if quantity < 0 or (quantity == 0 and not allow_zero):
        raise ValidationError(field, "the quantity must be greater than zero")
    if quantity >= MAX_QUANTITY:
        raise ValidationError(field, f"{quantity:f} is too large: quantities are below 10^12")
    exponent = quantity.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > QTY_PLACES:
        raise ValidationError(field, f"at most {QTY_PLACES} decimal places in a quantity")


class Item(Aggregate):
    cacheable = True

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.registered: ItemRegistered | None = None

    def _on_registered(self, e: ItemRegistered) -> None:
        self.registered = e

    handlers = {ItemRegistered: _on_registered}

    def info(self, field: str = "item") -> ItemRegistered:
        if self.registered is None:
            raise NotFound(f"{field}: unknown item {self.id.removeprefix('item:')!r}")
        return self.registered

    def check_batch(self, batch: str | None, field: str) -> None:
        info = self.info()
        if info.batch_tracked and not batch:
            raise ValidationError(field, f"item {info.code} is batch tracked: give a batch")
        if not info.batch_tracked and batch:
            raise ValidationError(field, f"item {info.code} is not batch tracked: no batch")


class Warehouse(Aggregate):
    cacheable = True

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.registered: WarehouseRegistered | None = None

    def _on_registered(self, e: WarehouseRegistered) -> None:
        self.registered = e

    handlers = {WarehouseRegistered: _on_registered}

    def check_exists(self, field: str = "warehouse") -> None:
        if self.registered is None:
            raise NotFound(f"{field}: unknown warehouse {self.id.removeprefix('wh:')!r}")


class StockBin(Aggregate):
    """On-hand quantity, batches and valuation of one item in one warehouse."""

    cacheable = True

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.item = ""
        self.warehouse = ""
        self.pool = Pool("fifo", Decimal("0.01"))
        self.history: list[Movement] = []  # in (date, record order)

    # -- folding ---------------------------------------------------------------------------
    def _on_opened(self, e: StockBinOpened) -> None:
        self.item, self.warehouse = e.item, e.warehouse
        self.pool = Pool(e.valuation, quantum(e.currency))

    def _on_moved(self, e: StockMoved) -> None:
        movement = Movement(
            seq=len(self.history) + 1,
            document=e.document,
            line=e.line,
            kind=e.kind,
            date=e.date,
            quantity=e.quantity,
            value=e.value,
            batch=e.batch,
            layers=tuple((x.quantity, x.value, x.batch) for x in e.layers)
            if e.kind == "transfer_in"
            else (),
            counter_account=e.counter_account,
        )
        if not self.history or movement.order() >= self.history[-1].order():
            self.history.append(movement)
            self._fold_one(movement)
        else:
            self.history.append(movement)
            self.history.sort(key=Movement.order)
            self.pool = Pool(self.pool.method, self.pool.quantum)
            fold(self.pool, self.history, self.item, self.warehouse)

    def _fold_one(self, m: Movement) -> None:
        if m.inflow:
            fold(self.pool, [m], self.item, self.warehouse)
        else:
            self.pool.take(-m.quantity, m.batch)

    def _on_adjusted(self, e: StockCostAdjusted) -> None:
        for i, m in enumerate(self.history):
            if (m.document, m.line) == (e.document, e.line):
                self.history[i] = Movement(**{**m.__dict__, "value": m.value + e.delta})
                if m.inflow:  # a revalued inflow (production's re-costed receipt): refold
                    self.pool = Pool(self.pool.method, self.pool.quantum)
                    fold(self.pool, self.history, self.item, self.warehouse)
                return

    handlers = {
        StockBinOpened: _on_opened,
        StockMoved: _on_moved,
        StockCostAdjusted: _on_adjusted,
    }

    # -- queries ---------------------------------------------------------------------------
    @property
    def on_hand(self) -> Decimal:
        return self.pool.quantity

    @property
    def value(self) -> Decimal:
        return self.pool.value

    def as_of(self, day: dt.date) -> Pool:
        """The bin's pool after every movement dated on or before `day`."""
        pool = Pool(self.pool.method, self.pool.quantum)
        fold(pool, [m for m in self.history if m.date <= day], self.item, self.warehouse)
        return pool

    def last_date(self) -> dt.date | None:
        return self.history[-1].date if self.history else None


class BinPlan:
    """Plans the movements of one action on one bin, on a copy of its state, so that every
    check of the action passes before anything is recorded."""

    def __init__(self, stock_bin: StockBin, pool: Pool) -> None:
        self.bin = stock_bin
        self.pool = pool.copy()
        self.history = list(stock_bin.history)
        self.seq = len(self.history)
        self.moves: list[Movement] = []
        self.adjustments: dict[tuple[str, int], tuple[Movement, Decimal]] = {}

    def add(self, movement: Movement) -> Movement:
        from dataclasses import replace

        from erp_core.inventory.valuation import plan

        self.seq += 1
        new = replace(movement, seq=self.seq)
        valued, adjustments, self.pool = plan(
            self.pool, self.history, new, self.bin.item, self.bin.warehouse
        )
        self.history.append(valued)
        self.history.sort(key=Movement.order)
        for m, delta in adjustments:
            key = (m.document, m.line)
            previous = self.adjustments.get(key, (m, Decimal(0)))[1]
            self.adjustments[key] = (m, previous + delta)
            self.history = [
                replace(x, value=x.value + delta) if (x.document, x.line) == key else x
                for x in self.history
            ]
        self.moves.append(valued)
        return valued

    def revalue(self, document: str, line: int, delta: Decimal) -> None:
        """Change the value of a recorded inflow (`document`/`line`) by `delta` and re-cost
        every outflow whose value that changes. The inflow's own change is an adjustment like
        the outflows' (posted against its counter account; production re-costs finished goods
        with it)."""
        from dataclasses import replace

        from erp_core.inventory.valuation import Pool, fold

        key = (document, line)
        if not any((m.document, m.line) == key and m.inflow for m in self.history):
            raise ValueError(f"no inflow {document}/{line} in {self.bin.item}@{self.bin.warehouse}")
        self.history = [
            replace(x, value=x.value + delta) if (x.document, x.line) == key else x
            for x in self.history
        ]
        target = next(m for m in self.history if (m.document, m.line) == key)
        previous = self.adjustments.get(key, (target, Decimal(0)))[1]
        self.adjustments[key] = (target, previous + delta)
        fresh = Pool(self.pool.method, self.pool.quantum)
        values = fold(fresh, self.history, self.bin.item, self.bin.warehouse)
        for m in list(self.history):
            k = (m.document, m.line)
            if m.inflow or values[k] == m.value:
                continue
            change = values[k] - m.value
            before = self.adjustments.get(k, (m, Decimal(0)))[1]
            self.adjustments[k] = (m, before + change)
            self.history = [
                replace(x, value=x.value + change) if (x.document, x.line) == k else x
                for x in self.history
            ]
        self.pool = fresh


def count_stream(document: str) -> str:
    return f"count:{document}"


class CountSheet(Aggregate):
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.recorded: StockCountRecorded | None = None

    def _on_recorded(self, e: StockCountRecorded) -> None:
        self.recorded = e

    handlers = {StockCountRecorded: _on_recorded}
