"""Every stored event kind of every area is either mapped into the object-centric log or left
out on purpose, with the reason written down: a new event class fails here until its area's
author decides which."""

from __future__ import annotations

from erp_core.insight.mapping import ACTIVITIES, CANCELLATIONS, EXCLUDED, MAPPED_EVENTS
from erp_core.kernel.events import EVENT_TYPES
from erp_core.kernel.registry import load_areas


def _stored_event_names() -> set[str]:
    load_areas()
    return {name for name, cls in EVENT_TYPES.items() if cls.__module__.startswith("erp_core.")}


def test_every_event_class_is_mapped_or_excluded_with_a_reason() -> None:
    names = _stored_event_names()
    neither = sorted(names - set(MAPPED_EVENTS) - set(EXCLUDED))
    assert not neither, (
        f"event classes neither mapped in insight/mapping.py nor listed in EXCLUDED: {neither}"
    )


def test_nothing_is_both_mapped_and_excluded_and_every_name_is_a_real_event() -> None:
    names = _stored_event_names()
    assert not set(MAPPED_EVENTS) & set(EXCLUDED)
    assert not set(MAPPED_EVENTS) - names, "mapped names that are no event class"
    assert not set(EXCLUDED) - names, "excluded names that are no event class"
    assert all(reason.strip() for reason in EXCLUDED.values())


def test_activities_name_mapped_events_and_rework_names_activities() -> None:
    sources = {src.split(" ")[0] for src in ACTIVITIES.values()}
    assert sources <= set(MAPPED_EVENTS)
    # every mapped event is told by at least one activity (GoodsInvoiced joins the invoice's)
    assert set(MAPPED_EVENTS) - sources <= {"GoodsInvoiced"}
    assert set(ACTIVITIES) >= CANCELLATIONS
