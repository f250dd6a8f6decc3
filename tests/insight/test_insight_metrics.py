"""Process metrics of the hand-made procure-to-pay log (see insight_p2p_log.py for the story)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from insight_p2p_log import at, p2p_log

from erp_core.insight.metrics import (
    ActorLoad,
    Bottleneck,
    Breach,
    Handover,
    PeriodCount,
    PrecedenceRule,
    Repeat,
    SodRule,
    activity_counts,
    actor_workload,
    bottlenecks,
    check_precedence,
    check_segregation,
    cycle_times,
    duration_stats,
    handovers,
    percentile,
    performance_dfg,
    period_start,
    rework,
    throughput,
    variants,
    wip_at,
    work_in_progress,
)
from erp_core.insight.ocel import OcelError

H = timedelta(hours=1)
PO = "purchase_order"


def test_cycle_time_runs_from_first_to_latest_event_of_each_order() -> None:
    ct = cycle_times(p2p_log(), PO)
    # po-1: Mon 09 -> Fri 09 = 96 h; po-2: Mon 10 -> Thu 16 = 3 d 6 h = 78 h
    assert ct.per_object == (("po-1", 96 * H), ("po-2", 78 * H))
    assert ct.stats is not None
    assert ct.stats.count == 2
    assert ct.stats.mean == 87 * H  # (96 + 78) / 2
    assert ct.stats.median == 87 * H
    assert ct.stats.p90 == timedelta(hours=94, minutes=12)  # 78 + (96 - 78) x 0.9 = 94.2 h
    assert ct.stats.max == 96 * H
    assert ct.stats.total == 174 * H


def test_cycle_time_counts_only_finished_objects_when_told_what_finishes() -> None:
    # inv-1 ends with "pay invoice" (Wed 09 -> Fri 09 = 48 h); inv-2 ends with "approve invoice"
    ct = cycle_times(p2p_log(), "invoice", completed_by={"pay invoice"})
    assert ct.per_object == (("inv-1", 48 * H),)
    unknown = cycle_times(p2p_log(), "no such type")
    assert unknown.per_object == () and unknown.stats is None


def test_performance_dfg_gives_the_waits_between_consecutive_steps_per_order() -> None:
    arrows = {(a.source, a.target): a for a in performance_dfg(p2p_log(), PO)}
    # po-1: create->approve 2 h, approve->receive 22 h, receive->invoice 24 h, invoice->pay 48 h
    # po-2: create->approve 4 h, approve->change 20 h, change->approve 6 h, approve->receive 18 h,
    #       receive->invoice 24 h, invoice->pay 6 h
    assert sorted(arrows) == [
        ("approve order", "change order"),
        ("approve order", "receive goods"),
        ("change order", "approve order"),
        ("create order", "approve order"),
        ("post invoice", "pay invoice"),
        ("receive goods", "post invoice"),
    ]
    pay = arrows[("post invoice", "pay invoice")].waits
    assert (pay.count, pay.mean, pay.median, pay.max) == (2, 27 * H, 27 * H, 48 * H)
    assert pay.p90 == timedelta(hours=43, minutes=48)  # 6 + (48 - 6) x 0.9 = 43.8 h
    create = arrows[("create order", "approve order")].waits
    assert (create.count, create.mean, create.total) == (2, 3 * H, 6 * H)
    assert arrows[("approve order", "receive goods")].waits.mean == 20 * H  # (22 + 18) / 2
    assert arrows[("change order", "approve order")].count == 1


def test_bottleneck_is_the_arrow_with_the_largest_mean_wait_times_frequency() -> None:
    ranked = bottlenecks(p2p_log(), PO)
    assert ranked[0] == Bottleneck("post invoice", "pay invoice", 2, 27 * H, 54 * H)
    assert [(b.source, b.target, b.score) for b in ranked] == [
        ("post invoice", "pay invoice", 54 * H),  # 27 h x 2
        ("receive goods", "post invoice", 48 * H),  # 24 h x 2
        ("approve order", "receive goods", 40 * H),  # 20 h x 2
        ("approve order", "change order", 20 * H),  # 20 h x 1
        ("create order", "approve order", 6 * H),  # 3 h x 2: ties with the next, more frequent
        ("change order", "approve order", 6 * H),  # 6 h x 1
    ]
    assert len(bottlenecks(p2p_log(), PO, top=2)) == 2


def test_rework_counts_the_second_approval_and_the_amended_order() -> None:
    rw = rework(p2p_log(), PO, cancellations={"change order", "cancel order"})
    assert rw.repeats == (Repeat("po-2", "approve order", 2),)
    assert rw.rework_count == 1
    assert rw.objects_with_rework == 1
    assert rw.cancelled == ("po-2",)
    assert rework(p2p_log(), PO).cancelled == ()


def test_variants_list_each_activity_sequence_with_its_orders() -> None:
    vs = variants(p2p_log(), PO)
    assert [(v.activities, v.count, v.object_ids) for v in vs] == [
        (
            (
                "create order",
                "approve order",
                "change order",
                "approve order",
                "receive goods",
                "post invoice",
                "pay invoice",
            ),
            1,
            ("po-2",),
        ),
        (
            ("create order", "approve order", "receive goods", "post invoice", "pay invoice"),
            1,
            ("po-1",),
        ),
    ]


def test_payment_before_approval_is_a_breach_and_ordered_steps_are_not() -> None:
    rules = [
        PrecedenceRule("approve invoice", "pay invoice", "invoice", "payment before approval"),
        PrecedenceRule("receive goods", "post invoice", PO),
        PrecedenceRule("approve order", "pay invoice", PO),
    ]
    assert check_precedence(p2p_log(), rules) == (
        Breach(
            "payment before approval",
            "inv-2",
            ("e13",),
            "'pay invoice' (e13) with no earlier 'approve invoice'",
        ),
    )


def test_same_actor_creating_and_approving_an_order_is_a_breach() -> None:
    breaches = check_segregation(p2p_log(), [SodRule("create order", "approve order", PO)])
    assert breaches == (
        Breach(
            "create order and approve order by different actors",
            "po-1",
            ("e01", "e02"),
            "'ann' did both 'create order' and 'approve order'",
        ),
    )
    # no actor attribute under that name: nothing to compare, no breach
    assert check_segregation(p2p_log(), [SodRule("create order", "approve order", PO)],
                             actor_attribute="user") == ()  # fmt: skip


def test_throughput_counts_orders_started_and_finished_per_period() -> None:
    weekly = throughput(p2p_log(), PO, period="week")
    assert weekly == (PeriodCount(date(2026, 3, 2), 2, 2),)
    daily = throughput(p2p_log(), PO, period="day")
    assert daily == (
        PeriodCount(date(2026, 3, 2), 2, 0),
        PeriodCount(date(2026, 3, 3), 0, 0),
        PeriodCount(date(2026, 3, 4), 0, 0),
        PeriodCount(date(2026, 3, 5), 0, 1),  # po-2 paid Thu
        PeriodCount(date(2026, 3, 6), 0, 1),  # po-1 paid Fri
    )
    monthly = throughput(p2p_log(), "invoice", period="month", completed_by={"pay invoice"})
    assert monthly == (PeriodCount(date(2026, 3, 1), 2, 1),)  # inv-2 ends with an approval


def test_periods_are_cut_in_the_given_time_zone() -> None:
    late_sunday_utc = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    assert period_start(late_sunday_utc, "week") == date(2026, 2, 23)
    berlin = ZoneInfo("Europe/Berlin")
    assert period_start(late_sunday_utc, "week", berlin) == date(2026, 3, 2)  # Mon 00:30 there
    assert period_start(datetime(2026, 12, 31, tzinfo=UTC), "month") == date(2026, 12, 1)
    with pytest.raises(OcelError, match="period"):
        throughput(p2p_log(), PO, period="year")  # type: ignore[arg-type]


def test_work_in_progress_steps_up_at_first_events_and_down_at_the_latest() -> None:
    # po-1 in progress [Mon 09, Fri 09); po-2 [Mon 10, Thu 16)
    assert work_in_progress(p2p_log(), PO) == (
        (at(0, 9), 1),
        (at(0, 10), 2),
        (at(3, 16), 1),
        (at(4, 9), 0),
    )
    instants = [at(0, 8), at(0, 9), at(3, 12), at(4, 9)]
    assert wip_at(p2p_log(), PO, instants) == (
        (at(0, 8), 0),
        (at(0, 9), 1),
        (at(3, 12), 2),
        (at(4, 9), 0),
    )
    # inv-2 never finishes ("approve invoice" is not a completion): it stays in progress
    assert work_in_progress(p2p_log(), "invoice", completed_by={"pay invoice"}) == (
        (at(2, 9), 1),
        (at(3, 10), 2),
        (at(4, 9), 1),
    )


def test_workload_counts_each_event_once_per_actor() -> None:
    loads = actor_workload(p2p_log())
    assert loads[0] == ActorLoad("ann", 4, (("approve order", 3), ("create order", 1)))
    assert loads[1] == ActorLoad(
        "bob", 4, (("approve invoice", 2), ("change order", 1), ("create order", 1))
    )
    assert [(a.actor, a.events) for a in loads[2:]] == [("carl", 2), ("dora", 2), ("eve", 2)]
    assert sum(a.events for a in loads) == 14


def test_handovers_follow_each_order_from_actor_to_actor() -> None:
    # po-1: ann, ann, carl, dora, eve; po-2: bob, ann, bob, ann, carl, dora, eve
    assert handovers(p2p_log(), PO) == (
        Handover("ann", "carl", 2),
        Handover("bob", "ann", 2),
        Handover("carl", "dora", 2),
        Handover("dora", "eve", 2),
        Handover("ann", "bob", 1),
    )


def test_activity_counts_per_object_type() -> None:
    assert activity_counts(p2p_log(), PO) == {
        "approve order": 3,
        "change order": 1,
        "create order": 2,
        "pay invoice": 2,
        "post invoice": 2,
        "receive goods": 2,
    }


def test_an_event_touching_two_types_counts_once_in_each() -> None:
    # e06 "pay invoice" touches pay-1, inv-1 and po-1: once per object type's traces
    assert activity_counts(p2p_log(), "payment") == {"pay invoice": 2}
    assert activity_counts(p2p_log(), "invoice")["pay invoice"] == 2


def test_percentiles_interpolate_and_round_half_up_to_microseconds() -> None:
    us = timedelta(microseconds=1)
    # positions: (3 - 1) x 0.25 = 0.5 -> 0 + (1 - 0) x 0.5 = 0.5 us -> 1 us (half up)
    assert percentile([0 * us, 1 * us, 2 * us], Fraction(1, 4)) == us
    assert percentile([5 * us], Fraction(9, 10)) == 5 * us
    stats = duration_stats([us, 2 * us])
    assert stats is not None and stats.mean == 2 * us  # 1.5 us -> 2 us
    assert duration_stats([]) is None
    with pytest.raises(OcelError, match="empty"):
        percentile([], Fraction(1, 2))
    with pytest.raises(OcelError, match="^q"):
        percentile([us], Fraction(3, 2))
