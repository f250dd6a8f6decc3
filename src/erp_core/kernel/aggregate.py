"""A minimal event-sourced aggregate: state is a fold of its own stream of events.

Aggregates record new events with `trigger`; the application collects them and stores all
aggregates of one action in one atomic save. A stored version conflict means someone else wrote
the same stream first; the application refreshes and retries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from erp_core.kernel.events import DomainEvent


class Aggregate:
    """Base class; subclasses map event classes to `_on_<event>` methods in `handlers`."""

    handlers: ClassVar[dict[type[DomainEvent], Callable[[Any, Any], None]]] = {}
    # Kept in the application's cache between saves (refreshed from the store each time):
    # master data and hot aggregates. Documents are loaded when needed and not cached.
    cacheable: ClassVar[bool] = False

    def __init__(self, stream_id: str) -> None:
        self.id = stream_id
        self.version = 0
        self.pending: list[tuple[int, DomainEvent]] = []
        # Told (stream, version) of every event recorded, so a unit of work knows which
        # events each action produced.
        self.observer: Callable[[str, int], None] | None = None

    # -- folding ---------------------------------------------------------------------------
    def apply(self, event: DomainEvent) -> None:
        handler = self.handlers.get(type(event))
        if handler is None:
            raise TypeError(f"{type(self).__name__} cannot apply {type(event).__name__}")
        handler(self, event)

    def replay(self, versioned: Iterable[tuple[int, DomainEvent]]) -> None:
        for version, event in versioned:
            if version != self.version + 1:
                raise ValueError(f"{self.id}: expected version {self.version + 1}, got {version}")
            self.apply(event)
            self.version = version

    # -- recording -------------------------------------------------------------------------
    def trigger(self, event: DomainEvent) -> None:
        self.apply(event)
        self.version += 1
        self.pending.append((self.version, event))
        if self.observer is not None:
            self.observer(self.id, self.version)

    def collect(self) -> list[tuple[str, int, DomainEvent]]:
        out = [(self.id, v, e) for v, e in self.pending]
        self.pending = []
        return out

    @property
    def exists(self) -> bool:
        return self.version > 0
