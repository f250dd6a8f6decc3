"""The application service: load aggregates, run a command's checks, store its events in one save.

Each action follows "load, command, one save". A batch of actions (bulk import) shares one save:
every action is still checked on its own, a refused action contributes nothing, and the
accepted ones are stored together, which is what makes bulk apply fast.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from erp_core import (
    accounts,
    company,
    journal,
    periods,
    purchase_actions,
    sales_actions,
    stock_actions,
)
from erp_core import commands as c
from erp_core.accounts import Chart
from erp_core.aggregate import Aggregate
from erp_core.commands import (
    Action,
    ActionResult,
    AddDimensionValue,
    CloseAccount,
    CloseFiscalYear,
    ClosePeriod,
    LockPeriod,
    OpenAccount,
    OpenFiscalYear,
    PostVoucher,
    ReopenFiscalYear,
    ReopenPeriod,
    ReverseVoucher,
)
from erp_core.company import Company
from erp_core.errors import (
    BatchRefused,
    ConcurrencyError,
    ErpError,
    IdempotencyConflict,
    NotFound,
    PeriodStateError,
    ValidationError,
)
from erp_core.events import (
    AccountClosed,
    AccountOpened,
    ActionRecorded,
    CompanyCreated,
    DimensionValueAdded,
    FiscalYearClosed,
    FiscalYearOpened,
    FiscalYearReopened,
    VoucherPosted,
    VoucherReversed,
    topics_for,
)
from erp_core.journal import Voucher
from erp_core.money import ZERO
from erp_core.periods import FiscalYear
from erp_core.store import Conflict, EventStore
from erp_core.unit_of_work import UnitOfWork
from erp_core.util import paused_gc

A = TypeVar("A", bound=Aggregate)
MAX_ATTEMPTS = 50
REFRESH_BATCH = 5000
SNAPSHOT_EVERY = 200


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _canonical(value: object) -> object:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")  # "250", "250.0" and "250.00" are one amount
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"cannot hash {type(value).__name__}")


def content_hash(action: Action) -> str:
    """Hash of an action's content (not its key): what an idempotency key is bound to."""
    body = action.model_dump(mode="python", exclude={"idempotency_key"})
    text = json.dumps(body, sort_keys=True, default=_canonical)
    return hashlib.sha256(text.encode()).hexdigest()


def check_actor(actor: str) -> None:
    if not actor.strip():
        raise ValidationError("actor", "every action needs an actor (who did it)")
    if len(actor) > 200:
        raise ValidationError("actor", "the actor name is longer than 200 characters")


Handler = Callable[[Any, UnitOfWork, Any, str, dt.datetime], list[str]]


@dataclass
class _Cached:
    agg: Aggregate
    snapshot_version: int


class Ledger:
    """Applies actions to the event store. Thread-unsafe; one per process or thread."""

    def __init__(self, store: EventStore, clock: Callable[[], dt.datetime] = utc_now) -> None:
        self.store = store
        self.clock = clock
        self._cache: dict[str, _Cached] = {}
        self._seen = store.last_position()  # the log has been read up to here for the cache

    # -- loading -----------------------------------------------------------------------------
    def refresh(self) -> None:
        """Bring every cached aggregate up to date with one read of the log since the last
        refresh (instead of one query per aggregate per save)."""
        while True:
            records = self.store.read_log(self._seen, REFRESH_BATCH)
            for r in records:
                cached = self._cache.get(r.stream)
                if cached is None:
                    continue
                agg = cached.agg
                if r.version == agg.version + 1:
                    agg.apply(r.event())
                    agg.version = r.version
                elif r.version > agg.version + 1:  # a gap: load it afresh when next needed
                    del self._cache[r.stream]
            if records:
                self._seen = records[-1].position
            if len(records) < REFRESH_BATCH:
                return

    def load(self, cls: type[A], stream: str, *, refreshed: bool = False) -> A:
        """The aggregate at its latest stored version. Cached aggregates are brought up to date
        by `refresh` (a unit of work refreshes once when it starts: ``refreshed=True``)."""
        if not refreshed:
            self.refresh()
        cached = self._cache.get(stream)
        if cached is not None and type(cached.agg) is cls:
            assert isinstance(cached.agg, cls)
            return cached.agg
        if cached is None or type(cached.agg) is not cls:
            agg = cls(stream)
            snapshot_version = 0
            if isinstance(agg, FiscalYear):
                snap = self.store.load_snapshot(stream)
                if snap is not None:
                    agg.restore(*snap)
                    snapshot_version = snap[0]
            cached = _Cached(agg, snapshot_version)
        loaded = cached.agg
        loaded.replay(self.store.stream(stream, after=loaded.version))
        if cls.cacheable:
            self._cache[stream] = cached
        assert isinstance(loaded, cls)
        return loaded

    def forget(self, streams: Sequence[str]) -> None:
        for s in streams:
            self._cache.pop(s, None)

    # -- applying ----------------------------------------------------------------------------
    def create_company(
        self, name: str, currency: str, year_start: dt.date, actor: str
    ) -> ActionResult:
        """Create the company with the standard chart and open its first fiscal year."""
        from erp_core.errors import AlreadyInitialised

        company.check_company_fields(name, currency, year_start)
        check_actor(actor)
        now = self.clock()
        self.refresh()
        uow = UnitOfWork(self)
        comp = uow.get(Company, company.STREAM)
        if comp.exists:
            raise AlreadyInitialised(f"this database already holds the company {comp.name!r}")
        comp.trigger(
            CompanyCreated(
                actor=actor,
                recorded_at=now,
                name=name.strip(),
                base_currency=currency,
                fiscal_year_start=year_start,
            )
        )
        chart = uow.chart()
        for code, acc_name, typ, parent, is_group, control in accounts.STANDARD_CHART:
            event = AccountOpened(
                actor=actor,
                recorded_at=now,
                code=code,
                name=acc_name,
                type=typ,
                parent=parent,
                is_group=is_group,
                control=control,
            )
            chart.check_new_account(event)
            chart.trigger(event)
        label, start, end = periods.fiscal_year_bounds(year_start, year_start)
        fy = uow.get(FiscalYear, periods.stream_id(label))
        fy.trigger(
            FiscalYearOpened(
                actor=actor,
                recorded_at=now,
                label=label,
                start=start,
                end=end,
                periods=periods.monthly_periods(start),
            )
        )
        try:
            stored = self._save(uow)
        finally:
            uow.release()
        return ActionResult(action="create_company", positions=sorted(stored.values()))

    def apply(self, action: Action, actor: str) -> ActionResult:
        """Apply one action in its own atomic save."""
        results = self.apply_batch([action], actor)
        outcome = results[0]
        if isinstance(outcome, ErpError):
            raise outcome
        return outcome

    def apply_batch_strict(self, actions: Sequence[Action], actor: str) -> list[ActionResult]:
        """Store every action in one atomic save, or none of them if any is refused."""
        outcomes = self.apply_batch(actions, actor, strict=True)
        return [o for o in outcomes if isinstance(o, ActionResult)]

    def apply_batch(
        self,
        actions: Sequence[Action],
        actor: str,
        *,
        strict: bool = False,
        dry_run: bool = False,
    ) -> list[ActionResult | ErpError]:
        """Check every action on its own; store the accepted ones in one atomic save.

        Returns, per action, its result or the error that refused it.
        """
        check_actor(actor)
        with paused_gc():
            return self._apply_batch(actions, actor, strict, dry_run)

    def _apply_batch(
        self, actions: Sequence[Action], actor: str, strict: bool, dry_run: bool
    ) -> list[ActionResult | ErpError]:
        for _attempt in range(MAX_ATTEMPTS):
            uow = UnitOfWork(self)
            try:
                outcomes = self._attempt(uow, actions, actor, strict, dry_run)
            finally:
                uow.release()
            if outcomes is not None:
                return outcomes
        raise ConcurrencyError(
            f"gave up after {MAX_ATTEMPTS} attempts: other writers kept changing the same records"
        )

    def _attempt(
        self,
        uow: UnitOfWork,
        actions: Sequence[Action],
        actor: str,
        strict: bool,
        dry_run: bool,
    ) -> list[ActionResult | ErpError] | None:
        """One try at checking and storing a batch; None when a concurrent writer won."""
        self.refresh()
        now = self.clock()
        outcomes: list[ActionResult | ErpError] = []
        produced: list[list[tuple[str, int]]] = []
        for action in actions:
            uow.recorded = []
            try:
                outcome = self._run(uow, action, actor, now)
            except ErpError as err:
                if uow.recorded:
                    # A handler raised after recording: drop this attempt's state entirely.
                    self.forget(list(uow.touched))
                    raise ErpError(f"internal: {action.action} recorded before refusing") from err
                outcomes.append(err)
                produced.append([])
                continue
            outcomes.append(outcome)
            produced.append(uow.recorded)
        if strict:
            for index, refused in enumerate(outcomes):
                if isinstance(refused, ErpError):
                    self.forget(list(uow.touched))
                    raise BatchRefused(index, refused)
        if dry_run:
            # Checked against the current state, numbered as they would be; nothing stored.
            uow.collect()
            self.forget(list(uow.touched))
            return outcomes
        try:
            stored = self._save(uow)
        except Conflict:
            self.forget(list(uow.touched))
            return None
        except BaseException:
            self.forget(list(uow.touched))
            raise
        final: list[ActionResult | ErpError] = []
        for done, keys in zip(outcomes, produced, strict=True):
            if isinstance(done, ActionResult) and not done.duplicate:
                positions = sorted({stored[k] for k in keys})
                done = done.model_copy(update={"positions": positions})
            final.append(done)
        return final

    def _save(self, uow: UnitOfWork) -> dict[tuple[str, int], int]:
        """Store the unit of work; return the log position of each (stream, version)."""
        events = uow.collect()
        if not events:
            return {}
        positions = self.store.append(events)
        stored = {(s, v): p for (s, v, _), p in zip(events, positions, strict=True)}
        ordered = sorted(positions)
        if (
            ordered
            and ordered[0] == self._seen + 1
            and ordered[-1] - ordered[0] + 1 == len(ordered)
        ):
            # nobody else wrote since the last refresh: the cache already holds these events
            self._seen = ordered[-1]
        for stream, cached in list(self._cache.items()):
            agg = cached.agg
            if (
                isinstance(agg, FiscalYear)
                and stream in uow.touched
                and agg.version - cached.snapshot_version >= SNAPSHOT_EVERY
            ):
                self.store.save_snapshot(stream, agg.version, agg.snapshot())
                cached.snapshot_version = agg.version
        return stored

    def _run(self, uow: UnitOfWork, action: Action, actor: str, now: dt.datetime) -> ActionResult:
        key = action.idempotency_key
        if key is not None:
            digest = content_hash(action)
            seen = uow.keys_in_batch.get(key)
            if seen is None:
                record = uow.get(_IdempotencyRecord, f"idem:{key}")
                if record.recorded is not None:
                    seen = (
                        record.recorded.content_hash,
                        ActionResult(
                            action=record.recorded.action, duplicate=True, **record.recorded.result
                        ),
                    )
            if seen is not None:
                if seen[0] != digest:
                    raise IdempotencyConflict(
                        f"idempotency key {key!r} was already used for different content"
                    )
                return seen[1].model_copy(update={"duplicate": True})
        handler = HANDLERS[type(action)]
        documents = handler(self, uow, action, actor, now)
        result = ActionResult(action=action.action, documents=documents)
        if key is not None:
            record = uow.get(_IdempotencyRecord, f"idem:{key}")
            record.trigger(
                ActionRecorded(
                    actor=actor,
                    recorded_at=now,
                    key=key,
                    action=action.action,
                    content_hash=digest,
                    result={"documents": documents},
                )
            )
            uow.keys_in_batch[key] = (digest, result)
        return result

    # -- handlers (check, then record) -------------------------------------------------------
    def _open_account(
        self, uow: UnitOfWork, cmd: OpenAccount, actor: str, now: dt.datetime
    ) -> list[str]:
        uow.company()
        chart = uow.chart()
        event = AccountOpened(
            actor=actor,
            recorded_at=now,
            code=cmd.code,
            name=cmd.name,
            type=cmd.type,
            parent=cmd.parent,
            is_group=cmd.is_group,
            control=cmd.control,
            currency=cmd.currency,
        )
        chart.check_new_account(event)
        chart.trigger(event)
        return []

    def _close_account(
        self, uow: UnitOfWork, cmd: CloseAccount, actor: str, now: dt.datetime
    ) -> list[str]:
        uow.company()
        chart = uow.chart()
        chart.check_can_close(cmd.code)
        chart.trigger(AccountClosed(actor=actor, recorded_at=now, code=cmd.code, reason=cmd.reason))
        return []

    def _add_dimension_value(
        self, uow: UnitOfWork, cmd: AddDimensionValue, actor: str, now: dt.datetime
    ) -> list[str]:
        uow.company()
        chart = uow.chart()
        chart.check_new_dimension_value(cmd.dimension, cmd.code, cmd.name)
        chart.trigger(
            DimensionValueAdded(
                actor=actor, recorded_at=now, dimension=cmd.dimension, code=cmd.code, name=cmd.name
            )
        )
        return []

    def _open_fiscal_year(
        self, uow: UnitOfWork, cmd: OpenFiscalYear, actor: str, now: dt.datetime
    ) -> list[str]:
        comp = uow.company()
        first = dt.date(cmd.year, comp.fiscal_year_start.month, 1)
        label, start, end = periods.fiscal_year_bounds(first, comp.fiscal_year_start)
        fy = uow.get(FiscalYear, periods.stream_id(label))
        if fy.exists:
            raise PeriodStateError(f"fiscal year {label} is already open")
        fy.trigger(
            FiscalYearOpened(
                actor=actor,
                recorded_at=now,
                label=label,
                start=start,
                end=end,
                periods=periods.monthly_periods(start),
            )
        )
        return []

    def _post_voucher(
        self, uow: UnitOfWork, cmd: PostVoucher, actor: str, now: dt.datetime
    ) -> list[str]:
        base = uow.company().base_currency
        chart = uow.chart()
        lines, by_currency = journal.price_lines(cmd.lines, chart, base)
        lines = journal.balance_lines(lines, by_currency, chart, base)
        fy = uow.fiscal_year_for(cmd.date)
        fy.check_open_for_posting(cmd.date)
        voucher = journal.post_voucher(
            date=cmd.date,
            memo=cmd.memo,
            lines=lines,
            kind="manual",
            fiscal_year=fy,
            actor=actor,
            now=now,
        )
        uow.add(voucher)
        assert voucher.posted is not None
        return [voucher.posted.document]

    def _reverse_voucher(
        self, uow: UnitOfWork, cmd: ReverseVoucher, actor: str, now: dt.datetime
    ) -> list[str]:
        uow.company()
        chart = uow.chart()
        original = uow.get(Voucher, journal.stream_id(cmd.document))
        if not original.exists:
            raise NotFound(f"no posted voucher {cmd.document!r}")
        posted = original.check_reversible()
        lines = journal.reversed_lines(posted.lines, chart)
        fy = uow.fiscal_year_for(cmd.date)
        fy.check_open_for_posting(cmd.date)
        reversal = journal.post_voucher(
            date=cmd.date,
            memo=cmd.memo or f"Reversal of {posted.document}",
            lines=lines,
            kind="reversal",
            fiscal_year=fy,
            actor=actor,
            now=now,
            reverses=posted.document,
        )
        uow.add(reversal)
        assert reversal.posted is not None
        document = reversal.posted.document
        original.trigger(
            VoucherReversed(actor=actor, recorded_at=now, by_document=document, date=cmd.date)
        )
        return [document]

    def _period_target(self, uow: UnitOfWork, month: str) -> tuple[FiscalYear, int]:
        day = dt.date.fromisoformat(f"{month}-01")
        fy = uow.fiscal_year_for(day, "period")
        return fy, fy.period_of(day)

    def _close_period(
        self, uow: UnitOfWork, cmd: ClosePeriod, actor: str, now: dt.datetime
    ) -> list[str]:
        fy, number = self._period_target(uow, cmd.period)
        fy.close_period(number, actor, now)
        return []

    def _lock_period(
        self, uow: UnitOfWork, cmd: LockPeriod, actor: str, now: dt.datetime
    ) -> list[str]:
        fy, number = self._period_target(uow, cmd.period)
        fy.lock_period(number, actor, now)
        return []

    def _reopen_period(
        self, uow: UnitOfWork, cmd: ReopenPeriod, actor: str, now: dt.datetime
    ) -> list[str]:
        fy, number = self._period_target(uow, cmd.period)
        fy.reopen_period(number, cmd.reason, actor, now)
        return []

    def profit_and_loss_of_year(
        self, label: str, chart: Chart, pending: Sequence[VoucherPosted] = ()
    ) -> dict[tuple[str, str], tuple[Decimal, Decimal]]:
        """(amount, base) of every P&L account x currency over one fiscal year.

        Read from the log itself (never from projections), plus the vouchers of the current
        save that are not stored yet.
        """
        totals: dict[tuple[str, str], tuple[Decimal, Decimal]] = {}
        stored = (r.event() for r in self.store.iter_log(topics=topics_for(VoucherPosted)))
        for event in itertools.chain(stored, pending):
            assert isinstance(event, VoucherPosted)
            if event.fiscal_year != label:
                continue
            for line in event.lines:
                if chart.get(line.account).is_profit_and_loss:
                    key = (line.account, line.currency)
                    amount, base = totals.get(key, (ZERO, ZERO))
                    totals[key] = (amount + line.amount, base + line.base)
        return totals

    def _close_fiscal_year(
        self, uow: UnitOfWork, cmd: CloseFiscalYear, actor: str, now: dt.datetime
    ) -> list[str]:
        base = uow.company().base_currency
        chart = uow.chart()
        fy = uow.fiscal_year(cmd.year)
        if fy.closed:
            raise PeriodStateError(f"fiscal year {fy.label} is already closed")
        fy.check_last_period_not_locked("closed")
        pending = [
            e for a in uow.touched.values() for _, e in a.pending if isinstance(e, VoucherPosted)
        ]
        lines = journal.closing_lines(
            self.profit_and_loss_of_year(fy.label, chart, pending), chart, base
        )
        documents: list[str] = []
        if lines:
            voucher = journal.post_voucher(
                date=fy.end,
                memo=f"Year-end close {fy.label}",
                lines=lines,
                kind="closing",
                fiscal_year=fy,
                actor=actor,
                now=now,
                series="YC",
                period_checked=False,
            )
            uow.add(voucher)
            assert voucher.posted is not None
            documents.append(voucher.posted.document)
        for number, status in sorted(fy.status.items()):
            if status == "open":
                fy.close_period(number, actor, now)
        fy.trigger(
            FiscalYearClosed(
                actor=actor, recorded_at=now, closing_document=documents[0] if documents else ""
            )
        )
        return documents

    def _reopen_fiscal_year(
        self, uow: UnitOfWork, cmd: ReopenFiscalYear, actor: str, now: dt.datetime
    ) -> list[str]:
        uow.company()
        chart = uow.chart()
        fy = uow.fiscal_year(cmd.year)
        if not fy.closed:
            raise PeriodStateError(f"fiscal year {fy.label} is not closed")
        fy.check_last_period_not_locked("reopened")
        documents: list[str] = []
        if fy.closing_document:
            closing = uow.get(Voucher, journal.stream_id(fy.closing_document))
            assert closing.posted is not None
            lines = journal.reversed_lines(closing.posted.lines, chart)
            reversal = journal.post_voucher(
                date=fy.end,
                memo=f"Reopen {fy.label}: {cmd.reason}",
                lines=lines,
                kind="closing",
                fiscal_year=fy,
                actor=actor,
                now=now,
                series="YC",
                reverses=fy.closing_document,
                period_checked=False,
            )
            uow.add(reversal)
            assert reversal.posted is not None
            documents.append(reversal.posted.document)
            closing.trigger(
                VoucherReversed(actor=actor, recorded_at=now, by_document=documents[0], date=fy.end)
            )
        fy.trigger(
            FiscalYearReopened(
                actor=actor,
                recorded_at=now,
                reversal_document=documents[0] if documents else "",
                reason=cmd.reason,
            )
        )
        return documents


class _IdempotencyRecord(Aggregate):
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.recorded: ActionRecorded | None = None

    def _on_recorded(self, e: ActionRecorded) -> None:
        self.recorded = e

    handlers = {ActionRecorded: _on_recorded}


HANDLERS: dict[type[Action], Handler] = {
    OpenAccount: Ledger._open_account,
    CloseAccount: Ledger._close_account,
    AddDimensionValue: Ledger._add_dimension_value,
    OpenFiscalYear: Ledger._open_fiscal_year,
    PostVoucher: Ledger._post_voucher,
    ReverseVoucher: Ledger._reverse_voucher,
    ClosePeriod: Ledger._close_period,
    LockPeriod: Ledger._lock_period,
    ReopenPeriod: Ledger._reopen_period,
    CloseFiscalYear: Ledger._close_fiscal_year,
    ReopenFiscalYear: Ledger._reopen_fiscal_year,
    # inventory
    c.RegisterItem: stock_actions.register_item,
    c.RegisterWarehouse: stock_actions.register_warehouse,
    c.ReceiveStock: stock_actions.receive_stock,
    c.IssueMaterial: stock_actions.issue_material,
    c.TransferStock: stock_actions.transfer_stock,
    c.CountStock: stock_actions.count_stock,
    # procurement
    c.ConfigureProcurement: purchase_actions.configure_procurement,
    c.RegisterSupplier: purchase_actions.register_supplier,
    c.CreatePurchasePlan: purchase_actions.create_purchase_plan,
    c.OrderPurchasePlan: purchase_actions.order_purchase_plan,
    c.CreatePurchaseOrder: purchase_actions.create_purchase_order,
    c.ApprovePurchaseOrder: purchase_actions.approve_purchase_order,
    c.CancelPurchaseOrder: purchase_actions.cancel_purchase_order,
    c.ClosePurchaseOrder: purchase_actions.close_purchase_order,
    c.ReceivePurchaseOrder: purchase_actions.receive_purchase_order,
    c.PostSupplierInvoice: purchase_actions.post_supplier_invoice,
    c.PaySupplier: purchase_actions.pay_supplier,
    c.AllocateSupplierPayment: purchase_actions.allocate_supplier_payment,
    # sales
    c.ConfigureSales: sales_actions.configure_sales,
    c.RegisterCustomer: sales_actions.register_customer,
    c.ChangeCustomerCredit: sales_actions.change_customer_credit,
    c.CreateSalesOrder: sales_actions.create_sales_order,
    c.ApproveSalesCredit: sales_actions.approve_sales_credit,
    c.ConfirmSalesOrder: sales_actions.confirm_sales_order,
    c.CancelSalesOrder: sales_actions.cancel_sales_order,
    c.DeliverSalesOrder: sales_actions.deliver_sales_order,
    c.InvoiceSalesOrder: sales_actions.invoice_sales_order,
    c.ReceiveCustomerPayment: sales_actions.receive_customer_payment,
    c.AllocateCustomerReceipt: sales_actions.allocate_customer_receipt,
    c.ReturnSalesGoods: sales_actions.return_sales_goods,
    c.PostCreditNote: sales_actions.post_credit_note,
}
