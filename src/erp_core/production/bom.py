"""Bills of materials: versioned, validated, multi-level, refused when cyclic, exploded exactly.

Conventions (recorded in the docs as decisions):

- A BOM makes `output_quantity` units of its item (the batch). Component quantities, operation
  hours and secondary-output quantities are all given *for that batch*, as ERPNext and Odoo do;
  with the default batch of 1 they are simply "per unit of output".
- Rates are yields, never mark-ups. A process loss of L % means only (100 - L) % of what is
  started comes out good, so making Q good units means starting Q / (1 - L/100) units, not
  Q * (1 + L/100) (erpnext#33094). A component scrap of S % means S % of what is issued of that
  component is lost, so the gross quantity is net / (1 - S/100). Both are therefore in [0, 100).
- Operation hours scale with the quantity *started* (process loss included): the loss happens
  while the work is done.
- Exploded quantities are computed exactly (rational arithmetic) from the parent line's quantity,
  then rounded UP to `places` decimals (default 6), so a plan is never short; a line's children
  are computed from the rounded quantity of that line (what would actually be made).
- A phantom BOM (a kit, a transient sub-assembly) is never made or stocked on its own: explosion
  always blows through it and its components are consumed by the nearest non-phantom parent.
  A made sub-assembly (non-phantom BOM) is a requirement of its own in a single-level explosion
  and is exploded further in a multi-level one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Literal

from erp_core.production.errors import (
    BomCycleError,
    ProductionValidationError,
    code,
    non_negative,
    percentage_below_100,
    positive,
    to_decimal,
)

ZERO = Decimal(0)
HUNDRED = Decimal(100)
QUANTITY_PLACES = 6

OutputKind = Literal["by_product", "scrap"]
LineKind = Literal["bought", "made", "phantom"]


@dataclass(frozen=True)
class ComponentLine:
    """One component: `quantity` of `item` per BOM batch, of which `scrap_pct` % is lost."""

    item: str
    quantity: Decimal
    scrap_pct: Decimal = ZERO

    def __post_init__(self) -> None:
        code("components.item", self.item)
        where = f"components[{self.item}]"
        object.__setattr__(self, "quantity", positive(f"{where}.quantity", self.quantity))
        object.__setattr__(
            self, "scrap_pct", percentage_below_100(f"{where}.scrap_pct", self.scrap_pct)
        )


@dataclass(frozen=True)
class Operation:
    """One routing step: `hours` at `work_centre` per BOM batch."""

    work_centre: str
    hours: Decimal
    name: str = ""

    def __post_init__(self) -> None:
        code("operations.work_centre", self.work_centre)
        where = f"operations[{self.work_centre}]"
        object.__setattr__(self, "hours", positive(f"{where}.hours", self.hours))


@dataclass(frozen=True)
class SecondaryOutput:
    """A by-product or scrap output: `quantity` of `item` per BOM batch.

    Valued either by `cost_share_pct` (a share of the joint cost of the completion) or by
    `fixed_value` (a value per unit, e.g. its net realisable value). Exactly one must be given;
    scrap outputs are always valued at a fixed value (which may be 0).
    """

    item: str
    quantity: Decimal
    kind: OutputKind = "by_product"
    cost_share_pct: Decimal | None = None
    fixed_value: Decimal | None = None

    def __post_init__(self) -> None:
        code("outputs.item", self.item)
        where = f"outputs[{self.item}]"
        object.__setattr__(self, "quantity", positive(f"{where}.quantity", self.quantity))
        if self.kind not in ("by_product", "scrap"):
            raise ProductionValidationError(
                f"{where}.kind", f"must be 'by_product' or 'scrap', got {self.kind!r}"
            )
        if (self.cost_share_pct is None) == (self.fixed_value is None):
            raise ProductionValidationError(
                f"{where}.cost_share_pct", "give exactly one of cost_share_pct and fixed_value"
            )
        if self.cost_share_pct is not None:
            if self.kind == "scrap":
                raise ProductionValidationError(
                    f"{where}.cost_share_pct", "a scrap output is valued at a fixed value"
                )
            share = to_decimal(f"{where}.cost_share_pct", self.cost_share_pct)
            if share <= 0 or share > HUNDRED:
                raise ProductionValidationError(
                    f"{where}.cost_share_pct", f"must be above 0 and at most 100, got {share}"
                )
            object.__setattr__(self, "cost_share_pct", share)
        if self.fixed_value is not None:
            object.__setattr__(
                self, "fixed_value", non_negative(f"{where}.fixed_value", self.fixed_value)
            )


@dataclass(frozen=True)
class BillOfMaterials:
    """Version `version` of the recipe for `output_quantity` units of `item`."""

    item: str
    version: int
    output_quantity: Decimal
    components: tuple[ComponentLine, ...]
    operations: tuple[Operation, ...] = ()
    outputs: tuple[SecondaryOutput, ...] = ()
    process_loss_pct: Decimal = ZERO
    phantom: bool = False

    def __post_init__(self) -> None:
        code("item", self.item)
        if isinstance(self.version, bool) or not isinstance(self.version, int) or self.version < 1:
            raise ProductionValidationError(
                "version", f"must be an integer >= 1, got {self.version!r}"
            )
        object.__setattr__(
            self, "output_quantity", positive("output_quantity", self.output_quantity)
        )
        object.__setattr__(
            self,
            "process_loss_pct",
            percentage_below_100("process_loss_pct", self.process_loss_pct),
        )
        object.__setattr__(self, "components", tuple(self.components))
        object.__setattr__(self, "operations", tuple(self.operations))
        object.__setattr__(self, "outputs", tuple(self.outputs))
        if not isinstance(self.phantom, bool):
            raise ProductionValidationError("phantom", "must be true or false")
        self.check_components()
        self.check_outputs()

    def check_components(self) -> None:
        if not self.components:
            raise ProductionValidationError("components", "a bill of materials needs a component")
        seen: set[str] = set()
        for line in self.components:
            if not isinstance(line, ComponentLine):
                raise ProductionValidationError("components", "each line must be a ComponentLine")
            if line.item == self.item:
                raise ProductionValidationError(
                    f"components[{line.item}]", "the output item cannot be its own component"
                )
            if line.item in seen:
                raise ProductionValidationError(
                    f"components[{line.item}]", "duplicate component (merge the lines)"
                )
            seen.add(line.item)
        for op in self.operations:
            if not isinstance(op, Operation):
                raise ProductionValidationError("operations", "each line must be an Operation")

    def check_outputs(self) -> None:
        seen: set[str] = set()
        for out in self.outputs:
            if not isinstance(out, SecondaryOutput):
                raise ProductionValidationError("outputs", "each line must be a SecondaryOutput")
            if out.item == self.item:
                raise ProductionValidationError(
                    f"outputs[{out.item}]", "the main output cannot also be a by-product"
                )
            if out.item in seen:
                raise ProductionValidationError(f"outputs[{out.item}]", "duplicate output")
            seen.add(out.item)
        total = sum((o.cost_share_pct or ZERO for o in self.outputs), ZERO)
        if total > HUNDRED:
            raise ProductionValidationError(
                "outputs", f"cost shares sum to {total} %, must not exceed 100 %"
            )

    @property
    def component_items(self) -> tuple[str, ...]:
        return tuple(line.item for line in self.components)

    def starts_for(self, good_quantity: Decimal) -> Fraction:
        """Units to start to get `good_quantity` good units: good / (1 - loss/100), exact."""
        return Fraction(good_quantity) / (1 - Fraction(self.process_loss_pct) / 100)

    def batches_for(self, good_quantity: Decimal) -> Fraction:
        return self.starts_for(good_quantity) / Fraction(self.output_quantity)

    def component_requirement(self, line: ComponentLine, good_quantity: Decimal) -> Fraction:
        """Gross quantity of `line.item` to issue for `good_quantity`, exact (before rounding)."""
        net = Fraction(line.quantity) * self.batches_for(good_quantity)
        return net / (1 - Fraction(line.scrap_pct) / 100)


def round_up(value: Fraction, places: int = QUANTITY_PLACES) -> Decimal:
    """`value` rounded towards +infinity to `places` decimals, computed exactly."""
    scale = 10**places
    numerator = -((-value.numerator * scale) // value.denominator)  # ceiling division
    return Decimal(numerator).scaleb(-places)


# ---------------------------------------------------------------------------------------------
# Registry of versions


@dataclass(frozen=True)
class BomRegistry:
    """Every version of every BOM; the latest version per item is the one explosion follows.

    Built with `with_version` (or `of`), which refuses a version that is not newer than the
    latest and a BOM whose latest-version graph would contain its own item, naming the cycle.
    """

    versions: Mapping[str, tuple[BillOfMaterials, ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, boms: Iterable[BillOfMaterials]) -> BomRegistry:
        registry = cls()
        for bom in boms:
            registry = registry.with_version(bom)
        return registry

    def latest(self, item: str) -> BillOfMaterials | None:
        found = self.versions.get(item)
        return found[-1] if found else None

    def version(self, item: str, version: int) -> BillOfMaterials:
        for bom in self.versions.get(item, ()):
            if bom.version == version:
                return bom
        raise ProductionValidationError(
            "version", f"no bill of materials version {version} for item {item!r}"
        )

    def is_made(self, item: str) -> bool:
        """True when the item has a BOM (phantoms included)."""
        return item in self.versions

    def items(self) -> tuple[str, ...]:
        return tuple(sorted(self.versions))

    def with_version(self, bom: BillOfMaterials) -> BomRegistry:
        """A new registry with `bom` as the latest version of its item (checked first)."""
        if not isinstance(bom, BillOfMaterials):
            raise ProductionValidationError("bom", "must be a BillOfMaterials")
        self.check_newer(bom)
        self.check_no_cycle(bom)
        versions = dict(self.versions)
        versions[bom.item] = (*versions.get(bom.item, ()), bom)
        return BomRegistry(versions)

    def check_newer(self, bom: BillOfMaterials) -> None:
        latest = self.latest(bom.item)
        if latest is not None and bom.version <= latest.version:
            raise ProductionValidationError(
                "version",
                f"item {bom.item!r} already has version {latest.version}; "
                f"a new version must be higher (got {bom.version})",
            )

    def check_no_cycle(self, bom: BillOfMaterials) -> None:
        """Refuse `bom` if its item is reached again through the latest versions below it."""
        cycle = self.find_cycle(bom)
        if cycle is not None:
            raise BomCycleError("components", cycle)

    def find_cycle(self, bom: BillOfMaterials) -> tuple[str, ...] | None:
        """The path `item -> ... -> item` if `bom` would contain itself, else None.

        The registry's own graph is acyclic (every version was checked on the way in), so any
        new cycle passes through `bom.item`; a depth-first search from it finds the first one.
        """
        target = bom.item
        done: set[str] = set()  # items from which `target` is not reachable

        def children(item: str) -> tuple[str, ...]:
            if item == target:
                return bom.component_items
            sub = self.latest(item)
            return sub.component_items if sub else ()

        def visit(item: str, path: tuple[str, ...]) -> tuple[str, ...] | None:
            for child in children(item):
                if child == target:
                    return (*path, child)
                if child in done or child in path:
                    continue
                found = visit(child, (*path, child))
                if found:
                    return found
                done.add(child)
            return None

        return visit(target, (target,))


# ---------------------------------------------------------------------------------------------
# Explosion


@dataclass(frozen=True)
class ExplosionLine:
    """One requirement in the exploded tree.

    `path` runs from the exploded item down to this line's parent; `consumed_by` is the nearest
    non-phantom ancestor (the work order that issues it); `kind` says whether the item is bought
    (no BOM), made (own BOM, a work order of its own) or a phantom (blown through, not issued).
    """

    level: int
    path: tuple[str, ...]
    item: str
    quantity: Decimal
    kind: LineKind
    consumed_by: str
    bom_version: int | None = None


@dataclass(frozen=True)
class OperationLine:
    """Hours needed at `work_centre` for the BOM of `item` (phantom operations go to the parent)."""

    level: int
    item: str
    work_centre: str
    hours: Decimal


@dataclass(frozen=True)
class Explosion:
    item: str
    quantity: Decimal
    bom_version: int
    multi_level: bool
    lines: tuple[ExplosionLine, ...]
    operations: tuple[OperationLine, ...]

    def totals(self, *kinds: LineKind) -> dict[str, Decimal]:
        """Gross quantity per item over the lines of the given kinds (default: bought and made)."""
        wanted = kinds or ("bought", "made")
        out: dict[str, Decimal] = {}
        for line in self.lines:
            if line.kind in wanted:
                out[line.item] = out.get(line.item, ZERO) + line.quantity
        return dict(sorted(out.items()))

    def materials_for(self, item: str) -> dict[str, Decimal]:
        """What the work order for `item` issues: its non-phantom inputs, phantoms blown through."""
        out: dict[str, Decimal] = {}
        for line in self.lines:
            if line.consumed_by == item and line.kind != "phantom":
                out[line.item] = out.get(line.item, ZERO) + line.quantity
        return dict(sorted(out.items()))

    def hours(self) -> dict[str, Decimal]:
        out: dict[str, Decimal] = {}
        for op in self.operations:
            out[op.work_centre] = out.get(op.work_centre, ZERO) + op.hours
        return dict(sorted(out.items()))


def explode(
    registry: BomRegistry,
    bom: BillOfMaterials,
    quantity: Decimal,
    *,
    multi_level: bool = True,
    places: int = QUANTITY_PLACES,
) -> Explosion:
    """Gross requirements to make `quantity` good units of `bom.item` with this BOM version.

    Lower levels follow the registry's latest versions. Single-level stops at made
    sub-assemblies (they are requirements of this work order); multi-level explodes them too.
    Phantoms are blown through in both modes. Raises `BomCycleError` if a cycle is met (possible
    only when `bom` is an old version that was never checked against today's lower levels).
    """
    qty = positive("quantity", quantity)
    lines: list[ExplosionLine] = []
    operations: list[OperationLine] = []

    def walk(
        current: BillOfMaterials,
        good: Decimal,
        level: int,
        path: tuple[str, ...],
        consumer: str,
        ops_owner: str,
    ) -> None:
        batches = current.batches_for(good)
        for op in current.operations:
            operations.append(
                OperationLine(
                    level - 1,
                    ops_owner,
                    op.work_centre,
                    round_up(Fraction(op.hours) * batches, places),
                )
            )
        for comp in current.components:
            if comp.item in path:
                raise BomCycleError("components", (*path[path.index(comp.item) :], comp.item))
            need = round_up(current.component_requirement(comp, good), places)
            sub = registry.latest(comp.item)
            if sub is None:
                lines.append(ExplosionLine(level, path, comp.item, need, "bought", consumer))
            elif sub.phantom:
                lines.append(
                    ExplosionLine(level, path, comp.item, need, "phantom", consumer, sub.version)
                )
                walk(sub, need, level + 1, (*path, comp.item), consumer, ops_owner)
            else:
                lines.append(
                    ExplosionLine(level, path, comp.item, need, "made", consumer, sub.version)
                )
                if multi_level:
                    walk(sub, need, level + 1, (*path, comp.item), comp.item, comp.item)

    walk(bom, qty, 1, (bom.item,), bom.item, bom.item)
    return Explosion(bom.item, qty, bom.version, multi_level, tuple(lines), tuple(operations))


def component_requirements(
    bom: BillOfMaterials, quantity: Decimal, places: int = QUANTITY_PLACES
) -> dict[str, Decimal]:
    """Single-level gross requirements of one BOM (no registry: phantoms are not blown through)."""
    qty = positive("quantity", quantity)
    return {c.item: round_up(bom.component_requirement(c, qty), places) for c in bom.components}


def planned_hours(
    bom: BillOfMaterials, quantity: Decimal, places: int = QUANTITY_PLACES
) -> dict[str, Decimal]:
    """Hours per work centre for `quantity` good units of one BOM (process loss included)."""
    qty = positive("quantity", quantity)
    batches = bom.batches_for(qty)
    out: dict[str, Fraction] = {}
    for op in bom.operations:
        out[op.work_centre] = out.get(op.work_centre, Fraction(0)) + Fraction(op.hours) * batches
    return {wc: round_up(h, places) for wc, h in sorted(out.items())}


def expected_outputs(
    bom: BillOfMaterials, quantity: Decimal, places: int = QUANTITY_PLACES
) -> dict[str, Decimal]:
    """Expected by-product and scrap quantities for `quantity` good units (scaled by batches)."""
    qty = positive("quantity", quantity)
    batches = bom.batches_for(qty)
    return {o.item: round_up(Fraction(o.quantity) * batches, places) for o in bom.outputs}
