"""Reading the log for a document: stored events with their positions, never a projection.

A document is built from the events as stored (decoded into their models), optionally only
those at or before a log position, so that the same log always gives the same document.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import text

from erp_core.audit.verify import stream_events
from erp_core.infra.chain import CHAIN_TABLE
from erp_core.kernel.events import DomainEvent, decode, topics_for

if TYPE_CHECKING:
    from erp_core.api import Erp

E = TypeVar("E", bound=DomainEvent)


@dataclass(frozen=True)
class Record:
    """One stored event and where it sits in the log."""

    position: int
    stream: str
    event: DomainEvent


class LogView:
    """The log of one book as known at `upto` (the whole log when None); `language`, when
    given, is the language documents are built in instead of the party's or company's."""

    def __init__(self, erp: Erp, upto: int | None = None, language: str | None = None) -> None:
        self.erp = erp
        self.upto = upto
        self.language = language

    def _visible(self, position: int) -> bool:
        return self.upto is None or position <= self.upto

    def stream(self, stream: str) -> list[Record]:
        """Every event of a stream, in order."""
        with self.erp.reader.connect() as conn:
            raw = stream_events(conn, stream)
        return [
            Record(r.position, r.stream, decode(r.topic, r.state))
            for r in raw
            if self._visible(r.position)
        ]

    def of(self, stream: str, cls: type[E]) -> list[tuple[int, E]]:
        """(position, event) of the events of one class in a stream."""
        return [(r.position, r.event) for r in self.stream(stream) if isinstance(r.event, cls)]

    def last(self, stream: str, cls: type[E], before: int | None = None) -> tuple[int, E] | None:
        """The latest event of a class in a stream (at or before a position when given)."""
        found = [(p, e) for p, e in self.of(stream, cls) if before is None or p <= before]
        return found[-1] if found else None

    def scan(self, *classes: type[DomainEvent]) -> Iterator[Record]:
        """Every event of the given classes in log order (a filtered read of the whole log)."""
        for r in self.erp.store.iter_log(upto=self.upto, topics=topics_for(*classes)):
            yield Record(r.position, r.stream, r.event())

    def chain_hash(self, position: int) -> str:
        """The chain hash stored with the event at `position` (all zeros at position 0)."""
        if position == 0:
            return "0" * 64
        with self.erp.reader.connect() as conn:
            row = conn.execute(
                text(f"SELECT hash FROM {CHAIN_TABLE} WHERE position = :p"), {"p": position}
            ).first()
        return str(row[0]) if row else ""
