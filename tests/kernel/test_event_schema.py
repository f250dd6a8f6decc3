"""Event schema versions: stored events are never rewritten; old versions are upcast on read."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

import pytest

from erp_core import Erp
from erp_core.kernel import events
from erp_core.kernel.events import DomainEvent, decode, decode_data
from erp_core.ledger.events import DimensionValueAdded


class DimensionValueAddedV2(DomainEvent):
    """A later version of DimensionValueAdded: values gain a validity date."""

    class_version: ClassVar[int] = 2
    dimension: str
    code: str
    name: str
    valid_from: dt.date | None

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> dict[str, Any]:
        return {**state, "valid_from": None}


def test_a_stored_v1_event_reads_back_upcast_after_the_class_is_upgraded(
    erp: Erp, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 1. Store a version-1 event through the normal API.
    erp.add_dimension_value("project", "ALPHA", "Project Alpha")
    stored = [r for r in erp.store.iter_log() if r.topic.startswith("DimensionValueAdded")]
    assert [r.topic for r in stored] == ["DimensionValueAdded@1"]
    raw_before = stored[0].state

    # 2. Upgrade the class: the registry now maps the name to version 2.
    DimensionValueAddedV2.__name__ = "DimensionValueAdded"
    monkeypatch.setitem(events.EVENT_TYPES, "DimensionValueAdded", DimensionValueAddedV2)

    # 3. Read it back: typed decode and the projections' dict path both see version 2.
    event = decode(stored[0].topic, stored[0].state)
    assert isinstance(event, DimensionValueAddedV2)
    assert (event.code, event.valid_from) == ("ALPHA", None)
    name, data = decode_data(stored[0].topic, stored[0].state)
    assert name == "DimensionValueAdded" and data["valid_from"] is None
    # 4. The stored bytes were not touched, and new events are written as version 2.
    again = [r for r in erp.store.iter_log() if r.topic.startswith("DimensionValueAdded")]
    assert again[0].state == raw_before
    assert events.topic_of(event) == "DimensionValueAdded@2"


def test_replay_after_an_upgrade_rebuilds_the_same_projection(
    erp: Erp, monkeypatch: pytest.MonkeyPatch
) -> None:
    erp.add_dimension_value("project", "ALPHA", "Project Alpha")
    DimensionValueAddedV2.__name__ = "DimensionValueAdded"
    monkeypatch.setitem(events.EVENT_TYPES, "DimensionValueAdded", DimensionValueAddedV2)
    erp.rebuild()
    from erp_core.projections.schema import dimension_values
    from sqlalchemy import select

    with erp.reader.connect() as conn:
        rows = conn.execute(select(dimension_values)).all()
    assert [tuple(r) for r in rows] == [("project", "ALPHA", "Project Alpha")]


def test_every_event_type_round_trips_through_the_codec() -> None:
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    event = DimensionValueAdded(actor="a", recorded_at=now, dimension="project", code="X", name="x")
    topic, state = events.encode(event)
    assert decode(topic, state) == event
    with pytest.raises(events.UnknownEventType):
        decode("NoSuchThing@1", b"{}")
