"""Personal data encrypted per employee (crypto-shredding).

`PersonalDataRecorded` stores each personal field as `aesgcm1:` + base64(nonce + ciphertext),
encrypted with the employee's data key (AES-256-GCM; the employee and the field name are the
associated data, so a value cannot be moved to another field or person). The key is kept
outside the log (`infra/keys.py`); `erase_personal_data` destroys it, after which every copy of
the ciphertext reads as `[erased]`. Events stored before encryption (`encrypted` false) keep
their bytes and read as they are, until the employee is erased: then they too show `[erased]`
in every report, document and trail (their plaintext stays in the log, its backups and
exports, which cannot be edited; see docs/decisions/people.md).
"""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection

from erp_core.infra.keys import KeyState, read_keys

PREFIX = "aesgcm1:"
ERASED = "[erased]"
UNREADABLE = "[unreadable]"


def _aad(employee: str, field: str) -> bytes:
    return f"{employee}/{field}".encode()


def _aesgcm(key: bytes) -> Any:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(key)


def encrypt_fields(
    key: bytes, employee: str, fields: Mapping[str, str | None]
) -> dict[str, str | None]:
    """Each value encrypted (None, a cleared field, stays None)."""
    cipher = _aesgcm(key)
    out: dict[str, str | None] = {}
    for name, value in fields.items():
        if value is None:
            out[name] = None
            continue
        nonce = os.urandom(12)
        sealed = cipher.encrypt(nonce, value.encode(), _aad(employee, name))
        out[name] = PREFIX + base64.b64encode(nonce + sealed).decode()
    return out


def decrypt_fields(
    state: KeyState | None, employee: str, fields: Mapping[str, Any], encrypted: bool
) -> dict[str, str | None]:
    """The fields as a reader may show them: plaintext, or `[erased]` once the key is gone."""
    erased = state is not None and state.key is None
    if not encrypted:
        return {k: (ERASED if erased and v is not None else v) for k, v in fields.items()}
    if state is None or state.key is None:
        return {k: (None if v is None else ERASED) for k, v in fields.items()}
    from cryptography.exceptions import InvalidTag

    cipher = _aesgcm(state.key)
    out: dict[str, str | None] = {}
    for name, value in fields.items():
        if value is None:
            out[name] = None
            continue
        try:
            raw = base64.b64decode(str(value).removeprefix(PREFIX))
            out[name] = cipher.decrypt(raw[:12], raw[12:], _aad(employee, name)).decode()
        except (InvalidTag, ValueError):
            out[name] = UNREADABLE
    return out


def reveal(
    conn: Connection, employee: str, fields: Mapping[str, Any], encrypted: bool
) -> dict[str, str | None]:
    """One event's personal fields read through the book's key table (`conn`)."""
    state = read_keys(conn, [employee]).get(employee)
    return decrypt_fields(state, employee, fields, encrypted)


def reveal_details(conn: Connection, event: str, details: dict[str, Any]) -> dict[str, Any]:
    """A stored event's fields (as a trail shows them) with personal data decrypted."""
    if event != "PersonalDataRecorded" or not isinstance(details.get("fields"), dict):
        return details
    fields = reveal(
        conn, str(details.get("employee", "")), details["fields"], bool(details.get("encrypted"))
    )
    return {**details, "fields": fields}
