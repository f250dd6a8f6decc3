"""Issuing API tokens: the secret is made here, shown once, and only its hash is stored."""

from __future__ import annotations

from typing import Any, Protocol

from erp_core.access.domain import new_token, token_hash


class Applies(Protocol):
    def apply(self, action: Any) -> Any: ...


def create_token(erp: Applies, user: str, label: str = "") -> str:
    """Register a new token for `user` (an action, so it needs the permission
    ``register_token`` once access control is on) and return its secret: the only time it is
    ever seen; the event stores its SHA-256."""
    token_id, token = new_token()
    erp.apply(
        {
            "action": "register_token",
            "user": user,
            "token_id": token_id,
            "token_hash": token_hash(token),
            "label": label,
        }
    )
    return token


def token_id_of(token: str) -> str:
    """The id part of a token ``erp_<id>_<secret>`` (what `revoke_token` names)."""
    parts = token.split("_", 2)
    return parts[1] if len(parts) == 3 and parts[0] == "erp" else ""
