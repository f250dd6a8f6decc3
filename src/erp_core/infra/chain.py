"""The hash chain over the log, written in the same transaction as the events it covers.

For every stored event, in log order::

    h_n = SHA-256( h_(n-1) || canonical_bytes(event n) )      with h_0 = 32 zero bytes

``canonical_bytes`` (format ``erp-chain/1``) is the UTF-8 header
``"erp-chain/1\\n<position>\\n<stream>\\n<version>\\n<topic>\\n"`` followed by the event's stored
payload bytes exactly as stored (which hold its timestamp ``recorded_at`` and actor). Those
bytes are identical on SQLite and PostgreSQL, so a log copied between them chains the same.

The chain rows live in ``event_chain(position, stream, hash, previous, link)`` beside the
events (the stream is kept so that a deleted event can still be named). ``previous`` is the
position of the chain row before (a deleted row leaves a visible gap) and ``link`` (format
``erp-link/1``) is ``SHA-256("erp-link/1\\n<position>\\n<previous>\\n<stream>\\n<hash>\\n")``:
it binds the row's stream name and previous position to its hash, which the next event
authenticates, so neither column can be edited by hand to blame a deletion on another
document without the verifier seeing it. Neither enters the hash (format erp-chain/1 is
unchanged); rows written before they were added hold NULL and are checked as before.

The rows are written by subclasses of eventsourcing's own recorders inside the insert
transaction (under the same write lock), so an event can never be stored without its chain
row, and a row inserted into the events table by hand has none. The PostgreSQL recorder is in
`chain_postgres` (so that SQLite books never import the PostgreSQL driver).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor, SQLiteDatastore

CHAIN_FORMAT = "erp-chain/1"
GENESIS = "0" * 64
CHAIN_TABLE = "event_chain"
LINK_FORMAT = "erp-link/1"


def canonical_bytes(position: int, stream: str, version: int, topic: str, state: bytes) -> bytes:
    header = f"{CHAIN_FORMAT}\n{position}\n{stream}\n{version}\n{topic}\n".encode()
    return header + state


def next_hash(previous: str, canonical: bytes) -> str:
    return hashlib.sha256(bytes.fromhex(previous) + canonical).hexdigest()


def link_hash(position: int, previous: int, stream: str, digest: str) -> str:
    """The `link` of a chain row: its position, previous position and stream bound to its hash."""
    body = f"{LINK_FORMAT}\n{position}\n{previous}\n{stream}\n{digest}\n"
    return hashlib.sha256(body.encode()).hexdigest()


def chain_rows(
    previous: str, previous_position: int, ids: Sequence[int], events: Sequence[StoredEvent]
) -> list[tuple[int, str, str, int, str]]:
    """(position, stream, hash, previous position, link) rows continuing the chain.

    The previous position (not part of the hash, which keeps format erp-chain/1) lets the
    verifier tell an event deleted together with its chain row (a link pointing past a
    missing position) from an event altered in place, also on PostgreSQL where positions
    may have gaps; the link binds the stream and previous position to the hash. Rows written
    before they were added hold NULL."""
    rows = []
    for position, e in zip(ids, events, strict=True):
        stream = str(e.originator_id)
        previous = next_hash(
            previous, canonical_bytes(position, stream, e.originator_version, e.topic, e.state)
        )
        link = link_hash(position, previous_position, stream, previous)
        rows.append((position, stream, previous, previous_position, link))
        previous_position = position
    return rows


class ChainedSQLiteApplicationRecorder(SQLiteApplicationRecorder):
    def __init__(self, datastore: SQLiteDatastore, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name)

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            f"CREATE TABLE IF NOT EXISTS {CHAIN_TABLE} "
            "(position INTEGER PRIMARY KEY, stream TEXT NOT NULL, hash TEXT NOT NULL, "
            "previous INTEGER, link TEXT)",
        ]

    def create_table(self) -> None:
        super().create_table()
        with self.datastore.transaction(commit=True) as c:
            c.execute(f"PRAGMA table_info({CHAIN_TABLE})")
            columns = {row[1] for row in c.fetchall()}
            if "previous" not in columns:  # a book from before
                c.execute(f"ALTER TABLE {CHAIN_TABLE} ADD COLUMN previous INTEGER")
            if "link" not in columns:
                c.execute(f"ALTER TABLE {CHAIN_TABLE} ADD COLUMN link TEXT")

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        if ids:
            c.execute(f"SELECT hash, position FROM {CHAIN_TABLE} ORDER BY position DESC LIMIT 1")
            row = c.fetchone()
            rows = chain_rows(row[0] if row else GENESIS, row[1] if row else 0, ids, stored_events)
            c.executemany(
                f"INSERT INTO {CHAIN_TABLE} (position, stream, hash, previous, link) "
                "VALUES (?, ?, ?, ?, ?)",
                rows,
            )
        return ids
