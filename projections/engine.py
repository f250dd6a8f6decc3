"""The batched projection engine.

Each projection keeps its own position (the last log position it has applied) in
``projection_position``. `Projector.catch_up` reads the log after the lowest position, applies a
batch of events to every projection that has not seen them, and stores the new positions in the
same database transaction as the rows: a crash never applies an event twice or skips one.
Writers of projections are serialised (SQLite ``BEGIN IMMEDIATE``; PostgreSQL ``FOR UPDATE``), so
several processes may call `catch_up` at once.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol

from erp_core.projections.schema import projection_position
from sqlalchemy import Connection, Engine, Table, delete, select, text, update

from erp_core.infra.store import EventStore, decode_stored_data
from erp_core.kernel.money import MINOR_UNITS, minor_from_text
from erp_core.kernel.util import paused_gc
from erp_core.ledger.reports import ProjectionStatus

# (log position, stream, event name, payload dict at the current schema version)
Record = tuple[int, str, str, dict[str, Any]]
Progress = Callable[[int, int], None]  # (position reached, head)
PROJECTOR_LOCK = 724204  # PostgreSQL advisory lock key of the projection writers


def add_minor_units(voucher: dict[str, Any], base_currency: str) -> None:
    """Give each line of a VoucherPosted payload its amounts as integer minor units, once,
    for every projection that reads the batch."""
    base_places = MINOR_UNITS[base_currency]
    for line in voucher["lines"]:
        line["amount_minor"] = _minor(line["amount"], MINOR_UNITS[line["currency"]])
        line["base_minor"] = _minor(line["base"], base_places)


def _minor(text: str, places: int) -> int:
    """`minor_from_text`, with the stored form of almost every amount first: exactly the
    currency's places ("-12.30" -> -1230 with 2)."""
    if places and len(text) > places and text[-places - 1] == ".":
        return int(text.replace(".", "", 1))
    return minor_from_text(text, places)


class Projection(Protocol):
    name: str
    tables: Sequence[Table]
    event_names: frozenset[str]

    def apply(self, conn: Connection, records: Sequence[Record], base_currency: str) -> None: ...


def _placeholder(conn: Connection) -> str:
    return "%s" if conn.dialect.name == "postgresql" else "?"


def insert_rows(conn: Connection, table: Table, rows: list[tuple[Any, ...]]) -> None:
    """Bulk INSERT of projection rows given as tuples in the table's column order.

    Goes straight to the driver's executemany: values must already be driver-ready (int,
    str, bool, ISO date strings, None); sqlite3 and psycopg both store an ISO string into DATE.
    """
    if not rows:
        return
    quote = conn.dialect.identifier_preparer.quote
    columns = ", ".join(quote(c.name) for c in table.columns)
    marks = ", ".join([_placeholder(conn)] * len(table.columns))
    conn.exec_driver_sql(f"INSERT INTO {quote(table.name)} ({columns}) VALUES ({marks})", rows)


def upsert(
    conn: Connection,
    table: Table,
    keys: Sequence[str],
    rows: list[tuple[Any, ...]],
    add: Sequence[str],
) -> None:
    """INSERT rows (tuples in column order); on a key conflict, add `add` to the stored values."""
    if not rows:
        return
    quote = conn.dialect.identifier_preparer.quote
    columns = [c.name for c in table.columns]
    marks = ", ".join([_placeholder(conn)] * len(columns))
    updates = ", ".join(
        f"{quote(c)} = {quote(table.name)}.{quote(c)} + excluded.{quote(c)}" for c in add
    )
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({marks}) ON CONFLICT ({', '.join(quote(k) for k in keys)}) "
        f"DO UPDATE SET {updates}"
    )
    conn.exec_driver_sql(sql, rows)


@contextlib.contextmanager
def storage_errors() -> Iterator[None]:
    """A database failure while projecting (read-only file, disk full, lost connection) is a
    storage error: exit code 3, and the projections resume from their stored position (each
    batch commits with its position, so nothing is half-applied)."""
    from sqlalchemy.exc import InternalError, OperationalError, ProgrammingError

    from erp_core.kernel.errors import StorageError

    try:
        yield
    except (OperationalError, InternalError, ProgrammingError) as exc:
        if isinstance(exc, ProgrammingError) and "privilege" not in type(exc.orig).__name__.lower():
            raise  # a bug in a query, not the storage
        raise StorageError(
            f"the projections could not be updated: {str(exc.orig).strip()}; the stored events "
            "are safe and the projections resume from where they stopped on the next command"
        ) from None


class Projector:
    def __init__(
        self,
        store: EventStore,
        writer: Engine,
        reader: Engine,
        projections: Sequence[Projection],
        batch_size: int = 2000,
        upto: int | None = None,
    ) -> None:
        self.store = store
        self.writer = writer
        self.reader = reader
        self.projections = list(projections)
        self.by_name = {p.name: p for p in self.projections}
        self.batch_size = batch_size
        self.upto = upto  # replay: stop at this log position
        self._base_currency: str | None = None

    def base_currency(self) -> str:
        """The company's base currency, read once from the log (it never changes)."""
        if self._base_currency is None:
            from erp_core.ledger.events import CompanyCreated

            for _version, event in self.store.stream("company"):
                if isinstance(event, CompanyCreated):
                    self._base_currency = event.base_currency
            if self._base_currency is None:
                return "XXX"
        return self._base_currency

    def _positions(self, conn: Connection, lock: bool) -> dict[str, int]:
        if lock and conn.dialect.name == "postgresql":
            # One projector transaction at a time (SQLite gets this from BEGIN IMMEDIATE).
            # A single advisory lock, rather than row locks taken in whatever order, cannot
            # deadlock, and also covers inserting the positions of new projections.
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PROJECTOR_LOCK})
        query = select(projection_position.c.name, projection_position.c.position)
        found = {name: pos for name, pos in conn.execute(query)}
        missing = [p.name for p in self.projections if p.name not in found]
        if missing:
            conn.execute(
                projection_position.insert(), [{"name": n, "position": 0} for n in missing]
            )
            found.update(dict.fromkeys(missing, 0))
        return {p.name: found[p.name] for p in self.projections}

    def catch_up(self, progress: Progress | None = None) -> int:
        """Apply every stored event not yet projected; return how many were read."""
        with paused_gc(), storage_errors():
            return self._catch_up(progress)

    @staticmethod
    def _topics(names: frozenset[str]) -> list[str]:
        from erp_core.kernel.events import EVENT_TYPES, topics_for
        from erp_core.kernel.registry import load_areas

        load_areas()
        return sorted(topics_for(*(EVENT_TYPES[n] for n in names)))

    def _catch_up(self, progress: Progress | None, outer: Connection | None = None) -> int:
        """Catch up in one transaction per batch, or all in `outer` (an atomic rebuild)."""
        read = 0
        while True:
            head = self.store.last_position()
            if self.upto is not None:
                head = min(head, self.upto)
            with self.writer.begin() if outer is None else contextlib.nullcontext(outer) as conn:
                positions = self._positions(conn, lock=True)
                low = min(positions.values(), default=head)
                if low >= head:
                    return read
                # read only the event types the projections still behind need (a rebuild of
                # one projection skips the rest of the log in the database)
                wanted = frozenset().union(
                    *(p.event_names for p in self.projections if positions[p.name] < head)
                )
                # when every projection stands at one position they all read the same events:
                # read them all and skip the unwanted by name below (no need to import every
                # area to list their topics; the few unwanted rows are cheap to skip)
                level = all(positions[p.name] == low for p in self.projections)
                topics = () if level else self._topics(wanted)
                records = self.store.read_raw(low, self.batch_size, upto=head, topics=topics)
                decoded: list[Record] = [
                    (position, stream, *decode_stored_data(position, stream, topic, state))
                    for position, stream, topic, state in records
                    if topic.partition("@")[0] in wanted
                ]
                base = self.base_currency()
                for _pos, _stream, name, data in decoded:
                    if name == "VoucherPosted":
                        add_minor_units(data, base)
                reached = records[-1][0] if len(records) == self.batch_size else head
                moved: list[tuple[int, str]] = []
                for projection in self.projections:
                    seen = positions[projection.name]
                    if seen >= reached:
                        continue
                    todo = [
                        rec for rec in decoded if rec[0] > seen and rec[2] in projection.event_names
                    ]
                    projection.apply(conn, todo, self.base_currency())
                    moved.append((reached, projection.name))
                # every position in one statement (one compiled UPDATE per projection was 3% of
                # `erp apply`), still in the batch's transaction
                if moved:
                    mark = _placeholder(conn)
                    conn.exec_driver_sql(
                        f"UPDATE projection_position SET position = {mark} WHERE name = {mark}",
                        moved,
                    )
                read += len(decoded)  # the events projected (not the unwanted skipped)
            if progress is not None:
                progress(reached, head)

    def follow(
        self,
        *,
        poll: float = 1.0,
        once: bool = False,
        stop: Callable[[], bool] | None = None,
        on_batch: Callable[[int], None] | None = None,
    ) -> int:
        """Keep every projection current: catch up, then poll the log every `poll` seconds
        for new events, until `stop()` is true (checked between catch-ups). ``once``: one
        catch-up to the head and return. Returns the events read.

        Exactly once, with any number of followers and writers: each batch is applied and its
        position stored in one transaction, under the projector lock (SQLite ``BEGIN
        IMMEDIATE``; PostgreSQL an advisory lock), and the positions are read after the lock
        is taken, so a batch one follower applied is skipped by the next. A follower killed
        mid-batch leaves that batch unapplied (rolled back) for the next one."""
        import time

        total = 0
        while True:
            read = self.catch_up()
            total += read
            if on_batch is not None and read:
                on_batch(read)
            if once or (stop is not None and stop()):
                return total
            if read == 0:
                # sleep in small steps so a stop request is seen promptly
                deadline = time.monotonic() + poll
                while time.monotonic() < deadline:
                    if stop is not None and stop():
                        return total
                    time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))

    def position(self) -> tuple[int, int]:
        """(lowest projection position, log head): the read models are current when equal.
        A plain read: no write lock is taken when nothing is behind."""
        head = self.store.last_position()
        if self.upto is not None:
            head = min(head, self.upto)
        with self.reader.connect() as conn:
            found: dict[str, int] = dict(
                conn.execute(
                    select(projection_position.c.name, projection_position.c.position)
                ).all()
            )
        low = min((found.get(p.name, 0) for p in self.projections), default=head)
        return min(low, head), head

    def status(self) -> list[ProjectionStatus]:
        head = self.store.last_position()
        with self.reader.connect() as conn:
            found: dict[str, int] = dict(
                conn.execute(
                    select(projection_position.c.name, projection_position.c.position)
                ).all()
            )
        return [
            ProjectionStatus(
                name=p.name,
                position=found.get(p.name, 0),
                head=head,
                lag=head - found.get(p.name, 0),
            )
            for p in self.projections
        ]

    def reset(self, names: Sequence[str], outer: Connection | None = None) -> None:
        """Drop the rows of the named projections and set them back to the log's start."""
        unknown = [n for n in names if n not in self.by_name]
        if unknown:
            from erp_core.kernel.errors import ValidationError

            raise ValidationError(
                "projection",
                f"unknown projection {unknown[0]!r} (known: {', '.join(self.by_name)})",
            )
        with self.writer.begin() if outer is None else contextlib.nullcontext(outer) as conn:
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
        """Drop and replay the named projections (default: all) in ONE transaction: readers
        see the old rows until it commits, and a rebuild killed half-way leaves them as they
        were (then caught up by the next command), never half-built."""
        names = list(names) if names else list(self.by_name)
        with paused_gc(), storage_errors(), self.writer.begin() as conn:
            self.reset(names, conn)
            return self._catch_up(progress, conn)
