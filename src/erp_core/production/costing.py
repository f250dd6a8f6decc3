"""Work-order costing at actual cost, and the balanced journal of every step.

A `WorkOrderCosting` is an immutable state; each step (`issue`, `return_material`, `absorb`,
`complete`, `close`) checks its input, then returns a `CostingStep` holding the new state and the
journal lines to post (Dr/Cr to the cent, balanced). The wiring layer puts those lines into the
step's event, so projections only add up.

Rules (recorded as decisions):

- Issue: material enters WIP at the layer costs the inventory gives (FIFO or moving average),
  each layer's value rounded half-up to the cent (or taken as given). Dr WIP / Cr raw materials.
- Return: at the ORIGINAL issue cost of this work order, never at today's stock cost: the net
  average of what is still issued of that item (net issued value / net issued quantity) times
  the quantity returned, rounded half-up; returning everything still issued returns exactly the
  value still issued, so no residue can be left on an item with nothing issued. Dr raw materials /
  Cr WIP. Returning more than the net issued quantity is refused.
- Absorption: hours x the work centre's labour rate and overhead rate, each rounded half-up.
  Dr WIP / Cr applied labour, Cr applied overhead.
- Completion of g good units (partial allowed, several times). With W the WIP balance and R the
  good quantity still expected (planned - good already completed):
  * a non-final completion takes W x g / R (rounded half-up to the cent): the average cost in WIP
    per good unit still expected; the final completion takes all of W, so WIP reaches exactly 0
    and every rounding residue lands on the final completion. A completion is final when it
    brings the good quantity to the planned quantity, or when the caller says so (short close).
  * Out of that cost, outputs valued at a fixed value (scrap always; by-products so defined)
    take quantity x value per unit first (their net realisable value, as IAS 2.14 deducts it from
    the joint cost); by-products with a cost share then take their share % of the remaining
    joint cost, by cumulative rounding so the shares never exceed it; the main output takes the
    rest. A share-based by-product with no quantity in a completion takes nothing from it.
  * The main output's value is divided over the GOOD quantity only, so process loss raises the
    unit cost. Dr finished goods (+ Dr by-products, Dr scrap) / Cr WIP.
- Close: whatever WIP is left (partly done, cancelled after issues, costs booked after the final
  completion, or negative after late returns) goes to the production variance account, with a
  reason. Nothing is accepted after close.
- Invariant, exact over the whole order: finished goods + by-products + scrap + variance =
  materials issued - materials returned + labour + overhead absorbed, i.e. WIP 0 when closed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from erp_core.production.bom import HUNDRED, ZERO, BillOfMaterials, SecondaryOutput
from erp_core.production.errors import (
    ProductionValidationError,
    WorkOrderStateError,
    code,
    money,
    non_negative,
    positive,
)
from erp_core.production.standard import (
    ActualCentre,
    ActualMaterial,
    StandardCost,
    variances,
)

Status = Literal["open", "completed", "closed"]
UNIT_COST_PLACES = 6


def round_money(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------------------------------------
# Journals


@dataclass(frozen=True)
class JournalLine:
    """One posting line: exactly one of debit and credit is above zero."""

    account: str
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    item: str = ""
    memo: str = ""


@dataclass(frozen=True)
class Journal:
    """The lines of one costing step of `work_order` (the work order is the lines' dimension)."""

    kind: str
    work_order: str
    lines: tuple[JournalLine, ...]

    @property
    def total_debit(self) -> Decimal:
        return sum((line.debit for line in self.lines), ZERO)

    @property
    def total_credit(self) -> Decimal:
        return sum((line.credit for line in self.lines), ZERO)

    @property
    def is_balanced(self) -> bool:
        return self.total_debit == self.total_credit

    def net(self, account: str) -> Decimal:
        """Debit minus credit on `account` in this journal."""
        return sum((ln.debit - ln.credit for ln in self.lines if ln.account == account), ZERO)


def journal_problems(journal: Journal, places: int = 2) -> list[str]:
    """Every way `journal` breaks the posting rules (empty when it is fine)."""
    problems: list[str] = []
    quantum = Decimal(1).scaleb(-places)
    for n, line in enumerate(journal.lines):
        if line.debit < 0 or line.credit < 0:
            problems.append(f"line {n}: negative amount")
        if (line.debit > 0) == (line.credit > 0):
            problems.append(f"line {n}: needs exactly one of debit and credit")
        for amount in (line.debit, line.credit):
            if amount != amount.quantize(quantum):
                problems.append(f"line {n}: {amount} is not in whole minor units")
    if not journal.is_balanced:
        problems.append(
            f"{journal.kind} of {journal.work_order} does not balance: "
            f"debit {journal.total_debit} != credit {journal.total_credit}"
        )
    return problems


class _Lines:
    """Collects journal lines; drops zero amounts and puts negative ones on the other side."""

    def __init__(self) -> None:
        self.lines: list[JournalLine] = []

    def debit(self, account: str, amount: Decimal, item: str = "", memo: str = "") -> None:
        if amount > 0:
            self.lines.append(JournalLine(account, debit=amount, item=item, memo=memo))
        elif amount < 0:
            self.lines.append(JournalLine(account, credit=-amount, item=item, memo=memo))

    def credit(self, account: str, amount: Decimal, item: str = "", memo: str = "") -> None:
        self.debit(account, -amount, item, memo)

    def journal(self, kind: str, work_order: str) -> Journal:
        """The journal, debit lines first (each side in the order the lines were added)."""
        ordered = sorted(self.lines, key=lambda line: line.debit == 0)
        return Journal(kind, work_order, tuple(ordered))


# ---------------------------------------------------------------------------------------------
# Master data and inputs


@dataclass(frozen=True)
class WorkCentre:
    """A work centre: hourly labour and overhead rates and the accounts they are absorbed into."""

    code: str
    labour_rate: Decimal
    overhead_rate: Decimal = ZERO
    labour_account: str = "Applied labour"
    overhead_account: str = "Applied overhead"

    def __post_init__(self) -> None:
        code("work_centre.code", self.code)
        where = f"work_centres[{self.code}]"
        object.__setattr__(
            self, "labour_rate", non_negative(f"{where}.labour_rate", self.labour_rate)
        )
        object.__setattr__(
            self, "overhead_rate", non_negative(f"{where}.overhead_rate", self.overhead_rate)
        )
        code(f"{where}.labour_account", self.labour_account)
        code(f"{where}.overhead_account", self.overhead_account)


@dataclass(frozen=True)
class CostingAccounts:
    wip: str = "Work in progress"
    raw_materials: str = "Raw materials"
    finished_goods: str = "Finished goods"
    by_products: str = "By-products"
    scrap: str = "Scrap"
    variance: str = "Production variance"

    def __post_init__(self) -> None:
        for name in ("wip", "raw_materials", "finished_goods", "by_products", "scrap", "variance"):
            code(f"accounts.{name}", getattr(self, name))


@dataclass(frozen=True)
class IssuedLayer:
    """Part of an issue from one valuation layer: `quantity` at `unit_cost`.

    `value` is the layer's value when the inventory already rounded it (moving average with its
    own residue rule); otherwise it is quantity x unit cost rounded half-up to the cent.
    """

    quantity: Decimal
    unit_cost: Decimal
    value: Decimal | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "quantity", positive("layers.quantity", self.quantity))
        object.__setattr__(self, "unit_cost", non_negative("layers.unit_cost", self.unit_cost))
        if self.value is not None:
            object.__setattr__(self, "value", non_negative("layers.value", self.value))

    def amount(self, places: int) -> Decimal:
        if self.value is not None:
            return money("layers.value", self.value, places)
        return round_money(self.quantity * self.unit_cost, places)


@dataclass(frozen=True)
class OutputQuantity:
    """Quantity of a by-product or scrap output produced in a completion."""

    item: str
    quantity: Decimal

    def __post_init__(self) -> None:
        code("outputs.item", self.item)
        object.__setattr__(
            self, "quantity", positive(f"outputs[{self.item}].quantity", self.quantity)
        )


@dataclass(frozen=True)
class WorkOrderSpec:
    """What costing needs of a released work order (from the BOM version it was released with)."""

    work_order: str
    item: str
    planned_quantity: Decimal
    outputs: tuple[SecondaryOutput, ...] = ()
    accounts: CostingAccounts = field(default_factory=CostingAccounts)
    overproduction_pct: Decimal = ZERO
    places: int = 2
    # made at standard: the standard and the account of each variance kind ("other" is the
    # production variance account)
    standard: StandardCost | None = None
    variance_accounts: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        code("work_order", self.work_order)
        code("item", self.item)
        object.__setattr__(
            self, "planned_quantity", positive("planned_quantity", self.planned_quantity)
        )
        object.__setattr__(self, "outputs", tuple(self.outputs))
        object.__setattr__(
            self,
            "overproduction_pct",
            non_negative("overproduction_pct", self.overproduction_pct),
        )
        if isinstance(self.places, bool) or not isinstance(self.places, int):
            raise ProductionValidationError("places", "must be an integer")
        if not 0 <= self.places <= 6:
            raise ProductionValidationError("places", f"must be 0..6, got {self.places}")
        seen: set[str] = set()
        for out in self.outputs:
            if not isinstance(out, SecondaryOutput):
                raise ProductionValidationError("outputs", "each output must be a SecondaryOutput")
            if out.item in seen or out.item == self.item:
                raise ProductionValidationError(f"outputs[{out.item}]", "duplicate output")
            seen.add(out.item)
        if self.standard is not None:
            for out in self.outputs:
                if out.cost_share_pct is not None:
                    raise ProductionValidationError(
                        f"outputs[{out.item}]",
                        "a work order made at standard values by-products at a fixed value "
                        "only, not by a cost share",
                    )
        shares = sum((o.cost_share_pct or ZERO for o in self.outputs), ZERO)
        if shares > HUNDRED:
            raise ProductionValidationError(
                "outputs", f"cost shares sum to {shares} %, must not exceed 100 %"
            )

    @classmethod
    def from_bom(
        cls,
        work_order: str,
        bom: BillOfMaterials,
        planned_quantity: Decimal,
        *,
        accounts: CostingAccounts | None = None,
        overproduction_pct: Decimal = ZERO,
        places: int = 2,
    ) -> WorkOrderSpec:
        return cls(
            work_order=work_order,
            item=bom.item,
            planned_quantity=planned_quantity,
            outputs=bom.outputs,
            accounts=accounts or CostingAccounts(),
            overproduction_pct=overproduction_pct,
            places=places,
        )

    def output(self, item: str) -> SecondaryOutput:
        for out in self.outputs:
            if out.item == item:
                return out
        raise ProductionValidationError(
            f"outputs[{item}]",
            f"not a by-product or scrap output of work order {self.work_order}",
        )

    @property
    def max_good_quantity(self) -> Decimal:
        return self.planned_quantity * (1 + self.overproduction_pct / HUNDRED)


# ---------------------------------------------------------------------------------------------
# State


@dataclass(frozen=True)
class MaterialBalance:
    """What this work order has issued and had returned of one item (quantities and values)."""

    issued_quantity: Decimal = ZERO
    issued_value: Decimal = ZERO
    returned_quantity: Decimal = ZERO
    returned_value: Decimal = ZERO

    @property
    def net_quantity(self) -> Decimal:
        return self.issued_quantity - self.returned_quantity

    @property
    def net_value(self) -> Decimal:
        return self.issued_value - self.returned_value


@dataclass(frozen=True)
class ValuedOutput:
    """An output of a completion and the value it takes out of WIP."""

    item: str
    kind: Literal["main", "by_product", "scrap"]
    quantity: Decimal
    value: Decimal
    account: str

    @property
    def unit_cost(self) -> Decimal:
        return (self.value / self.quantity).quantize(
            Decimal(1).scaleb(-UNIT_COST_PLACES), rounding=ROUND_HALF_UP
        )


@dataclass(frozen=True)
class CostingStep:
    """The result of one step: the new state, its journal, the value moved, valued outputs."""

    state: WorkOrderCosting
    journal: Journal
    value: Decimal
    outputs: tuple[ValuedOutput, ...] = ()
    # standard costing's close: (kind, item or work centre, account, amount) booked now
    variances: tuple[tuple[str, str, str, Decimal], ...] = ()

    @property
    def finished_goods(self) -> ValuedOutput | None:
        return next((o for o in self.outputs if o.kind == "main"), None)


@dataclass(frozen=True)
class WorkOrderCosting:
    """The actual-cost state of one work order. `wip` is the running WIP balance posted."""

    spec: WorkOrderSpec
    materials: Mapping[str, MaterialBalance] = field(default_factory=dict)
    hours: Mapping[str, Decimal] = field(default_factory=dict)
    # labour and overhead absorbed per work centre (for the rate variances of standard costing)
    centre_costs: Mapping[str, tuple[Decimal, Decimal]] = field(default_factory=dict)
    labour: Decimal = ZERO
    overhead: Decimal = ZERO
    finished_goods_value: Decimal = ZERO
    by_product_value: Decimal = ZERO
    scrap_value: Decimal = ZERO
    variance: Decimal = ZERO
    good_quantity: Decimal = ZERO
    wip: Decimal = ZERO
    completions: int = 0
    status: Status = "open"
    close_reason: str = ""
    # standard costing: each variance (kind, code) booked by the closes so far
    booked: Mapping[tuple[str, str], Decimal] = field(default_factory=dict)

    @classmethod
    def start(cls, spec: WorkOrderSpec) -> WorkOrderCosting:
        return cls(spec)

    # ---- derived figures

    @property
    def materials_issued(self) -> Decimal:
        return sum((m.issued_value for m in self.materials.values()), ZERO)

    @property
    def materials_returned(self) -> Decimal:
        return sum((m.returned_value for m in self.materials.values()), ZERO)

    @property
    def value_in(self) -> Decimal:
        """Materials net issued + labour and overhead absorbed."""
        return self.materials_issued - self.materials_returned + self.labour + self.overhead

    @property
    def value_out(self) -> Decimal:
        """Finished goods + by-products + scrap + variance."""
        return self.finished_goods_value + self.by_product_value + self.scrap_value + self.variance

    @property
    def remaining_quantity(self) -> Decimal:
        """Good quantity still expected."""
        return self.spec.planned_quantity - self.good_quantity

    # ---- checks

    def check_not_closed(self) -> None:
        if self.status == "closed":
            raise WorkOrderStateError(f"work order {self.spec.work_order} is closed")

    def check_can_complete(self) -> None:
        self.check_not_closed()
        if self.status == "completed":
            raise WorkOrderStateError(
                f"work order {self.spec.work_order} is already completed (its final receipt "
                "took all of WIP); close it instead"
            )

    # ---- steps

    def issue(
        self, item: str, layers: Sequence[IssuedLayer], *, account: str | None = None
    ) -> CostingStep:
        """Material issued to the work order at the layer costs given: Dr WIP / Cr materials."""
        self.check_not_closed()
        code("item", item)
        if not layers:
            raise ProductionValidationError("layers", "an issue needs at least one layer")
        places = self.spec.places
        quantity = value = ZERO
        for layer in layers:
            if not isinstance(layer, IssuedLayer):
                raise ProductionValidationError("layers", "each layer must be an IssuedLayer")
            quantity += layer.quantity
            value += layer.amount(places)
        credit_account = account or self.spec.accounts.raw_materials
        lines = _Lines()
        lines.debit(self.spec.accounts.wip, value, item, "material issued")
        lines.credit(credit_account, value, item, "material issued")
        balance = self.materials.get(item, MaterialBalance())
        materials = dict(self.materials)
        materials[item] = replace(
            balance,
            issued_quantity=balance.issued_quantity + quantity,
            issued_value=balance.issued_value + value,
        )
        state = replace(self, materials=materials, wip=self.wip + value)
        return CostingStep(state, lines.journal("issue", self.spec.work_order), value)

    def return_material(
        self, item: str, quantity: Decimal, *, account: str | None = None
    ) -> CostingStep:
        """Unused material back to stock at its original issue cost: Dr materials / Cr WIP."""
        self.check_not_closed()
        code("item", item)
        qty = positive("quantity", quantity)
        balance = self.materials.get(item)
        if balance is None or balance.net_quantity <= 0:
            raise ProductionValidationError(
                "item", f"no {item} is issued to work order {self.spec.work_order}"
            )
        if qty > balance.net_quantity:
            raise ProductionValidationError(
                "quantity",
                f"returning {qty} {item} but only {balance.net_quantity} is issued "
                f"to work order {self.spec.work_order}",
            )
        if qty == balance.net_quantity:
            value = balance.net_value
        else:
            value = round_money(balance.net_value * qty / balance.net_quantity, self.spec.places)
        debit_account = account or self.spec.accounts.raw_materials
        lines = _Lines()
        lines.debit(debit_account, value, item, "material returned at issue cost")
        lines.credit(self.spec.accounts.wip, value, item, "material returned at issue cost")
        materials = dict(self.materials)
        materials[item] = replace(
            balance,
            returned_quantity=balance.returned_quantity + qty,
            returned_value=balance.returned_value + value,
        )
        state = replace(self, materials=materials, wip=self.wip - value)
        return CostingStep(state, lines.journal("return", self.spec.work_order), value)

    def absorb(self, work_centre: WorkCentre, hours: Decimal) -> CostingStep:
        """Labour and overhead for `hours` at `work_centre`: Dr WIP / Cr the applied accounts."""
        self.check_not_closed()
        if not isinstance(work_centre, WorkCentre):
            raise ProductionValidationError("work_centre", "must be a WorkCentre")
        h = positive("hours", hours)
        places = self.spec.places
        labour = round_money(h * work_centre.labour_rate, places)
        overhead = round_money(h * work_centre.overhead_rate, places)
        wip = self.spec.accounts.wip
        lines = _Lines()
        lines.debit(wip, labour, memo=f"labour {h} h at {work_centre.code}")
        lines.debit(wip, overhead, memo=f"overhead {h} h at {work_centre.code}")
        lines.credit(work_centre.labour_account, labour, memo=f"labour at {work_centre.code}")
        lines.credit(work_centre.overhead_account, overhead, memo=f"overhead at {work_centre.code}")
        hours_by_centre = dict(self.hours)
        hours_by_centre[work_centre.code] = hours_by_centre.get(work_centre.code, ZERO) + h
        state = replace(
            self,
            hours=hours_by_centre,
            centre_costs=add_centre_costs(self.centre_costs, work_centre.code, labour, overhead),
            labour=self.labour + labour,
            overhead=self.overhead + overhead,
            wip=self.wip + labour + overhead,
        )
        return CostingStep(state, lines.journal("absorb", self.spec.work_order), labour + overhead)

    def complete(
        self,
        good_quantity: Decimal,
        outputs: Sequence[OutputQuantity] = (),
        *,
        final: bool | None = None,
    ) -> CostingStep:
        """Receive `good_quantity` finished goods (and by-products, scrap) at actual cost."""
        self.check_can_complete()
        good = positive("good_quantity", good_quantity)
        spec = self.spec
        total_good = self.good_quantity + good
        if total_good > spec.max_good_quantity:
            raise ProductionValidationError(
                "good_quantity",
                f"{total_good} good in all would exceed the planned {spec.planned_quantity} "
                f"plus the {spec.overproduction_pct} % over-production allowance",
            )
        produced: dict[str, Decimal] = {}
        for given in outputs:
            if not isinstance(given, OutputQuantity):
                raise ProductionValidationError("outputs", "each output must be an OutputQuantity")
            spec.output(given.item)
            if given.item in produced:
                raise ProductionValidationError(f"outputs[{given.item}]", "given twice")
            produced[given.item] = given.quantity
        is_final = total_good >= spec.planned_quantity if final is None else bool(final)
        places = spec.places
        if spec.standard is not None:
            return self._complete_at_standard(good, total_good, produced, is_final)
        remaining = self.remaining_quantity
        if is_final or good >= remaining:
            cost = self.wip
        else:
            cost = round_money(self.wip * good / remaining, places)
        if cost < 0:
            raise ProductionValidationError(
                "good_quantity",
                f"WIP of work order {spec.work_order} is negative ({self.wip}): "
                "nothing to receive at cost; close the order to variance instead",
            )

        valued: list[ValuedOutput] = []
        accounts = spec.accounts
        fixed_total = ZERO
        for out_def in spec.outputs:
            qty = produced.get(out_def.item)
            if qty is None or out_def.fixed_value is None:
                continue
            value = round_money(qty * out_def.fixed_value, places)
            account = accounts.scrap if out_def.kind == "scrap" else accounts.by_products
            valued.append(ValuedOutput(out_def.item, out_def.kind, qty, value, account))
            fixed_total += value
        joint = cost - fixed_total
        if joint < 0:
            raise ProductionValidationError(
                "outputs",
                f"the fixed values of the by-products and scrap ({fixed_total}) exceed the cost "
                f"this completion takes out of WIP ({cost})",
            )
        cumulative_share = ZERO
        allotted = ZERO
        for out_def in spec.outputs:
            qty = produced.get(out_def.item)
            if qty is None or out_def.cost_share_pct is None:
                continue
            cumulative_share += out_def.cost_share_pct
            upto = round_money(joint * cumulative_share / HUNDRED, places)
            value = upto - allotted
            allotted = upto
            valued.append(
                ValuedOutput(out_def.item, "by_product", qty, value, accounts.by_products)
            )
        main_value = joint - allotted
        main = ValuedOutput(spec.item, "main", good, main_value, accounts.finished_goods)
        valued.insert(0, main)

        lines = _Lines()
        for v in valued:
            lines.debit(v.account, v.value, v.item, f"{v.kind} received")
        lines.credit(accounts.wip, cost, spec.item, "completion")
        by_products = sum((o.value for o in valued if o.kind == "by_product"), ZERO)
        scrap = sum((o.value for o in valued if o.kind == "scrap"), ZERO)
        state = replace(
            self,
            finished_goods_value=self.finished_goods_value + main_value,
            by_product_value=self.by_product_value + by_products,
            scrap_value=self.scrap_value + scrap,
            good_quantity=total_good,
            wip=self.wip - cost,
            completions=self.completions + 1,
            status="completed" if is_final else self.status,
        )
        kind = "final completion" if is_final else "completion"
        return CostingStep(state, lines.journal(kind, spec.work_order), cost, tuple(valued))

    def _complete_at_standard(
        self, good: Decimal, total_good: Decimal, produced: Mapping[str, Decimal], is_final: bool
    ) -> CostingStep:
        """Finished goods at good x standard unit cost; fixed-value outputs at their value.
        What WIP holds beyond (or short of) that waits for the close and its variances."""
        spec = self.spec
        assert spec.standard is not None
        accounts, places = spec.accounts, spec.places
        main_value = round_money(good * spec.standard.unit_cost, places)
        valued = [ValuedOutput(spec.item, "main", good, main_value, accounts.finished_goods)]
        for out_def in spec.outputs:
            qty = produced.get(out_def.item)
            if qty is None or out_def.fixed_value is None:
                continue
            value = round_money(qty * out_def.fixed_value, places)
            account = accounts.scrap if out_def.kind == "scrap" else accounts.by_products
            valued.append(ValuedOutput(out_def.item, out_def.kind, qty, value, account))
        cost = sum((v.value for v in valued), ZERO)
        lines = _Lines()
        for v in valued:
            lines.debit(v.account, v.value, v.item, f"{v.kind} received at standard")
        lines.credit(accounts.wip, cost, spec.item, "completion at standard")
        state = replace(
            self,
            finished_goods_value=self.finished_goods_value + main_value,
            by_product_value=self.by_product_value
            + sum((o.value for o in valued if o.kind == "by_product"), ZERO),
            scrap_value=self.scrap_value
            + sum((o.value for o in valued if o.kind == "scrap"), ZERO),
            good_quantity=total_good,
            wip=self.wip - cost,
            completions=self.completions + 1,
            status="completed" if is_final else self.status,
        )
        kind = "final completion" if is_final else "completion"
        return CostingStep(state, lines.journal(kind, spec.work_order), cost, tuple(valued))

    def standard_variances(self) -> dict[tuple[str, str], Decimal]:
        """Every variance of the order as it stands (kind, code) -> amount; `other` (to the
        production variance account) is what WIP holds beyond the rest."""
        spec = self.spec
        assert spec.standard is not None
        found = variances(
            spec.standard,
            self.good_quantity,
            {
                item: ActualMaterial(m.net_quantity, m.net_value)
                for item, m in self.materials.items()
            },
            {
                wc: ActualCentre(h, *self.centre_costs.get(wc, (ZERO, ZERO)))
                for wc, h in self.hours.items()
            },
            spec.places,
        )
        already = sum(self.booked.values(), ZERO)
        other = self.wip + already - sum(found.values(), ZERO)
        if other != 0:
            found[("other", "")] = other
        return found

    def close(self, reason: str = "") -> CostingStep:
        """Close the work order: any WIP left goes to the production variance account (at
        standard: split into the variances, the rest to the production variance account)."""
        self.check_not_closed()
        left = self.wip
        if self.spec.standard is not None:
            return self._close_at_standard(reason)
        if left != 0 and (not isinstance(reason, str) or not reason.strip()):
            raise ProductionValidationError(
                "reason", f"{left} is left in WIP: give the reason it goes to variance"
            )
        accounts = self.spec.accounts
        lines = _Lines()
        lines.debit(accounts.variance, left, memo=reason)
        lines.credit(accounts.wip, left, memo=reason)
        state = replace(
            self,
            variance=self.variance + left,
            wip=ZERO,
            status="closed",
            close_reason=reason,
        )
        return CostingStep(state, lines.journal("close", self.spec.work_order), left)

    def _close_at_standard(self, reason: str) -> CostingStep:
        spec = self.spec
        left = self.wip
        short = self.status != "completed"
        if left != 0 and short and (not isinstance(reason, str) or not reason.strip()):
            raise ProductionValidationError(
                "reason",
                f"{left} is left in WIP of an order not completed: give the reason it goes to the "
                "variances",
            )
        wanted = self.standard_variances()
        now: list[tuple[str, str, str, Decimal]] = []
        booked = dict(self.booked)
        for key in sorted(set(wanted) | set(self.booked)):
            change = wanted.get(key, ZERO) - self.booked.get(key, ZERO)
            if change == 0:
                continue
            kind, code_ = key
            account = (
                spec.accounts.variance if kind == "other" else spec.variance_accounts.get(kind, "")
            )
            if not account:
                raise ProductionValidationError(
                    "variance_accounts", f"no account for the {kind.replace('_', ' ')} variance"
                )
            now.append((kind, code_, account, change))
            booked[key] = booked.get(key, ZERO) + change
        total = sum((x[3] for x in now), ZERO)
        assert total == left, (total, left)  # the split is exact by construction
        lines = _Lines()
        by_account: dict[str, Decimal] = {}
        for _, _, account, amount in now:
            by_account[account] = by_account.get(account, ZERO) + amount
        for account, amount in by_account.items():
            lines.debit(account, amount, memo="standard cost variance")
        lines.credit(spec.accounts.wip, left, memo=reason or "variances at close")
        state = replace(
            self,
            variance=self.variance + left,
            wip=ZERO,
            status="closed",
            close_reason=reason,
            booked={k: v for k, v in booked.items() if v != 0},
        )
        return CostingStep(state, lines.journal("close", spec.work_order), left, (), tuple(now))


def add_centre_costs(
    costs: Mapping[str, tuple[Decimal, Decimal]], centre: str, labour: Decimal, overhead: Decimal
) -> dict[str, tuple[Decimal, Decimal]]:
    out = dict(costs)
    before = out.get(centre, (ZERO, ZERO))
    out[centre] = (before[0] + labour, before[1] + overhead)
    return out


def costing_problems(state: WorkOrderCosting) -> list[str]:
    """Every way `state` breaks the costing invariants (empty when it holds)."""
    problems: list[str] = []
    if state.value_in - state.value_out != state.wip:
        problems.append(
            f"{state.spec.work_order}: value in {state.value_in} - value out "
            f"{state.value_out} != WIP {state.wip}"
        )
    if state.status == "closed" and state.wip != 0:
        problems.append(f"{state.spec.work_order}: closed with {state.wip} left in WIP")
    if state.status == "closed" and state.value_in != state.value_out:
        problems.append(
            f"{state.spec.work_order}: value in {state.value_in} != value out {state.value_out}"
        )
    for item, m in sorted(state.materials.items()):
        if m.net_quantity < 0:
            problems.append(f"{state.spec.work_order}: more {item} returned than issued")
        if m.net_quantity == 0 and m.net_value != 0:
            problems.append(f"{state.spec.work_order}: {m.net_value} left on {item}, none issued")
    return problems
