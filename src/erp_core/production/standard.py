"""Standard costing: the roll-up of a standard unit cost and the variances of a work order.

Rules (recorded as decisions in docs/decisions/production.md):

- A standard cost per unit of an item made in-house is rolled up from one BOM version: for each
  component, the standard quantity per good unit (the BOM's gross requirement for one good unit:
  scrap % and process loss % included, rounded UP to 6 decimals) x the component's standard
  price; for each work centre, the standard hours per good unit (process loss included, rounded
  up to 6 decimals) x its labour rate and its overhead rate at the roll-up. The unit cost is the
  sum, rounded half-up to 6 decimals. A bought item's standard is set by hand.
- Finished goods of a work order made at standard are received at good quantity x standard unit
  cost (rounded half-up to the cent) on every receipt, partial or final; by-products and scrap
  with a fixed value are received at that value; cost-share by-products are refused (standard
  costing does not split a joint cost).
- On close, with Q the good quantity received, the WIP left is split into (positive =
  unfavourable, a debit to the variance account):
    material price       = actual net issue value - AQ x SP                (per component)
    material usage       = (AQ - SQ) x SP, SQ = standard quantity per unit x Q
    labour rate          = actual labour - AH x SR                          (per work centre)
    labour efficiency    = (AH - SH) x SR, SH = standard hours per unit x Q
    overhead rate        = actual overhead - AH x SOR
    overhead efficiency  = (AH - SH) x SOR
  each rounded half-up to the cent. Material not in the standard has SP = its actual average
  (all of it is usage); hours at a centre not in the standard have SR = their actual rate (all
  of it is efficiency). What is left after these (the rounding of the standard unit cost and of
  each receipt, the value of by-products and scrap received) goes to the production variance
  account as `other`, so WIP reaches exactly 0. A later close (after a back-dated re-costing)
  books only the change of each variance since the last close.
- Identity, exact over the order: materials - returns + labour + overhead = finished goods at
  standard + by-products + scrap + every variance + WIP left.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from erp_core.production.bom import ZERO, BillOfMaterials, round_up
from erp_core.production.errors import ProductionValidationError

UNIT_PLACES = 6
VARIANCE_KINDS = (
    "material_price",
    "material_usage",
    "labour_rate",
    "labour_efficiency",
    "overhead_rate",
    "overhead_efficiency",
)
ALL_KINDS = (*VARIANCE_KINDS, "other")


def round_unit(value: Decimal | Fraction) -> Decimal:
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return value.quantize(Decimal(1).scaleb(-UNIT_PLACES), rounding=ROUND_HALF_UP)


def round_money(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class StandardMaterial:
    item: str
    quantity: Decimal  # per good unit
    price: Decimal  # standard price per unit of the component

    @property
    def cost(self) -> Decimal:
        return self.quantity * self.price


@dataclass(frozen=True)
class StandardCentre:
    work_centre: str
    hours: Decimal  # per good unit
    labour_rate: Decimal
    overhead_rate: Decimal


@dataclass(frozen=True)
class StandardCost:
    """A standard unit cost and, for a made item, the quantities, hours and rates behind it."""

    item: str
    unit_cost: Decimal
    bom_version: int | None = None
    materials: tuple[StandardMaterial, ...] = ()
    centres: tuple[StandardCentre, ...] = ()

    @property
    def material(self) -> Decimal:
        return round_unit(sum((m.cost for m in self.materials), ZERO))

    @property
    def labour(self) -> Decimal:
        return round_unit(sum((c.hours * c.labour_rate for c in self.centres), ZERO))

    @property
    def overhead(self) -> Decimal:
        return round_unit(sum((c.hours * c.overhead_rate for c in self.centres), ZERO))


def roll_up(
    bom: BillOfMaterials,
    prices: Mapping[str, Decimal],
    rates: Mapping[str, tuple[Decimal, Decimal]],
) -> StandardCost:
    """The standard unit cost of `bom.item` from its components' standard prices and the work
    centres' (labour, overhead) rates. A component without a price is refused, named."""
    for out in bom.outputs:
        if out.cost_share_pct is not None:
            raise ProductionValidationError(
                "item",
                f"the BOM of {bom.item} (version {bom.version}) gives by-product {out.item} a "
                "cost share: standard costing values by-products at a fixed value only",
            )
    materials: list[StandardMaterial] = []
    for c in bom.components:
        if c.item not in prices:
            raise ProductionValidationError(
                "item",
                f"component {c.item} of {bom.item} has no standard cost: set it "
                "(set_standard_cost) or roll up its own BOM first",
            )
        per_unit = round_up(bom.component_requirement(c, Decimal(1)), UNIT_PLACES)
        materials.append(StandardMaterial(c.item, per_unit, prices[c.item]))
    hours: dict[str, Fraction] = {}
    batches = bom.batches_for(Decimal(1))
    for op in bom.operations:
        hours[op.work_centre] = (
            hours.get(op.work_centre, Fraction(0)) + Fraction(op.hours) * batches
        )
    centres = [
        StandardCentre(wc, round_up(h, UNIT_PLACES), *rates[wc]) for wc, h in sorted(hours.items())
    ]
    unit = round_unit(
        sum((m.cost for m in materials), ZERO)
        + sum((c.hours * (c.labour_rate + c.overhead_rate) for c in centres), ZERO)
    )
    return StandardCost(bom.item, unit, bom.version, tuple(materials), tuple(centres))


@dataclass(frozen=True)
class ActualMaterial:
    quantity: Decimal  # net issued (issued - returned)
    value: Decimal  # net issued value (re-costings included)


@dataclass(frozen=True)
class ActualCentre:
    hours: Decimal
    labour: Decimal
    overhead: Decimal


def variances(
    standard: StandardCost,
    good_quantity: Decimal,
    materials: Mapping[str, ActualMaterial],
    centres: Mapping[str, ActualCentre],
    places: int,
) -> dict[tuple[str, str], Decimal]:
    """Each variance (kind, item or work centre) -> amount, rounded to the cent; zero ones
    left out. `other` is not computed here: it is what is left in WIP after these."""
    out: dict[tuple[str, str], Decimal] = {}

    def put(kind: str, code: str, amount: Decimal) -> None:
        value = round_money(amount, places)
        if value != 0:
            out[(kind, code)] = value

    std_materials = {m.item: m for m in standard.materials}
    for item in sorted(set(std_materials) | set(materials)):
        actual = materials.get(item, ActualMaterial(ZERO, ZERO))
        std = std_materials.get(item)
        if std is None:
            price = actual.value / actual.quantity if actual.quantity else ZERO
            sq = ZERO
        else:
            price, sq = std.price, std.quantity * good_quantity
        if actual.quantity == 0:
            put("material_price", item, actual.value)  # value left with nothing issued
        else:
            put("material_price", item, actual.value - actual.quantity * price)
        put("material_usage", item, (actual.quantity - sq) * price)
    std_centres = {c.work_centre: c for c in standard.centres}
    for wc in sorted(set(std_centres) | set(centres)):
        a = centres.get(wc, ActualCentre(ZERO, ZERO, ZERO))
        s = std_centres.get(wc)
        if s is None:
            lr = a.labour / a.hours if a.hours else ZERO
            orate = a.overhead / a.hours if a.hours else ZERO
            sh = ZERO
        else:
            lr, orate, sh = s.labour_rate, s.overhead_rate, s.hours * good_quantity
        put("labour_rate", wc, a.labour - a.hours * lr)
        put("labour_efficiency", wc, (a.hours - sh) * lr)
        put("overhead_rate", wc, a.overhead - a.hours * orate)
        put("overhead_efficiency", wc, (a.hours - sh) * orate)
    return out
