"""Domain events: immutable, versioned facts, the catalogue of their classes, and their codec.

Every event is a frozen pydantic model named as a past fact. Its stored *topic* is
``"<Name>@<class_version>"`` (the class name, never the module, so moving a class between
packages changes nothing stored); when a class's schema changes, its ``class_version`` goes up
and it gains a static ``upcast_v<N>_v<N+1>(state) -> state`` method. Stored events are never
rewritten: old versions are upcast every time they are read.

Defining a `DomainEvent` subclass adds it to `EVENT_TYPES`; two classes with one name are
refused, since the name is the stored topic.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, ClassVar

import orjson
from pydantic import BaseModel, ConfigDict

EVENT_TYPES: dict[str, type[DomainEvent]] = {}


class DomainEvent(BaseModel):
    """Base of every stored fact: who recorded it and when it became known."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    class_version: ClassVar[int] = 1
    # Helper classes (base classes of several events) set this to False.
    stored: ClassVar[bool] = True

    actor: str
    recorded_at: dt.datetime

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if not cls.__dict__.get("stored", True):
            return
        known = EVENT_TYPES.get(cls.__name__)
        if known is None:
            EVENT_TYPES[cls.__name__] = cls
        elif known.__module__ != cls.__module__ and cls.__module__.startswith("erp_core."):
            raise TypeError(
                f"event name {cls.__name__!r} is taken by {known.__module__}; "
                "event names are stored topics and must be unique"
            )


class Kinds:
    """An open set of names (voucher kinds, stock movement kinds) that areas extend.

    Stored as plain text; validated against the names registered by the areas loaded."""

    def __init__(self, what: str, *names: str) -> None:
        self.what = what
        self.names: list[str] = list(names)

    def register(self, *names: str) -> None:
        for name in names:
            if name not in self.names:
                self.names.append(name)

    def check(self, value: str) -> str:
        if value not in self.names:
            # Areas are imported only when needed (start-up): a kind registered by an area
            # not imported yet is known once every area is.
            from erp_core.kernel.registry import load_areas

            load_areas()
        if value not in self.names:
            raise ValueError(f"unknown {self.what} {value!r}; known: {', '.join(self.names)}")
        return value


# --- idempotency -----------------------------------------------------------------------------


class ActionRecorded(DomainEvent):
    """An idempotency key was used: the content's hash and the result returned the first time."""

    key: str
    action: str
    content_hash: str
    result: dict[str, Any]


# --- snapshots ---------------------------------------------------------------------------------


class SnapshotRecorded(DomainEvent):
    """A snapshot of `of_stream` at `of_version` was taken; `state_hash` is the SHA-256 of its
    canonical JSON. The snapshot table lies outside the hash chain: this chained record is what
    a stored snapshot is checked against before the command path uses it (stream
    ``snapshot:<of_stream>``)."""

    of_stream: str
    of_version: int
    state_hash: str


def snapshot_stream(stream: str) -> str:
    return f"snapshot:{stream}"


def snapshot_hash(state: dict[str, Any]) -> str:
    """SHA-256 of a snapshot's state as canonical JSON (sorted keys, no spaces)."""
    import hashlib

    body = json.dumps(state, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()


# --- codec ---------------------------------------------------------------------------------


class UnknownEventType(Exception):
    pass


def topic_of(event: DomainEvent) -> str:
    cls = type(event)
    return f"{cls.__name__}@{cls.class_version}"


def topics_for(*classes: type[DomainEvent]) -> list[str]:
    """Every stored topic (all versions) of the given event classes, for filtered log reads."""
    return [f"{c.__name__}@{v}" for c in classes for v in range(1, c.class_version + 1)]


def encode(event: DomainEvent) -> tuple[str, bytes]:
    """Topic and canonical JSON bytes of an event (field order is the class's, stable)."""
    return topic_of(event), event.model_dump_json().encode()


# topic -> (name, class, version), checked against the registry on every use (a class may be
# replaced by a newer version of itself)
_TOPICS: dict[str, tuple[str, type[DomainEvent], int]] = {}


def _class_and_version(topic: str) -> tuple[type[DomainEvent], int]:
    found = _TOPICS.get(topic)
    if found is None or EVENT_TYPES.get(found[0]) is not found[1]:
        cls, version = _lookup_topic(topic)
        found = _TOPICS[topic] = (topic.partition("@")[0], cls, version)
    return found[1], found[2]


def _lookup_topic(topic: str) -> tuple[type[DomainEvent], int]:
    name, _, version_text = topic.partition("@")
    cls = EVENT_TYPES.get(name)
    if cls is None:
        from erp_core.kernel.registry import load_areas

        load_areas()  # an event class registers itself when its area is imported
        cls = EVENT_TYPES.get(name)
    if cls is None:
        raise UnknownEventType(f"unknown event type {name!r}")
    return cls, int(version_text or 1)


def _upcast(cls: type[DomainEvent], version: int, data: dict[str, Any]) -> dict[str, Any]:
    while version < cls.class_version:
        upcast = getattr(cls, f"upcast_v{version}_v{version + 1}")
        data = upcast(data)
        version += 1
    return data


def decode(topic: str, state: bytes) -> DomainEvent:
    """Rebuild an event from its stored topic and bytes, upcasting old versions."""
    cls, version = _class_and_version(topic)
    if version == cls.class_version:
        return cls.model_validate_json(state)
    return cls.model_validate(_upcast(cls, version, json.loads(state)))


def decode_data(topic: str, state: bytes) -> tuple[str, dict[str, Any]]:
    """Event name and its payload as a plain dict at the current version, without validation.

    Projections use this fast path: events were validated when stored, and upcasting still
    applies, so a projection never sees an old schema.
    """
    cls, version = _class_and_version(topic)
    if version == cls.class_version:
        return cls.__name__, orjson.loads(state)
    return cls.__name__, _upcast(cls, version, orjson.loads(state))
