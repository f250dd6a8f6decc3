"""Moving stock with its journal: what inventory's own actions and every other area that
moves stock (procurement's receipts, sales' deliveries, production) share.

`StockPlanner` plans the movements of one action on copies of the bins until everything is
checked; `finish` posts the action's voucher and the cost adjustments of back-dated movements
and records the bins.
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
    item_stream,
    warehouse_stream,
)
from erp_core.inventory.events import (
    ItemRegistered,
    StockBinOpened,
    StockCostAdjusted,
    StockLayer,
    StockMoved,
)
from erp_core.inventory.valuation import Movement, Pool
from erp_core.kernel.money import ZERO, quantum
from erp_core.kernel.unit_of_work import UnitOfWork
from erp_core.ledger.events import PostedLine, VoucherKind
from erp_core.ledger.journal import Voucher, stream_id
from erp_core.ledger.posting import (
    Now,
    chart_of,
    gl,
    is_open,
    post_document,
    post_document_as,
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


def counter_party(uow: UnitOfWork, document: str, account: str) -> str | None:
    """The party an outflow's voucher gave its counter account (a work order on WIP, say), so
    that a cost adjustment of that outflow lands on the same sub-ledger line; None when the
    voucher gave none, or more than one."""
    posted = uow.get(Voucher, stream_id(document)).posted
    if posted is None:
        return None
    parties = {x.party for x in posted.lines if x.account == account and x.party}
    return parties.pop() if len(parties) == 1 else None


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
            party = counter_party(uow, m.document, m.counter_account)
            adj_lines.append(
                gl(m.counter_account, -delta, planner.currency, f"cost of {what}", party=party)
            )
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
