"""Aggregates of production: settings, work centres, the book of BOM versions, work orders.

A work order's state is a fold of its own events. Its costing state is the pure core's
`WorkOrderCosting`, advanced here with the amounts the events carry (never recomputed), so a
replay gives exactly what was posted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

from erp_core.kernel.aggregate import Aggregate
from erp_core.kernel.errors import NotFound, ValidationError
from erp_core.production.bom import BillOfMaterials, BomRegistry, ComponentLine, Operation
from erp_core.production.bom import SecondaryOutput as CoreOutput
from erp_core.production.costing import (
    CostingAccounts,
    MaterialBalance,
    WorkOrderCosting,
    WorkOrderSpec,
    add_centre_costs,
)
from erp_core.production.events import (
    BomVersionDefined,
    FinishedGoodsRecosted,
    IssueRecosted,
    MaterialIssued,
    MaterialReturned,
    PlannedPurchasesCreated,
    PlannedWorkOrdersCreated,
    ProductionConfigured,
    ProductionPlanCreated,
    ProgressReported,
    StandardCostingConfigured,
    StandardCostSet,
    StandardVariancesBooked,
    WorkCentreRatesChanged,
    WorkCentreRegistered,
    WorkOrderCancelled,
    WorkOrderClosed,
    WorkOrderCompleted,
    WorkOrderCreated,
    WorkOrderIssuesRecosted,
    WorkOrderPlanned,
    WorkOrderReleased,
)
from erp_core.production.standard import StandardCentre, StandardCost, StandardMaterial

ZERO = Decimal(0)
SETTINGS_STREAM = "settings:production"
BOMS_STREAM = "boms"


def work_centre_stream(code: str) -> str:
    return f"wc:{code}"


def work_order_stream(document: str) -> str:
    return f"wo:{document}"


def plan_stream(document: str) -> str:
    return f"pp:{document}"


def standard_stream(item: str) -> str:
    return f"std:{item}"


def standard_of(e: StandardCostSet) -> StandardCost:
    return StandardCost(
        e.item,
        e.unit_cost,
        e.bom_version,
        tuple(StandardMaterial(m.item, m.quantity, m.price) for m in e.materials),
        tuple(
            StandardCentre(c.work_centre, c.hours, c.labour_rate, c.overhead_rate)
            for c in e.centres
        ),
    )


class ItemStandard(Aggregate):
    """The standard cost of one item (the latest set or rolled up)."""

    cacheable = True

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.current: StandardCostSet | None = None

    def _on_set(self, e: StandardCostSet) -> None:
        self.current = e

    handlers = {StandardCostSet: _on_set}


class ProductionPlanDoc(Aggregate):
    """A stored production plan and which of its planned work orders became work orders."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.created: ProductionPlanCreated | None = None
        self.work_orders: dict[int, str] = {}
        self.purchases: dict[int, str] = {}  # plan line -> purchase plan

    def _on_created(self, e: ProductionPlanCreated) -> None:
        self.created = e

    def _on_converted(self, e: PlannedWorkOrdersCreated) -> None:
        self.work_orders.update(e.work_orders)

    def _on_purchases(self, e: PlannedPurchasesCreated) -> None:
        self.purchases.update(dict.fromkeys(e.lines, e.purchase_plan))

    handlers = {
        ProductionPlanCreated: _on_created,
        PlannedWorkOrdersCreated: _on_converted,
        PlannedPurchasesCreated: _on_purchases,
    }

    def info(self) -> ProductionPlanCreated:
        if self.created is None:
            raise NotFound(f"plan: unknown production plan {self.id.removeprefix('pp:')!r}")
        return self.created


class ProductionSettings(Aggregate):
    cacheable = True

    def __init__(self, stream: str = SETTINGS_STREAM) -> None:
        super().__init__(stream)
        self.configured: ProductionConfigured | None = None
        self.variance_accounts: dict[str, str] = {}  # standard costing, when configured

    def _on_configured(self, e: ProductionConfigured) -> None:
        self.configured = e

    def _on_standard(self, e: StandardCostingConfigured) -> None:
        self.variance_accounts = dict(e.accounts)

    handlers = {ProductionConfigured: _on_configured, StandardCostingConfigured: _on_standard}

    def check_configured(self) -> ProductionConfigured:
        if self.configured is None:
            raise ValidationError(
                "production",
                "production is not configured: apply configure_production (WIP and "
                "variance accounts) first",
            )
        return self.configured


class WorkCentre(Aggregate):
    cacheable = True

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.registered: WorkCentreRegistered | None = None

    def _on_registered(self, e: WorkCentreRegistered) -> None:
        self.registered = e

    def _on_rates(self, e: WorkCentreRatesChanged) -> None:
        assert self.registered is not None
        self.registered = self.registered.model_copy(
            update={"labour_rate": e.labour_rate, "overhead_rate": e.overhead_rate}
        )

    handlers = {WorkCentreRegistered: _on_registered, WorkCentreRatesChanged: _on_rates}

    def info(self, field: str = "work_centre") -> WorkCentreRegistered:
        """The work centre as registered, with its current rates."""
        if self.registered is None:
            raise NotFound(f"{field}: unknown work centre {self.id.removeprefix('wc:')!r}")
        return self.registered


def bom_of(e: BomVersionDefined) -> BillOfMaterials:
    return BillOfMaterials(
        item=e.item,
        version=e.version,
        output_quantity=e.output_quantity,
        components=tuple(ComponentLine(c.item, c.quantity, c.scrap_pct) for c in e.components),
        operations=tuple(Operation(o.work_centre, o.hours, o.name) for o in e.operations),
        outputs=tuple(
            CoreOutput(o.item, o.quantity, o.kind, o.cost_share_pct, o.fixed_value)
            for o in e.outputs
        ),
        process_loss_pct=e.process_loss_pct,
        phantom=e.phantom,
    )


class BomBook(Aggregate):
    """Every BOM version of the company: one stream, so a cycle check sees every BOM."""

    cacheable = True

    def __init__(self, stream: str = BOMS_STREAM) -> None:
        super().__init__(stream)
        self.registry = BomRegistry()

    def _on_defined(self, e: BomVersionDefined) -> None:
        # stored versions were checked when defined: append without checking again
        versions = dict(self.registry.versions)
        versions[e.item] = (*versions.get(e.item, ()), bom_of(e))
        self.registry = BomRegistry(versions)

    handlers = {BomVersionDefined: _on_defined}


Status = str  # draft, released, in_progress, completed, closed, cancelled


class WorkOrder(Aggregate):
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.created: WorkOrderCreated | None = None
        self.status: Status = "draft"
        self.costing: WorkOrderCosting | None = None
        # original issue: what came out of each bin, for returns to the same item
        self.issued_from: dict[str, set[str]] = {}
        # each issue line (voucher, line) -> (item, warehouse, value taken into WIP so far)
        self.issued_lines: dict[tuple[str, int], tuple[str, str, Decimal]] = {}
        self.planned: WorkOrderPlanned | None = None
        # finished-goods receipts: (voucher, line, warehouse) -> (quantity, value so far)
        self.receipts: dict[tuple[str, int, str], tuple[Decimal, Decimal]] = {}
        # by-products valued by a cost share, received with those receipts:
        # (voucher, line, warehouse) -> (item, quantity, value so far); they take their share
        # of a re-costing carried into finished goods (fixed-value outputs keep their value)
        self.shared_receipts: dict[tuple[str, int, str], tuple[str, Decimal, Decimal]] = {}
        self.closed_on: dt.date | None = None  # the date of its (latest) close

    # -- folding ---------------------------------------------------------------------------
    def _on_created(self, e: WorkOrderCreated) -> None:
        self.created = e
        self.status = "draft"
        self.costing = WorkOrderCosting.start(spec_for(e))

    def _on_planned(self, e: WorkOrderPlanned) -> None:
        self.planned = e
        if e.standard_unit_cost is not None and self.created is not None:
            spec = replace(
                spec_for(self.created),
                standard=StandardCost(
                    self.created.item,
                    e.standard_unit_cost,
                    self.created.bom_version,
                    tuple(
                        StandardMaterial(m.item, m.quantity, m.price) for m in e.standard_materials
                    ),
                    tuple(
                        StandardCentre(c.work_centre, c.hours, c.labour_rate, c.overhead_rate)
                        for c in e.standard_centres
                    ),
                ),
                variance_accounts=dict(e.variance_accounts),
            )
            self.costing = replace(self._state(), spec=spec)

    @property
    def at_standard(self) -> bool:
        return self.planned is not None and self.planned.standard_unit_cost is not None

    def _on_released(self, e: WorkOrderReleased) -> None:
        self.status = "released"

    def _state(self) -> WorkOrderCosting:
        assert self.costing is not None, "a work order's costing starts when it is created"
        return self.costing

    @property
    def state(self) -> WorkOrderCosting:
        self.info()
        return self._state()

    def _on_issued(self, e: MaterialIssued) -> None:
        state = self._state()
        materials = dict(state.materials)
        total = ZERO
        for i, line in enumerate(e.lines, start=1):
            self.issued_lines[(e.voucher, i)] = (line.item, line.warehouse, line.value)
            m = materials.get(line.item, MaterialBalance())
            materials[line.item] = replace(
                m,
                issued_quantity=m.issued_quantity + line.quantity,
                issued_value=m.issued_value + line.value,
            )
            total += line.value
            self.issued_from.setdefault(line.item, set()).add(line.warehouse)
        self.costing = replace(state, materials=materials, wip=state.wip + total)
        self.status = "in_progress"

    def _on_returned(self, e: MaterialReturned) -> None:
        state = self._state()
        materials = dict(state.materials)
        total = ZERO
        for line in e.lines:
            m = materials[line.item]
            materials[line.item] = replace(
                m,
                returned_quantity=m.returned_quantity + line.quantity,
                returned_value=m.returned_value + line.value,
            )
            total += line.value
        self.costing = replace(state, materials=materials, wip=state.wip - total)

    def _on_progress(self, e: ProgressReported) -> None:
        state = self._state()
        hours = dict(state.hours)
        hours[e.work_centre] = hours.get(e.work_centre, ZERO) + e.hours
        self.costing = replace(
            state,
            hours=hours,
            centre_costs=add_centre_costs(state.centre_costs, e.work_centre, e.labour, e.overhead),
            labour=state.labour + e.labour,
            overhead=state.overhead + e.overhead,
            wip=state.wip + e.labour + e.overhead,
        )
        if self.status == "released":
            self.status = "in_progress"

    def _on_completed(self, e: WorkOrderCompleted) -> None:
        for n, o in enumerate(e.outputs, start=1):
            if o.kind == "main":
                self.receipts[(e.voucher, n, e.warehouse)] = (o.quantity, o.value)
        state = self._state()
        shared = {o.item for o in state.spec.outputs if o.cost_share_pct is not None}
        for n, o in enumerate(e.outputs, start=1):
            if o.kind == "by_product" and o.item in shared:
                self.shared_receipts[(e.voucher, n, e.warehouse)] = (o.item, o.quantity, o.value)
        main = sum((o.value for o in e.outputs if o.kind == "main"), ZERO)
        by_products = sum((o.value for o in e.outputs if o.kind == "by_product"), ZERO)
        scrap = sum((o.value for o in e.outputs if o.kind == "scrap"), ZERO)
        self.costing = replace(
            state,
            finished_goods_value=state.finished_goods_value + main,
            by_product_value=state.by_product_value + by_products,
            scrap_value=state.scrap_value + scrap,
            good_quantity=state.good_quantity + e.quantity,
            wip=state.wip - e.value,
            completions=state.completions + 1,
            status="completed" if e.final else state.status,
        )
        self.status = "completed" if e.final else "in_progress"

    def recosted(self, lines: tuple[IssueRecosted, ...]) -> WorkOrderCosting:
        """The costing with these re-costings of issues taken in (nothing changes)."""
        state = self._state()
        if not lines:
            return state
        materials = dict(state.materials)
        total = ZERO
        for x in lines:
            m = materials[x.item]
            materials[x.item] = replace(m, issued_value=m.issued_value + x.delta)
            total += x.delta
        # a closed order's re-costing stays in WIP until it is closed again (to variance)
        status = "completed" if state.status == "closed" else state.status
        return replace(state, materials=materials, wip=state.wip + total, status=status)

    def _on_recosted(self, e: WorkOrderIssuesRecosted) -> None:
        for x in e.lines:
            item, warehouse, value = self.issued_lines[(x.voucher, x.line)]
            self.issued_lines[(x.voucher, x.line)] = (item, warehouse, value + x.delta)
        self.costing = self.recosted(e.lines)

    def _on_closed(self, e: WorkOrderClosed) -> None:
        self.closed_on = e.date
        state = self._state()
        self.costing = replace(
            state,
            variance=state.variance + e.variance,
            wip=state.wip - e.variance,
            status="closed",
            close_reason=e.reason or "",
        )
        self.status = "closed"

    def _on_cancelled(self, e: WorkOrderCancelled) -> None:
        self.status = "cancelled"

    def _on_variances(self, e: StandardVariancesBooked) -> None:
        state = self._state()
        booked = dict(state.booked)
        for x in e.lines:
            key = (x.kind, x.code)
            booked[key] = booked.get(key, ZERO) + x.amount
        self.costing = replace(state, booked={k: v for k, v in booked.items() if v != 0})

    def _on_fg_recosted(self, e: FinishedGoodsRecosted) -> None:
        state = self._state()
        total = by_products = ZERO
        for x in e.lines:
            for key, (qty, value) in self.receipts.items():
                if key[:2] == (x.voucher, x.line):
                    self.receipts[key] = (qty, value + x.delta)
            for key, (item, qty, value) in self.shared_receipts.items():
                if key[:2] == (x.voucher, x.line):
                    self.shared_receipts[key] = (item, qty, value + x.delta)
                    by_products += x.delta
            total += x.delta
        self.costing = replace(
            state,
            finished_goods_value=state.finished_goods_value + total - by_products,
            by_product_value=state.by_product_value + by_products,
            wip=state.wip - total,
            status="closed" if self.status == "closed" else state.status,
        )

    handlers = {
        WorkOrderCreated: _on_created,
        WorkOrderReleased: _on_released,
        MaterialIssued: _on_issued,
        MaterialReturned: _on_returned,
        ProgressReported: _on_progress,
        WorkOrderCompleted: _on_completed,
        WorkOrderIssuesRecosted: _on_recosted,
        WorkOrderClosed: _on_closed,
        WorkOrderCancelled: _on_cancelled,
        WorkOrderPlanned: _on_planned,
        StandardVariancesBooked: _on_variances,
        FinishedGoodsRecosted: _on_fg_recosted,
    }

    # -- checks ----------------------------------------------------------------------------
    def info(self) -> WorkOrderCreated:
        if self.created is None:
            raise NotFound(f"work_order: unknown work order {self.id.removeprefix('wo:')!r}")
        return self.created

    def check_status(self, allowed: tuple[str, ...], doing: str) -> None:
        info = self.info()
        if self.status not in allowed:
            raise ValidationError(
                "work_order",
                f"work order {info.document} is {self.status.replace('_', ' ')}: cannot {doing} "
                f"(only when {' or '.join(s.replace('_', ' ') for s in allowed)})",
            )

    def check_date(self, date: object) -> None:
        info = self.info()
        if isinstance(date, type(info.date)) and date < info.date:
            raise ValidationError(
                "date", f"{date} is before work order {info.document} was created ({info.date})"
            )


def spec_for(created: WorkOrderCreated) -> WorkOrderSpec:
    """The costing spec of a work order: its BOM version's outputs and the company's accounts."""
    inventory = created.inventory_account
    return WorkOrderSpec(
        work_order=created.document,
        item=created.item,
        planned_quantity=created.quantity,
        outputs=tuple(
            CoreOutput(o.item, o.quantity, o.kind, o.cost_share_pct, o.fixed_value)
            for o in created.outputs
        ),
        accounts=CostingAccounts(
            wip=created.wip_account,
            raw_materials=inventory,
            finished_goods=inventory,
            by_products=inventory,
            scrap=inventory,
            variance=created.variance_account,
        ),
        overproduction_pct=created.overproduction_pct,
        places=created.places,
    )
