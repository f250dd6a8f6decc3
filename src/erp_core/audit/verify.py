"""Audit: verify the hash chain from the raw stored events, digests, and signatures.

The verifier trusts nothing but the stored rows: it reads the events table and the chain table
with plain SQL, recomputes every hash itself (see `erp_core.chain` for the format) and
compares. It never decodes an event into a model and never reads a projection.

Two hashes are carried along the log:

* the *recomputed* hash uses only the raw events; it is the head reported and the value
  compared with earlier digests, so rewriting the events and the chain table together is
  still caught by any digest taken before;
* the *local* check compares each event with the stored chain row at its position, so the
  report names the exact position (and document) where the log was changed.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Generic, Literal, NamedTuple, TypeVar

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection, text

from erp_core.infra.chain import CHAIN_TABLE, GENESIS, canonical_bytes, link_hash, next_hash
from erp_core.kernel.errors import ErpError, ValidationError

DIGEST_FORMAT = "erp-digest/1"
T = TypeVar("T")
EVENTS_TABLE = "stored_events"


class RawEvent(NamedTuple):
    """One stored event exactly as stored (a tuple: cheap to build for every row)."""

    position: int
    stream: str
    version: int
    topic: str
    state: bytes


ProblemKind = Literal["altered", "deleted", "inserted", "digest", "snapshot", "chain"]


class Problem(BaseModel):
    model_config = ConfigDict(frozen=True)
    position: int
    stream: str | None
    kind: ProblemKind
    message: str


class ChainReport(BaseModel):
    model_config = ConfigDict(frozen=True)
    events: int
    head_position: int
    head_hash: str
    problems: list[Problem]
    checkpoints: dict[int, str]

    @property
    def ok(self) -> bool:
        return not self.problems


def describe(stream: str | None) -> str:
    """A stream id as an auditor reads it: 'document JV-2026-000001', 'fiscal year 2026'..."""
    if stream is None:
        return "an unknown record"
    kind, _, name = stream.partition(":")
    if kind == "snapshot":
        return f"the snapshot record of {describe(name)}"
    return {
        "doc": f"document {name}",
        "fy": f"fiscal year {name}",
        "idem": f"idempotency key {name}",
    }.get(kind, {"chart": "the chart of accounts", "company": "the company"}.get(stream, stream))


# --- reading the raw log ---------------------------------------------------------------------


def _position_column(conn: Connection) -> str:
    return "notification_id" if conn.dialect.name == "postgresql" else "rowid"


def _as_bytes(state: object) -> bytes:
    # A row edited by hand may come back as text (SQLite) instead of bytes: still compare it.
    if isinstance(state, str):
        return state.encode()
    return bytes(state)  # type: ignore[call-overload]


def raw_events(
    conn: Connection, batch: int = 5000, upto: int | None = None, after: int = 0
) -> Iterator[RawEvent]:
    """Every stored event in log order (after position `after`, up to `upto`), as raw rows
    (keyset pagination, constant memory)."""
    pos = _position_column(conn)
    limit = "" if upto is None else f" AND {pos} <= :upto"
    query = text(
        f"SELECT {pos}, originator_id, originator_version, topic, state FROM {EVENTS_TABLE} "
        f"WHERE {pos} > :after{limit} ORDER BY {pos} LIMIT :batch"
    )
    while True:
        rows = conn.execute(query, {"after": after, "batch": batch, "upto": upto}).all()
        for p, stream, version, topic, state in rows:
            yield RawEvent(int(p), str(stream), int(version), str(topic), _as_bytes(state))
        if len(rows) < batch:
            return
        after = int(rows[-1][0])


# position, stream, hash, previous position, link
ChainRow = tuple[int, str, str, int | None, str | None]


def chain_records(conn: Connection, batch: int = 20000, after: int = 0) -> Iterator[ChainRow]:
    query = text(
        f"SELECT position, stream, hash, previous, link FROM {CHAIN_TABLE} "
        "WHERE position > :after ORDER BY position LIMIT :batch"
    )
    while True:
        rows = conn.execute(query, {"after": after, "batch": batch}).all()
        for p, stream, digest, previous, link in rows:
            yield (
                int(p),
                str(stream),
                str(digest),
                None if previous is None else int(previous),
                None if link is None else str(link),
            )
        if len(rows) < batch:
            return
        after = int(rows[-1][0])


def stream_events(conn: Connection, stream: str) -> list[RawEvent]:
    pos = _position_column(conn)
    rows = conn.execute(
        text(
            f"SELECT {pos}, originator_id, originator_version, topic, state FROM {EVENTS_TABLE} "
            f"WHERE originator_id = :stream ORDER BY originator_version"
        ),
        {"stream": stream},
    ).all()
    return [RawEvent(int(p), str(s), int(v), str(t), _as_bytes(b)) for p, s, v, t, b in rows]


def streams_of(conn: Connection, document: str) -> list[str]:
    """The streams of a document number: ``doc:NUMBER`` (what it posted) and every
    ``<kind>:NUMBER`` stream of the document itself (``so:``, ``po:``, ``wo:``, ...)."""
    escaped = document.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = conn.execute(
        text(
            f"SELECT DISTINCT originator_id FROM {EVENTS_TABLE} "
            "WHERE originator_id LIKE :pattern ESCAPE '\\'"
        ),
        {"pattern": f"%:{escaped}"},
    ).all()
    return sorted(str(r[0]) for r in rows if str(r[0]).split(":", 1)[1] == document)


# --- verifying -------------------------------------------------------------------------------


def _link_ok(c: tuple[int, str, str] | ChainRow) -> bool:
    """Does the row's link vouch for its stream and previous position? (Rows from before
    links were written have none and are taken as they are.)"""
    if len(c) < 5 or c[4] is None:
        return True
    previous = c[3]
    return previous is not None and link_hash(c[0], previous, c[1], c[2]) == c[4]


class _Ahead(Generic[T]):
    """An iterator one can look ahead in."""

    def __init__(self, items: Iterable[T]) -> None:
        self._items = iter(items)
        self._buffer: deque[T] = deque()

    def peek(self, i: int = 0) -> T | None:
        while len(self._buffer) <= i:
            item = next(self._items, None)
            if item is None:
                return None
            self._buffer.append(item)
        return self._buffer[i]

    def pop(self) -> None:
        if self.peek() is not None:
            self._buffer.popleft()


def _slipped_in(
    local: str, evs: _Ahead[RawEvent], chs: _Ahead[tuple[int, str, str] | ChainRow]
) -> bool:
    """Was the current event inserted, the events after it renumbered? Then the next event
    is the one chained at the current row, and the one after it (if any) at the next row:
    two matches, so that two swapped events still read as altered."""
    c, e1, c2, e2 = chs.peek(0), evs.peek(1), chs.peek(1), evs.peek(2)
    if c is None or e1 is None:
        return False
    if c[2] != next_hash(local, canonical_bytes(c[0], e1.stream, e1.version, e1.topic, e1.state)):
        return False
    if c2 is None or e2 is None:
        return c2 is None and e2 is None
    return c2[2] == next_hash(
        c[2], canonical_bytes(c2[0], e2.stream, e2.version, e2.topic, e2.state)
    )


def verify_chain(
    events: Iterable[RawEvent],
    chain: Iterable[tuple[int, str, str] | ChainRow],
    checkpoints: Iterable[int] = (),
) -> ChainReport:
    """Walk the raw events and the stored chain side by side; report every difference.

    Each problem is reported once, where it is: after one, the walk resynchronises on the
    stored chain, so one change reads as one problem. A chain row whose link points past a
    missing position reveals events deleted together with their chain rows; an event that
    matches its neighbours while its own chain row does not reveals an overwritten chain row;
    an event whose successor matches the chain row at its position was inserted with the
    events after it renumbered (they are then checked at the positions they were chained at).
    A chain row whose `link` does not match its stream and previous position was edited: its
    stream name is not used to name a deleted event.
    """
    wanted = set(checkpoints)
    seen: dict[int, str] = {}
    problems: list[Problem] = []
    recomputed = GENESIS
    local = GENESIS
    last_link = 0  # the position of the last chain row walked
    count = 0
    head_position = 0
    shift = 0  # how far the events from here on were renumbered past their chain rows
    # a mismatch waiting for the next event to tell which side changed:
    # (position, stream, hash the chain should hold, hash it holds)
    pending: tuple[int, str, str, str] | None = None

    def settle_altered() -> None:
        nonlocal pending
        if pending is not None:
            problems.append(
                Problem(
                    position=pending[0],
                    stream=pending[1],
                    kind="altered",
                    message=f"position {pending[0]} ({describe(pending[1])}): the event differs "
                    "from what was stored and chained (altered, replaced or moved)",
                )
            )
            pending = None

    def walked(e: RawEvent) -> None:
        """Carry the recomputed hash (over the events as they are stored) past `e`."""
        nonlocal recomputed, count, head_position
        body = canonical_bytes(e.position, e.stream, e.version, e.topic, e.state)
        recomputed = next_hash(recomputed, body)
        count += 1
        head_position = e.position
        if e.position in wanted:
            seen[e.position] = recomputed

    def inserted(e: RawEvent, why: str) -> Problem:
        return Problem(
            position=e.position,
            stream=e.stream,
            kind="inserted",
            message=f"position {e.position} ({describe(e.stream)}): an event with no chain "
            f"record was inserted outside erp_core{why}",
        )

    def chain_altered(position: int, stream: str) -> Problem:
        return Problem(
            position=position,
            stream=stream,
            kind="chain",
            message=f"position {position} ({describe(stream)}): the chain record was altered "
            "(the event itself is intact)",
        )

    evs, chs = _Ahead(events), _Ahead(chain)  # look-ahead, to recognise an insertion
    while True:
        e, c = evs.peek(), chs.peek()
        if e is None and c is None:
            break
        key = 0 if e is None else e.position - shift  # the position `e` should be chained at
        if e is not None and (c is None or key < c[0]):
            settle_altered()
            walked(e)
            problems.append(inserted(e, ""))
            evs.pop()
        elif c is not None and (e is None or c[0] < key):
            settle_altered()
            position, stream, stored_hash = c[0], c[1], c[2]
            if _link_ok(c):
                problems.append(
                    Problem(
                        position=position,
                        stream=stream,
                        kind="deleted",
                        message=f"position {position} ({describe(stream)}): the event was deleted",
                    )
                )
            else:
                problems.append(
                    Problem(
                        position=position,
                        stream=None,
                        kind="deleted",
                        message=f"position {position}: the event was deleted, and its chain "
                        f"record was edited (it names {describe(stream)}, which its link does "
                        "not vouch for)",
                    )
                )
            local = stored_hash
            last_link = position
            chs.pop()
        else:
            assert e is not None and c is not None
            body = canonical_bytes(c[0], e.stream, e.version, e.topic, e.state)
            link_ok = _link_ok(c)
            previous = c[3] if len(c) > 3 and link_ok else None
            if pending is not None:
                if next_hash(pending[2], body) == c[2]:
                    # the event before matches this one: its chain row was overwritten
                    problems.append(chain_altered(pending[0], pending[1]))
                    local = pending[2]
                    pending = None
                else:
                    settle_altered()
            if previous is not None and previous != last_link:
                # this link points past positions that are gone with their chain rows
                first, last = last_link + 1, c[0] - 1
                if previous < last_link or previous >= c[0]:
                    first, last = previous, previous
                where = f"position {first}" if first == last else f"positions {first}-{last}"
                problems.append(
                    Problem(
                        position=first,
                        stream=None,
                        kind="deleted",
                        message=f"{where}, before {describe(e.stream)} at position {e.position}: "
                        "missing (the event and its chain record were deleted)",
                    )
                )
                # the event cannot be checked against a link that is gone: resynchronise
            else:
                expected = next_hash(local, body)
                if expected != c[2]:
                    if _slipped_in(local, evs, chs):
                        # the next events are the ones chained here: `e` was slipped in
                        walked(e)
                        problems.append(inserted(e, " (the events after it were renumbered)"))
                        evs.pop()
                        shift = evs.peek(0).position - c[0]  # type: ignore[union-attr]
                        continue
                    pending = (e.position, e.stream, expected, c[2])
                elif not link_ok:
                    problems.append(chain_altered(e.position, e.stream))
            local = c[2]
            last_link = c[0]
            walked(e)
            evs.pop()
            chs.pop()
    settle_altered()
    return ChainReport(
        events=count,
        head_position=head_position,
        head_hash=recomputed,
        problems=problems,
        checkpoints=seen,
    )


# --- snapshots -------------------------------------------------------------------------------

SNAPSHOTS_TABLE = "stored_snapshots"


def _snapshot_rows(conn: Connection) -> list[tuple[str, int, bytes]]:
    from sqlalchemy import inspect

    if not inspect(conn).has_table(SNAPSHOTS_TABLE):
        return []
    rows = conn.execute(
        text(
            f"SELECT originator_id, originator_version, state FROM {SNAPSHOTS_TABLE} "
            "ORDER BY originator_id, originator_version"
        )
    ).all()
    return [(str(s), int(v), _as_bytes(b)) for s, v, b in rows]


def _refold(conn: Connection, stream: str, version: int) -> dict[str, object] | None:
    """A fiscal year's state folded from its stored events up to `version` (only for
    snapshots written before snapshots were chained)."""
    from erp_core.kernel.events import decode
    from erp_core.ledger.periods import FiscalYear

    if not stream.startswith("fy:"):
        return None
    agg = FiscalYear(stream)
    events = [e for e in stream_events(conn, stream) if e.version <= version]
    try:
        agg.replay((e.version, decode(e.topic, e.state)) for e in events)
    except Exception:  # a damaged event is reported by the chain check itself
        return None
    return agg.snapshot() if agg.version == version else None


def check_snapshots(conn: Connection) -> list[Problem]:
    """Every stored snapshot must match its chained `SnapshotRecorded` record (the hash of
    its state at its version); a snapshot from before snapshots were chained must equal the
    state folded from the log. The command path ignores a snapshot that fails this."""
    import orjson

    from erp_core.kernel.events import snapshot_hash

    snapshots = _snapshot_rows(conn)
    if not snapshots:
        return []
    pos = _position_column(conn)
    chained: dict[tuple[str, int], tuple[int, str]] = {}
    for p, state in conn.execute(
        text(
            f"SELECT {pos}, state FROM {EVENTS_TABLE} WHERE topic LIKE 'SnapshotRecorded@%' "
            f"ORDER BY {pos}"
        )
    ).all():
        try:
            data = orjson.loads(_as_bytes(state))
            chained[(str(data["of_stream"]), int(data["of_version"]))] = (
                int(p),
                str(data["state_hash"]),
            )
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            continue  # an altered record: the chain check reports it
    problems = []
    for stream, version, raw in snapshots:
        try:
            state = orjson.loads(raw)
            digest = snapshot_hash(state) if isinstance(state, dict) else None
        except (orjson.JSONDecodeError, TypeError, ValueError):
            state, digest = None, None
        record = chained.get((stream, version))
        if record is not None:
            if digest == record[1]:
                continue
            where = record[0]
            why = "differs from the hash recorded in the chained log at that position"
        else:
            if digest is not None and _refold(conn, stream, version) == state:
                continue  # written before snapshots were chained, and true to the log
            where = 0
            why = "has no record in the chained log and differs from the log's events"
        problems.append(
            Problem(
                position=where,
                stream=stream,
                kind="snapshot",
                message=f"snapshot of {describe(stream)} at version {version}: the stored "
                f"snapshot {why} (edited outside erp_core; it is ignored and the state is "
                "folded from the log)",
            )
        )
    return problems


# --- digests ---------------------------------------------------------------------------------


class Digest(BaseModel):
    """The head of the log at one moment, optionally signed with Ed25519."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    format: str = DIGEST_FORMAT
    company: str
    position: int
    hash: str
    time: dt.datetime
    public_key: str | None = None  # raw Ed25519 public key, base64
    signature: str | None = None  # over `signed_bytes()`, base64

    def signed_bytes(self) -> bytes:
        body = {
            "format": self.format,
            "company": self.company,
            "position": self.position,
            "hash": self.hash,
            "time": self.time.isoformat(),
        }
        return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def make_digest(
    company: str, report: ChainReport, now: dt.datetime, private_key_pem: bytes | None = None
) -> Digest:
    digest = Digest(company=company, position=report.head_position, hash=report.head_hash, time=now)
    if private_key_pem is None:
        return digest
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        key = serialization.load_pem_private_key(private_key_pem, password=None)
    except ValueError as exc:
        raise ValidationError("sign", f"not a PEM private key: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ValidationError("sign", "the key is not an Ed25519 private key")
    public = key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return digest.model_copy(
        update={
            "public_key": base64.b64encode(public).decode(),
            "signature": base64.b64encode(key.sign(digest.signed_bytes())).decode(),
        }
    )


def load_public_key(pem: bytes) -> str:
    """A PEM Ed25519 public key as the base64 raw form used in digests."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        key = serialization.load_pem_public_key(pem)
    except ValueError as exc:
        raise ValidationError("public-key", f"not a PEM public key: {exc}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise ValidationError("public-key", "the key is not an Ed25519 public key")
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def check_signature(digest: Digest, trusted_public_key: str | None) -> list[str]:
    """Problems with a digest's signature (empty when it is unsigned and none is required)."""
    if digest.signature is None or digest.public_key is None:
        return ["the digest is not signed"] if trusted_public_key else []
    if trusted_public_key is not None and digest.public_key != trusted_public_key:
        return ["the digest was signed with a different key than the trusted public key"]
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(digest.public_key))
        key.verify(base64.b64decode(digest.signature), digest.signed_bytes())
    except (InvalidSignature, ValueError):
        return ["the digest's signature is not valid: the digest file was changed"]
    return []


def check_digests(
    report: ChainReport, digests: Iterable[Digest], trusted_public_key: str | None = None
) -> list[Problem]:
    """Does today's log still extend each earlier digest?"""
    problems = []
    for d in digests:
        for message in check_signature(d, trusted_public_key):
            problems.append(
                Problem(
                    position=d.position,
                    stream=None,
                    kind="digest",
                    message=f"digest of position {d.position}: {message}",
                )
            )
        now_hash = report.checkpoints.get(d.position)
        if now_hash is None:
            problems.append(
                Problem(
                    position=d.position,
                    stream=None,
                    kind="digest",
                    message=f"digest of position {d.position} ({d.time:%Y-%m-%d %H:%M}): the log "
                    "no longer reaches that position (events were removed)",
                )
            )
        elif now_hash != d.hash:
            problems.append(
                Problem(
                    position=d.position,
                    stream=None,
                    kind="digest",
                    message=f"digest of position {d.position} ({d.time:%Y-%m-%d %H:%M}): the log "
                    "up to that position was rewritten since the digest was taken",
                )
            )
    return problems


def keygen() -> tuple[bytes, bytes]:
    """A new Ed25519 key pair as (private PEM, public PEM)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public


def position_known_at(events: Iterable[RawEvent], moment: dt.datetime) -> int:
    """The end of the longest prefix of the log whose events were all recorded by `moment`."""
    import orjson

    if moment.tzinfo is None:
        raise ValidationError("known-at", "give a time zone, e.g. 2026-04-10T17:00:00+00:00")
    last = 0
    for e in events:
        recorded = orjson.loads(e.state).get("recorded_at")
        if recorded is None:
            raise ErpError(f"position {e.position} has no recorded_at")
        if dt.datetime.fromisoformat(recorded.replace("Z", "+00:00")) > moment:
            break
        last = e.position
    return last
