"""Per-employee data keys for personal data, kept OUTSIDE the event log (crypto-shredding).

The key table `erp_personal_keys` lives in the book's database (the same schema as the event
store and the projections) but is neither: it is infrastructure, created on open by `migrate`
like the schema-version table, never dropped by `erp rebuild`, and carried by `erp backup`,
`erp restore` and `erp migrate-store` beside the log. One row per subject (employee):

    subject       the employee number
    data_key      the AES-256 key, base64; wrapped by the master key when `wrapped` = 1;
                  NULL once destroyed
    created_at, destroyed_at, reason

A destroyed key leaves its row as a tombstone (when and why, no key), so a copy of the table
taken after an erasure carries the erasure with it.

With `ERP_PERSONAL_DATA_MASTER_KEY` set (32 bytes, base64) new data keys are stored wrapped
(AES-256-GCM, the subject as associated data); reading a wrapped key needs the same master key.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, inspect, text

from erp_core.infra.config import DatabaseUrl
from erp_core.kernel.errors import StorageError
from erp_core.kernel.keys import KeyDestroyed

KEYS_TABLE = "erp_personal_keys"
MASTER_KEY_ENV = "ERP_PERSONAL_DATA_MASTER_KEY"
KEY_BYTES = 32
KEY_COLUMNS = ("subject", "data_key", "wrapped", "created_at", "destroyed_at", "reason")
CREATE_KEYS_TABLE = (
    f"CREATE TABLE IF NOT EXISTS {KEYS_TABLE} ("
    "subject VARCHAR(200) PRIMARY KEY, data_key TEXT, wrapped INTEGER NOT NULL DEFAULT 0, "
    "created_at VARCHAR(40) NOT NULL, destroyed_at VARCHAR(40), reason TEXT)"
)


def ensure_keys_table(conn: Connection) -> None:
    conn.execute(text(CREATE_KEYS_TABLE))


def has_keys_table(conn: Connection) -> bool:
    return bool(inspect(conn).has_table(KEYS_TABLE))


def master_key() -> bytes | None:
    """The master key from the environment, or None; a malformed one is an error."""
    value = os.environ.get(MASTER_KEY_ENV, "").strip()
    if not value:
        return None
    try:
        key = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise StorageError(f"{MASTER_KEY_ENV} must be {KEY_BYTES} bytes in base64")
    return key


def _aesgcm(key: bytes) -> Any:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(key)


def _wrap(subject: str, key: bytes, master: bytes) -> str:
    nonce = os.urandom(12)
    sealed = _aesgcm(master).encrypt(nonce, key, subject.encode())
    return base64.b64encode(nonce + sealed).decode()


def _unwrap(subject: str, stored: str, wrapped: bool) -> bytes:
    raw = base64.b64decode(stored)
    if not wrapped:
        return raw
    master = master_key()
    if master is None:
        raise StorageError(
            f"the personal data keys are wrapped by a master key: set {MASTER_KEY_ENV} to read them"
        )
    from cryptography.exceptions import InvalidTag

    try:
        return bytes(_aesgcm(master).decrypt(raw[:12], raw[12:], subject.encode()))
    except InvalidTag:
        raise StorageError(
            f"{MASTER_KEY_ENV} is not the master key that wrapped the personal data keys"
        ) from None


@dataclass(frozen=True)
class KeyState:
    """A subject's key (None once destroyed) and, when destroyed, when."""

    key: bytes | None
    destroyed_at: str | None = None


def read_keys(conn: Connection, subjects: Iterable[str]) -> dict[str, KeyState]:
    """The key state of each subject that has a row (readers: reports, documents, trails)."""
    wanted = sorted(set(subjects))
    if not wanted or not has_keys_table(conn):
        return {}
    out: dict[str, KeyState] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        marks = ", ".join(f":s{i}" for i in range(len(chunk)))
        rows = conn.execute(
            text(
                f"SELECT subject, data_key, wrapped, destroyed_at FROM {KEYS_TABLE} "
                f"WHERE subject IN ({marks})"
            ),
            {f"s{i}": s for i, s in enumerate(chunk)},
        )
        for subject, data_key, wrapped, destroyed_at in rows:
            key = None if data_key is None else _unwrap(subject, data_key, bool(wrapped))
            out[subject] = KeyState(key, destroyed_at)
    return out


def destroy_key(conn: Connection, subject: str, reason: str, when: str) -> None:
    """Destroy a subject's key in `conn`'s transaction (idempotent; a tombstone stays)."""
    done = conn.execute(
        text(
            f"UPDATE {KEYS_TABLE} SET data_key = NULL, "
            "destroyed_at = COALESCE(destroyed_at, :t), reason = COALESCE(reason, :r) "
            "WHERE subject = :s"
        ),
        {"s": subject, "t": when, "r": reason},
    )
    if not done.rowcount:
        conn.execute(
            text(
                f"INSERT INTO {KEYS_TABLE} (subject, data_key, wrapped, created_at, destroyed_at, "
                "reason) VALUES (:s, NULL, 0, :t, :t, :r)"
            ),
            {"s": subject, "t": when, "r": reason},
        )


class SqlKeyring:
    """The key table of one book, through its own engine (opened on first use)."""

    def __init__(self, url: DatabaseUrl) -> None:
        self.url = url
        self._engine: Engine | None = None

    def _writer(self) -> Engine:
        if self._engine is None:
            from erp_core.infra.db import create_engines

            writer, reader = create_engines(self.url)
            reader.dispose()
            with writer.begin() as conn:
                ensure_keys_table(conn)
            self._engine = writer
        return self._engine

    def key_for(self, subject: str) -> bytes:
        with self._writer().begin() as conn:
            state = read_keys(conn, [subject]).get(subject)
            if state is None:
                key = os.urandom(KEY_BYTES)
                master = master_key()
                stored = _wrap(subject, key, master) if master else base64.b64encode(key).decode()
                conn.execute(
                    text(
                        f"INSERT INTO {KEYS_TABLE} (subject, data_key, wrapped, created_at) "
                        "VALUES (:s, :k, :w, :t) ON CONFLICT (subject) DO NOTHING"
                    ),
                    {
                        "s": subject,
                        "k": stored,
                        "w": 1 if master else 0,
                        "t": dt.datetime.now(dt.UTC).isoformat(),
                    },
                )
                # another writer may have made one first: whichever is stored is the key
                state = read_keys(conn, [subject])[subject]
        if state.key is None:
            raise KeyDestroyed(subject, state.destroyed_at or "")
        return state.key

    def destroy(self, subject: str, reason: str, when: dt.datetime) -> None:
        with self._writer().begin() as conn:
            destroy_key(conn, subject, reason, when.isoformat())

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


class MemoryKeyring:
    """The keyring of the in-memory store (fast handler tests)."""

    def __init__(self) -> None:
        self.keys: dict[str, KeyState] = {}

    def key_for(self, subject: str) -> bytes:
        state = self.keys.setdefault(subject, KeyState(os.urandom(KEY_BYTES)))
        if state.key is None:
            raise KeyDestroyed(subject, state.destroyed_at or "")
        return state.key

    def destroy(self, subject: str, reason: str, when: dt.datetime) -> None:
        known = self.keys.get(subject)
        if known is None or known.key is not None:
            self.keys[subject] = KeyState(None, when.isoformat())


# --- carried by backup, restore and migrate-store --------------------------------------------


def dump_keys(conn: Connection) -> list[dict[str, Any]]:
    """Every row of the key table as stored (wrapped keys stay wrapped), by subject."""
    if not has_keys_table(conn):
        return []
    rows = conn.execute(text(f"SELECT {', '.join(KEY_COLUMNS)} FROM {KEYS_TABLE} ORDER BY subject"))
    return [dict(zip(KEY_COLUMNS, row, strict=True)) for row in rows]


def load_keys(conn: Connection, rows: Iterable[dict[str, Any]]) -> int:
    """Merge key rows into `conn`'s key table: a subject missing gets its row; a tombstone
    (destroyed key) always wins over a live key, never the reverse, so carrying keys can never
    bring an erased key back."""
    ensure_keys_table(conn)
    count = 0
    for row in rows:
        values = {c: row.get(c) for c in KEY_COLUMNS}
        values["wrapped"] = int(values["wrapped"] or 0)
        conn.execute(
            text(
                f"INSERT INTO {KEYS_TABLE} ({', '.join(KEY_COLUMNS)}) VALUES "
                "(:subject, :data_key, :wrapped, :created_at, :destroyed_at, :reason) "
                "ON CONFLICT (subject) DO NOTHING"
            ),
            values,
        )
        if values["data_key"] is None:
            when = str(values["destroyed_at"] or values["created_at"])
            destroy_key(conn, str(values["subject"]), str(values["reason"] or ""), when)
        count += 1
    return count
