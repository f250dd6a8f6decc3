"""Stock actions: receipts, issues, transfers and counts, each with its journal in one save.

Every handler checks everything first (master data, quantities, the stock it takes, the
accounts and the period) on planned copies of the bins, and only then records: the bins'
movements, their cost adjustments, and the journal vouchers (perpetual inventory).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from erp_core.access.workflow import held_amount
from erp_core.inventory.bins import (
    Item,
    Warehouse,
    check_code,
    check_quantity,
    item_stream,
    warehouse_stream,
)
from erp_core.inventory.commands import (
    CountStock,
    IssueMaterial,
    ReceiveStock,
    RegisterItem,
    RegisterWarehouse,
    TransferStock,
)
from erp_core.inventory.events import (
    ItemRegistered,
    StockCountRecorded,
    WarehouseRegistered,
)
from erp_core.inventory.stock import StockPlanner, check_warehouse, finish, item_of
from erp_core.inventory.valuation import Pool
from erp_core.kernel.context import Context
from erp_core.kernel.errors import ValidationError
from erp_core.kernel.money import ZERO
from erp_core.kernel.registry import handles
from erp_core.kernel.unit_of_work import UnitOfWork
from erp_core.ledger.events import PostedLine
from erp_core.ledger.posting import (
    chart_of,
    check_period,
    company_of,
    gl,
    next_number,
    placeholder,
    round_money,
    settings,
)

# --- master data -----------------------------------------------------------------------------


@handles(RegisterItem)
def register_item(cmd: RegisterItem, ctx: Context) -> list[str]:
    uow = ctx.uow
    company_of(uow)
    check_code("item", cmd.code)
    chart = chart_of(uow)
    account = chart.get(cmd.expense_account, "expense_account")
    if account.is_group or account.closed:
        raise ValidationError("expense_account", f"account {cmd.expense_account!r} is not postable")
    if account.control is not None:
        # every issue would be refused later, naming a field the user never gave
        raise ValidationError(
            "expense_account",
            f"account {cmd.expense_account!r} ({account.name}) is the {account.control} control "
            "account; issues are charged to an expense account such as 5100",
        )
    chart.check_postable(cmd.expense_account, company_of(uow).base_currency, "expense_account")
    item = uow.get(Item, item_stream(cmd.code))
    if item.exists:
        raise ValidationError("code", f"item {cmd.code!r} already exists")
    item.trigger(
        ctx.event(
            ItemRegistered,
            code=cmd.code,
            name=cmd.name,
            uom=cmd.uom,
            valuation=cmd.valuation,
            batch_tracked=cmd.batch_tracked,
            expense_account=cmd.expense_account,
        )
    )
    return []


@handles(RegisterWarehouse)
def register_warehouse(cmd: RegisterWarehouse, ctx: Context) -> list[str]:
    uow = ctx.uow
    company_of(uow)
    check_code("warehouse", cmd.code)
    wh = uow.get(Warehouse, warehouse_stream(cmd.code))
    if wh.exists:
        raise ValidationError("code", f"warehouse {cmd.code!r} already exists")
    wh.trigger(ctx.event(WarehouseRegistered, code=cmd.code, name=cmd.name))
    return []


# --- movements -------------------------------------------------------------------------------


@handles(ReceiveStock)
def receive_stock(cmd: ReceiveStock, ctx: Context) -> list[str]:
    uow, actor, now = ctx.uow, ctx.actor, ctx.now
    base = company_of(uow).base_currency
    chart = chart_of(uow)
    chart.check_postable(cmd.account, base, "account")
    check_period(uow, cmd.date)
    inventory = chart.by_role("inventory").code
    planner = StockPlanner(uow, base)
    document = placeholder(uow, "GR", cmd.date)
    lines: list[PostedLine] = []
    total = ZERO
    for i, line in enumerate(cmd.lines, start=1):
        where = f"lines[{i - 1}]"
        item = item_of(uow, line.item, f"{where}.item")
        check_warehouse(uow, line.warehouse, f"{where}.warehouse")
        check_quantity(line.quantity, f"{where}.quantity")
        uow.get(Item, item_stream(line.item)).check_batch(line.batch, f"{where}.batch")
        if line.unit_cost < 0:
            raise ValidationError(f"{where}.unit_cost", "must not be negative")
        value = round_money(line.quantity * line.unit_cost, base)
        planner.move(
            item,
            line.warehouse,
            document=document,
            line=i,
            kind="receipt",
            date=cmd.date,
            quantity=line.quantity,
            value=value,
            batch=line.batch,
            counter_account=cmd.account,
        )
        lines.append(gl(inventory, value, base, f"{item.code} x {line.quantity:f}"))
        total += value
    lines.append(gl(cmd.account, -total, base, cmd.memo))
    return finish(
        uow,
        planner,
        series="GR",
        kind="goods_receipt",
        date=cmd.date,
        memo=cmd.memo or "Stock receipt",
        lines=lines,
        actor=actor,
        now=now,
    )


@handles(IssueMaterial)
def issue_material(cmd: IssueMaterial, ctx: Context) -> list[str]:
    uow, actor, now = ctx.uow, ctx.actor, ctx.now
    base = company_of(uow).base_currency
    chart = chart_of(uow)
    check_period(uow, cmd.date)
    dims = {"department": cmd.department} if cmd.department else {}
    chart.check_dimensions(dims, "department")
    inventory = chart.by_role("inventory").code
    planner = StockPlanner(uow, base)
    document = placeholder(uow, "MI", cmd.date)
    lines: list[PostedLine] = []
    for i, line in enumerate(cmd.lines, start=1):
        where = f"lines[{i - 1}]"
        item = item_of(uow, line.item, f"{where}.item")
        check_warehouse(uow, line.warehouse, f"{where}.warehouse")
        check_quantity(line.quantity, f"{where}.quantity")
        uow.get(Item, item_stream(line.item)).check_batch(line.batch, f"{where}.batch")
        account = line.account or item.expense_account
        chart.check_postable(account, base, f"{where}.account")
        moved = planner.move(
            item,
            line.warehouse,
            document=document,
            line=i,
            kind="issue",
            date=cmd.date,
            quantity=-line.quantity,
            batch=line.batch,
            counter_account=account,
        )
        memo = f"{item.code} x {line.quantity:f} for {cmd.requester}: {cmd.purpose}"
        lines.append(gl(account, -moved.value, base, memo, dims))
        lines.append(gl(inventory, moved.value, base, memo))
    return finish(
        uow,
        planner,
        series="MI",
        kind="material_issue",
        date=cmd.date,
        memo=f"Issue to {cmd.department or 'department'}: {cmd.purpose}",
        lines=lines,
        actor=actor,
        now=now,
    )


@handles(TransferStock)
def transfer_stock(cmd: TransferStock, ctx: Context) -> list[str]:
    uow, actor, now = ctx.uow, ctx.actor, ctx.now
    base = company_of(uow).base_currency
    chart = chart_of(uow)
    check_period(uow, cmd.date)
    if cmd.from_warehouse == cmd.to_warehouse:
        raise ValidationError("to_warehouse", "a transfer needs two different warehouses")
    check_warehouse(uow, cmd.from_warehouse, "from_warehouse")
    check_warehouse(uow, cmd.to_warehouse, "to_warehouse")
    inventory = chart.by_role("inventory").code
    adjustment = settings(uow).adjustment_account
    planner = StockPlanner(uow, base)
    document = placeholder(uow, "ST", cmd.date)
    total = ZERO
    for i, line in enumerate(cmd.lines, start=1):
        where = f"lines[{i - 1}]"
        item = item_of(uow, line.item, f"{where}.item")
        check_quantity(line.quantity, f"{where}.quantity")
        uow.get(Item, item_stream(line.item)).check_batch(line.batch, f"{where}.batch")
        out = planner.move(
            item,
            cmd.from_warehouse,
            document=document,
            line=i,
            kind="transfer_out",
            date=cmd.date,
            quantity=-line.quantity,
            batch=line.batch,
            counter_account=adjustment,
        )
        planner.move(
            item,
            cmd.to_warehouse,
            document=document,
            line=i,
            kind="transfer_in",
            date=cmd.date,
            quantity=line.quantity,
            value=-out.value,
            batch=line.batch,
            layers=out.layers,
            counter_account=adjustment,
        )
        total += -out.value
    memo = cmd.memo or f"Transfer {cmd.from_warehouse} to {cmd.to_warehouse}"
    lines = [
        gl(inventory, total, base, f"into {cmd.to_warehouse}"),
        gl(inventory, -total, base, f"out of {cmd.from_warehouse}"),
    ]
    return finish(
        uow,
        planner,
        series="ST",
        kind="stock_transfer",
        date=cmd.date,
        memo=memo,
        lines=lines,
        actor=actor,
        now=now,
    )


@dataclass
class CountPlan:
    """A count sheet valued on planned copies of the bins: nothing is recorded yet."""

    planner: StockPlanner
    document: str
    sheet: list[tuple[str, str | None, Decimal, Decimal]] = field(default_factory=list)
    counts: dict[tuple[str, int], tuple[Decimal, Decimal]] = field(default_factory=dict)
    lines: list[PostedLine] = field(default_factory=list)
    adjusted: Decimal = ZERO  # the value of the differences, gains and losses alike


def plan_count(uow: UnitOfWork, cmd: CountStock) -> CountPlan:
    """Check a count and value its differences (gains at the bin's unit cost, losses at the
    cost the valuation method takes out), on copies of the bins."""
    base = company_of(uow).base_currency
    chart = chart_of(uow)
    check_period(uow, cmd.date)
    check_warehouse(uow, cmd.warehouse, "warehouse")
    inventory = chart.by_role("inventory").code
    adjustment = settings(uow).adjustment_account
    chart.check_postable(adjustment, base, "adjustment_account")
    planner = StockPlanner(uow, base)
    counted = CountPlan(planner, placeholder(uow, "SC", cmd.date))
    document = counted.document
    seen: set[tuple[str, str | None]] = set()
    for i, line in enumerate(cmd.lines, start=1):
        where = f"lines[{i - 1}]"
        item = item_of(uow, line.item, f"{where}.item")
        check_quantity(line.counted, f"{where}.counted", allow_zero=True)
        uow.get(Item, item_stream(line.item)).check_batch(line.batch, f"{where}.batch")
        if (line.item, line.batch) in seen:
            raise ValidationError(where, f"{line.item} {line.batch or ''} is counted twice")
        seen.add((line.item, line.batch))
        plan = planner.plan_for(item, cmd.warehouse)
        as_of = Pool(plan.pool.method, plan.pool.quantum)
        from erp_core.inventory.valuation import fold

        fold(as_of, [m for m in plan.history if m.date <= cmd.date], item.code, cmd.warehouse)
        book = as_of.available(line.batch)
        counted.sheet.append((item.code, line.batch, line.counted, book))
        difference = line.counted - book
        if difference == 0:
            continue
        counted.counts[(document, i)] = (line.counted, book)
        memo = f"count {item.code}: counted {line.counted:f}, book {book:f}"
        if difference > 0:
            value = round_money(difference * as_of.unit_cost(), base)
            planner.move(
                item,
                cmd.warehouse,
                document=document,
                line=i,
                kind="count_gain",
                date=cmd.date,
                quantity=difference,
                value=value,
                batch=line.batch,
                counter_account=adjustment,
            )
        else:
            moved = planner.move(
                item,
                cmd.warehouse,
                document=document,
                line=i,
                kind="count_loss",
                date=cmd.date,
                quantity=difference,
                batch=line.batch,
                counter_account=adjustment,
            )
            value = moved.value
        counted.lines.append(gl(inventory, value, base, memo))
        counted.lines.append(gl(adjustment, -value, base, memo))
        counted.adjusted += abs(value)
    return counted


@held_amount("stock_count")
def count_adjustment_value(fields: Mapping[str, Any], uow: UnitOfWork) -> Decimal:
    """What a stock count's approval thresholds compare: the value of its differences,
    gains and losses added up (a count that finds 900.00 too much of one item and 900.00 too
    little of another adjusts 1,800.00), valued as the count would post them now."""
    return plan_count(uow, CountStock.model_validate(dict(fields))).adjusted


@handles(CountStock)
def count_stock(cmd: CountStock, ctx: Context) -> list[str]:
    uow, actor, now = ctx.uow, ctx.actor, ctx.now
    counted = plan_count(uow, cmd)
    planner, document, sheet = counted.planner, counted.document, counted.sheet
    # the count sheet is a document of its own, whether or not anything differed
    number = next_number(ctx, "SC", cmd.date)
    assert number == document
    from erp_core.inventory.bins import CountSheet, count_stream

    sheet_agg = CountSheet(count_stream(document))
    sheet_agg.trigger(
        ctx.event(
            StockCountRecorded,
            document=document,
            warehouse=cmd.warehouse,
            date=cmd.date,
            lines=tuple(sheet),
        )
    )
    uow.add(sheet_agg)
    return finish(
        uow,
        planner,
        series="SC",
        kind="stock_count",
        date=cmd.date,
        memo=f"Stock count {cmd.warehouse}",
        lines=counted.lines,
        actor=actor,
        now=now,
        document=document,
        counts=counted.counts,
    )
