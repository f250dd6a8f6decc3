"""Aggregates of production: settings, work centres, the book of BOM versions, work orders.

A work order's state is a fold of its own events. Its costing state is the pure core's
`WorkOrderCosting`, advanced here with the amounts the events carry (never recomputed), so a
replay gives exactly what was posted.
"""

from __future__ import annotations

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
)
from erp_core.production.events import (
    BomVersionDefined,
    IssueRecosted,
    MaterialIssued,
    MaterialReturned,
    PlannedWorkOrdersCreated,
    ProductionConfigured,
    ProductionPlanCreated,
    ProgressReported,
    WorkCentreRegistered,
    WorkOrderCancelled,
    WorkOrderClosed,
    WorkOrderCompleted,
    WorkOrderCreated,
    WorkOrderIssuesRecosted,
    WorkOrderReleased,
)

ZERO = Decimal(0)
SETTINGS_STREAM = "settings:production"
BOMS_STREAM = "boms"


def work_centre_stream(code: str) -> str:
    return f"wc:{code}"


def work_order_stream(document: str) -> str:
    return f"wo:{document}"


def plan_stream(document: str) -> str:
    return f"pp:{document}"


class ProductionPlanDoc(Aggregate):
    """A stored production plan and which of its planned work orders became work orders."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.created: ProductionPlanCreated | None = None
        self.work_orders: dict[int, str] = {}

    def _on_created(self, e: ProductionPlanCreated) -> None:
        self.created = e

    def _on_converted(self, e: PlannedWorkOrdersCreated) -> None:
        self.work_orders.update(e.work_orders)

    handlers = {ProductionPlanCreated: _on_created, PlannedWorkOrdersCreated: _on_converted}

    def info(self) -> ProductionPlanCreated:
        if self.created is None:
            raise NotFound(f"plan: unknown production plan {self.id.removeprefix('pp:')!r}")
        return self.created


class ProductionSettings(Aggregate):
    cacheable = True

    def __init__(self, stream: str = SETTINGS_STREAM) -> None:
        super().__init__(stream)
        self.configured: ProductionConfigured | None = None

    def _on_configured(self, e: ProductionConfigured) -> None:
        self.configured = e

    handlers = {ProductionConfigured: _on_configured}

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

    handlers = {WorkCentreRegistered: _on_registered}

    def info(self, field: str = "work_centre") -> WorkCentreRegistered:
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

    # -- folding ---------------------------------------------------------------------------
    def _on_created(self, e: WorkOrderCreated) -> None:
        self.created = e
        self.status = "draft"
        self.costing = WorkOrderCosting.start(spec_for(e))

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
            labour=state.labour + e.labour,
            overhead=state.overhead + e.overhead,
            wip=state.wip + e.labour + e.overhead,
        )
        if self.status == "released":
            self.status = "in_progress"

    def _on_completed(self, e: WorkOrderCompleted) -> None:
        state = self._state()
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
