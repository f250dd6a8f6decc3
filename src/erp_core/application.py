"""The application service: load aggregates, run a command's checks, store its events in one save.

Each action follows "load, command, one save". A batch of actions (bulk import) shares one save:
every action is still checked on its own, a refused action contributes nothing, and the
accepted ones are stored together, which is what makes bulk apply fast.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from erp_core.infra.memory import MemoryEventStore
from erp_core.infra.store import Conflict, EventStore
from erp_core.kernel.aggregate import Aggregate
from erp_core.kernel.commands import Action, ActionResult
from erp_core.kernel.context import Context
from erp_core.kernel.errors import (
    AlreadyInitialised,
    BatchRefused,
    ConcurrencyError,
    ErpError,
    IdempotencyConflict,
    ValidationError,
)
from erp_core.kernel.events import (
    ActionRecorded,
    DomainEvent,
    SnapshotRecorded,
    snapshot_hash,
    snapshot_stream,
    topics_for,
)
from erp_core.kernel.registry import GUARDS, RECORDERS, handler_for
from erp_core.kernel.unit_of_work import UnitOfWork
from erp_core.kernel.util import paused_gc
from erp_core.ledger import accounts, company, periods
from erp_core.ledger.company import Company
from erp_core.ledger.events import AccountOpened, CompanyCreated, FiscalYearOpened
from erp_core.ledger.periods import FiscalYear
from erp_core.ledger.posting import chart_of

A = TypeVar("A", bound=Aggregate)
MAX_ATTEMPTS = 50
EXCLUSIVE_AFTER = 1  # optimistic tries before taking the exclusive writer turn
BACKOFF_BASE_S = 0.002
BACKOFF_CAP_S = 0.25
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


@dataclass
class _Cached:
    agg: Aggregate
    snapshot_version: int


class CommandService:
    """Applies actions to the event store. Thread-unsafe; one per process or thread.

    Generic: it finds each action's handler in the registry and hands it a `Context`; the
    business rules live in the areas' handlers."""

    def __init__(
        self,
        store: EventStore | MemoryEventStore,
        clock: Callable[[], dt.datetime] = utc_now,
        credential: str | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.credential = credential  # the secret proving who acts, for the guards
        self._cache: dict[str, _Cached] = {}
        self.retries = 0  # attempts retried after losing a race (for load figures)
        self._seen = store.last_position()  # the log has been read up to here for the cache

    def _read_log(self, classes: tuple[type[DomainEvent], ...]) -> Iterator[DomainEvent]:
        for record in self.store.iter_log(topics=topics_for(*classes)):
            yield record.event()

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
                snap = self.trusted_snapshot(stream)
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

    def trusted_snapshot(self, stream: str) -> tuple[int, dict[str, Any]] | None:
        """The newest stored snapshot of `stream` if the chained log vouches for it: a
        `SnapshotRecorded` event with its version and the hash of its state. A snapshot
        edited in the table, or one written before snapshots were chained, is ignored (the
        stream is folded from the log instead)."""
        snap = self.store.load_snapshot(stream)
        if snap is None:
            return None
        version, state = snap
        digest = snapshot_hash(state)
        for _v, event in self.store.stream(snapshot_stream(stream)):
            if (
                isinstance(event, SnapshotRecorded)
                and event.of_stream == stream
                and event.of_version == version
                and event.state_hash == digest
            ):
                return snap
        return None

    def forget(self, streams: Sequence[str]) -> None:
        for s in streams:
            self._cache.pop(s, None)

    # -- applying ----------------------------------------------------------------------------
    def create_company(
        self, name: str, currency: str, year_start: dt.date, actor: str
    ) -> ActionResult:
        """Create the company with the standard chart and open its first fiscal year."""
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
        chart = chart_of(uow)
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
            try:
                outcomes = self._apply_batch(actions, actor, strict, dry_run)
            except BatchRefused as refused:
                if not dry_run:
                    self.record_refusals([refused.error])
                raise
        if not dry_run:
            self.record_refusals([o for o in outcomes if isinstance(o, ErpError)])
        return outcomes

    def record_refusals(self, errors: Sequence[ErpError]) -> None:
        """Store what the refusals ask to be remembered (a guard's refused-attempt record),
        in a save of their own: the refused actions themselves store nothing."""
        followups = [f for e in errors if (f := getattr(e, "on_refusal", None)) is not None]
        if not followups:
            return
        for _attempt in range(MAX_ATTEMPTS):
            self.refresh()
            uow = UnitOfWork(self)
            try:
                for followup in followups:
                    followup(uow)
                self._save(uow)
                return
            except Conflict:
                self.forget(list(uow.touched))
            finally:
                uow.release()

    def _apply_batch(
        self, actions: Sequence[Action], actor: str, strict: bool, dry_run: bool
    ) -> list[ActionResult | ErpError]:
        for attempt in range(MAX_ATTEMPTS):
            if attempt:
                # jittered exponential back-off ("full jitter"), so losers spread out
                self.retries += 1
                time.sleep(random.uniform(0, min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2**attempt)))
            # after a few lost races, the next attempt runs alone: it cannot lose again
            turn = (
                self.store.exclusive_turn()
                if attempt >= EXCLUSIVE_AFTER and not dry_run
                else contextlib.nullcontext()
            )
            with turn:
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
            hooks = len(uow.after_save)
            try:
                outcome = self._run(uow, action, actor, now)
            except ErpError as err:
                del uow.after_save[hooks:]  # a refused action's follow-ups never run
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
        for follow_up in uow.after_save:
            follow_up()
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
        snapshots = self._due_snapshots(uow, events)
        events += [rec for rec, _ in snapshots]
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
        for (_s, _v, recorded), state in snapshots:
            assert isinstance(recorded, SnapshotRecorded)
            # after the chained record: a crash in between leaves a record with no snapshot
            # (harmless), never a snapshot the chain does not vouch for
            self.store.save_snapshot(recorded.of_stream, recorded.of_version, state)
            cached = self._cache.get(recorded.of_stream)
            if cached is not None:
                cached.snapshot_version = recorded.of_version
        return stored

    def _due_snapshots(
        self, uow: UnitOfWork, events: list[tuple[str, int, DomainEvent]]
    ) -> list[tuple[tuple[str, int, DomainEvent], dict[str, Any]]]:
        """The fiscal years this save takes a snapshot of, each with the chained
        `SnapshotRecorded` stored in the same save as the events it folds."""
        due: list[tuple[tuple[str, int, DomainEvent], dict[str, Any]]] = []
        for stream, agg in uow.touched.items():
            if not isinstance(agg, FiscalYear):
                continue
            cached = self._cache.get(stream)
            base = cached.snapshot_version if cached is not None else 0
            if agg.version - base < SNAPSHOT_EVERY:
                continue
            state = agg.snapshot()
            first = events[0][2]
            record = SnapshotRecorded(
                actor=first.actor,
                recorded_at=first.recorded_at,
                of_stream=stream,
                of_version=agg.version,
                state_hash=snapshot_hash(state),
            )
            track = snapshot_stream(stream)
            due.append(((track, self.store.stream_version(track) + 1, record), state))
        return due

    def _run(self, uow: UnitOfWork, action: Action, actor: str, now: dt.datetime) -> ActionResult:
        handler = handler_for(type(action))  # loads the areas, and with them their guards
        ctx = Context(uow, actor, now, self._read_log, getattr(self.store, "keys", None))
        for guard in GUARDS:
            guard(action, ctx, self.credential)
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
        documents = handler(action, ctx)
        for recorder in RECORDERS:
            recorder(action, ctx, self.credential)
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


class _IdempotencyRecord(Aggregate):
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.recorded: ActionRecorded | None = None

    def _on_recorded(self, e: ActionRecorded) -> None:
        self.recorded = e

    handlers = {ActionRecorded: _on_recorded}


Ledger = CommandService  # the name it had before the areas were split out
