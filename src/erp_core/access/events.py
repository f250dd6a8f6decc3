"""Events of access: users, roles, grants, tokens and the switch, all on the ``access`` stream
(so they are in the hash chain like every other fact)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict

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


# --- approval workflows ----------------------------------------------------------------------


class ApprovalLevel(BaseModel):
    """One level of a workflow: documents whose total is above `above` need an approval by a
    holder of `role` (or their delegate) at this level."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    above: Dec
    role: str
    self_approval: bool = False  # may the document's creator approve at this level


class ApprovalWorkflowDefined(DomainEvent):
    """The workflow of a document type (on the ``approvals`` stream); no levels: removed, the
    area's own rule applies again."""

    document_type: str
    levels: tuple[ApprovalLevel, ...]


class ApprovalDelegated(DomainEvent):
    """`delegate` may approve with `delegator`'s approval right from `date_from` to `date_to`
    (inclusive)."""

    delegator: str
    delegate: str
    date_from: dt.date
    date_to: dt.date
    reason: str = ""


class DocumentApprovalGiven(DomainEvent):
    """One level of a document's workflow approved (on ``approval:<type>:<document>``)."""

    document_type: str
    document: str
    round: int  # 1, then one more after each rejection back to draft
    level: int  # 1-based
    of_levels: int
    role: str
    on_behalf_of: str | None = None  # the delegator, when a delegate approved
    total: Dec
    final: bool  # the last level: the document itself was approved with it
    note: str = ""


class DocumentApprovalRejected(DomainEvent):
    """A document rejected in its workflow, with the reason; back to draft (a new round of
    approvals starts) or cancelled."""

    document_type: str
    document: str
    round: int
    level: int  # the level that was pending
    reason: str
    outcome: str  # "draft" or "cancelled"
    on_behalf_of: str | None = None
