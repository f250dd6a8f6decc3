"""Production actions: settings, work centres, BOM versions, and the work-order lifecycle.

Every handler checks everything first (master data, state, quantities, the stock it takes,
accounts and the period) on planned copies, then records: the bins' movements, the journal
voucher and the work order's event, in one save. Amounts come from the pure costing core
(`production.costing`) and travel in the events; the work order only adds them up.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from erp_core.inventory.bins import (
    Item,
    StockBin,
    bin_stream,
    check_code,
    check_quantity,
    item_stream,
)
from erp_core.inventory.stock import StockPlanner, check_warehouse, finish, item_of
from erp_core.kernel.context import Context
from erp_core.kernel.errors import ValidationError
from erp_core.kernel.money import MINOR_UNITS
from erp_core.kernel.registry import handles
from erp_core.kernel.unit_of_work import UnitOfWork
from erp_core.ledger.events import PostedLine
from erp_core.ledger.posting import (
    chart_of,
    check_period,
    company_of,
    gl,
    next_document,
    placeholder,
    plain,
    post,
)
from erp_core.production import bom as core_bom
from erp_core.production import costing as core
from erp_core.production.aggregates import (
    BOMS_STREAM,
    SETTINGS_STREAM,
    BomBook,
    ItemStandard,
    ProductionSettings,
    WorkCentre,
    WorkOrder,
    standard_stream,
    work_centre_stream,
    work_order_stream,
)
from erp_core.production.commands import (
    CancelWorkOrder,
    CloseWorkOrder,
    CompleteWorkOrder,
    ConfigureProduction,
    CreateWorkOrder,
    DefineBom,
    IssueToWorkOrder,
    RegisterWorkCentre,
    ReleaseWorkOrder,
    ReportProgress,
    ReturnFromWorkOrder,
)
from erp_core.production.errors import ProductionError, ProductionValidationError
from erp_core.production.events import (
    BomComponent,
    BomOperation,
    BomOutput,
    BomVersionDefined,
    IssueRecosted,
    MaterialIssued,
    MaterialLine,
    MaterialReturned,
    OutputLine,
    PlannedHours,
    PlannedMaterial,
    ProductionConfigured,
    ProgressReported,
    StandardVariancesBooked,
    VarianceLine,
    WorkCentreRegistered,
    WorkOrderCancelled,
    WorkOrderClosed,
    WorkOrderCompleted,
    WorkOrderCreated,
    WorkOrderIssuesRecosted,
    WorkOrderPlanned,
    WorkOrderReleased,
)

ZERO = Decimal(0)
HUNDRED = Decimal(100)
RATE_PLACES = 6


@contextmanager
def core_rules(field_prefix: str = "") -> Iterator[None]:
    """The pure core's refusals, as the kernel's `ValidationError(field, reason)`."""
    try:
        yield
    except ProductionValidationError as exc:
        field = f"{field_prefix}{exc.field}" if field_prefix else exc.field
        raise ValidationError(field, exc.reason) from None
    except ProductionError as exc:
        raise ValidationError("work_order", exc.message) from None


def _non_negative(value: Decimal, field: str, places: int = RATE_PLACES) -> None:
    if value < 0:
        raise ValidationError(field, "must not be negative")
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        raise ValidationError(field, f"at most {places} decimal places")


def _percent(value: Decimal, field: str) -> None:
    _non_negative(value, field, 4)
    if value > HUNDRED:
        raise ValidationError(field, "must be at most 100")


def settings_of(uow: UnitOfWork) -> ProductionConfigured:
    return uow.get(ProductionSettings, SETTINGS_STREAM).check_configured()


def work_order_of(uow: UnitOfWork, document: str) -> WorkOrder:
    wo = uow.get(WorkOrder, work_order_stream(document))
    wo.info()
    return wo


def _posted(journal: core.Journal, currency: str, wip: str) -> list[PostedLine]:
    out: list[PostedLine] = []
    for line in journal.lines:
        memo = f"{journal.work_order} {line.memo}" + (f" {line.item}" if line.item else "")
        out.append(
            gl(
                line.account,
                line.debit - line.credit,
                currency,
                memo,
                party=journal.work_order if line.account == wip else None,
            )
        )
    return out


# --- settings and master data ----------------------------------------------------------------


@handles(ConfigureProduction)
def configure_production(cmd: ConfigureProduction, ctx: Context) -> list[str]:
    uow = ctx.uow
    base = company_of(uow).base_currency
    chart = chart_of(uow)
    wip = chart.check_postable(cmd.wip_account, base, "wip_account")
    if wip.type != "asset":
        raise ValidationError(
            "wip_account", f"account {cmd.wip_account!r} is a {wip.type} account, WIP is an asset"
        )
    chart.check_postable(cmd.variance_account, base, "variance_account")
    if cmd.variance_account == cmd.wip_account:
        raise ValidationError("variance_account", "must differ from the WIP account")
    _percent(cmd.overproduction_pct, "overproduction_pct")
    uow.get(ProductionSettings, SETTINGS_STREAM).trigger(
        ctx.event(
            ProductionConfigured,
            wip_account=cmd.wip_account,
            variance_account=cmd.variance_account,
            overproduction_pct=cmd.overproduction_pct,
        )
    )
    return []


@handles(RegisterWorkCentre)
def register_work_centre(cmd: RegisterWorkCentre, ctx: Context) -> list[str]:
    uow = ctx.uow
    base = company_of(uow).base_currency
    settings = settings_of(uow)
    check_code("work centre", cmd.code)
    chart = chart_of(uow)
    for field in ("labour_account", "overhead_account"):
        code = getattr(cmd, field)
        chart.check_postable(code, base, field)
        if code in (settings.wip_account, settings.variance_account):
            raise ValidationError(field, f"{code!r} is the WIP or variance account")
    _non_negative(cmd.labour_rate, "labour_rate")
    _non_negative(cmd.overhead_rate, "overhead_rate")
    wc = uow.get(WorkCentre, work_centre_stream(cmd.code))
    if wc.registered is not None:
        raise ValidationError("code", f"work centre {cmd.code!r} already exists")
    wc.trigger(
        ctx.event(
            WorkCentreRegistered,
            code=cmd.code,
            name=cmd.name,
            labour_rate=cmd.labour_rate,
            overhead_rate=cmd.overhead_rate,
            labour_account=cmd.labour_account,
            overhead_account=cmd.overhead_account,
        )
    )
    return []


@handles(DefineBom)
def define_bom(cmd: DefineBom, ctx: Context) -> list[str]:
    uow = ctx.uow
    company_of(uow)
    item_of(uow, cmd.item, "item")
    for i, c in enumerate(cmd.components):
        item_of(uow, c.item, f"components[{i}].item")
        check_quantity(c.quantity, f"components[{i}].quantity")
    for i, o in enumerate(cmd.operations):
        uow.get(WorkCentre, work_centre_stream(o.work_centre)).info(f"operations[{i}].work_centre")
    for i, out in enumerate(cmd.outputs):
        item_of(uow, out.item, f"outputs[{i}].item")
        check_quantity(out.quantity, f"outputs[{i}].quantity")
    check_quantity(cmd.output_quantity, "output_quantity")
    book = uow.get(BomBook, BOMS_STREAM)
    latest = book.registry.latest(cmd.item)
    version = 1 if latest is None else latest.version + 1
    with core_rules():
        bom = core_bom.BillOfMaterials(
            item=cmd.item,
            version=version,
            output_quantity=cmd.output_quantity,
            components=tuple(
                core_bom.ComponentLine(c.item, c.quantity, c.scrap_pct) for c in cmd.components
            ),
            operations=tuple(
                core_bom.Operation(o.work_centre, o.hours, o.name) for o in cmd.operations
            ),
            outputs=tuple(
                core_bom.SecondaryOutput(
                    o.item, o.quantity, o.kind, o.cost_share_pct, o.fixed_value
                )
                for o in cmd.outputs
            ),
            process_loss_pct=cmd.process_loss_pct,
            phantom=cmd.phantom,
        )
        book.registry.with_version(bom)  # refuses a cycle, naming it
    book.trigger(
        ctx.event(
            BomVersionDefined,
            item=cmd.item,
            version=version,
            output_quantity=cmd.output_quantity,
            components=tuple(
                BomComponent(item=c.item, quantity=c.quantity, scrap_pct=c.scrap_pct)
                for c in bom.components
            ),
            operations=tuple(
                BomOperation(work_centre=o.work_centre, hours=o.hours, name=o.name)
                for o in bom.operations
            ),
            outputs=tuple(
                BomOutput(
                    item=o.item,
                    quantity=o.quantity,
                    kind=o.kind,
                    cost_share_pct=o.cost_share_pct,
                    fixed_value=o.fixed_value,
                )
                for o in bom.outputs
            ),
            process_loss_pct=bom.process_loss_pct,
            phantom=bom.phantom,
        )
    )
    return []


# --- work orders -----------------------------------------------------------------------------


@handles(CreateWorkOrder)
def create_work_order(cmd: CreateWorkOrder, ctx: Context) -> list[str]:
    uow = ctx.uow
    base = company_of(uow).base_currency
    settings = settings_of(uow)
    item_of(uow, cmd.item, "item")
    check_warehouse(uow, cmd.warehouse, "warehouse")
    check_quantity(cmd.quantity, "quantity")
    registry = uow.get(BomBook, BOMS_STREAM).registry
    if cmd.bom_version is None:
        bom = registry.latest(cmd.item)
        if bom is None:
            raise ValidationError("item", f"item {cmd.item!r} has no bill of materials")
    else:
        with core_rules("bom_"):
            bom = registry.version(cmd.item, cmd.bom_version)
    if bom.phantom:
        raise ValidationError(
            "item", f"the BOM of {cmd.item!r} is a phantom (a kit): it is never made on its own"
        )
    if cmd.due is not None and cmd.due < cmd.date:
        raise ValidationError("due", "the due date is before the work order's date")
    overproduction = (
        settings.overproduction_pct if cmd.overproduction_pct is None else cmd.overproduction_pct
    )
    _percent(overproduction, "overproduction_pct")
    inventory = chart_of(uow).by_role("inventory").code
    planned = planned_for(uow, bom, cmd)  # checks the standard, if any, before recording
    document = next_document(uow, "WO", cmd.date, ctx.actor, ctx.now)
    wo = uow.get(WorkOrder, work_order_stream(document))
    wo.trigger(
        ctx.event(
            WorkOrderCreated,
            document=document,
            date=cmd.date,
            item=cmd.item,
            quantity=cmd.quantity,
            bom_version=bom.version,
            warehouse=cmd.warehouse,
            wip_account=settings.wip_account,
            variance_account=settings.variance_account,
            inventory_account=inventory,
            overproduction_pct=overproduction,
            outputs=tuple(
                BomOutput(
                    item=o.item,
                    quantity=o.quantity,
                    kind=o.kind,
                    cost_share_pct=o.cost_share_pct,
                    fixed_value=o.fixed_value,
                )
                for o in bom.outputs
            ),
            places=MINOR_UNITS[base],
            due=cmd.due,
            memo=cmd.memo,
        )
    )
    wo.trigger(ctx.event(WorkOrderPlanned, document=document, **planned))
    return [document]


def planned_for(
    uow: UnitOfWork, bom: core_bom.BillOfMaterials, cmd: CreateWorkOrder
) -> dict[str, object]:
    """What a new work order should take (from its BOM version, for its quantity) and at what
    cost: at standard when its item has a standard rolled up from that BOM version (standard
    costing configured), else at the components' standard or current cost in the order's
    warehouse and the work centres' current rates."""
    settings = uow.get(ProductionSettings, SETTINGS_STREAM)
    std = uow.get(ItemStandard, standard_stream(cmd.item)).current
    at_standard = std is not None and std.bom_version is not None
    if at_standard:
        assert std is not None
        if not settings.variance_accounts:
            raise ValidationError(
                "item",
                f"{cmd.item} has a standard cost but standard costing is not configured: apply "
                "configure_standard_costing first",
            )
        if std.bom_version != bom.version:
            raise ValidationError(
                "bom_version",
                f"the standard cost of {cmd.item} was rolled up from BOM version "
                f"{std.bom_version}, not {bom.version}: roll it up again (roll_up_standard_cost)",
            )
        for o in bom.outputs:
            if o.cost_share_pct is not None:
                raise ValidationError(
                    "item",
                    f"{cmd.item} is made at standard but its BOM gives by-product {o.item} a "
                    "cost share: give it a fixed value",
                )
    places = MINOR_UNITS[company_of(uow).base_currency]
    prices = {m.item: m.price for m in std.materials} if at_standard and std else {}
    materials = []
    for item, quantity in core_bom.component_requirements(bom, cmd.quantity).items():
        price = prices.get(item)
        if price is None:
            item_std = uow.get(ItemStandard, standard_stream(item)).current
            if item_std is not None:
                price = item_std.unit_cost
            else:
                stock = uow.get(StockBin, bin_stream(item, cmd.warehouse))
                price = (
                    stock.pool.unit_cost().quantize(Decimal("0.000001")) if stock.exists else ZERO
                )
        materials.append(
            PlannedMaterial(
                item=item,
                quantity=quantity,
                unit_cost=price,
                value=core.round_money(quantity * price, places),
            )
        )
    std_rates = (
        {c.work_centre: (c.labour_rate, c.overhead_rate) for c in std.centres}
        if at_standard and std
        else {}
    )
    operations = []
    for wc, hours in core_bom.planned_hours(bom, cmd.quantity).items():
        if wc in std_rates:
            lr, orate = std_rates[wc]
        else:
            centre = uow.get(WorkCentre, work_centre_stream(wc)).info()
            lr, orate = centre.labour_rate, centre.overhead_rate
        operations.append(
            PlannedHours(
                work_centre=wc,
                hours=hours,
                labour_rate=lr,
                overhead_rate=orate,
                labour=core.round_money(hours * lr, places),
                overhead=core.round_money(hours * orate, places),
            )
        )
    return {
        "materials": tuple(materials),
        "operations": tuple(operations),
        "basis": "standard" if at_standard else "current",
        "standard_unit_cost": std.unit_cost if at_standard and std else None,
        "standard_materials": std.materials if at_standard and std else (),
        "standard_centres": std.centres if at_standard and std else (),
        "variance_accounts": dict(settings.variance_accounts) if at_standard else {},
    }


@handles(ReleaseWorkOrder)
def release_work_order(cmd: ReleaseWorkOrder, ctx: Context) -> list[str]:
    wo = work_order_of(ctx.uow, cmd.work_order)
    wo.check_status(("draft",), "release it")
    wo.check_date(cmd.date)
    wo.trigger(ctx.event(WorkOrderReleased, document=cmd.work_order, date=cmd.date))
    return []


def _bom_kept(uow: UnitOfWork, wo: WorkOrder) -> core_bom.BillOfMaterials:
    info = wo.info()
    with core_rules():
        return uow.get(BomBook, BOMS_STREAM).registry.version(info.item, info.bom_version)


def pending_recostings(ctx: Context, wo: WorkOrder) -> tuple[IssueRecosted, ...]:
    """What back-dated movements changed on the order's issues and it has not taken in yet.

    Inventory re-costs an outflow when a back-dated receipt changes what it took from the bin,
    and posts the change against the outflow's counter account (here the WIP account) in a
    CA- voucher; the bin's history then holds the new value. Every action on the order first
    takes in the difference between that and what the order took into WIP (recorded with the
    action, without a journal: it is already posted), so later receipts and the close carry
    it on."""
    lines: list[IssueRecosted] = []
    for (voucher, line), (item, warehouse, value) in wo.issued_lines.items():
        stock = ctx.uow.get(StockBin, bin_stream(item, warehouse))
        # newest first: an order's issues are usually among the bin's latest movements
        for m in reversed(stock.history):
            if (m.document, m.line) == (voucher, line):
                delta = -m.value - value
                if delta != 0:
                    lines.append(
                        IssueRecosted(
                            voucher=voucher,
                            line=line,
                            item=item,
                            delta=delta,
                            adjustment=_adjustment_of(ctx, stock, voucher, line),
                        )
                    )
                break
    return tuple(lines)


def record_recostings(
    ctx: Context, wo: WorkOrder, date: object, lines: tuple[IssueRecosted, ...]
) -> None:
    if lines:
        wo.trigger(
            ctx.event(WorkOrderIssuesRecosted, document=wo.info().document, date=date, lines=lines)
        )


def _adjustment_of(ctx: Context, stock: StockBin, voucher: str, line: int) -> str:
    """Inventory's CA- voucher that last re-costed the issue line: one this save records (a
    back-dated movement of the same action) or else the newest stored."""
    from erp_core.inventory.events import StockCostAdjusted

    for _, e in reversed(stock.pending):
        if isinstance(e, StockCostAdjusted) and (e.document, e.line) == (voucher, line):
            return e.adjustment_document
    found = [
        e.adjustment_document
        for e in ctx.stored(StockCostAdjusted)
        if isinstance(e, StockCostAdjusted) and (e.document, e.line) == (voucher, line)
    ]
    return found[-1] if found else ""


@handles(IssueToWorkOrder)
def issue_to_work_order(cmd: IssueToWorkOrder, ctx: Context) -> list[str]:
    uow, actor, now = ctx.uow, ctx.actor, ctx.now
    base = company_of(uow).base_currency
    wo = work_order_of(uow, cmd.work_order)
    wo.check_status(("released", "in_progress"), "issue material")
    recostings = pending_recostings(ctx, wo)
    wo.check_date(cmd.date)
    check_period(uow, cmd.date)
    info = wo.info()
    bom = _bom_kept(uow, wo)
    allowed = {
        c.item: core_bom.round_up(bom.component_requirement(c, info.quantity))
        for c in bom.components
    }
    planner = StockPlanner(uow, base)
    document = placeholder(uow, "WI", cmd.date)
    state = wo.recosted(recostings)
    lines: list[PostedLine] = []
    recorded: list[MaterialLine] = []
    for i, line in enumerate(cmd.lines, start=1):
        where = f"lines[{i - 1}]"
        item = item_of(uow, line.item, f"{where}.item")
        check_warehouse(uow, line.warehouse, f"{where}.warehouse")
        check_quantity(line.quantity, f"{where}.quantity")
        uow.get(Item, item_stream(line.item)).check_batch(None, f"{where}.item")
        if line.item == info.item:
            raise ValidationError(f"{where}.item", "a work order cannot consume its own output")
        before = state.materials.get(line.item)
        already = before.net_quantity if before else ZERO
        if line.item not in allowed and not line.reason:
            raise ValidationError(
                f"{where}.reason",
                f"{line.item} is not in the bill of materials of {info.item} "
                f"(version {info.bom_version}): an extra issue needs a reason",
            )
        if (
            line.item in allowed
            and already + line.quantity > allowed[line.item]
            and not line.reason
        ):
            raise ValidationError(
                f"{where}.reason",
                f"issuing {plain(already + line.quantity)} {line.item} in all exceeds the "
                f"{plain(allowed[line.item])} the BOM needs for {plain(info.quantity)}: "
                "an extra issue needs a reason",
            )
        moved = planner.move(
            item,
            line.warehouse,
            document=document,
            line=i,
            kind="wo_issue",
            date=cmd.date,
            quantity=-line.quantity,
            counter_account=info.wip_account,
        )
        value = -moved.value
        with core_rules(f"{where}."):
            step = state.issue(
                line.item,
                [core.IssuedLayer(line.quantity, value / line.quantity, value=value)],
            )
        state = step.state
        lines.extend(_posted(step.journal, base, info.wip_account))
        recorded.append(
            MaterialLine(
                item=line.item,
                warehouse=line.warehouse,
                quantity=line.quantity,
                value=value,
                reason=line.reason,
            )
        )
    documents = finish(
        uow,
        planner,
        series="WI",
        kind="wo_issue",
        date=cmd.date,
        memo=f"Material issued to {cmd.work_order}",
        lines=lines,
        actor=actor,
        now=now,
    )
    record_recostings(ctx, wo, cmd.date, recostings)
    wo.trigger(
        ctx.event(
            MaterialIssued,
            document=cmd.work_order,
            voucher=documents[0],
            date=cmd.date,
            lines=tuple(recorded),
        )
    )
    return documents


@handles(ReturnFromWorkOrder)
def return_from_work_order(cmd: ReturnFromWorkOrder, ctx: Context) -> list[str]:
    uow, actor, now = ctx.uow, ctx.actor, ctx.now
    base = company_of(uow).base_currency
    wo = work_order_of(uow, cmd.work_order)
    wo.check_status(("released", "in_progress", "completed"), "return material")
    recostings = pending_recostings(ctx, wo)
    wo.check_date(cmd.date)
    check_period(uow, cmd.date)
    info = wo.info()
    planner = StockPlanner(uow, base)
    document = placeholder(uow, "WR", cmd.date)
    state = wo.recosted(recostings)
    lines: list[PostedLine] = []
    recorded: list[MaterialLine] = []
    for i, line in enumerate(cmd.lines, start=1):
        where = f"lines[{i - 1}]"
        item = item_of(uow, line.item, f"{where}.item")
        check_warehouse(uow, line.warehouse, f"{where}.warehouse")
        check_quantity(line.quantity, f"{where}.quantity")
        with core_rules(f"{where}."):
            step = state.return_material(line.item, line.quantity)
        state = step.state
        planner.move(
            item,
            line.warehouse,
            document=document,
            line=i,
            kind="wo_return",
            date=cmd.date,
            quantity=line.quantity,
            value=step.value,
            counter_account=info.wip_account,
        )
        lines.extend(_posted(step.journal, base, info.wip_account))
        recorded.append(
            MaterialLine(
                item=line.item,
                warehouse=line.warehouse,
                quantity=line.quantity,
                value=step.value,
                reason=line.reason,
            )
        )
    documents = finish(
        uow,
        planner,
        series="WR",
        kind="wo_return",
        date=cmd.date,
        memo=f"Material returned from {cmd.work_order} at issue cost",
        lines=lines,
        actor=actor,
        now=now,
    )
    record_recostings(ctx, wo, cmd.date, recostings)
    wo.trigger(
        ctx.event(
            MaterialReturned,
            document=cmd.work_order,
            voucher=documents[0],
            date=cmd.date,
            lines=tuple(recorded),
        )
    )
    return documents


@handles(ReportProgress)
def report_progress(cmd: ReportProgress, ctx: Context) -> list[str]:
    uow = ctx.uow
    base = company_of(uow).base_currency
    wo = work_order_of(uow, cmd.work_order)
    wo.check_status(("released", "in_progress"), "report progress")
    recostings = pending_recostings(ctx, wo)
    wo.check_date(cmd.date)
    info = wo.info()
    centre = uow.get(WorkCentre, work_centre_stream(cmd.work_centre)).info()
    _non_negative(cmd.hours, "hours", 4)
    check_quantity(cmd.good_quantity, "good_quantity", allow_zero=True)
    check_quantity(cmd.rejected_quantity, "rejected_quantity", allow_zero=True)
    if cmd.rejected_quantity > 0 and not cmd.reason:
        raise ValidationError("reason", "rejected quantity needs a reason")
    if cmd.hours == 0 and cmd.good_quantity == 0 and cmd.rejected_quantity == 0:
        raise ValidationError("hours", "report hours or a quantity")
    voucher: str | None = None
    labour = overhead = ZERO
    if cmd.hours > 0:
        check_period(uow, cmd.date)
        chart = chart_of(uow)
        chart.check_postable(centre.labour_account, base, "work_centre.labour_account")
        chart.check_postable(centre.overhead_account, base, "work_centre.overhead_account")
        with core_rules():
            step = wo.recosted(recostings).absorb(
                core.WorkCentre(
                    centre.code,
                    centre.labour_rate,
                    centre.overhead_rate,
                    centre.labour_account,
                    centre.overhead_account,
                ),
                cmd.hours,
            )
        labour = step.state.labour - wo.state.labour
        overhead = step.state.overhead - wo.state.overhead  # re-costings move neither
        if step.value != 0:
            voucher = post(
                ctx,
                series="WH",
                kind="wo_absorption",
                date=cmd.date,
                memo=f"{plain(cmd.hours)} h at {centre.code} on {cmd.work_order}",
                lines=_posted(step.journal, base, info.wip_account),
            )
    record_recostings(ctx, wo, cmd.date, recostings)
    wo.trigger(
        ctx.event(
            ProgressReported,
            document=cmd.work_order,
            voucher=voucher,
            date=cmd.date,
            work_centre=centre.code,
            operation=cmd.operation,
            hours=cmd.hours,
            labour=labour,
            overhead=overhead,
            good_quantity=cmd.good_quantity,
            rejected_quantity=cmd.rejected_quantity,
            reason=cmd.reason,
        )
    )
    return [voucher] if voucher else []


@handles(CompleteWorkOrder)
def complete_work_order(cmd: CompleteWorkOrder, ctx: Context) -> list[str]:
    uow, actor, now = ctx.uow, ctx.actor, ctx.now
    base = company_of(uow).base_currency
    wo = work_order_of(uow, cmd.work_order)
    wo.check_status(("released", "in_progress"), "receive finished goods")
    recostings = pending_recostings(ctx, wo)
    wo.check_date(cmd.date)
    check_period(uow, cmd.date)
    info = wo.info()
    warehouse = cmd.warehouse or info.warehouse
    check_warehouse(uow, warehouse, "warehouse")
    check_quantity(cmd.quantity, "quantity")
    outputs = []
    for i, out in enumerate(cmd.outputs):
        item_of(uow, out.item, f"outputs[{i}].item")
        check_quantity(out.quantity, f"outputs[{i}].quantity")
        with core_rules(f"outputs[{i}]."):
            outputs.append(core.OutputQuantity(out.item, out.quantity))
    with core_rules():
        step = wo.recosted(recostings).complete(cmd.quantity, outputs, final=cmd.final)
    planner = StockPlanner(uow, base)
    document = placeholder(uow, "WF", cmd.date)
    for i, valued in enumerate(step.outputs, start=1):
        planner.move(
            item_of(uow, valued.item, "item"),
            warehouse,
            document=document,
            line=i,
            kind="wo_receipt",
            date=cmd.date,
            quantity=valued.quantity,
            value=valued.value,
            counter_account=info.wip_account,
        )
    final = step.state.status == "completed"
    documents = finish(
        uow,
        planner,
        series="WF",
        kind="wo_receipt",
        date=cmd.date,
        memo=f"{plain(cmd.quantity)} {info.item} received from {cmd.work_order} at "
        + ("standard cost" if wo.at_standard else "actual cost"),
        lines=_posted(step.journal, base, info.wip_account),
        actor=actor,
        now=now,
    )
    record_recostings(ctx, wo, cmd.date, recostings)
    wo.trigger(
        ctx.event(
            WorkOrderCompleted,
            document=cmd.work_order,
            voucher=documents[0],
            date=cmd.date,
            warehouse=warehouse,
            quantity=cmd.quantity,
            value=step.value,
            outputs=tuple(
                OutputLine(item=o.item, kind=o.kind, quantity=o.quantity, value=o.value)
                for o in step.outputs
            ),
            final=final,
        )
    )
    return documents


@handles(CloseWorkOrder)
def close_work_order(cmd: CloseWorkOrder, ctx: Context) -> list[str]:
    uow = ctx.uow
    base = company_of(uow).base_currency
    wo = work_order_of(uow, cmd.work_order)
    recostings = pending_recostings(ctx, wo) if wo.status != "cancelled" else ()
    # a closed order may be closed again only to send a later re-costing to variance
    if wo.status != "closed" or wo.recosted(recostings).wip == 0:
        wo.check_status(("released", "in_progress", "completed"), "close it")
    wo.check_date(cmd.date)
    info = wo.info()
    with core_rules():
        step = wo.recosted(recostings).close(cmd.reason or "")
    voucher: str | None = None
    if step.journal.lines:
        check_period(uow, cmd.date)
        chart = chart_of(uow)
        chart.check_postable(info.variance_account, base, "variance_account")
        for _, _, account, _ in step.variances:
            chart.check_postable(account, base, "variance_accounts")
        voucher = post(
            ctx,
            series="WV",
            kind="wo_variance",
            date=cmd.date,
            memo=f"{cmd.work_order} closed: {cmd.reason or 'standard cost variances'}",
            lines=_posted(step.journal, base, info.wip_account),
        )
    record_recostings(ctx, wo, cmd.date, recostings)
    if step.variances:
        wo.trigger(
            ctx.event(
                StandardVariancesBooked,
                document=cmd.work_order,
                voucher=voucher,
                date=cmd.date,
                lines=tuple(
                    VarianceLine(kind=k, code=c, account=a, amount=v)
                    for k, c, a, v in step.variances
                ),
            )
        )
    wo.trigger(
        ctx.event(
            WorkOrderClosed,
            document=cmd.work_order,
            voucher=voucher,
            date=cmd.date,
            variance=step.value,
            reason=cmd.reason,
        )
    )
    return [voucher] if voucher else []


@handles(CancelWorkOrder)
def cancel_work_order(cmd: CancelWorkOrder, ctx: Context) -> list[str]:
    wo = work_order_of(ctx.uow, cmd.work_order)
    wo.check_status(("draft", "released", "in_progress"), "cancel it")
    wo.check_date(cmd.date)
    state = wo.state
    if state.materials or state.hours or state.good_quantity:
        raise ValidationError(
            "work_order",
            f"work order {cmd.work_order} has material, hours or receipts on it: return the "
            "material and close it (the rest goes to variance) instead of cancelling",
        )
    wo.trigger(
        ctx.event(WorkOrderCancelled, document=cmd.work_order, date=cmd.date, reason=cmd.reason)
    )
    return []


# the production plan's handlers use create_work_order above; importing them registers them
# back-dated re-costings of issues carried on after every action (RM -> WIP -> FG -> COGS)
from erp_core.production import plan_handlers as _plan_handlers  # noqa: E402,F401
from erp_core.production import standard_handlers as _standard_handlers  # noqa: E402,F401
from erp_core.production import trigger as _trigger  # noqa: E402,F401
