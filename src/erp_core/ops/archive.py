"""Backup archives of the whole log, and restoring them into an empty database.

An archive (format ``erp-backup/1``) is gzip-compressed JSON Lines:

1. a **manifest**: format, company, source database kind, chain format, head position and
   head hash, counts, time taken, erp_core version, and optionally a signed digest
   (`erp_core.audit.verify.Digest`, Ed25519) of the head;
2. one **event** line per stored event, in log order: a running number ``n``, the log
   ``position``, ``stream``, ``version``, ``topic``, the payload bytes exactly as stored
   (``state``, base64) and the event's chain ``hash`` (its row of ``event_chain``);
3. an **end** line repeating the count and the head, so that a cut-off archive is told apart
   from a short one. In format ``erp-backup/2`` it also carries ``keys``: the rows of the
   personal data key table (`infra/keys.py`: subject, the data key as stored, wrapped or not,
   its tombstone when destroyed), which is not part of the log and not covered by the chain;
   an archive of a book without keys is still written as ``erp-backup/1``.

What is *not* in it: projections (rebuilt from the log on restore) and aggregate snapshots.
Snapshots are a cache of the command side, derived from the events; they are not covered by
the hash chain, so restoring them would import state that nothing verifies (a doctored
snapshot would be believed by every later action). Without them the first action on each
aggregate replays its stream, and snapshots are taken again as usual.

The backup is read in one consistent snapshot (SQLite: one read transaction in WAL mode;
PostgreSQL: one REPEATABLE READ transaction) while writers keep working, and it is verified
while it is written: a log that fails `erp audit verify` is not backed up.

Restore re-inserts every event at its original position with its original bytes and the chain
rows, inside one transaction on an empty target, checking every hash while loading; before
committing it re-verifies the loaded log from the database and compares the head with the
manifest. Any problem rolls everything back: the target is left empty.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import gzip
import os
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import Connection, Engine, inspect, text

from erp_core.audit import verify as audit
from erp_core.infra.chain import (
    CHAIN_FORMAT,
    CHAIN_TABLE,
    GENESIS,
    canonical_bytes,
    link_hash,
    next_hash,
)
from erp_core.infra.config import DatabaseUrl
from erp_core.infra.db import create_engines, migrate
from erp_core.kernel.errors import ErpError

BACKUP_FORMAT = "erp-backup/1"
BACKUP_FORMAT_KEYS = "erp-backup/2"  # the same, with the personal data key table
FORMATS = (BACKUP_FORMAT, BACKUP_FORMAT_KEYS)
EVENTS_TABLE = "stored_events"
SNAPSHOTS_TABLE = "snapshots"
INSERT_BATCH = 1000

Progress = Callable[[int, int], None]


class BackupRefused(ErpError):
    """The source log cannot be backed up as it is (it fails verification, or is missing)."""


class ArchiveRefused(ErpError):
    """The archive is damaged, truncated, tampered with or wrongly signed; nothing was restored.

    `position` is the last log position read intact before the problem (0: none)."""

    def __init__(self, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.position = position


class TargetNotEmpty(ErpError):
    """Restore only writes into an empty database."""


class Manifest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    record: str = "manifest"
    format: str = BACKUP_FORMAT
    chain_format: str = CHAIN_FORMAT
    company: str
    base_currency: str | None
    source: str  # "sqlite" or "postgresql"
    head_position: int
    head_hash: str
    events: int
    streams: int
    created_at: dt.datetime
    erp_core_version: str
    digest: audit.Digest | None = None  # signed head, when --sign was given
    keys: int = 0  # rows of the personal data key table carried (format 2 only)


class RestoreResult(BaseModel):
    model_config = ConfigDict(frozen=True)
    company: str
    events: int
    streams: int
    head_position: int
    head_hash: str
    projected: int
    signed_by: str | None


def _version() -> str:
    from erp_core import __version__

    return __version__


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --- backup ----------------------------------------------------------------------------------


def consistent_read(conn: Connection) -> Connection:
    if conn.dialect.name == "postgresql":
        return conn.execution_options(isolation_level="REPEATABLE READ")
    return conn  # SQLite: the reader engine's BEGIN; WAL gives the snapshot at the first read


def _company(conn: Connection) -> tuple[str, str | None]:
    for e in audit.stream_events(conn, "company"):
        data = orjson.loads(e.state)
        if "base_currency" in data:
            return str(data.get("name", "")), str(data["base_currency"])
    return "", None


def has_event_store(engine: Engine) -> bool:
    with engine.connect() as conn:
        return bool(inspect(conn).has_table(EVENTS_TABLE)) and bool(
            inspect(conn).has_table(CHAIN_TABLE)
        )


def backup(
    url: DatabaseUrl,
    out: Path,
    *,
    private_key_pem: bytes | None = None,
    now: Callable[[], dt.datetime] = _utc_now,
    progress: Progress | None = None,
    record: bool = True,
) -> Manifest:
    """Write the whole log of the database at `url` to the archive `out` (atomically: a
    temporary file renamed into place only once the archive is complete and verified)."""
    writer, reader = create_engines(url)
    try:
        migrate(writer, url)
        if not has_event_store(reader):
            raise BackupRefused(f"no event store at {url.redacted()}: nothing to back up")
        tmp = out.with_name(f".{out.name}.{os.getpid()}.partial")
        try:
            with consistent_read(reader.connect()) as conn:
                manifest = _write_archive(conn, url, tmp, private_key_pem, now, progress)
            os.replace(tmp, out)
        finally:
            tmp.unlink(missing_ok=True)
        if record:
            _record_backup(writer, out, manifest)
        return manifest
    finally:
        writer.dispose()
        reader.dispose()


def _write_archive(
    conn: Connection,
    url: DatabaseUrl,
    tmp: Path,
    private_key_pem: bytes | None,
    now: Callable[[], dt.datetime],
    progress: Progress | None,
) -> Manifest:
    # Everything below reads one snapshot of the database.
    pos = "notification_id" if conn.dialect.name == "postgresql" else "rowid"
    events, streams, last = conn.execute(
        text(f"SELECT COUNT(*), COUNT(DISTINCT originator_id), MAX({pos}) FROM {EVENTS_TABLE}")
    ).one()
    head = conn.execute(
        text(f"SELECT position, hash FROM {CHAIN_TABLE} ORDER BY position DESC LIMIT 1")
    ).first()
    head_position, head_hash = (int(head[0]), str(head[1])) if head else (0, GENESIS)
    if int(last or 0) != head_position:
        raise BackupRefused(
            f"the log fails verification (its last event is at position {last or 0}, its "
            f"chain ends at {head_position}): run `erp audit verify`"
        )
    company, currency = _company(conn)
    from erp_core.infra.keys import dump_keys

    keys = dump_keys(conn)  # in the same snapshot as the log
    created = now()
    digest = None
    if private_key_pem is not None:
        report = audit.ChainReport(
            events=int(events),
            head_position=head_position,
            head_hash=head_hash,
            problems=[],
            checkpoints={},
        )
        digest = audit.make_digest(company, report, created, private_key_pem)
    manifest = Manifest(
        format=BACKUP_FORMAT_KEYS if keys else BACKUP_FORMAT,
        keys=len(keys),
        company=company,
        base_currency=currency,
        source=url.kind,
        head_position=head_position,
        head_hash=head_hash,
        events=int(events),
        streams=int(streams),
        created_at=created,
        erp_core_version=_version(),
        digest=digest,
    )
    count = 0
    recomputed = GENESIS
    with gzip.open(tmp, "wb", compresslevel=6) as f:
        # a format-1 manifest is written exactly as before, readable by older programs
        exclude = None if keys else {"keys"}
        f.write(manifest.model_dump_json(exclude=exclude).encode() + b"\n")
        chain = audit.chain_records(conn)
        for e in audit.raw_events(conn):
            row = next(chain, None)
            recomputed = next_hash(
                recomputed, canonical_bytes(e.position, e.stream, e.version, e.topic, e.state)
            )
            if row is None or row[0] != e.position or row[2] != recomputed:
                raise BackupRefused(
                    f"the log fails verification at position {e.position} "
                    f"({audit.describe(e.stream)}): run `erp audit verify`; not backed up"
                )
            count += 1
            line = {
                "record": "event",
                "n": count,
                "position": e.position,
                "stream": e.stream,
                "version": e.version,
                "topic": e.topic,
                "state": base64.b64encode(e.state).decode(),
                "hash": recomputed,
            }
            f.write(orjson.dumps(line) + b"\n")
            if progress is not None and count % 1000 == 0:
                progress(count, int(events))
        if next(chain, None) is not None:
            raise BackupRefused("the log fails verification (chain rows without events)")
        if count != int(events) or recomputed != head_hash:
            raise BackupRefused("the log changed under a consistent read: backup abandoned")
        end = {"record": "end", "events": count, "head_position": head_position}
        carried = {"keys": keys} if keys else {}  # format 2: the key table, after the log
        f.write(orjson.dumps({**end, "head_hash": head_hash, **carried}) + b"\n")
    if progress is not None:
        progress(count, int(events))
    return manifest


def _record_backup(writer: Engine, out: Path, manifest: Manifest) -> None:
    from erp_core.ops.history import backups

    with writer.begin() as conn:
        conn.execute(
            backups.insert().values(
                taken_at=manifest.created_at.isoformat(),
                file=str(out.resolve()),
                head_position=manifest.head_position,
                head_hash=manifest.head_hash,
                events=manifest.events,
                signed=manifest.digest is not None,
            )
        )


# --- reading an archive ----------------------------------------------------------------------


class _Reader:
    """Lines of an archive, turning every decompression failure into ArchiveRefused at the
    last position read intact."""

    def __init__(self, f: Iterable[bytes]) -> None:
        self._f = f
        self.position = 0

    def lines(self) -> Iterator[bytes]:
        it = iter(self._f)
        while True:
            try:
                line = next(it)
            except StopIteration:
                return
            except EOFError:
                raise ArchiveRefused(
                    f"the archive is truncated after position {self.position}", self.position
                ) from None
            except (gzip.BadGzipFile, zlib.error, OSError) as exc:
                where = f"after position {self.position}" if self.position else "at its start"
                raise ArchiveRefused(
                    f"the archive is damaged {where} ({exc}): restore from another copy",
                    self.position,
                ) from None
            yield line


def read_manifest(line: bytes) -> Manifest:
    try:
        data = orjson.loads(line)
    except orjson.JSONDecodeError:
        raise ArchiveRefused("not an erp backup: the first line is not a manifest", 0) from None
    if not isinstance(data, dict) or data.get("record") != "manifest":
        raise ArchiveRefused("not an erp backup: the first line is not a manifest", 0)
    if data.get("format") not in FORMATS:
        raise ArchiveRefused(
            f"unsupported backup format {data.get('format')!r} (this program reads "
            f"{' and '.join(FORMATS)})",
            0,
        )
    try:
        manifest = Manifest.model_validate(data)
    except PydanticValidationError as exc:
        raise ArchiveRefused(f"the manifest is damaged: {exc.errors()[0]['msg']}", 0) from None
    if manifest.chain_format != CHAIN_FORMAT:
        raise ArchiveRefused(f"unsupported chain format {manifest.chain_format!r}", 0)
    return manifest


def check_manifest_signature(manifest: Manifest, trusted_public_key: str | None) -> str | None:
    """Refuse a wrongly signed archive; return the signer's public key (None: unsigned)."""
    digest = manifest.digest
    if digest is None:
        if trusted_public_key is not None:
            raise ArchiveRefused("the archive is not signed, and a trusted public key was given", 0)
        return None
    problems = audit.check_signature(digest, trusted_public_key)
    if problems:
        raise ArchiveRefused(f"signature: {problems[0]}", 0)
    if (
        digest.position != manifest.head_position
        or digest.hash != manifest.head_hash
        or digest.company != manifest.company
    ):
        raise ArchiveRefused("signature: the manifest's head differs from the signed head", 0)
    return digest.public_key


class _Event:
    __slots__ = ("hash", "n", "position", "state", "stream", "topic", "version")

    def __init__(self, data: dict[str, Any], after: int) -> None:
        try:
            self.n = int(data["n"])
            self.position = int(data["position"])
            self.stream = str(data["stream"])
            self.version = int(data["version"])
            self.topic = str(data["topic"])
            self.state = base64.b64decode(data["state"], validate=True)
            self.hash = str(data["hash"])
        except (KeyError, TypeError, ValueError, binascii.Error):
            raise ArchiveRefused(
                f"the archive is damaged after position {after}: an event line is malformed",
                after,
            ) from None


def iter_archive(
    f: Iterable[bytes],
    trusted_public_key: str | None = None,
    keys_out: list[dict[str, Any]] | None = None,
) -> tuple[Manifest, str | None, Iterator[_Event]]:
    """The manifest, its signer, and the events, each checked against its chain hash as it
    is read; the iterator raises ArchiveRefused at the first problem and checks the end.
    Key lines (after the events) are checked and appended to `keys_out` when given."""
    reader = _Reader(f)
    lines = reader.lines()
    first = next(lines, None)
    if first is None:
        raise ArchiveRefused("the archive is empty", 0)
    manifest = read_manifest(first)
    signer = check_manifest_signature(manifest, trusted_public_key)

    def events() -> Iterator[_Event]:
        previous = GENESIS
        count = 0
        for line in lines:
            at = reader.position
            try:
                data = orjson.loads(line)
            except orjson.JSONDecodeError:
                raise ArchiveRefused(
                    f"the archive is damaged after position {at}: a line is not valid JSON", at
                ) from None
            kind = data.get("record") if isinstance(data, dict) else None
            if kind == "end":
                raw = data.get("keys") if manifest.format == BACKUP_FORMAT_KEYS else None
                keys = [_key_line(k, at) for k in raw] if isinstance(raw, list) else []
                if len(keys) != manifest.keys:
                    raise ArchiveRefused(
                        f"the archive holds {len(keys)} keys, its manifest promises "
                        f"{manifest.keys}",
                        at,
                    )
                _check_end(manifest, data, count, previous, at)
                if keys_out is not None:
                    keys_out.extend(keys)
                if next(lines, None) is not None:
                    raise ArchiveRefused("the archive has lines after its end record", at)
                return
            if kind != "event":
                raise ArchiveRefused(f"the archive is damaged after position {at}", at)
            e = _Event(data, at)
            if e.n != count + 1:
                raise ArchiveRefused(
                    f"the archive is damaged after position {at}: event #{count + 1} is missing "
                    f"(the next line is #{e.n})",
                    at,
                )
            if e.position <= at:
                raise ArchiveRefused(
                    f"the archive is damaged at position {e.position}: positions go backwards",
                    at,
                )
            expected = next_hash(
                previous, canonical_bytes(e.position, e.stream, e.version, e.topic, e.state)
            )
            if expected != e.hash:
                raise ArchiveRefused(
                    f"the archive is damaged at position {e.position} "
                    f"({audit.describe(e.stream)}): the event does not match its chain hash "
                    "(altered, or an event before it is missing)",
                    at,
                )
            previous = e.hash
            count += 1  # noqa: SIM113 - counts only the events that passed
            reader.position = e.position
            yield e
        raise ArchiveRefused(
            f"the archive is truncated after position {reader.position} (no end record)",
            reader.position,
        )

    return manifest, signer, events()


def _key_line(data: object, at: int) -> dict[str, Any]:
    from erp_core.infra.keys import KEY_COLUMNS

    if not isinstance(data, dict):
        raise ArchiveRefused(f"the archive's end record has a malformed key ({at})", at)
    row = {c: data.get(c) for c in KEY_COLUMNS}
    if not isinstance(row["subject"], str) or not row["subject"] or not row["created_at"]:
        raise ArchiveRefused(f"the archive's end record has a malformed key ({at})", at)
    return row


def _check_end(manifest: Manifest, end: dict[str, Any], count: int, head: str, at: int) -> None:
    if end.get("events") != count or end.get("head_hash") != head:
        raise ArchiveRefused(
            f"the archive's end record does not match its events (after position {at})", at
        )
    if count != manifest.events or head != manifest.head_hash or at != manifest.head_position:
        raise ArchiveRefused(
            f"the archive holds {count} events up to position {at}, but its manifest promises "
            f"{manifest.events} up to position {manifest.head_position}",
            at,
        )


def inspect_archive(path: Path, trusted_public_key: str | None = None) -> Manifest:
    """Read and check a whole archive without touching any database."""
    with _open(path) as f:
        manifest, _signer, events = iter_archive(f, trusted_public_key)
        for _ in events:
            pass
    return manifest


def _open(path: Path) -> gzip.GzipFile:
    try:
        return gzip.open(path, "rb")
    except OSError as exc:
        raise ArchiveRefused(f"cannot read {path}: {exc.strerror or exc}", 0) from None


# --- restore ---------------------------------------------------------------------------------


def _count(conn: Connection, table: str) -> int:
    if not inspect(conn).has_table(table):
        return 0
    return int(conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one())


def stored_event_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return _count(conn, EVENTS_TABLE)


def restore(
    path: Path,
    url: DatabaseUrl,
    *,
    trusted_public_key: str | None = None,
    progress: Progress | None = None,
) -> RestoreResult:
    """Load the archive at `path` into the empty database at `url`, all or nothing, then
    rebuild its projections."""
    from erp_core.infra.store import EventStore
    from erp_core.projections import Projector, all_projections

    with _open(path) as f:
        # Read and check the manifest (and its signature) before touching the target.
        keys: list[dict[str, Any]] = []
        manifest, signer, events = iter_archive(f, trusted_public_key, keys)
        writer, reader = create_engines(url)
        store = None
        try:
            migrate(writer, url)
            store = EventStore(url)  # creates the event tables when they are missing
            with writer.begin() as conn:
                _lock_and_check_empty(conn, url)
                loaded = _load(conn, events, manifest, progress)
                _verify_loaded(conn, manifest, loaded)
                from erp_core.infra.keys import load_keys

                load_keys(conn, keys)  # read with the end record; erased keys stay destroyed
                if url.kind == "postgresql" and manifest.head_position:
                    conn.execute(
                        text("SELECT setval(pg_get_serial_sequence(:t, 'notification_id'), :n)"),
                        {"t": f'"{url.schema}".{EVENTS_TABLE}', "n": manifest.head_position},
                    )
            projector = Projector(store, writer, reader, all_projections())
            projected = projector.rebuild()
        finally:
            if store is not None:
                store.close()
            writer.dispose()
            reader.dispose()
    return RestoreResult(
        company=manifest.company,
        events=manifest.events,
        streams=manifest.streams,
        head_position=manifest.head_position,
        head_hash=manifest.head_hash,
        projected=projected,
        signed_by=signer,
    )


def _lock_and_check_empty(conn: Connection, url: DatabaseUrl) -> None:
    if url.kind == "postgresql":
        conn.execute(text(f"LOCK TABLE {EVENTS_TABLE}, {CHAIN_TABLE} IN EXCLUSIVE MODE"))
    found = {t: _count(conn, t) for t in (EVENTS_TABLE, CHAIN_TABLE, SNAPSHOTS_TABLE)}
    if any(found.values()):
        raise TargetNotEmpty(
            f"{url.redacted()} is not empty ({found[EVENTS_TABLE]} events, "
            f"{found[CHAIN_TABLE]} chain rows, {found[SNAPSHOTS_TABLE]} snapshots): restore "
            "only writes into an empty database; nothing was changed"
        )


def _load(
    conn: Connection, events: Iterator[_Event], manifest: Manifest, progress: Progress | None
) -> int:
    pos = "notification_id" if conn.dialect.name == "postgresql" else "rowid"
    insert_event = text(
        f"INSERT INTO {EVENTS_TABLE} ({pos}, originator_id, originator_version, topic, state) "
        "VALUES (:p, :s, :v, :t, :b)"
    )
    insert_chain = text(
        f"INSERT INTO {CHAIN_TABLE} (position, stream, hash, previous, link) "
        "VALUES (:p, :s, :h, :r, :l)"
    )
    rows: list[dict[str, Any]] = []
    count = 0
    previous = 0  # the restored rows get their previous position and link, as written live

    def flush() -> None:
        nonlocal previous
        if rows:
            conn.execute(insert_event, rows)
            links = []
            for r in rows:
                link = link_hash(r["p"], previous, r["s"], r["h"])
                links.append({"p": r["p"], "s": r["s"], "h": r["h"], "r": previous, "l": link})
                previous = r["p"]
            conn.execute(insert_chain, links)
            rows.clear()

    for e in events:
        rows.append(
            {
                "p": e.position,
                "s": e.stream,
                "v": e.version,
                "t": e.topic,
                "b": e.state,
                "h": e.hash,
            }
        )
        count += 1
        if len(rows) >= INSERT_BATCH:
            flush()
            if progress is not None:
                progress(count, manifest.events)
    flush()
    if progress is not None:
        progress(count, manifest.events)
    return count


def _verify_loaded(conn: Connection, manifest: Manifest, loaded: int) -> None:
    """Re-read what was inserted, in the same transaction, and verify it as `erp audit verify`
    would; compare with the manifest before committing."""
    report = audit.verify_chain(audit.raw_events(conn), audit.chain_records(conn))
    if not report.ok:
        first = report.problems[0]
        raise ArchiveRefused(f"the restored log fails verification: {first.message}", None)
    if (report.events, report.head_position, report.head_hash) != (
        manifest.events,
        manifest.head_position,
        manifest.head_hash,
    ) or loaded != manifest.events:
        raise ArchiveRefused(
            f"the restored log ends at position {report.head_position} with hash "
            f"{report.head_hash}, not the manifest's {manifest.head_position} / "
            f"{manifest.head_hash}",
            report.head_position,
        )
