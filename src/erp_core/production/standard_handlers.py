"""Standard costing, work-centre rate changes, re-costing completed orders, and a production
plan's purchases handed to procurement's purchase plan."""

from __future__ import annotations

from decimal import Decimal

from erp_core.inventory.stock import item_of
from erp_core.kernel.context import Context
from erp_core.kernel.errors import ValidationError
from erp_core.kernel.registry import handles
from erp_core.ledger.posting import chart_of, check_period, company_of, next_number
from erp_core.procurement.documents import PurchasePlan
from erp_core.procurement.events import PlanLine, PurchasePlanCreated
from erp_core.production import standard as core_std
from erp_core.production.aggregates import (
    BOMS_STREAM,
    SETTINGS_STREAM,
    BomBook,
    ItemStandard,
    ProductionPlanDoc,
    ProductionSettings,
    WorkCentre,
    plan_stream,
    standard_stream,
    work_centre_stream,
)
from erp_core.production.commands import (
    ChangeWorkCentreRates,
    CloseWorkOrder,
    ConfigureStandardCosting,
    CreatePurchasePlanFromProductionPlan,
    RecostWorkOrder,
    RollUpStandardCost,
    SetStandardCost,
)
from erp_core.production.events import (
    PlannedPurchasesCreated,
    StandardCentreLine,
    StandardCostingConfigured,
    StandardCostSet,
    StandardMaterialLine,
    WorkCentreRatesChanged,
)
from erp_core.production.handlers import (
    _non_negative,
    close_work_order,
    core_rules,
    pending_recostings,
    settings_of,
    work_order_of,
)

ZERO = Decimal(0)

KIND_FIELDS = {kind: f"{kind}_account" for kind in core_std.VARIANCE_KINDS}


@handles(ConfigureStandardCosting)
def configure_standard_costing(cmd: ConfigureStandardCosting, ctx: Context) -> list[str]:
    uow = ctx.uow
    base = company_of(uow).base_currency
    settings = settings_of(uow)
    chart = chart_of(uow)
    accounts: dict[str, str] = {}
    for kind, field in KIND_FIELDS.items():
        code = getattr(cmd, field)
        chart.check_postable(code, base, field)
        if code == settings.wip_account:
            raise ValidationError(field, f"{code!r} is the WIP account")
        accounts[kind] = code
    uow.get(ProductionSettings, SETTINGS_STREAM).trigger(
        ctx.event(StandardCostingConfigured, accounts=accounts)
    )
    return []


def _check_unit_cost(value: Decimal, field: str) -> None:
    _non_negative(value, field, core_std.UNIT_PLACES)


@handles(SetStandardCost)
def set_standard_cost(cmd: SetStandardCost, ctx: Context) -> list[str]:
    uow = ctx.uow
    company_of(uow)
    item_of(uow, cmd.item, "item")
    _check_unit_cost(cmd.unit_cost, "unit_cost")
    if uow.get(BomBook, BOMS_STREAM).registry.latest(cmd.item) is not None:
        raise ValidationError(
            "item",
            f"{cmd.item} is made in-house (it has a bill of materials): roll its standard up "
            "from the BOM (roll_up_standard_cost)",
        )
    uow.get(ItemStandard, standard_stream(cmd.item)).trigger(
        ctx.event(StandardCostSet, item=cmd.item, date=cmd.date, unit_cost=cmd.unit_cost)
    )
    return []


@handles(RollUpStandardCost)
def roll_up_standard_cost(cmd: RollUpStandardCost, ctx: Context) -> list[str]:
    uow = ctx.uow
    company_of(uow)
    item_of(uow, cmd.item, "item")
    if not uow.get(ProductionSettings, SETTINGS_STREAM).variance_accounts:
        raise ValidationError(
            "item", "standard costing is not configured: apply configure_standard_costing first"
        )
    registry = uow.get(BomBook, BOMS_STREAM).registry
    if registry.latest(cmd.item) is None:
        raise ValidationError(
            "item", f"{cmd.item} has no bill of materials: set a bought item's standard cost"
        )
    # made items below (and including) the item, children before parents
    order: list[str] = []

    def visit(item: str) -> None:
        bom = registry.latest(item)
        if bom is None or item in order:
            return
        for c in bom.components:
            visit(c.item)
        order.append(item)

    visit(cmd.item)
    prices: dict[str, Decimal] = {}
    rolled: list[core_std.StandardCost] = []
    for item in order:
        bom = registry.latest(item)
        assert bom is not None
        for c in bom.components:
            if c.item not in prices and registry.latest(c.item) is None:
                found = uow.get(ItemStandard, standard_stream(c.item)).current
                if found is not None:
                    prices[c.item] = found.unit_cost
        rates: dict[str, tuple[Decimal, Decimal]] = {}
        for op in bom.operations:
            centre = uow.get(WorkCentre, work_centre_stream(op.work_centre)).info()
            rates[op.work_centre] = (centre.labour_rate, centre.overhead_rate)
        with core_rules():
            std = core_std.roll_up(bom, prices, rates)
        prices[item] = std.unit_cost
        rolled.append(std)
    for std in rolled:
        uow.get(ItemStandard, standard_stream(std.item)).trigger(
            ctx.event(
                StandardCostSet,
                item=std.item,
                date=cmd.date,
                unit_cost=std.unit_cost,
                bom_version=std.bom_version,
                materials=tuple(
                    StandardMaterialLine(item=m.item, quantity=m.quantity, price=m.price)
                    for m in std.materials
                ),
                centres=tuple(
                    StandardCentreLine(
                        work_centre=c.work_centre,
                        hours=c.hours,
                        labour_rate=c.labour_rate,
                        overhead_rate=c.overhead_rate,
                    )
                    for c in std.centres
                ),
            )
        )
    return []


@handles(ChangeWorkCentreRates)
def change_work_centre_rates(cmd: ChangeWorkCentreRates, ctx: Context) -> list[str]:
    wc = ctx.uow.get(WorkCentre, work_centre_stream(cmd.code))
    wc.info("code")
    _non_negative(cmd.labour_rate, "labour_rate")
    _non_negative(cmd.overhead_rate, "overhead_rate")
    wc.trigger(
        ctx.event(
            WorkCentreRatesChanged,
            code=cmd.code,
            date=cmd.date,
            labour_rate=cmd.labour_rate,
            overhead_rate=cmd.overhead_rate,
        )
    )
    return []


@handles(RecostWorkOrder)
def recost_work_order(cmd: RecostWorkOrder, ctx: Context) -> list[str]:
    uow = ctx.uow
    company_of(uow)
    wo = work_order_of(uow, cmd.work_order)
    if wo.status not in ("completed", "closed"):
        wo.check_status(
            ("completed", "closed"),
            "carry re-costings into its finished goods (its next "
            "issue, report or receipt takes them into WIP)",
        )
    wo.check_date(cmd.date)
    recostings = pending_recostings(ctx, wo)
    state = wo.recosted(recostings)
    if state.wip == 0:
        raise ValidationError(
            "work_order", f"work order {cmd.work_order} has nothing to re-cost (its WIP is 0.00)"
        )
    if wo.at_standard:
        # finished goods stay at standard: the change goes to the variances
        if wo.status == "closed":
            return close_work_order(
                CloseWorkOrder(
                    work_order=cmd.work_order,
                    date=cmd.date,
                    reason="re-costed issues after close",
                ),
                ctx,
            )
        raise ValidationError(
            "work_order",
            f"work order {cmd.work_order} is made at standard: its finished goods stay at "
            "standard and the re-costing goes to the variances when it is closed",
        )
    check_period(uow, cmd.date)
    if not any(q > 0 for q, _ in wo.receipts.values()):
        raise ValidationError(
            "work_order", f"work order {cmd.work_order} received no finished goods to re-cost"
        )
    from erp_core.production.carry import carry_into_finished_goods

    return carry_into_finished_goods(ctx, wo, cmd.date, recostings)


@handles(CreatePurchasePlanFromProductionPlan)
def create_purchase_plan_from_production_plan(
    cmd: CreatePurchasePlanFromProductionPlan, ctx: Context
) -> list[str]:
    uow = ctx.uow
    doc = uow.get(ProductionPlanDoc, plan_stream(cmd.plan))
    plan = doc.info()
    buy = {o.line: o for o in plan.orders if o.kind == "buy"}
    if cmd.lines is None:
        chosen = [n for n in sorted(buy) if n not in doc.purchases]
        if not chosen:
            raise ValidationError("plan", f"plan {cmd.plan} has no planned purchase left to plan")
    else:
        chosen = []
        for i, n in enumerate(cmd.lines):
            if n not in buy:
                raise ValidationError(
                    f"lines[{i}]", f"line {n} of plan {cmd.plan} is not a planned purchase"
                )
            if n in doc.purchases:
                raise ValidationError(
                    f"lines[{i}]",
                    f"line {n} of plan {cmd.plan} is already in purchase plan {doc.purchases[n]}",
                )
            if n in chosen:
                raise ValidationError(f"lines[{i}]", f"line {n} is given twice")
            chosen.append(n)
    if cmd.date < plan.date:
        raise ValidationError("date", f"{cmd.date} is before plan {cmd.plan} ({plan.date})")
    lines = [
        PlanLine(
            item=buy[n].item,
            quantity=buy[n].quantity,
            quality_standard=None,
            wanted_by=max(buy[n].due, cmd.date),
        )
        for n in chosen
    ]
    document = next_number(ctx, "PP", cmd.date)
    purchase = PurchasePlan(f"plan:{document}")
    purchase.trigger(
        ctx.event(
            PurchasePlanCreated,
            document=document,
            date=cmd.date,
            title=cmd.title or f"Purchases of production plan {cmd.plan}",
            lines=tuple(lines),
        )
    )
    uow.add(purchase)
    doc.trigger(
        ctx.event(
            PlannedPurchasesCreated,
            document=cmd.plan,
            date=cmd.date,
            purchase_plan=document,
            lines=tuple(chosen),
        )
    )
    return [document]
