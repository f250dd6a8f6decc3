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
