"""Stock actions: receipts, issues, transfers and counts, each with its journal in one save.

Every handler checks everything first (master data, quantities, the stock it takes, the
accounts and the period) on planned copies of the bins, and only then records: the bins'
movements, their cost adjustments, and the journal vouchers (perpetual inventory).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from erp_core.inventory.bins import (
    BinPlan,
    Item,
    StockBin,
    Warehouse,
    bin_stream,
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
    StockBinOpened,
    StockCostAdjusted,
    StockCountRecorded,
    StockLayer,
    StockMoved,
    WarehouseRegistered,
)
from erp_core.inventory.valuation import Movement, Pool
from erp_core.kernel.context import Context
from erp_core.kernel.errors import ValidationError
from erp_core.kernel.money import ZERO, quantum
from erp_core.kernel.registry import handles
from erp_core.kernel.unit_of_work import UnitOfWork
from erp_core.ledger.events import PostedLine, VoucherKind
from erp_core.ledger.posting import (
    Now,
    chart_of,
    check_period,
    company_of,
    gl,
    is_open,
    next_document,
    placeholder,
    post_document,
    post_document_as,
    round_money,
    settings,
)


def item_of(uow: UnitOfWork, code: str, field: str) -> ItemRegistered:
    return uow.get(Item, item_stream(code)).info(field)


def check_warehouse(uow: UnitOfWork, code: str, field: str) -> None:
    uow.get(Warehouse, warehouse_stream(code)).check_exists(field)


@dataclass
class StockPlanner:
    """The bins one action moves, planned on copies until everything is checked."""

    uow: UnitOfWork
    currency: str
    plans: dict[str, BinPlan] = field(default_factory=dict)
    new_bins: dict[str, ItemRegistered] = field(default_factory=dict)

    def plan_for(self, item: ItemRegistered, warehouse: str) -> BinPlan:
        stream = bin_stream(item.code, warehouse)
        found = self.plans.get(stream)
        if found is None:
            stock_bin = self.uow.get(StockBin, stream)
            if stock_bin.exists:
                pool = stock_bin.pool
            else:
                stock_bin.item, stock_bin.warehouse = item.code, warehouse
                pool = Pool(item.valuation, quantum(self.currency))
                self.new_bins[stream] = item
            found = BinPlan(stock_bin, pool)
            self.plans[stream] = found
        return found

    def move(
        self,
        item: ItemRegistered,
        warehouse: str,
        *,
        document: str,
        line: int,
        kind: str,
        date: dt.date,
        quantity: Decimal,
        value: Decimal = ZERO,
        batch: str | None = None,
        layers: tuple[tuple[Decimal, Decimal, str | None], ...] = (),
        counter_account: str,
    ) -> Movement:
        return self.plan_for(item, warehouse).add(
            Movement(
                seq=0,
                document=document,
                line=line,
                kind=kind,
                date=date,
                quantity=quantity,
                value=value,
                batch=batch,
                layers=layers,
                counter_account=counter_account,
            )
        )

    def adjustments(self) -> list[tuple[BinPlan, Movement, Decimal]]:
        return [
            (p, m, delta)
            for p in self.plans.values()
            for m, delta in p.adjustments.values()
            if delta != 0
        ]

    def record(
        self,
        actor: str,
        now: Now,
        adjustments: dict[tuple[str, int], tuple[str, dt.date]],
        counts: dict[tuple[str, int], tuple[Decimal, Decimal]] | None = None,
    ) -> None:
        """Record every planned movement and adjustment on the real bins."""
        counts = counts or {}
        for stream, plan in self.plans.items():
            if stream in self.new_bins:
                item = self.new_bins[stream]
                plan.bin.trigger(
                    StockBinOpened(
                        actor=actor,
                        recorded_at=now,
                        item=item.code,
                        warehouse=plan.bin.warehouse,
                        valuation=item.valuation,
                        currency=self.currency,
                    )
                )
            for m in plan.moves:
                counted, book = counts.get((m.document, m.line), (None, None))
                plan.bin.trigger(
                    StockMoved(
                        actor=actor,
                        recorded_at=now,
                        document=m.document,
                        line=m.line,
                        kind=m.kind,
                        date=m.date,
                        quantity=m.quantity,
                        value=m.value,
                        batch=m.batch,
                        layers=tuple(
                            StockLayer(quantity=q, value=v, batch=b) for q, v, b in m.layers
                        )
                        if m.kind == "transfer_in"
                        else (),
                        counter_account=m.counter_account,
                        counted=counted,
                        book=book,
                    )
                )
            for m, delta in plan.adjustments.values():
                if delta != 0:
                    adjustment_document, when = adjustments[(m.document, m.line)]
                    plan.bin.trigger(
                        StockCostAdjusted(
                            actor=actor,
                            recorded_at=now,
                            document=m.document,
                            line=m.line,
                            adjustment_document=adjustment_document,
                            date=when,
                            delta=delta,
                            counter_account=m.counter_account,
                            batch=m.batch,
                        )
                    )


def finish(
    uow: UnitOfWork,
    planner: StockPlanner,
    *,
    series: str,
    kind: VoucherKind,
    date: dt.date,
    memo: str | None,
    lines: list[PostedLine],
    actor: str,
    now: Now,
    document: str | None = None,
    counts: dict[tuple[str, int], tuple[Decimal, Decimal]] | None = None,
) -> list[str]:
    """Post the action's voucher (if it moved any value), the cost adjustments of back-dated
    movements, and record the bins. Everything has been checked by now."""
    inventory = chart_of(uow).by_role("inventory").code
    documents: list[str] = []
    if document is None:
        document = post_document(
            uow, series=series, kind=kind, date=date, memo=memo, lines=lines, actor=actor, now=now
        )
    elif any(x.base for x in lines):
        post_document_as(
            uow, document, kind=kind, date=date, memo=memo, lines=lines, actor=actor, now=now
        )
    documents.append(document)
    # Each re-costed outflow is adjusted on its own date when that period is open (so stock
    # and the inventory account are right as of every date); otherwise on the date of the
    # back-dated movement, the earliest open date the change can carry.
    by_date: dict[dt.date, list[tuple[BinPlan, Movement, Decimal]]] = {}
    for plan, m, delta in planner.adjustments():
        when = m.date if is_open(uow, m.date) else date
        by_date.setdefault(when, []).append((plan, m, delta))
    refs: dict[tuple[str, int], tuple[str, dt.date]] = {}
    for when, group in sorted(by_date.items()):
        adj_lines: list[PostedLine] = []
        for plan, m, delta in group:
            what = f"{plan.bin.item}@{plan.bin.warehouse} {m.document}/{m.line}"
            adj_lines.append(gl(inventory, delta, planner.currency, f"cost of {what}"))
            adj_lines.append(gl(m.counter_account, -delta, planner.currency, f"cost of {what}"))
        adjustment = post_document(
            uow,
            series="CA",
            kind="cost_adjustment",
            date=when,
            memo=f"Cost adjustments after back-dated {document}",
            lines=adj_lines,
            actor=actor,
            now=now,
        )
        documents.append(adjustment)
        refs.update({(m.document, m.line): (adjustment, when) for _, m, _ in group})
    planner.record(actor, now, refs, counts)
    return documents


# --- master data -----------------------------------------------------------------------------


@handles(RegisterItem)
def register_item(cmd: RegisterItem, ctx: Context) -> list[str]:
    uow, actor, now = ctx.uow, ctx.actor, ctx.now
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
        ItemRegistered(
            actor=actor,
            recorded_at=now,
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
    uow, actor, now = ctx.uow, ctx.actor, ctx.now
    company_of(uow)
    check_code("warehouse", cmd.code)
    wh = uow.get(Warehouse, warehouse_stream(cmd.code))
    if wh.exists:
        raise ValidationError("code", f"warehouse {cmd.code!r} already exists")
    wh.trigger(WarehouseRegistered(actor=actor, recorded_at=now, code=cmd.code, name=cmd.name))
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


@handles(CountStock)
def count_stock(cmd: CountStock, ctx: Context) -> list[str]:
    uow, actor, now = ctx.uow, ctx.actor, ctx.now
    base = company_of(uow).base_currency
    chart = chart_of(uow)
    check_period(uow, cmd.date)
    check_warehouse(uow, cmd.warehouse, "warehouse")
    inventory = chart.by_role("inventory").code
    adjustment = settings(uow).adjustment_account
    chart.check_postable(adjustment, base, "adjustment_account")
    planner = StockPlanner(uow, base)
    document = placeholder(uow, "SC", cmd.date)
    sheet: list[tuple[str, str | None, Decimal, Decimal]] = []
    counts: dict[tuple[str, int], tuple[Decimal, Decimal]] = {}
    lines: list[PostedLine] = []
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
        sheet.append((item.code, line.batch, line.counted, book))
        difference = line.counted - book
        if difference == 0:
            continue
        counts[(document, i)] = (line.counted, book)
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
        lines.append(gl(inventory, value, base, memo))
        lines.append(gl(adjustment, -value, base, memo))
    # the count sheet is a document of its own, whether or not anything differed
    number = next_document(uow, "SC", cmd.date, actor, now)
    assert number == document
    from erp_core.inventory.bins import CountSheet, count_stream

    sheet_agg = CountSheet(count_stream(document))
    sheet_agg.trigger(
        StockCountRecorded(
            actor=actor,
            recorded_at=now,
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
        lines=lines,
        actor=actor,
        now=now,
        document=document,
        counts=counts,
    )
