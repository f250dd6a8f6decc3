"""The event store: an adapter over eventsourcing's SQLite and PostgreSQL recorders.

Streams are named by readable text ids (``company``, ``chart``, ``fy:2026``,
``doc:JV-2026-000001``), so an auditor reading the raw table sees what each event belongs to.
The recorder's notification id is the event's *log position*: a total order over the log.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from eventsourcing.persistence import (
    AggregateRecorder,
    ApplicationRecorder,
    InfrastructureFactory,
    IntegrityError,
    OperationalError,
    StoredEvent,
)
from eventsourcing.persistence import (
    InterfaceError as ESInterfaceError,
)
from eventsourcing.persistence import (
    InternalError as ESInternalError,
)

from erp_core.infra.config import DatabaseUrl
from erp_core.kernel.errors import DamagedLog, StorageError
from erp_core.kernel.events import DomainEvent, UnknownEventType, decode, decode_data, encode

_UNDECODABLE = (ValueError, TypeError, KeyError, UnicodeDecodeError, UnknownEventType)


def _reason(exc: Exception) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


def decode_stored(position: int | None, stream: str, topic: str, state: bytes) -> DomainEvent:
    """An event from its stored row; a row that no longer decodes is a damaged log."""
    try:
        return decode(topic, state)
    except _UNDECODABLE as exc:
        raise DamagedLog(position, stream, _reason(exc)) from None


def decode_stored_data(
    position: int | None, stream: str, topic: str, state: bytes
) -> tuple[str, dict[str, Any]]:
    try:
        return decode_data(topic, state)
    except _UNDECODABLE as exc:
        raise DamagedLog(position, stream, _reason(exc)) from None


class Conflict(Exception):
    """Another writer stored an event at a version we also tried to store; retry on fresh state."""


@dataclass(frozen=True)
class LogRecord:
    position: int
    stream: str
    version: int
    topic: str
    state: bytes

    def event(self) -> DomainEvent:
        return decode_stored(self.position, self.stream, self.topic, self.state)


def require_postgres_driver() -> None:
    """PostgreSQL support is the ``postgres`` extra; say so instead of an ImportError."""
    import importlib.util

    if importlib.util.find_spec("psycopg") is None:
        raise StorageError("PostgreSQL support is not installed: pip install 'erp_core[postgres]'")


def _environment(url: DatabaseUrl, chain: bool) -> dict[str, str]:
    if url.kind == "sqlite":
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "APPLICATION_RECORDER_TOPIC": (
                "erp_core.infra.chain:ChainedSQLiteApplicationRecorder"
                if chain
                else "eventsourcing.sqlite:SQLiteApplicationRecorder"
            ),
            "SQLITE_DBNAME": url.path,
            "SQLITE_LOCK_TIMEOUT": "60",
            "ORIGINATOR_ID_TYPE": "text",
        }
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "APPLICATION_RECORDER_TOPIC": (
            "erp_core.infra.chain_postgres:ChainedPostgresApplicationRecorder"
            if chain
            else "eventsourcing.postgres:PostgresApplicationRecorder"
        ),
        "POSTGRES_DBNAME": url.dbname,
        "POSTGRES_HOST": url.host,
        "POSTGRES_PORT": str(url.port),
        "POSTGRES_USER": url.user,
        "POSTGRES_PASSWORD": url.password,
        "POSTGRES_SCHEMA": url.schema,
        "POSTGRES_LOCK_TIMEOUT": "60",
        "POSTGRES_CONNECT_TIMEOUT": "10",
        "ORIGINATOR_ID_TYPE": "text",
    }


@contextlib.contextmanager
def _setup_lock(url: DatabaseUrl) -> Iterator[None]:
    """Serialise the event store's table set-up between processes opening one PostgreSQL
    database at once (its CREATE OR REPLACE FUNCTION fails when run concurrently)."""
    if url.kind != "postgresql":
        yield
        return
    import psycopg

    try:
        params: dict[str, Any] = {
            "host": url.host,
            "port": url.port,
            "user": url.user,
            "password": url.password or None,
            "dbname": url.dbname,
            "connect_timeout": 10,
            **url.connect_options(),
        }
        conn = psycopg.connect(autocommit=True, **params)
    except psycopg.Error as exc:
        raise StorageError(f"cannot connect to {url.redacted()}: {exc}") from None
    with conn:
        conn.execute("SELECT pg_advisory_lock(724203)")
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(724203)")


WRITER_TURN_LOCK = 724205  # PostgreSQL advisory lock key of the writer turns


class WriterTurns:
    """Turns between the processes writing one book, so a writer that keeps losing races wins.

    Every save stores its events under a *shared* turn (many at once: optimistic writing is
    unchanged). A writer that lost several races takes the *exclusive* turn for its whole next
    attempt (read, check, store): saves of others wait at their shared turn, before taking any
    database lock, so nothing can change under it and it cannot lose again. SQLite: ``flock`` on
    a lock file beside the database (per open file, so threads of one process take turns too);
    PostgreSQL: a session advisory lock on a connection of its own.
    """

    def __init__(self, url: DatabaseUrl) -> None:
        self.url = url
        self._file: Any = None
        self._conn: Any = None

    def _sqlite_file(self) -> Any:
        if self._file is None:
            self._file = open(f"{self.url.path}-writers", "a+b")  # noqa: SIM115
        return self._file

    def _pg(self) -> Any:
        if self._conn is None:
            import psycopg

            url = self.url
            self._conn = psycopg.connect(
                host=url.host,
                port=url.port,
                user=url.user,
                password=url.password or None,
                dbname=url.dbname,
                autocommit=True,
                connect_timeout=10,
            )
        return self._conn

    @contextlib.contextmanager
    def turn(self, *, exclusive: bool) -> Iterator[None]:
        if self.url.kind == "sqlite":
            if not self.url.path or self.url.path.startswith(":memory:"):
                yield  # one connection: nobody to take turns with
                return
            import fcntl

            try:
                handle = self._sqlite_file()
            except OSError:  # a read-only directory: the write fails on its own, turns or not
                yield
                return
            fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
            return
        conn = self._pg()
        kind = "" if exclusive else "_shared"
        conn.execute(f"SELECT pg_advisory_lock{kind}({WRITER_TURN_LOCK})")
        try:
            yield
        finally:
            conn.execute(f"SELECT pg_advisory_unlock{kind}({WRITER_TURN_LOCK})")

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class EventStore:
    def __init__(self, url: DatabaseUrl, *, chain: bool = True) -> None:
        """Open the store; ``chain=False`` skips the audit hash chain (benchmarks only)."""
        self.url = url
        if url.kind == "postgresql":
            require_postgres_driver()
        self.turns = WriterTurns(url)
        self._exclusive = False
        try:
            with _setup_lock(url):
                factory: Any = InfrastructureFactory.construct(_environment(url, chain))
                if url.options:
                    # libpq parameters (sslmode, ...) that the library's settings do not name
                    factory.datastore.pool.kwargs.update(url.connect_options())
                self._factory = factory
                self.recorder: ApplicationRecorder = self._factory.application_recorder()
                self.snapshots: AggregateRecorder = self._factory.aggregate_recorder("snapshots")
            from erp_core.infra.keys import SqlKeyring

            self.keys = SqlKeyring(url)  # personal data keys, outside the log
        except (ESInterfaceError, OperationalError, ESInternalError, OSError) as exc:
            raise StorageError(f"cannot open the event store at {url.redacted()}: {exc}") from None

    def close(self) -> None:
        self.turns.close()
        self.keys.close()
        self._factory.close()

    @contextlib.contextmanager
    def exclusive_turn(self) -> Iterator[None]:
        """Hold the exclusive writer turn: no other erp_core writer stores anything meanwhile."""
        try:
            with self.turns.turn(exclusive=True):
                self._exclusive = True
                try:
                    yield
                finally:
                    self._exclusive = False
        except OSError as exc:
            raise StorageError(f"cannot take the writer turn: {exc}") from None

    # -- writing -----------------------------------------------------------------------------
    def append(self, events: Sequence[tuple[str, int, DomainEvent]]) -> list[int]:
        """Store all events atomically; return their log positions. Raises Conflict on a race."""
        stored = []
        for stream, version, event in events:
            topic, state = encode(event)
            stored.append(StoredEvent(stream, version, topic, state))
        try:
            if self._exclusive:
                positions = self.recorder.insert_events(stored)
            else:
                with self.turns.turn(exclusive=False):
                    positions = self.recorder.insert_events(stored)
        except IntegrityError:
            raise Conflict() from None
        except OperationalError as exc:
            if "locked" in str(exc) or "lock" in str(exc).lower():
                raise Conflict() from None
            raise StorageError(f"the event store refused the write: {exc}") from None
        return list(positions or [])

    # -- reading -----------------------------------------------------------------------------
    def stream(self, stream: str, after: int = 0) -> list[tuple[int, DomainEvent]]:
        records = self.recorder.select_events(stream, gt=after or None)
        return [
            (
                r.originator_version,
                decode_stored(None, f"{stream} version {r.originator_version}", r.topic, r.state),
            )
            for r in records
        ]

    def last_position(self) -> int:
        return self.recorder.max_notification_id() or 0

    def read_log(
        self,
        after: int = 0,
        limit: int = 1000,
        upto: int | None = None,
        topics: Sequence[str] = (),
    ) -> list[LogRecord]:
        notes = self.recorder.select_notifications(
            after, limit, stop=upto, topics=topics, inclusive_of_start=False
        )
        return [
            LogRecord(n.id, str(n.originator_id), n.originator_version, n.topic, n.state)
            for n in notes
        ]

    def read_raw(
        self,
        after: int = 0,
        limit: int = 1000,
        upto: int | None = None,
        topics: Sequence[str] = (),
    ) -> list[tuple[int, str, str, bytes]]:
        """`read_log` as plain (position, stream, topic, state) tuples: the projections' hot
        path. On SQLite one query straight on the store's connection (the library builds a
        Notification object per row, then we built a LogRecord: a third of a rebuild's read
        time); the same rows, in the same order, as `select_notifications` returns."""
        recorder: Any = self.recorder
        if self.url.kind != "sqlite":
            return [
                (r.position, r.stream, r.topic, r.state)
                for r in self.read_log(after, limit, upto, topics)
            ]
        sql = f"SELECT rowid, originator_id, topic, state FROM {recorder.events_table_name} "
        sql += "WHERE rowid>? "
        params: list[Any] = [after]
        if upto is not None:
            sql += "AND rowid<=? "
            params.append(upto)
        if topics:
            sql += f"AND topic IN ({','.join('?' * len(topics))}) "
            params += list(topics)
        sql += "ORDER BY rowid LIMIT ?"
        params.append(limit)
        with recorder.datastore.transaction(commit=False) as cursor:
            cursor.execute(sql, params)
            return [(row[0], row[1], row[2], row[3]) for row in cursor.fetchall()]

    def iter_log(
        self, after: int = 0, upto: int | None = None, batch: int = 2000, topics: Sequence[str] = ()
    ) -> Iterator[LogRecord]:
        position = after
        while True:
            records = self.read_log(position, batch, upto, topics)
            yield from records
            if len(records) < batch:
                return
            position = records[-1].position

    # -- snapshots ---------------------------------------------------------------------------
    def save_snapshot(self, stream: str, version: int, state: dict[str, Any]) -> None:
        with contextlib.suppress(IntegrityError):
            self.snapshots.insert_events(
                [StoredEvent(stream, version, "snapshot", json.dumps(state).encode())]
            )

    def load_snapshot(self, stream: str) -> tuple[int, dict[str, Any]] | None:
        """The newest stored snapshot, unverified (see `CommandService.trusted_snapshot`);
        None when there is none or it no longer decodes."""
        records = self.snapshots.select_events(stream, desc=True, limit=1)
        if not records:
            return None
        try:
            state = json.loads(records[0].state)
        except (ValueError, UnicodeDecodeError):
            return None
        if not isinstance(state, dict):
            return None
        return records[0].originator_version, state

    def stream_version(self, stream: str) -> int:
        """The version of a stream's newest stored event (0 when it has none)."""
        records = self.recorder.select_events(stream, desc=True, limit=1)
        return records[0].originator_version if records else 0
