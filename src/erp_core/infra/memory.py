"""An event store in memory, behind the same interface as `EventStore`.

For fast unit and property tests of handlers: the command service runs on it unchanged (events
go through the same codec, so what is stored is byte for byte what SQLite or PostgreSQL would
store), but nothing touches a disk, so Hypothesis can try many more histories. SQLite and
PostgreSQL remain the contract-tested stores; this one has no hash chain and no projections.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Sequence
from typing import Any

from erp_core.infra.store import Conflict, LogRecord
from erp_core.kernel.events import DomainEvent, decode, encode


class MemoryEventStore:
    def __init__(self) -> None:
        self.log: list[LogRecord] = []
        self.versions: dict[str, int] = {}
        self.snapshots: dict[str, tuple[int, str]] = {}
        from erp_core.infra.keys import MemoryKeyring

        self.keys = MemoryKeyring()

    def close(self) -> None:
        pass

    @contextlib.contextmanager
    def exclusive_turn(self) -> Iterator[None]:
        """One process, one writer: the turn is always free."""
        yield

    def stream_version(self, stream: str) -> int:
        return self.versions.get(stream, 0)

    def append(self, events: Sequence[tuple[str, int, DomainEvent]]) -> list[int]:
        """Store all events atomically (all or none); Conflict when a version is taken."""
        seen: dict[str, int] = {}
        for stream, version, _event in events:
            last = seen.get(stream, self.versions.get(stream, 0))
            if version != last + 1:
                raise Conflict()
            seen[stream] = version
        positions = []
        for stream, version, event in events:
            topic, state = encode(event)
            position = len(self.log) + 1
            self.log.append(LogRecord(position, stream, version, topic, state))
            positions.append(position)
        self.versions.update(seen)
        return positions

    def stream(self, stream: str, after: int = 0) -> list[tuple[int, DomainEvent]]:
        return [
            (r.version, decode(r.topic, r.state))
            for r in self.log
            if r.stream == stream and r.version > after
        ]

    def last_position(self) -> int:
        return len(self.log)

    def read_log(
        self,
        after: int = 0,
        limit: int = 1000,
        upto: int | None = None,
        topics: Sequence[str] = (),
    ) -> list[LogRecord]:
        wanted = set(topics)
        out = []
        for record in self.log[after:]:
            if upto is not None and record.position > upto:
                break
            if not wanted or record.topic in wanted:
                out.append(record)
                if len(out) == limit:
                    break
        return out

    def read_raw(
        self,
        after: int = 0,
        limit: int = 1000,
        upto: int | None = None,
        topics: Sequence[str] = (),
    ) -> list[tuple[int, str, str, bytes]]:
        return [
            (r.position, r.stream, r.topic, r.state)
            for r in self.read_log(after, limit, upto, topics)
        ]

    def iter_log(
        self, after: int = 0, upto: int | None = None, batch: int = 2000, topics: Sequence[str] = ()
    ) -> Iterator[LogRecord]:
        yield from self.read_log(after, len(self.log) + 1, upto, topics)

    def save_snapshot(self, stream: str, version: int, state: dict[str, Any]) -> None:
        self.snapshots.setdefault(stream, (version, json.dumps(state)))
        if self.snapshots[stream][0] < version:
            self.snapshots[stream] = (version, json.dumps(state))

    def load_snapshot(self, stream: str) -> tuple[int, dict[str, Any]] | None:
        found = self.snapshots.get(stream)
        return None if found is None else (found[0], json.loads(found[1]))
