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


class AccessConfigured(DomainEvent):
    """The company's access settings: how the actor is identified (``token``: an API token;
    ``database``: the PostgreSQL session user, mapped to a user), whether every action must be
    signed, and whether refused attempts are recorded."""

    identity: str = "token"
    require_signatures: bool = False
    record_refusals: bool = False


class DatabaseRoleMapped(DomainEvent):
    """The PostgreSQL role `database_role` acts as `user` (identity = database); an empty
    user removes the mapping."""

    database_role: str
    user: str


class SigningKeyRegistered(DomainEvent):
    """`user`'s Ed25519 public key (32 bytes, hex): actions they sign are verified with it."""

    user: str
    key_id: str  # the first 16 hex digits of the SHA-256 of the key
    public_key: str


class SigningKeyRevoked(DomainEvent):
    user: str
    key_id: str


class ActionSigned(DomainEvent):
    """A signed action, stored beside the events it produced (in the same save): the
    canonical content that was signed, the key and the signature, so an auditor can verify
    who authorised what with the public key alone (`erp audit verify --signatures`)."""

    action: str
    content: str  # the canonical JSON that was signed
    key_id: str
    signature: str  # Ed25519, hex


class AttemptRefused(DomainEvent):
    """An action refused by access control, recorded for the auditor when the company records
    refusals: who (`actor`, as claimed), what (the action's name, never its content), the
    permission missing or the rule that refused."""

    action: str
    permission: str
    rule: str
    authenticated: bool


# --- approval workflows ----------------------------------------------------------------------


class ApprovalLevel(BaseModel):
    """One level of a workflow: documents whose total is above `above` need an approval by a
    holder of `role` (or their delegate) at this level."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    above: Dec
    role: str
    self_approval: bool = False  # may the document's creator approve at this level
    # the level applies only to documents charged to one of these cost centres (empty: any)
    cost_centres: tuple[str, ...] = ()
    # after this many days waiting at this level, `escalate_approval` lets `escalate_to`
    # (the next approver, e.g. a manager's manager) approve it too
    escalate_after_days: int | None = None
    escalate_to: str | None = None


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


class ActionSubmittedForApproval(DomainEvent):
    """An action held for approval (on ``req:<request>``): a document type whose area posts at
    once (a journal voucher, a payment, a payroll run, ...) waits here until its workflow's
    last level applies it. `payload` is the held action (JSON); `total` is the amount the
    workflow's thresholds compare (None: not known when submitted; every type has one now)."""

    document_type: str
    request: str
    action: str
    payload: str
    total: Dec | None
    cost_centres: tuple[str, ...] = ()


class SubmittedActionApplied(DomainEvent):
    """The held action was applied by its last approval, as its submitter, in the same save."""

    request: str
    documents: tuple[str, ...]


class SubmittedActionCancelled(DomainEvent):
    """A held action rejected for good: it will never be applied."""

    request: str
    reason: str


class DocumentApprovalEscalated(DomainEvent):
    """A document waited at a level longer than the level allows: from now on holders of
    `to_role` may approve that level too (on ``approval:<type>:<document>``)."""

    document_type: str
    document: str
    round: int
    level: int
    from_role: str
    to_role: str
    waited_days: int
