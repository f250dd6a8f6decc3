"""Back-dated re-costings carried on by themselves: RM -> WIP -> FG -> COGS, level by level.

Inventory re-costs an outflow when a back-dated movement changes what it took from its bin
(`StockCostAdjusted` and a `CA-` voucher against the outflow's counter account). When that
outflow is an issue to a work order, the WIP account has moved but the order has not. This
module carries the change on, in the same unit of work as the action that caused it (so in
the same atomic save, or not at all):

- an order not completed (or completed at standard) takes the change into its costing
  (`WorkOrderIssuesRecosted`); its later receipts (or its close, at standard) carry it;
- an order completed or closed at actual cost passes it on to its finished-goods receipts
  (`FinishedGoodsRecosted`, each receipt revalued in its bin), and inventory re-costs whatever
  took those goods since: a delivery (cost of goods sold), an issue to a parent order (which
  is then carried on the same way, in the next round);
- a closed order with no finished goods to revalue, or closed at standard, is closed again:
  the change goes to its variance.

It runs after every successful action that adjusted a bin's cost (`trigger`, the light
recorder every action imports) and looks only at the bins the action recorded into.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from erp_core.inventory.bins import StockBin
from erp_core.inventory.events import StockCostAdjusted
from erp_core.inventory.stock import StockPlanner, finish, item_of
from erp_core.kernel.commands import Action
from erp_core.kernel.context import Context
from erp_core.kernel.money import MINOR_UNITS
from erp_core.ledger import journal
from erp_core.ledger.posting import company_of, is_open
from erp_core.production.aggregates import WorkOrder, work_order_stream
from erp_core.production.commands import CloseWorkOrder
from erp_core.production.costing import round_money
from erp_core.production.events import (
    FinishedGoodsRecosted,
    IssueRecosted,
    MaterialIssued,
    ReceiptRecosted,
)
from erp_core.production.handlers import (
    close_work_order,
    pending_recostings,
    record_recostings,
)

ZERO = Decimal(0)
HUNDRED = Decimal(100)
# Rounds of carrying on within one action: one per BOM level (a parent's issues are re-costed
# by its child's finished goods in the round before). Orders that extra issues tie in a loop
# could carry a change around forever; past this many rounds the change stays in WIP, where
# `erp check` names the order and `recost_work_order` or a close carries it on.
MAX_ROUNDS = 32
RECOSTED_AFTER_CLOSE = "issues re-costed after close (back-dated movement)"


def carry_into_finished_goods(
    ctx: Context,
    wo: WorkOrder,
    date: dt.date,
    recostings: tuple[IssueRecosted, ...],
) -> list[str]:
    """Spread what a completed (or closed) order at actual cost holds in WIP, with
    `recostings` taken in, over its finished-goods receipts by quantity (the last takes the
    rest); within each receipt the by-products valued by a cost share take their share (to
    the cent, as at receipt) and the finished goods the rest; fixed-value outputs keep their
    value. Revalue each in its bin; inventory re-costs every movement that took those goods
    since and posts the `CA-` vouchers: each on the date of what it corrects when that period
    is open, else on `date`. Records `WorkOrderIssuesRecosted` and one `FinishedGoodsRecosted`
    per adjustment date; returns the `CA-` vouchers (none when nothing is left to carry)."""
    uow = ctx.uow
    base = company_of(uow).base_currency
    info = wo.info()
    total = wo.recosted(recostings).wip
    receipts = [(k, v) for k, v in wo.receipts.items() if v[0] > 0]
    quantity = sum((q for _, (q, _) in receipts), ZERO)
    if total == 0 or quantity == 0:
        record_recostings(ctx, wo, date, recostings)
        return []
    quantum = Decimal(1).scaleb(-MINOR_UNITS[base])
    planner = StockPlanner(uow, base)
    by_date: dict[dt.date, list[ReceiptRecosted]] = {}

    def revalue(voucher: str, line: int, item_code: str, warehouse: str, delta: Decimal) -> None:
        if delta == 0:
            return
        plan = planner.plan_for(item_of(uow, item_code, "item"), warehouse)
        plan.revalue(voucher, line, delta)
        received = next(m for m in plan.history if (m.document, m.line) == (voucher, line))
        # the same rule as inventory's `finish`: its own date when that period is open
        when = received.date if is_open(uow, received.date) else date
        by_date.setdefault(when, []).append(
            ReceiptRecosted(
                voucher=voucher, line=line, item=item_code, warehouse=warehouse, delta=delta
            )
        )

    spec = wo.state.spec
    shares = {o.item: o.cost_share_pct or ZERO for o in spec.outputs}
    given = ZERO
    for n, ((voucher, line, warehouse), (qty, _)) in enumerate(receipts, start=1):
        if n == len(receipts):
            portion = total - given
        else:
            portion = (total * qty / quantity).quantize(quantum)
        given += portion
        # by-products valued by a cost share take their share of this receipt's part, as
        # they took it of the joint cost at receipt (cumulative rounding, in line order);
        # fixed-value outputs keep their value; the finished goods take the rest
        cumulative = allotted = ZERO
        for (bv, bl, bw), (code, _, _) in sorted(wo.shared_receipts.items()):
            if bv != voucher:
                continue
            cumulative += shares[code]
            upto = round_money(portion * cumulative / HUNDRED, spec.places)
            revalue(bv, bl, code, bw, upto - allotted)
            allotted = upto
        revalue(voucher, line, info.item, warehouse, portion - allotted)
    documents = finish(
        uow,
        planner,
        series="CA",
        kind="cost_adjustment",
        date=date,
        memo=None,
        lines=[],
        actor=ctx.actor,
        now=ctx.now,
        document=info.document,
    )[1:]
    record_recostings(ctx, wo, date, recostings)
    for when, lines in sorted(by_date.items()):
        wo.trigger(
            ctx.event(
                FinishedGoodsRecosted,
                document=info.document,
                date=when,
                lines=tuple(lines),
                adjustments=tuple(documents),
            )
        )
    return documents


def carry_on(ctx: Context, document: str, date: dt.date) -> None:
    """Carry the re-costings of one order's issues on, by its status (see the module)."""
    wo = ctx.uow.get(WorkOrder, work_order_stream(document))
    recostings = pending_recostings(ctx, wo)
    if not recostings:
        return
    has_receipts = any(q > 0 for q, _ in wo.receipts.values())
    if wo.status == "closed" and (wo.at_standard or not has_receipts):
        closed_on = wo.closed_on or date
        when = closed_on if closed_on > date and is_open(ctx.uow, closed_on) else date
        close_work_order(
            CloseWorkOrder(work_order=document, date=when, reason=RECOSTED_AFTER_CLOSE), ctx
        )
    elif wo.status in ("completed", "closed") and not wo.at_standard:
        carry_into_finished_goods(ctx, wo, date, recostings)
    else:  # open, or completed at standard (its close books the change as a variance)
        record_recostings(ctx, wo, date, recostings)


def issue_owner(ctx: Context, voucher: str) -> str | None:
    """The work order a `WI-` voucher issued material to: the party of its WIP lines (or,
    for an issue that posted nothing, the order whose `MaterialIssued` names it)."""
    posted = ctx.uow.get(journal.Voucher, journal.stream_id(voucher)).posted
    if posted is not None:
        for line in posted.lines:
            if line.party and line.party.startswith("WO-"):
                return line.party
    for e in ctx.stored(MaterialIssued):
        if isinstance(e, MaterialIssued) and e.voucher == voucher:
            return e.document
    return None


def recosted_issues(ctx: Context, recorded: list[tuple[str, int]]) -> dict[str, dt.date]:
    """The work orders whose issues these recorded events re-costed, each with the latest
    date inventory adjusted one of them on."""
    uow = ctx.uow
    found: dict[str, dt.date] = {}
    owners: dict[str, str | None] = {}
    for stream, version in recorded:
        if not stream.startswith("bin:"):
            continue
        stock = uow.touched.get(stream)
        if not isinstance(stock, StockBin):
            continue
        event = next((e for v, e in stock.pending if v == version), None)
        if not isinstance(event, StockCostAdjusted):
            continue
        key = (event.document, event.line)
        if not any((m.document, m.line) == key and m.kind == "wo_issue" for m in stock.history):
            continue
        if event.document not in owners:
            owners[event.document] = issue_owner(ctx, event.document)
        owner = owners[event.document]
        if owner is not None:
            found[owner] = max(found.get(owner, event.date), event.date)
    return found


def carry_on_recostings(action: Action, ctx: Context, credential: str | None) -> None:
    """After every action: carry on the re-costings of work-order issues it caused, round by
    round (a round's finished goods re-cost the parent orders' issues for the next)."""
    uow = ctx.uow
    start = 0
    for rounds in range(1, MAX_ROUNDS + 2):
        recorded = uow.recorded[start:]
        start = len(uow.recorded)
        orders = recosted_issues(ctx, recorded)
        if not orders:
            return
        for document, date in orders.items():
            if rounds > MAX_ROUNDS:  # a loop of extra issues: leave the rest in WIP
                wo = uow.get(WorkOrder, work_order_stream(document))
                record_recostings(ctx, wo, date, pending_recostings(ctx, wo))
            else:
                carry_on(ctx, document, date)
