"""Production plans: MRP netting over what the log knows at write time, stored as an event.

`create_production_plan` gathers its inputs from the aggregates (never from projections):
demand entered on the action and/or the undelivered lines of confirmed sales orders due in the
period; stock on hand from every stock bin of the items the demand reaches through the BOMs;
the quantity still to come from open work orders (draft, released, in progress: planned less
good received) and open purchase orders (draft, approved, partly received: ordered less
accepted); and, as reserved stock, the components open work orders still need (their BOM
requirement less what was issued net of returns). The pure `plan_production` nets them; the
plan (inputs, the netting rows and the planned orders) is stored under a gapless `PP` number,
so a report reads exactly what was decided, whatever happened since.

`create_work_orders_from_plan` turns planned work orders into work orders through the ordinary
`create_work_order` logic (same checks, `WO` numbers), each planned line at most once.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import TypeVar

from erp_core.inventory.bins import StockBin, bin_stream, check_quantity
from erp_core.inventory.events import StockBinOpened
from erp_core.inventory.stock import check_warehouse, item_of
from erp_core.kernel.context import Context
from erp_core.kernel.errors import ValidationError
from erp_core.kernel.events import DomainEvent
from erp_core.kernel.registry import handles
from erp_core.ledger.posting import company_of, next_document
from erp_core.procurement.documents import PurchaseOrder
from erp_core.procurement.events import PurchaseOrderCreated
from erp_core.production import bom as core_bom
from erp_core.production import planning
from erp_core.production.aggregates import (
    BOMS_STREAM,
    BomBook,
    ProductionPlanDoc,
    WorkOrder,
    plan_stream,
    work_order_stream,
)
from erp_core.production.commands import (
    CreateProductionPlan,
    CreateWorkOrder,
    CreateWorkOrdersFromPlan,
)
from erp_core.production.events import (
    PlanDemand,
    PlannedOrderLine,
    PlannedWorkOrdersCreated,
    PlanPolicy,
    PlanRow,
    PlanSupply,
    ProductionPlanCreated,
    WorkOrderCreated,
)
from erp_core.production.handlers import core_rules, create_work_order
from erp_core.sales.documents import SalesOrder, order_stream
from erp_core.sales.events import SalesOrderCreated

ZERO = Decimal(0)
E = TypeVar("E", bound=DomainEvent)
OPEN_WORK_ORDER = ("draft", "released", "in_progress")
OPEN_PURCHASE_ORDER = ("draft", "approved", "partly_received")
OPEN_SALES_ORDER = ("confirmed", "partly_delivered")


def _known(ctx: Context, cls: type[E]) -> Iterator[E]:
    """Events of `cls` in the log, then those recorded earlier in this save (a batch)."""
    for e in ctx.stored(cls):
        assert isinstance(e, cls)
        yield e
    for agg in list(ctx.uow.touched.values()):
        for _, e in agg.pending:
            if isinstance(e, cls):
                yield e


def _sales_demand(cmd: CreateProductionPlan, ctx: Context) -> list[PlanDemand]:
    out: list[PlanDemand] = []
    for e in _known(ctx, SalesOrderCreated):
        if not cmd.start <= e.delivery_date <= cmd.end:
            continue
        order = ctx.uow.get(SalesOrder, order_stream(e.document))
        if order.status not in OPEN_SALES_ORDER:
            continue
        for number, line in order.lines():
            left = line.quantity - order.delivered.get(number, ZERO)
            if left > 0:
                out.append(
                    PlanDemand(
                        item=line.item,
                        quantity=left,
                        wanted=e.delivery_date,
                        reference=f"{e.document}/{number}",
                    )
                )
    return out


def _supply(ctx: Context, items: set[str]) -> list[PlanSupply]:
    uow = ctx.uow
    out: list[PlanSupply] = []
    for opened in _known(ctx, StockBinOpened):
        if opened.item not in items:
            continue
        on_hand = uow.get(StockBin, bin_stream(opened.item, opened.warehouse)).on_hand
        if on_hand > 0:
            out.append(
                PlanSupply(
                    item=opened.item, source="stock", reference=opened.warehouse, quantity=on_hand
                )
            )
    registry = uow.get(BomBook, BOMS_STREAM).registry
    for wo_created in _known(ctx, WorkOrderCreated):
        wo = uow.get(WorkOrder, work_order_stream(wo_created.document))
        if wo.status not in OPEN_WORK_ORDER:
            continue
        state = wo.state
        if wo_created.item in items:
            left = wo_created.quantity - state.good_quantity
            if left > 0:
                out.append(
                    PlanSupply(
                        item=wo_created.item,
                        source="work_order",
                        reference=wo_created.document,
                        quantity=left,
                    )
                )
        bom = registry.version(wo_created.item, wo_created.bom_version)
        for comp in bom.components:
            if comp.item not in items:
                continue
            needed = core_bom.round_up(bom.component_requirement(comp, wo_created.quantity))
            balance = state.materials.get(comp.item)
            still = needed - (balance.net_quantity if balance else ZERO)
            if still > 0:
                out.append(
                    PlanSupply(
                        item=comp.item,
                        source="allocated",
                        reference=wo_created.document,
                        quantity=still,
                    )
                )
    for po_created in _known(ctx, PurchaseOrderCreated):
        po = uow.get(PurchaseOrder, f"po:{po_created.document}")
        if po.status not in OPEN_PURCHASE_ORDER:
            continue
        for number, line in po.lines():
            left = line.quantity - po.received.get(number, ZERO)
            if line.item in items and left > 0:
                out.append(
                    PlanSupply(
                        item=line.item,
                        source="purchase_order",
                        reference=f"{po_created.document}/{number}",
                        quantity=left,
                    )
                )
    return out


@handles(CreateProductionPlan)
def create_production_plan(cmd: CreateProductionPlan, ctx: Context) -> list[str]:
    uow = ctx.uow
    company_of(uow)
    if cmd.end < cmd.start:
        raise ValidationError("end", f"the period ends ({cmd.end}) before it starts ({cmd.start})")
    demand: list[PlanDemand] = []
    for i, line in enumerate(cmd.demand):
        where = f"demand[{i}]"
        item_of(uow, line.item, f"{where}.item")
        check_quantity(line.quantity, f"{where}.quantity")
        if not cmd.start <= line.wanted <= cmd.end:
            raise ValidationError(
                f"{where}.wanted",
                f"{line.wanted} is outside the plan's period {cmd.start} to {cmd.end}",
            )
        demand.append(
            PlanDemand(
                item=line.item,
                quantity=line.quantity,
                wanted=line.wanted,
                reference=line.reference or "entered",
            )
        )
    if cmd.from_sales_orders:
        demand.extend(_sales_demand(cmd, ctx))
    if not demand:
        raise ValidationError(
            "demand",
            "nothing to plan: enter demand lines or take them from open sales orders "
            f"(from_sales_orders) due between {cmd.start} and {cmd.end}",
        )
    policies: list[planning.ItemPolicy] = []
    for i, p in enumerate(cmd.policies):
        item_of(uow, p.item, f"policies[{i}].item")
        for name in ("min_lot", "lot_multiple"):
            value = getattr(p, name)
            if value:
                check_quantity(value, f"policies[{i}].{name}")
        with core_rules():
            policies.append(
                planning.ItemPolicy(p.item, p.lead_time_days, p.min_lot, p.lot_multiple)
            )
    registry = uow.get(BomBook, BOMS_STREAM).registry
    with core_rules():
        lines = [planning.DemandLine(d.item, d.quantity, d.wanted, d.reference) for d in demand]
        reach = set(planning.low_level_codes(registry, dict.fromkeys(d.item for d in demand)))
    supply = _supply(ctx, reach)
    stock: list[planning.StockPosition] = []
    open_orders: list[planning.OpenOrder] = []
    for s in supply:
        if s.source == "stock":
            stock.append(planning.StockPosition(s.item, on_hand=s.quantity))
        elif s.source == "allocated":
            stock.append(planning.StockPosition(s.item, reserved=s.quantity))
        else:
            open_orders.append(planning.OpenOrder(s.item, s.quantity, s.source, s.reference))
    with core_rules():
        plan = planning.plan_production(
            lines,
            registry,
            stock=stock,
            open_orders=open_orders,
            policies=policies,
            today=cmd.date,
        )
    orders = [
        PlannedOrderLine(
            line=n,
            kind=o.kind,
            item=o.item,
            quantity=o.quantity,
            due=o.due,
            start=o.start,
            shortage=o.shortage,
            bom_version=o.bom_version,
            late=o.late,
        )
        for n, o in enumerate((*plan.work_orders, *plan.purchases), start=1)
    ]
    document = next_document(uow, "PP", cmd.date, ctx.actor, ctx.now)
    uow.get(ProductionPlanDoc, plan_stream(document)).trigger(
        ctx.event(
            ProductionPlanCreated,
            document=document,
            date=cmd.date,
            start=cmd.start,
            end=cmd.end,
            demand=tuple(demand),
            supply=tuple(supply),
            policies=tuple(
                PlanPolicy(
                    item=p.item,
                    lead_time_days=p.lead_time_days,
                    min_lot=p.min_lot,
                    lot_multiple=p.lot_multiple,
                )
                for p in policies
            ),
            rows=tuple(
                PlanRow(
                    item=r.item,
                    low_level_code=r.low_level_code,
                    kind=r.kind,
                    gross=r.gross,
                    on_hand=r.on_hand,
                    on_order=r.on_order,
                    reserved=r.reserved,
                    available=r.available,
                    net=r.net,
                    planned=r.planned,
                    projected_end=r.projected_end,
                )
                for r in plan.rows
            ),
            orders=tuple(orders),
            memo=cmd.memo,
        )
    )
    return [document]


@handles(CreateWorkOrdersFromPlan)
def create_work_orders_from_plan(cmd: CreateWorkOrdersFromPlan, ctx: Context) -> list[str]:
    uow = ctx.uow
    doc = uow.get(ProductionPlanDoc, plan_stream(cmd.plan))
    plan = doc.info()
    check_warehouse(uow, cmd.warehouse, "warehouse")
    make = {o.line: o for o in plan.orders if o.kind == "make"}
    if cmd.lines is None:
        chosen = [n for n in sorted(make) if n not in doc.work_orders]
        if not chosen:
            raise ValidationError(
                "plan", f"plan {cmd.plan} has no planned work order left to create"
            )
    else:
        chosen = []
        for i, n in enumerate(cmd.lines):
            if n not in make:
                raise ValidationError(
                    f"lines[{i}]", f"line {n} of plan {cmd.plan} is not a planned work order"
                )
            if n in doc.work_orders:
                raise ValidationError(
                    f"lines[{i}]",
                    f"line {n} of plan {cmd.plan} is already work order {doc.work_orders[n]}",
                )
            if n in chosen:
                raise ValidationError(f"lines[{i}]", f"line {n} is given twice")
            chosen.append(n)
    if cmd.date < plan.date:
        raise ValidationError("date", f"{cmd.date} is before plan {cmd.plan} ({plan.date})")
    created: dict[int, str] = {}
    for n in chosen:
        o = make[n]
        (number,) = create_work_order(
            CreateWorkOrder(
                date=cmd.date,
                item=o.item,
                quantity=o.quantity,
                warehouse=cmd.warehouse,
                bom_version=o.bom_version,
                due=max(o.due, cmd.date),
                memo=f"{cmd.plan} line {n}",
            ),
            ctx,
        )
        created[n] = number
    doc.trigger(
        ctx.event(PlannedWorkOrdersCreated, document=cmd.plan, date=cmd.date, work_orders=created)
    )
    return list(created.values())
