"""Invariants of the process metrics, checked on generated logs."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from insight_strategies import logs, moments

from erp_core.insight.metrics import (
    actor_workload,
    bottlenecks,
    cycle_times,
    handovers,
    performance_dfg,
    rework,
    throughput,
    variants,
    wip_at,
    work_in_progress,
)
from erp_core.insight.ocel import Log

EXAMPLES = settings(max_examples=100, deadline=None)


def _traces(log: Log, object_type: str) -> dict[str, list[str]]:
    return {o.id: [e.type for e in ev] for o, ev in log.traces(object_type) if ev}


@EXAMPLES
@given(log=logs())
def test_every_object_with_events_is_in_exactly_one_variant(log: Log) -> None:
    for t in log.object_types:
        vs = variants(log, t)
        ids = [oid for v in vs for oid in v.object_ids]
        assert sorted(ids) == sorted(_traces(log, t))
        assert all(v.count == len(v.object_ids) for v in vs)
        assert [v.count for v in vs] == sorted((v.count for v in vs), reverse=True)


@EXAMPLES
@given(log=logs())
def test_waits_on_the_arrows_add_up_to_the_cycle_times(log: Log) -> None:
    # along one trace the waits telescope: sum of (next - previous) = latest - first
    for t in log.object_types:
        arrows = performance_dfg(log, t)
        assert sum(a.count for a in arrows) == sum(len(tr) - 1 for tr in _traces(log, t).values())
        total_wait = sum((a.waits.total for a in arrows), timedelta())
        ct = cycle_times(log, t)
        assert total_wait == (ct.stats.total if ct.stats else timedelta())
        assert sum((b.score for b in bottlenecks(log, t)), timedelta()) == total_wait
        for a in arrows:
            w = a.waits
            assert timedelta() <= w.median <= w.p90 <= w.max
            assert timedelta() <= w.mean <= w.max


@EXAMPLES
@given(log=logs(), data=st.data())
def test_throughput_and_work_in_progress_account_for_every_object(
    log: Log, data: st.DataObject
) -> None:
    t = log.object_types[0]
    done = set(data.draw(st.lists(st.sampled_from(log.event_types), max_size=2)))
    traces = _traces(log, t)
    finished = sum(1 for tr in traces.values() if tr[-1] in done)
    for period in ("day", "week", "month"):
        rows = throughput(log, t, period=period, completed_by=done)
        assert sum(r.started for r in rows) == len(traces)
        assert sum(r.completed for r in rows) == finished
    steps = work_in_progress(log, t, completed_by=done)
    assert all(level >= 0 for _, level in steps)
    assert (steps[-1][1] if steps else 0) == len(traces) - finished
    instants = [s for s, _ in steps] + data.draw(st.lists(moments, max_size=3))
    for instant, count in wip_at(log, t, instants, completed_by=done):
        before = [lvl for s, lvl in steps if s <= instant]
        assert count == (before[-1] if before else 0)


@EXAMPLES
@given(log=logs())
def test_rework_counts_every_extra_occurrence(log: Log) -> None:
    for t in log.object_types:
        extra = sum(len(tr) - len(set(tr)) for tr in _traces(log, t).values())
        assert rework(log, t).rework_count == extra


@EXAMPLES
@given(log=logs())
def test_workload_counts_each_event_with_an_actor_once(log: Log) -> None:
    with_actor = [e for e in log.events if e.attribute("actor") is not None]
    loads = actor_workload(log)
    assert sum(a.events for a in loads) == len(with_actor)
    by_actor = Counter(e.attribute("actor") for e in with_actor)
    assert {a.actor: a.events for a in loads} == dict(by_actor)
    for t in log.object_types:
        passed = sum(h.count for h in handovers(log, t))
        assert passed <= sum(a.count for a in performance_dfg(log, t))


@EXAMPLES
@given(log=logs(), cut=moments)
def test_two_adjacent_windows_hold_every_event_once(log: Log, cut: datetime) -> None:
    before, after = log.between(None, cut), log.between(cut, None)
    assert sorted(e.id for e in before.events + after.events) == sorted(e.id for e in log.events)
