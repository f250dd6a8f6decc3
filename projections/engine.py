"""The batched projection engine.

Each projection keeps its own position (the last log position it has applied) in
``projection_position``. `Projector.catch_up` reads the log after the lowest position, applies a
batch of events to every projection that has not seen them, and stores the new positions in the
same database transaction as the rows: a crash never applies an event twice or skips one.
Writers of projections are serialised (SQLite ``BEGIN IMMEDIATE``; PostgreSQL ``FOR UPDATE``), so
several processes may call `catch_up` at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from sqlalchemy import Connection, Engine, Table, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from erp_core.events import DomainEvent
from erp_core.projections.schema import projection_position
from erp_core.reports import ProjectionStatus
from erp_core.store import EventStore

Record = tuple[int, str, DomainEvent]  # (log position, stream, event)
Progress = Callable[[int, int], None]  # (position reached, head)


class Projection(Protocol):
    name: str
    tables: Sequence[Table]
    event_names: frozenset[str]

    def apply(self, conn: Connection, records: Sequence[Record], base_currency: str) -> None: ...


def upsert(conn: Connection, table: Table, keys: Sequence[str], rows: list[dict[str, object]],
           add: Sequence[str]) -> None:
    """INSERT rows; on a key conflict, add the `add` columns to the stored values."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        pg = pg_insert(table)
        stmt = pg.on_conflict_do_update(
            index_elements=list(keys), set_={c: table.c[c] + pg.excluded[c] for c in add}
        )
        conn.execute(stmt, rows)
    else:
        lite = sqlite_insert(table)
        stmt2 = lite.on_conflict_do_update(
            index_elements=list(keys), set_={c: table.c[c] + lite.excluded[c] for c in add}
        )
        conn.execute(stmt2, rows)


class Projector:
    def __init__(
        self,
        store: EventStore,
        writer: Engine,
        reader: Engine,
        projections: Sequence[Projection],
        batch_size: int = 2000,
    ) -> None:
        self.store = store
        self.writer = writer
        self.reader = reader
        self.projections = list(projections)
        self.by_name = {p.name: p for p in self.projections}
        self.batch_size = batch_size
        self._base_currency: str | None = None

    def base_currency(self) -> str:
        """The company's base currency, read once from the log (it never changes)."""
        if self._base_currency is None:
            from erp_core.events import CompanyCreated

            for _version, event in self.store.stream("company"):
                if isinstance(event, CompanyCreated):
                    self._base_currency = event.base_currency
            if self._base_currency is None:
                return "XXX"
        return self._base_currency

    def _positions(self, conn: Connection, lock: bool) -> dict[str, int]:
        query = select(projection_position.c.name, projection_position.c.position)
        if lock and conn.dialect.name == "postgresql":
            query = query.with_for_update()
        found = {name: pos for name, pos in conn.execute(query)}
        missing = [p.name for p in self.projections if p.name not in found]
        if missing:
            conn.execute(projection_position.insert(), [{"name": n, "position": 0} for n in missing])
            found.update(dict.fromkeys(missing, 0))
        return {p.name: found[p.name] for p in self.projections}

    def catch_up(self, progress: Progress | None = None) -> int:
        """Apply every stored event not yet projected; return how many were read."""
        read = 0
        while True:
            head = self.store.last_position()
            with self.writer.begin() as conn:
                positions = self._positions(conn, lock=True)
                low = min(positions.values(), default=head)
                if low >= head:
                    return read
                records = self.store.read_log(low, self.batch_size, upto=head)
                wanted = frozenset().union(*(p.event_names for p in self.projections))
                decoded: list[Record] = [
                    (r.position, r.stream, r.event())
                    for r in records
                    if r.topic.partition("@")[0] in wanted
                ]
                reached = records[-1].position if len(records) == self.batch_size else head
                for projection in self.projections:
                    seen = positions[projection.name]
                    if seen >= reached:
                        continue
                    todo = [
                        rec for rec in decoded
                        if rec[0] > seen and type(rec[2]).__name__ in projection.event_names
                    ]
                    projection.apply(conn, todo, self.base_currency())
                    conn.execute(
                        update(projection_position)
                        .where(projection_position.c.name == projection.name)
                        .values(position=reached)
                    )
                read += len(records)
            if progress is not None:
                progress(reached, head)

    def status(self) -> list[ProjectionStatus]:
        head = self.store.last_position()
        with self.reader.connect() as conn:
            found = dict(conn.execute(select(projection_position.c.name, projection_position.c.position)).all())
        return [
            ProjectionStatus(
                name=p.name, position=found.get(p.name, 0), head=head,
                lag=head - found.get(p.name, 0),
            )
            for p in self.projections
        ]

    def reset(self, names: Sequence[str]) -> None:
        """Drop the rows of the named projections and set them back to the log's start."""
        unknown = [n for n in names if n not in self.by_name]
        if unknown:
            from erp_core.errors import ValidationError

            raise ValidationError(
                "projection",
                f"unknown projection {unknown[0]!r} (known: {', '.join(self.by_name)})",
            )
        with self.writer.begin() as conn:
            self._positions(conn, lock=True)
            for name in names:
                for table in reversed(self.by_name[name].tables):
                    conn.execute(delete(table))
                conn.execute(
                    update(projection_position)
                    .where(projection_position.c.name == name)
                    .values(position=0)
                )

    def rebuild(self, names: Sequence[str] | None = None, progress: Progress | None = None) -> int:
        self.reset(list(names) if names else list(self.by_name))
        return self.catch_up(progress)
