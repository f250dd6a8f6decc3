"""Process metrics over an object-centric event log: where work gets stuck.

Every metric is computed **per object type**: the log is flattened into one trace per object of
that type (the events touching it, in log order), so an event touching three order lines counts
once for each line and once for the order, never three times for the order.

**Time.** Each metric that measures time uses ``OcelEvent.time`` as given: the caller builds the
log with effective (posting) dates or with recorded times and says which in the report. Metrics
that only use the *order* of events (variants, rework, conformance, segregation of duties,
hand-overs) depend on the choice only through that order; workload counts do not use time at all.

**Durations** are ``timedelta`` values. Means and percentiles are rounded to whole microseconds,
half up. Percentiles interpolate linearly between the closest ranks (the default of numpy and
pandas, Excel's PERCENTILE.INC), so the median is the 50th percentile.

**Completed objects.** ``completed_by`` (a set of activities) marks an object as finished when its
latest event is one of them; without it every object counts as finished at its latest event. Cycle
times and throughput count finished objects only; an unfinished object stays in progress.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from fractions import Fraction
from itertools import pairwise
from math import floor
from typing import Literal

from erp_core.insight.ocel import Log, OcelError, OcelEvent

Period = Literal["day", "week", "month"]
_US = timedelta(microseconds=1)


# ---------------------------------------------------------------------------------------------
# Duration statistics


@dataclass(frozen=True)
class DurationStats:
    """Summary of a set of durations (never empty: functions return ``None`` instead)."""

    count: int
    mean: timedelta
    median: timedelta
    p90: timedelta
    max: timedelta
    total: timedelta


def _us(fraction: Fraction) -> timedelta:
    """A fraction of microseconds, rounded half up to a whole microsecond."""
    return timedelta(microseconds=floor(fraction + Fraction(1, 2)))


def percentile(sorted_durations: Sequence[timedelta], q: Fraction) -> timedelta:
    """The ``q`` quantile (0 <= q <= 1) of sorted durations, interpolating linearly."""
    if not sorted_durations:
        raise OcelError("durations", "percentile of an empty list")
    if not 0 <= q <= 1:
        raise OcelError("q", f"must be between 0 and 1, got {q}")
    position = (len(sorted_durations) - 1) * q
    low = floor(position)
    lower = sorted_durations[low] // _US
    if low + 1 == len(sorted_durations):
        return timedelta(microseconds=lower)
    upper = sorted_durations[low + 1] // _US
    return _us(lower + (upper - lower) * (position - low))


def duration_stats(durations: Iterable[timedelta]) -> DurationStats | None:
    """Count, mean, median, 90th percentile, max and total; ``None`` for no durations."""
    values = sorted(durations)
    if not values:
        return None
    total = sum(values, timedelta())
    return DurationStats(
        count=len(values),
        mean=_us(Fraction(total // _US, len(values))),
        median=percentile(values, Fraction(1, 2)),
        p90=percentile(values, Fraction(9, 10)),
        max=values[-1],
        total=total,
    )


# ---------------------------------------------------------------------------------------------
# Traces


def _traces(log: Log, object_type: str) -> Iterator[tuple[str, tuple[OcelEvent, ...]]]:
    """(object id, events) for each object of the type that has at least one event."""
    for obj, events in log.traces(object_type):
        if events:
            yield obj.id, events


def _finished(events: tuple[OcelEvent, ...], completed_by: Collection[str] | None) -> bool:
    return completed_by is None or events[-1].type in completed_by


def activity_counts(log: Log, object_type: str) -> dict[str, int]:
    """How many times each activity occurs in the traces of ``object_type`` (sorted by name)."""
    counts: Counter[str] = Counter()
    for _, events in _traces(log, object_type):
        counts.update(e.type for e in events)
    return dict(sorted(counts.items()))


# ---------------------------------------------------------------------------------------------
# Cycle time


@dataclass(frozen=True)
class CycleTimes:
    """Cycle time (first to latest event) of each finished object, and their statistics."""

    object_type: str
    per_object: tuple[tuple[str, timedelta], ...]
    stats: DurationStats | None


def cycle_times(
    log: Log, object_type: str, *, completed_by: Collection[str] | None = None
) -> CycleTimes:
    """Cycle time per object of ``object_type``: from its first to its latest event.

    Time: event time. Objects without events, and unfinished ones when ``completed_by`` is given,
    are left out. An object with one event has a cycle time of zero.
    """
    per_object = tuple(
        (oid, events[-1].time - events[0].time)
        for oid, events in _traces(log, object_type)
        if _finished(events, completed_by)
    )
    return CycleTimes(object_type, per_object, duration_stats(d for _, d in per_object))


# ---------------------------------------------------------------------------------------------
# Performance DFG and bottlenecks


@dataclass(frozen=True)
class Arrow:
    """A directly-follows pair of activities with the waiting times between them."""

    source: str
    target: str
    waits: DurationStats

    @property
    def count(self) -> int:
        return self.waits.count


def performance_dfg(log: Log, object_type: str) -> tuple[Arrow, ...]:
    """Waiting time per directly-follows pair of activities (the performance DFG).

    Time: event time. For each object, each pair of consecutive events (a, b) adds the wait
    ``b.time - a.time`` to the arrow a -> b. Sorted by (source, target).
    """
    waits: dict[tuple[str, str], list[timedelta]] = defaultdict(list)
    for _, events in _traces(log, object_type):
        for a, b in pairwise(events):
            waits[(a.type, b.type)].append(b.time - a.time)
    arrows = []
    for (source, target), values in sorted(waits.items()):
        stats = duration_stats(values)
        if stats is not None:
            arrows.append(Arrow(source, target, stats))
    return tuple(arrows)


@dataclass(frozen=True)
class Bottleneck:
    """An arrow of the process map ranked by ``score`` = mean wait x frequency."""

    source: str
    target: str
    count: int
    mean_wait: timedelta
    score: timedelta


def bottlenecks(log: Log, object_type: str, *, top: int | None = None) -> tuple[Bottleneck, ...]:
    """Arrows ranked by mean wait x frequency, largest first.

    Time: event time. The score is the exact total wait on the arrow (mean x count before the
    mean is rounded). Ties: higher count first, then (source, target).
    """
    ranked = sorted(
        (
            Bottleneck(a.source, a.target, a.count, a.waits.mean, a.waits.total)
            for a in performance_dfg(log, object_type)
        ),
        key=lambda b: (-b.score, -b.count, b.source, b.target),
    )
    return tuple(ranked if top is None else ranked[:top])


# ---------------------------------------------------------------------------------------------
# Throughput and work in progress


@dataclass(frozen=True)
class PeriodCount:
    """Objects started (first event) and finished (latest event) in one period."""

    period_start: date
    started: int
    completed: int


def period_start(t: datetime, period: Period, tz: tzinfo = UTC) -> date:
    """The first day of the period holding ``t`` in ``tz`` (weeks start on Monday)."""
    d = t.astimezone(tz).date()
    if period == "day":
        return d
    if period == "week":
        return d - timedelta(days=d.weekday())
    if period == "month":
        return d.replace(day=1)
    raise OcelError("period", f"must be day, week or month, got {period!r}")


def _next_period(d: date, period: Period) -> date:
    if period == "day":
        return d + timedelta(days=1)
    if period == "week":
        return d + timedelta(days=7)
    return date(d.year + d.month // 12, d.month % 12 + 1, 1)


def throughput(
    log: Log,
    object_type: str,
    *,
    period: Period = "week",
    tz: tzinfo = UTC,
    completed_by: Collection[str] | None = None,
) -> tuple[PeriodCount, ...]:
    """Objects started and finished per period, every period from the first to the last.

    Time: event time, bucketed by its calendar day in ``tz``.
    """
    if period not in ("day", "week", "month"):
        raise OcelError("period", f"must be day, week or month, got {period!r}")
    started: Counter[date] = Counter()
    completed: Counter[date] = Counter()
    for _, events in _traces(log, object_type):
        started[period_start(events[0].time, period, tz)] += 1
        if _finished(events, completed_by):
            completed[period_start(events[-1].time, period, tz)] += 1
    if not started:
        return ()
    first, last = min(started), max(started | completed)
    rows = []
    d = first
    while d <= last:
        rows.append(PeriodCount(d, started[d], completed[d]))
        d = _next_period(d, period)
    return tuple(rows)


def _spans(
    log: Log, object_type: str, completed_by: Collection[str] | None
) -> list[tuple[datetime, datetime | None]]:
    spans: list[tuple[datetime, datetime | None]] = []
    for _, events in _traces(log, object_type):
        end = events[-1].time if _finished(events, completed_by) else None
        spans.append((events[0].time, end))
    return spans


def work_in_progress(
    log: Log, object_type: str, *, completed_by: Collection[str] | None = None
) -> tuple[tuple[datetime, int], ...]:
    """Work in progress as a step function: (instant, objects in progress from then on).

    Time: event time. An object is in progress from its first event up to (not including) its
    latest event, or for ever when ``completed_by`` says it is unfinished; an object whose first
    and latest events share one instant is never in progress. Only instants where the count
    changes are listed.
    """
    delta: Counter[datetime] = Counter()
    for start, end in _spans(log, object_type, completed_by):
        if end is not None and end == start:
            continue
        delta[start] += 1
        if end is not None:
            delta[end] -= 1
    steps = []
    level = 0
    for t in sorted(delta):
        if delta[t]:
            level += delta[t]
            steps.append((t, level))
    return tuple(steps)


def wip_at(
    log: Log,
    object_type: str,
    instants: Iterable[datetime],
    *,
    completed_by: Collection[str] | None = None,
) -> tuple[tuple[datetime, int], ...]:
    """Objects in progress at each instant (``first <= t < latest``; see work_in_progress)."""
    spans = _spans(log, object_type, completed_by)
    return tuple((t, sum(1 for s, e in spans if s <= t and (e is None or t < e))) for t in instants)


# ---------------------------------------------------------------------------------------------
# Rework and variants


@dataclass(frozen=True)
class Repeat:
    """An activity that occurred more than once on one object."""

    object_id: str
    activity: str
    occurrences: int


@dataclass(frozen=True)
class Rework:
    """Repeated activities and cancellations among the objects of one type.

    ``rework_count`` is the number of extra occurrences (occurrences - 1, summed).
    """

    object_type: str
    repeats: tuple[Repeat, ...]
    cancelled: tuple[str, ...]
    rework_count: int
    objects_with_rework: int


def rework(log: Log, object_type: str, *, cancellations: Collection[str] = ()) -> Rework:
    """Repeated activities per object, and the objects with a cancellation activity.

    Time: only the set of events per object matters, not their times. ``cancellations`` names
    the activities that cancel, reverse or amend (e.g. ``"cancel order"``, ``"reverse invoice"``).
    """
    repeats: list[Repeat] = []
    cancelled: list[str] = []
    for oid, events in _traces(log, object_type):
        counts = Counter(e.type for e in events)
        repeats.extend(Repeat(oid, act, n) for act, n in sorted(counts.items()) if n > 1)
        if any(e.type in cancellations for e in events):
            cancelled.append(oid)
    return Rework(
        object_type=object_type,
        repeats=tuple(repeats),
        cancelled=tuple(cancelled),
        rework_count=sum(r.occurrences - 1 for r in repeats),
        objects_with_rework=len({r.object_id for r in repeats}),
    )


@dataclass(frozen=True)
class Variant:
    """One sequence of activities and the objects that followed it."""

    activities: tuple[str, ...]
    count: int
    object_ids: tuple[str, ...]


def variants(log: Log, object_type: str) -> tuple[Variant, ...]:
    """Activity sequences of the objects of ``object_type``, most frequent first.

    Time: event order only. Ties: sorted by the activity sequence.
    """
    groups: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for oid, events in _traces(log, object_type):
        groups[tuple(e.type for e in events)].append(oid)
    ranked = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    return tuple(Variant(acts, len(ids), tuple(ids)) for acts, ids in ranked)


# ---------------------------------------------------------------------------------------------
# Conformance and segregation of duties


@dataclass(frozen=True)
class PrecedenceRule:
    """``before`` must come before ``after`` for the same object of ``object_type``."""

    before: str
    after: str
    object_type: str
    name: str = ""

    @property
    def label(self) -> str:
        return self.name or f"{self.before} before {self.after}"


@dataclass(frozen=True)
class SodRule:
    """No one actor may do both ``first`` and ``second`` on the same object of ``object_type``."""

    first: str
    second: str
    object_type: str
    name: str = ""

    @property
    def label(self) -> str:
        return self.name or f"{self.first} and {self.second} by different actors"


@dataclass(frozen=True)
class Breach:
    """An object that breaks a rule, the events involved and why."""

    rule: str
    object_id: str
    event_ids: tuple[str, ...]
    reason: str


def check_precedence(log: Log, rules: Iterable[PrecedenceRule]) -> tuple[Breach, ...]:
    """Each event of ``rule.after`` with no event of ``rule.before`` earlier on the same object.

    Time: log order (event time, ties in the order given). One breach per offending event.
    """
    breaches = []
    for rule in rules:
        for oid, events in _traces(log, rule.object_type):
            seen_before = False
            for e in events:
                if e.type == rule.after and not seen_before:
                    breaches.append(
                        Breach(
                            rule.label,
                            oid,
                            (e.id,),
                            f"{rule.after!r} ({e.id}) with no earlier {rule.before!r}",
                        )
                    )
                if e.type == rule.before:
                    seen_before = True
    return tuple(breaches)


def _actor(e: OcelEvent, actor_attribute: str) -> str | None:
    value = e.attribute(actor_attribute)
    return value if isinstance(value, str) and value else None


def check_segregation(
    log: Log, rules: Iterable[SodRule], *, actor_attribute: str = "actor"
) -> tuple[Breach, ...]:
    """Objects on which one actor did both activities of a rule (one breach per actor).

    Time: not used. Events without an actor are ignored.
    """
    breaches = []
    for rule in rules:
        for oid, events in _traces(log, rule.object_type):
            by_actor: dict[str, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
            for e in events:
                actor = _actor(e, actor_attribute)
                if actor is None:
                    continue
                if e.type == rule.first:
                    by_actor[actor][0].append(e.id)
                if e.type == rule.second:
                    by_actor[actor][1].append(e.id)
            for actor, (firsts, seconds) in sorted(by_actor.items()):
                if firsts and seconds:
                    breaches.append(
                        Breach(
                            rule.label,
                            oid,
                            tuple(firsts + seconds),
                            f"{actor!r} did both {rule.first!r} and {rule.second!r}",
                        )
                    )
    return tuple(breaches)


# ---------------------------------------------------------------------------------------------
# Actors


@dataclass(frozen=True)
class ActorLoad:
    """How many events one actor did, in total and per activity."""

    actor: str
    events: int
    by_activity: tuple[tuple[str, int], ...]


def actor_workload(log: Log, *, actor_attribute: str = "actor") -> tuple[ActorLoad, ...]:
    """Events per actor (each event once, however many objects it touches), busiest first.

    Time: not used (filter the log with ``Log.between`` for a period). Events without an actor
    are not counted.
    """
    per_actor: dict[str, Counter[str]] = defaultdict(Counter)
    for e in log.events:
        actor = _actor(e, actor_attribute)
        if actor is not None:
            per_actor[actor][e.type] += 1
    loads = [
        ActorLoad(actor, sum(c.values()), tuple(sorted(c.items())))
        for actor, c in per_actor.items()
    ]
    return tuple(sorted(loads, key=lambda a: (-a.events, a.actor)))


@dataclass(frozen=True)
class Handover:
    """Work passed from one actor to another between consecutive events of an object."""

    source: str
    target: str
    count: int


def handovers(
    log: Log, object_type: str, *, actor_attribute: str = "actor"
) -> tuple[Handover, ...]:
    """Hand-overs between actors along the traces of ``object_type``, most frequent first.

    Time: log order. Consecutive events by different actors count one hand-over; a pair where
    either event has no actor counts nothing.
    """
    counts: Counter[tuple[str, str]] = Counter()
    for _, events in _traces(log, object_type):
        for a, b in pairwise(events):
            source, target = _actor(a, actor_attribute), _actor(b, actor_attribute)
            if source is not None and target is not None and source != target:
                counts[(source, target)] += 1
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return tuple(Handover(s, t, n) for (s, t), n in ranked)
