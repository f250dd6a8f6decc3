"""MRP netting: demand against stock and open orders, level by level through the BOMs.

`plan_production` is a pure function over plain inputs:

1. Low-level codes: every item reachable from the demand through the latest BOM versions gets
   the deepest level at which it appears (the demanded items start at 0). Items are netted in
   low-level-code order, so an item used at several levels collects all its gross requirements
   (independent and dependent) before it is netted, once.
2. Netting per item: available = on hand + on order (open work orders and open purchase orders)
   - reserved. Requirements are taken in date order; the projected balance falls by each one and
   when it goes below zero the shortage is covered by a planned order, sized by the item's lot
   rules (at least `min_lot`, rounded up to a multiple of `lot_multiple`); any surplus of the lot
   stays available for later requirements. Negative availability (more reserved than held) is a
   shortage too.
3. A planned order is due on the requirement's date and starts `lead_time_days` earlier. Made
   items give planned work orders, whose components (single level, scrap and process loss
   applied, rounded up) become dependent requirements dated at the work order's start. Bought
   items give planned purchases. Phantoms never get an order: their shortage passes straight to
   their components on the same date.

Availability is not time-phased: open orders count as available whatever their due date (the
caller leaves out orders it does not trust to arrive in time).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from erp_core.production.bom import (
    QUANTITY_PLACES,
    ZERO,
    BillOfMaterials,
    BomRegistry,
    round_up,
)
from erp_core.production.errors import (
    ProductionValidationError,
    code,
    non_negative,
    positive,
)

OrderSource = Literal["work_order", "purchase_order"]
ItemKind = Literal["made", "bought", "phantom"]


@dataclass(frozen=True)
class DemandLine:
    """Independent demand: `quantity` of `item` wanted on `wanted` (sales order or entered)."""

    item: str
    quantity: Decimal
    wanted: dt.date
    reference: str = ""

    def __post_init__(self) -> None:
        code("demand.item", self.item)
        object.__setattr__(
            self, "quantity", positive(f"demand[{self.item}].quantity", self.quantity)
        )
        if not isinstance(self.wanted, dt.date):
            raise ProductionValidationError(f"demand[{self.item}].wanted", "must be a date")


@dataclass(frozen=True)
class StockPosition:
    """Stock of `item` (one line per item or per bin; lines of the same item add up)."""

    item: str
    on_hand: Decimal = ZERO
    reserved: Decimal = ZERO

    def __post_init__(self) -> None:
        code("stock.item", self.item)
        where = f"stock[{self.item}]"
        object.__setattr__(self, "on_hand", non_negative(f"{where}.on_hand", self.on_hand))
        object.__setattr__(self, "reserved", non_negative(f"{where}.reserved", self.reserved))


@dataclass(frozen=True)
class OpenOrder:
    """Quantity still to come in from an open work order or purchase order."""

    item: str
    quantity: Decimal
    source: OrderSource
    reference: str = ""

    def __post_init__(self) -> None:
        code("open_orders.item", self.item)
        where = f"open_orders[{self.item}]"
        object.__setattr__(self, "quantity", non_negative(f"{where}.quantity", self.quantity))
        if self.source not in ("work_order", "purchase_order"):
            raise ProductionValidationError(
                f"{where}.source", f"must be 'work_order' or 'purchase_order', got {self.source!r}"
            )


@dataclass(frozen=True)
class ItemPolicy:
    """Planning parameters of an item: lead time in days and lot rules (0 = none)."""

    item: str
    lead_time_days: int = 0
    min_lot: Decimal = ZERO
    lot_multiple: Decimal = ZERO

    def __post_init__(self) -> None:
        code("policies.item", self.item)
        where = f"policies[{self.item}]"
        lead = self.lead_time_days
        if isinstance(lead, bool) or not isinstance(lead, int) or lead < 0:
            raise ProductionValidationError(
                f"{where}.lead_time_days", f"must be a whole number of days >= 0, got {lead!r}"
            )
        object.__setattr__(self, "min_lot", non_negative(f"{where}.min_lot", self.min_lot))
        object.__setattr__(
            self, "lot_multiple", non_negative(f"{where}.lot_multiple", self.lot_multiple)
        )

    def lot_for(self, shortage: Decimal) -> Decimal:
        """The order quantity that covers `shortage` under the lot rules."""
        qty = max(shortage, self.min_lot)
        if self.lot_multiple > 0:
            multiples = qty // self.lot_multiple  # truncated; both are positive
            if multiples * self.lot_multiple < qty:
                multiples += 1
            qty = multiples * self.lot_multiple
        return qty


@dataclass(frozen=True)
class PlannedOrder:
    """A proposed work order (`make`) or purchase (`buy`)."""

    item: str
    quantity: Decimal
    due: dt.date
    start: dt.date
    kind: Literal["make", "buy"]
    shortage: Decimal
    bom_version: int | None = None
    late: bool = False


@dataclass(frozen=True)
class NettingRow:
    """The arithmetic of one item: gross - (on hand + on order - reserved) = net, then lots."""

    item: str
    low_level_code: int
    kind: ItemKind
    gross: Decimal
    on_hand: Decimal
    on_order: Decimal
    reserved: Decimal
    available: Decimal
    net: Decimal
    planned: Decimal
    projected_end: Decimal


@dataclass(frozen=True)
class ProductionPlan:
    rows: tuple[NettingRow, ...]
    work_orders: tuple[PlannedOrder, ...]
    purchases: tuple[PlannedOrder, ...]

    def row(self, item: str) -> NettingRow:
        for r in self.rows:
            if r.item == item:
                return r
        raise KeyError(item)


@dataclass(frozen=True)
class _Requirement:
    date: dt.date
    quantity: Decimal


def low_level_codes(registry: BomRegistry, items: Iterable[str]) -> dict[str, int]:
    """Deepest level at which each item reachable from `items` appears (latest BOM versions)."""
    codes: dict[str, int] = {}
    work: list[tuple[str, int]] = [(item, 0) for item in items]
    while work:
        item, level = work.pop()
        if codes.get(item, -1) >= level:
            continue
        if level > 10_000:  # only a cyclic registry (never built by with_version) gets here
            raise ProductionValidationError("boms", f"item {item!r} sits in a cycle")
        codes[item] = level
        bom = registry.latest(item)
        if bom is not None:
            work.extend((child, level + 1) for child in bom.component_items)
    return codes


def plan_production(
    demand: Sequence[DemandLine],
    registry: BomRegistry,
    *,
    stock: Sequence[StockPosition] = (),
    open_orders: Sequence[OpenOrder] = (),
    policies: Sequence[ItemPolicy] = (),
    today: dt.date | None = None,
    places: int = QUANTITY_PLACES,
) -> ProductionPlan:
    """Net `demand` level by level; planned work orders for made items, purchases for bought."""
    for line in demand:
        if not isinstance(line, DemandLine):
            raise ProductionValidationError("demand", "each line must be a DemandLine")
    on_hand: dict[str, Decimal] = {}
    reserved: dict[str, Decimal] = {}
    for pos in stock:
        on_hand[pos.item] = on_hand.get(pos.item, ZERO) + pos.on_hand
        reserved[pos.item] = reserved.get(pos.item, ZERO) + pos.reserved
    on_order: dict[str, Decimal] = {}
    for order in open_orders:
        on_order[order.item] = on_order.get(order.item, ZERO) + order.quantity
    policy_of: dict[str, ItemPolicy] = {}
    for policy in policies:
        if policy.item in policy_of:
            raise ProductionValidationError(f"policies[{policy.item}]", "duplicate policy")
        policy_of[policy.item] = policy

    codes = low_level_codes(registry, dict.fromkeys(line.item for line in demand))
    requirements: dict[str, list[_Requirement]] = {item: [] for item in codes}
    for line in demand:
        requirements[line.item].append(_Requirement(line.wanted, line.quantity))

    rows: list[NettingRow] = []
    work_orders: list[PlannedOrder] = []
    purchases: list[PlannedOrder] = []
    for item in sorted(codes, key=lambda i: (codes[i], i)):
        reqs = sorted(requirements[item], key=lambda r: r.date)
        if not reqs:
            continue
        bom = registry.latest(item)
        kind: ItemKind = "bought" if bom is None else ("phantom" if bom.phantom else "made")
        policy = policy_of.get(item, ItemPolicy(item))
        available = on_hand.get(item, ZERO) + on_order.get(item, ZERO) - reserved.get(item, ZERO)
        projected = available
        net = planned = ZERO
        for req in reqs:
            projected -= req.quantity
            if projected >= 0:
                continue
            shortage = -projected
            net += shortage
            if bom is not None and bom.phantom:
                lot, start = shortage, req.date
            else:
                lot = policy.lot_for(shortage)
                start = req.date - dt.timedelta(days=policy.lead_time_days)
                proposal = PlannedOrder(
                    item=item,
                    quantity=lot,
                    due=req.date,
                    start=start,
                    kind="buy" if bom is None else "make",
                    shortage=shortage,
                    bom_version=None if bom is None else bom.version,
                    late=today is not None and start < today,
                )
                (purchases if bom is None else work_orders).append(proposal)
            planned += lot
            projected += lot
            if bom is not None:
                _add_dependent(requirements, bom, lot, start, places)
        rows.append(
            NettingRow(
                item=item,
                low_level_code=codes[item],
                kind=kind,
                gross=sum((r.quantity for r in reqs), ZERO),
                on_hand=on_hand.get(item, ZERO),
                on_order=on_order.get(item, ZERO),
                reserved=reserved.get(item, ZERO),
                available=available,
                net=net,
                planned=planned,
                projected_end=projected,
            )
        )
    return ProductionPlan(tuple(rows), tuple(work_orders), tuple(purchases))


def _add_dependent(
    requirements: dict[str, list[_Requirement]],
    bom: BillOfMaterials,
    quantity: Decimal,
    date: dt.date,
    places: int,
) -> None:
    for comp in bom.components:
        need = round_up(bom.component_requirement(comp, quantity), places)
        requirements[comp.item].append(_Requirement(date, need))
