"""Identities that cannot be typed in: the PostgreSQL session user, and Ed25519 signatures.

`database_user` asks the event store's own connection who it is (``SELECT session_user``), so
the identity is whatever PostgreSQL authenticated (password, certificate, peer), not a name on
the command line. `canonical` is the exact text a signature covers; `verify` checks one with the
signer's registered public key. `cryptography` is imported only when a signature is made or
checked.
"""

from __future__ import annotations

import hashlib
import json
import weakref
from collections.abc import Iterable
from typing import Any

from erp_core.kernel.commands import Action
from erp_core.kernel.errors import AccessDenied, ValidationError

_SESSION_USERS: weakref.WeakKeyDictionary[Any, str | None] = weakref.WeakKeyDictionary()


def database_user(store: Any) -> str | None:
    """The PostgreSQL session user of the store's connection (None for SQLite and memory
    stores). Asked once per store: a connection's session user does not change."""
    if store in _SESSION_USERS:
        return _SESSION_USERS[store]
    found: str | None = None
    url = getattr(store, "url", None)
    factory = getattr(store, "_factory", None)
    if url is not None and url.kind == "postgresql" and factory is not None:
        with factory.datastore.transaction(commit=False) as cursor:
            cursor.execute("SELECT session_user AS who")
            row = cursor.fetchone()
            found = None if row is None else str(row["who"])
    _SESSION_USERS[store] = found
    return found


def key_id(public_key_hex: str) -> str:
    return hashlib.sha256(bytes.fromhex(public_key_hex)).hexdigest()[:16]


def check_public_key(text: str) -> str:
    """A public key as registered: 64 hex digits (the 32 raw bytes of an Ed25519 key)."""
    value = text.strip().lower()
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise ValidationError(
            "public_key", "an Ed25519 public key is 32 bytes, given as 64 hex digits"
        )
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        Ed25519PublicKey.from_public_bytes(raw)
    except ValueError:
        raise ValidationError("public_key", "not a valid Ed25519 public key") from None
    return value


def canonical(action: Action, actor: str) -> str:
    """What a signature covers: the validated action (every field but the signature itself,
    the idempotency key included) and the actor, as compact JSON with sorted keys."""
    body = action.model_dump(mode="json")
    body.pop("signature", None)
    return json.dumps({"actor": actor, "action": body}, sort_keys=True, separators=(",", ":"))


def sign(private_key_pem: bytes, text: str) -> str:
    """The hex Ed25519 signature of `text` with a PEM private key (what `erp sign` adds)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        key = load_pem_private_key(private_key_pem, password=None)
    except (ValueError, TypeError) as exc:
        raise ValidationError("key", f"not an unencrypted PEM private key: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ValidationError("key", "the private key is not an Ed25519 key")
    return key.sign(text.encode()).hex()


def new_key_pair() -> tuple[bytes, str]:
    """A fresh Ed25519 key pair: the private key as PEM and the public key as hex."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
        PublicFormat,
    )

    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
    return pem, public


def public_key_of(private_key_pem: bytes) -> str:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        PublicFormat,
        load_pem_private_key,
    )

    key = load_pem_private_key(private_key_pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValidationError("key", "the private key is not an Ed25519 key")
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def verify(public_key_hex: str, text: str, signature_hex: str) -> bool:
    """Whether `signature_hex` is the key's Ed25519 signature over `text`."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        raw_signature = bytes.fromhex(signature_hex)
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key_hex))
        key.verify(raw_signature, text.encode())
    except (ValueError, InvalidSignature):
        return False
    return True


def check_signed(keys: list[tuple[str, str]], actor: str, action: Action) -> tuple[str, str]:
    """The key id and canonical text of `action`'s valid signature by one of `actor`'s keys
    (``(key_id, public_key)`` pairs); refuse clearly when it is missing or does not verify."""
    signature = action.signature
    if signature is None:
        raise AccessDenied(
            f"{actor} may not {action.action}: the company requires signed actions and this "
            "one carries no signature (sign it with `erp sign`)"
        )
    if not keys:
        raise AccessDenied(
            f"{actor} may not {action.action}: the company requires signed actions and "
            f"{actor} has no signing key registered"
        )
    if action.idempotency_key is None:
        raise AccessDenied(
            f"{actor} may not {action.action}: a signed action needs an idempotency_key, so "
            "the same signed line cannot be applied twice (`erp sign` adds one)"
        )
    text = canonical(action, actor)
    for kid, public in keys:
        if verify(public, text, signature):
            return kid, text
    raise AccessDenied(
        f"{actor} may not {action.action}: the signature does not verify with any of "
        f"{actor}'s keys (a forged or altered action, or signed as another actor)"
    )


def signature_problems(log: Iterable[tuple[int, Any]]) -> tuple[int, list[tuple[int, str]]]:
    """Check every signed action in the log (``(position, event)`` in log order) with the key
    registered for its signer at that point: the signature must verify over the stored
    content, and the content must name the event's actor. And once signatures are required
    (with access control on), every save must hold a signature.
    Returns the number of signatures verified and the problems found (position, message)."""
    from erp_core.access.events import (
        AccessConfigured,
        AccessControlEnabled,
        ActionSigned,
        AttemptRefused,
        SigningKeyRegistered,
    )

    keys: dict[str, tuple[str, str]] = {}  # key id -> (user, public key)
    required = enabled = False
    verified = 0
    problems: list[tuple[int, str]] = []
    # one save's events: they share their recording time (a held action applied by its last
    # approval names its submitter as actor, in the approver's signed save)
    run: list[tuple[int, Any]] = []
    checked = False  # whether signatures were required when the current save was made

    def close_run() -> None:
        if not run or not checked:
            return
        if not any(isinstance(e, ActionSigned) for _, e in run):
            position, event = run[0]
            problems.append(
                (position, f"{event.actor} stored {type(event).__name__} without a signature")
            )

    for position, event in log:
        if run and event.recorded_at != run[0][1].recorded_at:
            close_run()
            run = []
        if not run:
            checked = required and enabled
        if not isinstance(event, AttemptRefused):
            run.append((position, event))
        if isinstance(event, SigningKeyRegistered):
            keys[event.key_id] = (event.user, event.public_key)
        elif isinstance(event, AccessConfigured):
            required = event.require_signatures
        elif isinstance(event, AccessControlEnabled):
            enabled = True
        elif isinstance(event, ActionSigned):
            owner = keys.get(event.key_id)
            if owner is None:
                problems.append((position, f"signed with the unknown key {event.key_id}"))
            elif owner[0] != event.actor:
                problems.append((position, f"{event.actor}'s action signed with {owner[0]}'s key"))
            elif json.loads(event.content).get("actor") != event.actor:
                problems.append((position, "the signed content names another actor"))
            elif not verify(owner[1], event.content, event.signature):
                problems.append(
                    (position, f"the signature of {event.actor}'s {event.action} does not verify")
                )
            else:
                verified += 1
    close_run()
    return verified, problems
