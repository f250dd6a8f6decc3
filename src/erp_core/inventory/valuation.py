"""Stock valuation, FIFO and moving average, as pure functions over a bin's movements.

Values are exact Decimals on the base currency's scale. FIFO keeps layers of
(quantity, value, batch); consuming part of a layer takes ``round(value * q / quantity)`` and
leaves the rest in the layer, so the bin's value is always the exact sum of its layers.
Moving average keeps one (quantity, value) pool; an issue takes ``round(value * q / quantity)``,
and issuing everything takes the whole value, so no residue is left behind.

A bin's valuation is a fold of its movements in (effective date, record order). A movement
dated before later ones (back-dated) is inserted in that order and the fold is run again: the
outflows after it may get a new value, and `plan` returns each change so the caller can post an
explicit adjustment for it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal

from erp_core.kernel.errors import ValidationError

ZERO = Decimal(0)
INFLOWS = frozenset(
    {"receipt", "transfer_in", "count_gain", "sales_return", "wo_return", "wo_receipt"}
)


class InsufficientStock(ValidationError):
    def __init__(
        self,
        item: str,
        warehouse: str,
        available: Decimal,
        requested: Decimal,
        batch: str | None = None,
        on: dt.date | None = None,
    ) -> None:
        where = f"{item} in {warehouse}" + (f", batch {batch}" if batch else "")
        when = f" on {on}" if on else ""
        super().__init__(
            "quantity",
            f"insufficient stock of {where}{when}: available {available.normalize():f}, "
            f"requested {requested.normalize():f}",
        )
        self.available = available
        self.requested = requested


@dataclass(frozen=True)
class Movement:
    seq: int  # record order within the bin
    document: str
    line: int
    kind: str
    date: dt.date
    quantity: Decimal  # signed
    value: Decimal  # signed; for outflows: as recorded plus every adjustment since
    batch: str | None = None
    layers: tuple[tuple[Decimal, Decimal, str | None], ...] = ()  # what a transfer brought
    counter_account: str = ""

    @property
    def inflow(self) -> bool:
        return self.kind in INFLOWS

    def order(self) -> tuple[dt.date, int]:
        return (self.date, self.seq)


@dataclass
class Layer:
    quantity: Decimal
    value: Decimal
    batch: str | None


@dataclass
class Pool:
    """The running valuation of one bin."""

    method: str
    quantum: Decimal
    layers: list[Layer] = field(default_factory=list)  # FIFO only, oldest first
    quantity: Decimal = ZERO
    value: Decimal = ZERO
    batches: dict[str, Decimal] = field(default_factory=dict)

    def copy(self) -> Pool:
        return Pool(
            self.method,
            self.quantum,
            [Layer(x.quantity, x.value, x.batch) for x in self.layers],
            self.quantity,
            self.value,
            dict(self.batches),
        )

    def _round(self, amount: Decimal) -> Decimal:
        return amount.quantize(self.quantum, rounding=ROUND_HALF_UP)

    def unit_cost(self) -> Decimal:
        """Cost of one more unit: the average, or the newest layer's (FIFO); zero when empty."""
        if self.method == "fifo" and self.layers:
            newest = self.layers[-1]
            return newest.value / newest.quantity
        return self.value / self.quantity if self.quantity else ZERO

    def available(self, batch: str | None) -> Decimal:
        return self.batches.get(batch, ZERO) if batch is not None else self.quantity

    def add(self, quantity: Decimal, value: Decimal, batch: str | None) -> None:
        self.quantity += quantity
        self.value += value
        if batch is not None:
            self.batches[batch] = self.batches.get(batch, ZERO) + quantity
        if self.method == "fifo":
            self.layers.append(Layer(quantity, value, batch))

    def take(
        self, quantity: Decimal, batch: str | None
    ) -> tuple[Decimal, list[tuple[Decimal, Decimal, str | None]]]:
        """Remove `quantity` (of `batch`, if given); return its value and the layers it took.
        The caller has checked availability."""
        taken: list[tuple[Decimal, Decimal, str | None]] = []
        if self.method == "fifo":
            remaining = quantity
            total = ZERO
            emptied: list[int] = []  # the layers this take used up
            for i, layer in enumerate(self.layers):
                if remaining == 0:
                    break
                if batch is not None and layer.batch != batch:
                    continue
                use = min(layer.quantity, remaining)
                part = (
                    layer.value
                    if use == layer.quantity
                    else self._round(layer.value * use / layer.quantity)
                )
                layer.quantity -= use
                layer.value -= part
                remaining -= use
                total += part
                taken.append((use, part, layer.batch))
                if layer.quantity == 0:
                    emptied.append(i)
            # No layer is ever empty between takes, so the used-up ones are the only zeros:
            # without a batch they are the oldest (a prefix, sliced off at C speed).
            if emptied == list(range(len(emptied))):
                del self.layers[: len(emptied)]
            elif emptied:
                self.layers = [x for x in self.layers if x.quantity != 0]
            value_out = total
        else:
            value_out = (
                self.value
                if quantity == self.quantity
                else self._round(self.value * quantity / self.quantity)
            )
            taken.append((quantity, value_out, batch))
        self.quantity -= quantity
        self.value -= value_out
        if batch is not None:
            self.batches[batch] -= quantity
            if self.batches[batch] == 0:
                del self.batches[batch]
        return value_out, taken


Taken = tuple[tuple[Decimal, Decimal, str | None], ...]


def fold(
    pool: Pool,
    movements: Iterable[Movement],
    item: str,
    warehouse: str,
    taken: dict[tuple[str, int], Taken] | None = None,
) -> dict[tuple[str, int], Decimal]:
    """Apply movements in order to `pool`; return the value each outflow takes now
    (signed, negative), and fill `taken` with the layers each outflow took. Raises
    InsufficientStock if the quantity would go below zero."""
    values: dict[tuple[str, int], Decimal] = {}
    for m in movements:
        if m.inflow:
            if m.layers:
                for qty, value, batch in m.layers:
                    pool.add(qty, value, batch)
            else:
                pool.add(m.quantity, m.value, m.batch)
            continue
        wanted = -m.quantity
        if pool.available(m.batch) < wanted:
            raise InsufficientStock(
                item, warehouse, pool.available(m.batch), wanted, m.batch, m.date
            )
        value, layers = pool.take(wanted, m.batch)
        values[(m.document, m.line)] = -value
        if taken is not None:
            taken[(m.document, m.line)] = tuple(layers)
    return values


def plan(
    pool: Pool,
    history: Sequence[Movement],
    new: Movement,
    item: str,
    warehouse: str,
) -> tuple[Movement, list[tuple[Movement, Decimal]], Pool]:
    """Place `new` in the bin's timeline and value it.

    Returns the movement with its value (outflows valued here; inflows as given), the
    adjustments of later outflows whose value changed ``(movement, delta)``, and the pool after
    every movement. `pool` (the state after `history`) is not modified.
    """
    if not history or new.order() >= history[-1].order():
        after = pool.copy()
        if new.inflow:
            fold(after, [new], item, warehouse)
            return new, [], after
        wanted = -new.quantity
        if after.available(new.batch) < wanted:
            raise InsufficientStock(item, warehouse, after.available(new.batch), wanted, new.batch)
        value, took = after.take(wanted, new.batch)
        return replace(new, value=-value, layers=tuple(took)), [], after
    # Back-dated: run the whole timeline again with the new movement in its place.
    timeline = sorted([*history, new], key=Movement.order)
    fresh = Pool(pool.method, pool.quantum)
    layers: dict[tuple[str, int], Taken] = {}
    values = fold(fresh, timeline, item, warehouse, layers)
    key = (new.document, new.line)
    # an outflow carries the layers it took (a transfer hands them on to its destination)
    valued = new if new.inflow else replace(new, value=values[key], layers=layers[key])
    adjustments = [
        (m, values[(m.document, m.line)] - m.value)
        for m in history
        if not m.inflow and m.order() > new.order() and values[(m.document, m.line)] != m.value
    ]
    return valued, adjustments, fresh
