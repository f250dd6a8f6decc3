"""Events of access: users, roles, grants, tokens and the switch, all on the ``access`` stream
(so they are in the hash chain like every other fact)."""

from __future__ import annotations

from erp_core.kernel.events import DomainEvent
from erp_core.kernel.money import Dec


class UserCreated(DomainEvent):
    code: str
    name: str


class UserDeactivated(DomainEvent):
    code: str
    reason: str


class RoleDefined(DomainEvent):
    code: str
    name: str
    permissions: tuple[str, ...]
    warehouses: tuple[str, ...] = ()
    own_documents_only: bool = False
    self_approval: bool = False
    approval_limit: Dec | None = None


class RoleGranted(DomainEvent):
    user: str
    role: str


class RoleRevoked(DomainEvent):
    user: str
    role: str


class TokenRegistered(DomainEvent):
    user: str
    token_id: str
    token_hash: str  # SHA-256 of the secret; the secret itself is never stored
    label: str = ""


class TokenRevoked(DomainEvent):
    token_id: str


class AccessControlEnabled(DomainEvent):
    pass
