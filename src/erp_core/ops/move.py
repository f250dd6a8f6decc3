"""Moving a company's books to another database (SQLite to PostgreSQL, typically), with proof.

The move copies the log event by event from one consistent read of the source into the target,
recomputing every chain hash on the way, in batches that each commit on their own. While it
runs, the target carries a marker (the `erp_move` table) and nothing opens it as books: an
interrupted move (a crash, `kill -9`, a lost connection) is finished by running the same
command again, which checks that the target's copy is a prefix of the source's chain and
copies only the rest. At the end the target's whole chain is verified, its projections are
rebuilt, and the reports read from both databases are compared; only then is the marker
removed, in the commit that makes the target usable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection, Engine, text

from erp_core.audit import verify as audit
from erp_core.infra.chain import CHAIN_TABLE, GENESIS, canonical_bytes, link_hash, next_hash
from erp_core.infra.config import DatabaseUrl
from erp_core.infra.db import MOVE_TABLE, create_engines, migrate
from erp_core.infra.store import EventStore
from erp_core.kernel.errors import ErpError
from erp_core.ops.archive import (
    EVENTS_TABLE,
    SNAPSHOTS_TABLE,
    Progress,
    TargetNotEmpty,
    consistent_read,
    has_event_store,
)


class MoveFailed(ErpError):
    """The target does not prove equal to the source."""


class MoveResult(BaseModel):
    model_config = ConfigDict(frozen=True)
    events: int
    head_position: int
    head_hash: str
    reports_compared: list[str]
    source_moved_on: int  # events written to the source after the backup's snapshot


def _reports(conn: Connection, as_of: dt.date) -> dict[str, bytes]:
    """The reports a user reads, as JSON bytes (errors, e.g. an empty book, compare too)."""
    from erp_core.projections import operations, queries, sales_reports

    makers: dict[str, Callable[[], object]] = {
        "trial balance": lambda: queries.trial_balance(conn),
        "general ledger": lambda: queries.general_ledger(conn),
        "balance sheet": lambda: queries.balance_sheet(conn, as_of),
        "stock balance": lambda: operations.stock_balance(conn, as_of),
        "open purchase orders": lambda: operations.open_orders(conn),
        "payables aging": lambda: operations.payables_aging(conn, as_of),
        "receivables aging": lambda: sales_reports.receivables_aging(conn, as_of),
        "open sales orders": lambda: sales_reports.sales_open_orders(conn),
    }
    out: dict[str, bytes] = {}
    for name, make in makers.items():
        try:
            value = make()
        except ErpError as exc:
            out[name] = f"error: {exc.message}".encode()
            continue
        out[name] = _json(value)
    return out


def _json(value: object) -> bytes:
    from pydantic import TypeAdapter

    return TypeAdapter(type(value)).dump_json(value)


def report_bytes(url: DatabaseUrl, as_of: dt.date) -> dict[str, bytes]:
    writer, reader = create_engines(url)
    try:
        with reader.connect() as conn:
            return _reports(conn, as_of)
    finally:
        writer.dispose()
        reader.dispose()


def _catch_up(url: DatabaseUrl, writer: Engine, reader: Engine, upto: int) -> None:
    from erp_core.projections import Projector, all_projections

    store = EventStore(url)
    try:
        Projector(store, writer, reader, all_projections(), upto=upto).catch_up()
    finally:
        store.close()


MOVE_BATCH = 5000  # events per committed batch (what a rerun may have to copy again)


def move_store(
    source: DatabaseUrl,
    target: DatabaseUrl,
    *,
    as_of: dt.date | None = None,
    progress: Progress | None = None,
    batch: int = MOVE_BATCH,
) -> MoveResult:
    """Copy the whole log of `source` into `target` (empty, or the unfinished target of an
    earlier move of the same source), then prove them equal."""
    if (source.kind, source.path, source.dbname, source.host, source.port, source.schema) == (
        target.kind,
        target.path,
        target.dbname,
        target.host,
        target.port,
        target.schema,
    ):
        raise MoveFailed("the source and the target are the same database")
    src_writer, src_reader = create_engines(source)
    try:
        head_position, head_hash, total = _copy_log(
            source, src_writer, src_reader, target, progress, batch
        )
        # Both sides are read as of the copied head: the source may have moved on meanwhile.
        _catch_up(source, src_writer, src_reader, head_position)
        with src_reader.connect() as conn:
            head_now = _head(conn)
            before = _reports(conn, as_of or dt.date.today())
    finally:
        src_writer.dispose()
        src_reader.dispose()
    moved_on = head_now - head_position
    _rebuild(target)
    if moved_on:
        # Not finished: the target stays marked; the next run copies only what is new.
        return MoveResult(
            events=total,
            head_position=head_position,
            head_hash=head_hash,
            reports_compared=[],
            source_moved_on=moved_on,
        )
    after = report_bytes(target, as_of or dt.date.today())
    differ = [name for name in before if before[name] != after.get(name)]
    if differ:
        raise MoveFailed(
            f"the target's reports differ from the source's: {', '.join(differ)}; "
            "the target holds a verified copy of the log and stays marked unfinished: "
            "report this as a bug"
        )
    _finish(target)
    return MoveResult(
        events=total,
        head_position=head_position,
        head_hash=head_hash,
        reports_compared=sorted(before),
        source_moved_on=0,
    )


def _copy_log(
    source: DatabaseUrl,
    src_writer: Engine,
    src_reader: Engine,
    target: DatabaseUrl,
    progress: Progress | None,
    batch: int,
) -> tuple[int, str, int]:
    """Copy (or finish copying) the source's log into the target and verify the target's
    whole chain; returns the head position and hash copied, and the number of events."""
    migrate(src_writer, source)
    if not has_event_store(src_reader):
        raise MoveFailed(f"no event store at {source.redacted()}: nothing to move")
    dst_writer, dst_reader = create_engines(target)
    try:
        migrate(dst_writer, target, unfinished_move_ok=True)
        EventStore(target).close()  # creates the target's event tables when missing
        with consistent_read(src_reader.connect()) as src:
            first = _chain_hash(src, 1)
            head_position, head_hash = _chain_head(src)
            copied, previous_hash = _start_or_resume(dst_writer, target, source, first)
            if copied > head_position or (copied and _chain_hash(src, copied) != previous_hash):
                raise MoveFailed(
                    f"{target.redacted()} holds a copy up to position {copied} that is not the "
                    "source's log (its chain hash differs): drop the target and move again"
                )
            total = _count_events(src)
            done = _count_events_upto(src, copied)
            _copy(src, dst_writer, target, copied, previous_hash, done, total, batch, progress)
            from erp_core.infra.keys import dump_keys, load_keys

            with dst_writer.begin() as dst:  # the key table, from the same snapshot as the log
                load_keys(dst, dump_keys(src))
    finally:
        dst_writer.dispose()
        dst_reader.dispose()
    _check_target(target, head_position, head_hash)
    return head_position, head_hash, total


def _chain_hash(conn: Connection, position: int) -> str | None:
    row = conn.execute(
        text(f"SELECT hash FROM {CHAIN_TABLE} WHERE position = :p"), {"p": position}
    ).first()
    return None if row is None else str(row[0])


def _chain_head(conn: Connection) -> tuple[int, str]:
    last = _head(conn)
    head = conn.execute(
        text(f"SELECT position, hash FROM {CHAIN_TABLE} ORDER BY position DESC LIMIT 1")
    ).first()
    head_position, head_hash = (int(head[0]), str(head[1])) if head else (0, GENESIS)
    if last != head_position:
        raise MoveFailed(
            f"the source fails verification (its last event is at position {last}, its chain "
            f"ends at {head_position}): run `erp audit verify`; nothing was moved"
        )
    return head_position, head_hash


def _count_events(conn: Connection) -> int:
    return int(conn.execute(text(f"SELECT COUNT(*) FROM {EVENTS_TABLE}")).scalar_one())


def _count_events_upto(conn: Connection, position: int) -> int:
    pos = "notification_id" if conn.dialect.name == "postgresql" else "rowid"
    return int(
        conn.execute(
            text(f"SELECT COUNT(*) FROM {EVENTS_TABLE} WHERE {pos} <= :p"), {"p": position}
        ).scalar_one()
    )


def _start_or_resume(
    writer: Engine, target: DatabaseUrl, source: DatabaseUrl, first: str | None
) -> tuple[int, str]:
    """Mark an empty target as a move's, or take up an unfinished move of the same source.
    Returns the position copied so far and its chain hash."""
    with writer.begin() as conn:
        if target.kind == "postgresql":
            conn.execute(text(f"LOCK TABLE {EVENTS_TABLE}, {CHAIN_TABLE} IN EXCLUSIVE MODE"))
        conn.execute(
            text(
                f"CREATE TABLE IF NOT EXISTS {MOVE_TABLE} (source TEXT NOT NULL, "
                "first_hash TEXT, started_at TEXT NOT NULL, copied_position BIGINT NOT NULL)"
            )
        )
        marker = conn.execute(
            text(f"SELECT source, first_hash, copied_position FROM {MOVE_TABLE}")
        ).first()
        counts = {t: _table_count(conn, t) for t in (EVENTS_TABLE, CHAIN_TABLE, SNAPSHOTS_TABLE)}
        if marker is None:
            if any(counts.values()):
                raise TargetNotEmpty(
                    f"{target.redacted()} is not empty ({counts[EVENTS_TABLE]} events, "
                    f"{counts[CHAIN_TABLE]} chain rows): a move only writes into an empty "
                    "database (or finishes its own unfinished move); nothing was changed"
                )
            conn.execute(
                text(
                    f"INSERT INTO {MOVE_TABLE} (source, first_hash, started_at, copied_position) "
                    "VALUES (:s, :f, :t, 0)"
                ),
                {"s": source.redacted(), "f": first, "t": dt.datetime.now(dt.UTC).isoformat()},
            )
            return 0, GENESIS
        if marker[1] != first:
            raise MoveFailed(
                f"{target.redacted()} holds an unfinished move of another log ({marker[0]}): "
                "drop the target, or finish that move"
            )
        head = conn.execute(
            text(f"SELECT position, hash FROM {CHAIN_TABLE} ORDER BY position DESC LIMIT 1")
        ).first()
        return (int(head[0]), str(head[1])) if head else (0, GENESIS)


def _table_count(conn: Connection, table: str) -> int:
    from sqlalchemy import inspect

    if not inspect(conn).has_table(table):
        return 0
    return int(conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one())


def _copy(
    src: Connection,
    dst_writer: Engine,
    target: DatabaseUrl,
    after: int,
    previous_hash: str,
    done: int,
    total: int,
    batch: int,
    progress: Progress | None,
) -> None:
    """Copy the source's events after `after`, each checked against the source's chain row as
    it is recomputed; every batch commits with the marker's copied position."""
    pos = "notification_id" if target.kind == "postgresql" else "rowid"
    insert_event = text(
        f"INSERT INTO {EVENTS_TABLE} ({pos}, originator_id, originator_version, topic, state) "
        "VALUES (:p, :s, :v, :t, :b)"
    )
    insert_chain = text(
        f"INSERT INTO {CHAIN_TABLE} (position, stream, hash, previous, link) "
        "VALUES (:p, :s, :h, :r, :l)"
    )
    chain = audit.chain_records(src, after=after)
    recomputed = previous_hash
    previous = after
    events: list[dict[str, object]] = []
    links: list[dict[str, object]] = []

    def flush() -> None:
        if not events:
            return
        with dst_writer.begin() as conn:
            conn.execute(insert_event, events)
            conn.execute(insert_chain, links)
            conn.execute(text(f"UPDATE {MOVE_TABLE} SET copied_position = :p"), {"p": previous})
            if target.kind == "postgresql":
                conn.execute(
                    text("SELECT setval(pg_get_serial_sequence(:t, 'notification_id'), :n)"),
                    {"t": f'"{target.schema}".{EVENTS_TABLE}', "n": previous},
                )
        events.clear()
        links.clear()
        if progress is not None:
            progress(done, total)

    for e in audit.raw_events(src, after=after):
        row = next(chain, None)
        recomputed = next_hash(
            recomputed, canonical_bytes(e.position, e.stream, e.version, e.topic, e.state)
        )
        if row is None or row[0] != e.position or row[2] != recomputed:
            raise MoveFailed(
                f"the source fails verification at position {e.position} "
                f"({audit.describe(e.stream)}): run `erp audit verify`; the move stopped there"
            )
        events.append({"p": e.position, "s": e.stream, "v": e.version, "t": e.topic, "b": e.state})
        links.append(
            {
                "p": e.position,
                "s": e.stream,
                "h": recomputed,
                "r": previous,
                "l": link_hash(e.position, previous, e.stream, recomputed),
            }
        )
        previous = e.position
        done += 1
        if len(events) >= batch:
            flush()
    flush()
    if progress is not None:
        progress(done, total)


def _rebuild(target: DatabaseUrl) -> None:
    from erp_core.projections import Projector, all_projections

    writer, reader = create_engines(target)
    store = EventStore(target)
    try:
        Projector(store, writer, reader, all_projections()).rebuild()
    finally:
        store.close()
        writer.dispose()
        reader.dispose()


def _finish(target: DatabaseUrl) -> None:
    writer, reader = create_engines(target)
    try:
        with writer.begin() as conn:
            conn.execute(text(f"DROP TABLE {MOVE_TABLE}"))
    finally:
        writer.dispose()
        reader.dispose()


def _head(conn: Connection) -> int:
    pos = "notification_id" if conn.dialect.name == "postgresql" else "rowid"
    return int(conn.execute(text(f"SELECT MAX({pos}) FROM stored_events")).scalar_one() or 0)


def _check_target(target: DatabaseUrl, position: int, head_hash: str) -> None:
    writer, reader = create_engines(target)
    try:
        with reader.connect() as conn:
            report = audit.verify_chain(audit.raw_events(conn), audit.chain_records(conn))
    finally:
        writer.dispose()
        reader.dispose()
    if not report.ok or (report.head_position, report.head_hash) != (position, head_hash):
        raise MoveFailed(
            f"the target does not verify to the source's head ({position}, {head_hash})"
        )
