"""Actions of access: users, roles, grants, tokens, and switching access control on."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from erp_core.kernel.commands import Action, Code, Name, Reason
from erp_core.kernel.money import Dec

# A permission: an action name, ``area:<area>``, ``report:<name>``, ``report:*`` or ``*``.
PERMISSION_RE = re.compile(r"^(\*|[a-z][a-z0-9_]*|area:[a-z][a-z0-9_]*|report:(\*|[a-z0-9-]+))$")
Permission = Annotated[str, Field(min_length=1, max_length=80)]
TOKEN_HASH_RE = re.compile(r"^[0-9a-f]{64}$")


def check_permission_text(value: str) -> str:
    if not PERMISSION_RE.match(value):
        raise ValueError(
            f"{value!r} is not a permission (an action name, area:<area>, report:<name>, "
            "report:* or *)"
        )
    return value


class CreateUser(Action):
    """Register a user (the code is what `--actor` and the events name)."""

    action: Literal["create_user"] = "create_user"
    code: Code
    name: Name


class DeactivateUser(Action):
    """Deactivate a user: from now on every action and report by them is refused."""

    action: Literal["deactivate_user"] = "deactivate_user"
    code: Code
    reason: Reason


class DefineRole(Action):
    """Define (or redefine) a role: what it permits and the record rules that limit it."""

    action: Literal["define_role"] = "define_role"
    code: Code
    name: Name
    permissions: Annotated[list[Permission], Field(min_length=1, max_length=500)]
    warehouses: Annotated[list[Code], Field(max_length=200)] = Field(default_factory=list)
    own_documents_only: bool = False
    self_approval: bool = False
    approval_limit: Dec | None = None  # the largest document total it may approve

    @field_validator("permissions")
    @classmethod
    def _permissions(cls, value: list[str]) -> list[str]:
        for p in value:
            check_permission_text(p)
        return value

    @field_validator("approval_limit")
    @classmethod
    def _limit(cls, value: Dec | None) -> Dec | None:
        if value is not None and value < 0:
            raise ValueError("approval_limit: must not be negative")
        return value


class GrantRole(Action):
    """Give a user a role."""

    action: Literal["grant_role"] = "grant_role"
    user: Code
    role: Code


class RevokeRole(Action):
    """Take a role away from a user; it takes effect with the next action."""

    action: Literal["revoke_role"] = "revoke_role"
    user: Code
    role: Code


class RegisterToken(Action):
    """Register an API token for a user by the SHA-256 of its secret (never the secret)."""

    action: Literal["register_token"] = "register_token"
    user: Code
    token_id: Annotated[str, Field(min_length=4, max_length=32, pattern=r"^[a-z0-9]+$")]
    token_hash: Annotated[str, Field(min_length=64, max_length=64)]
    label: Annotated[str, Field(max_length=200)] = ""

    @field_validator("token_hash")
    @classmethod
    def _hash(cls, value: str) -> str:
        if not TOKEN_HASH_RE.match(value):
            raise ValueError("token_hash: the hex SHA-256 of the token (64 characters 0-9a-f)")
        return value


class RevokeToken(Action):
    """Revoke an API token: it authenticates nobody from now on."""

    action: Literal["revoke_token"] = "revoke_token"
    token_id: Annotated[str, Field(min_length=4, max_length=32)]


class EnableAccessControl(Action):
    """Switch access control on for good: from now on every action is authenticated and
    checked against the actor's roles."""

    action: Literal["enable_access_control"] = "enable_access_control"


class ConfigureAccess(Action):
    """Set how the actor is identified (``token``, or ``database``: the PostgreSQL session
    user mapped to a user, which `--actor` may not override), whether every action must carry
    its actor's Ed25519 signature, and whether refused attempts are recorded for the auditor."""

    action: Literal["configure_access"] = "configure_access"
    identity: Literal["token", "database"] = "token"
    require_signatures: bool = False
    record_refusals: bool = False


class MapDatabaseRole(Action):
    """Let the PostgreSQL role `database_role` act as `user` when identity = database (an
    empty user removes the mapping)."""

    action: Literal["map_database_role"] = "map_database_role"
    database_role: Annotated[str, Field(min_length=1, max_length=63)]
    user: Annotated[str, Field(max_length=32)] = ""


class RegisterSigningKey(Action):
    """Register a user's Ed25519 public key (64 hex digits): actions they sign are verified
    with it before they are stored."""

    action: Literal["register_signing_key"] = "register_signing_key"
    user: Code
    public_key: Annotated[str, Field(max_length=200)]  # checked by the handler


class RevokeSigningKey(Action):
    """Revoke a signing key: signatures made with it are refused from now on (those already
    stored still verify for the auditor)."""

    action: Literal["revoke_signing_key"] = "revoke_signing_key"
    key_id: Annotated[str, Field(max_length=64)]


# --- approval workflows ----------------------------------------------------------------------

DocumentType = Literal[
    "purchase_order",
    "sales_credit",
    "journal_voucher",
    "supplier_invoice",
    "payment",
    "payroll_run",
    "asset_disposal",
    "stock_count",
]
HeldDocumentType = Literal[
    "journal_voucher",
    "supplier_invoice",
    "payment",
    "payroll_run",
    "asset_disposal",
    "stock_count",
]


class LevelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    above: Dec = Decimal(0)  # the level applies to documents whose total is above this
    role: Code
    self_approval: bool = False
    cost_centres: Annotated[list[Code], Field(max_length=100)] = Field(default_factory=list)
    escalate_after_days: Annotated[int, Field(ge=1, le=365)] | None = None
    escalate_to: Code | None = None

    @field_validator("above")
    @classmethod
    def _above(cls, value: Dec) -> Dec:
        if value < 0:
            raise ValueError("above: must not be negative")
        return value


class DefineApprovalWorkflow(Action):
    """Set the approval levels of a document type (purchase orders, sales credit overrides,
    journal vouchers, supplier invoices, payments, payroll runs, asset disposals, stock
    counts): each with an amount threshold, optional cost centres, the role that approves
    and an optional escalation; no levels removes the workflow."""

    action: Literal["define_approval_workflow"] = "define_approval_workflow"
    document_type: DocumentType
    levels: Annotated[list[LevelIn], Field(max_length=10)]


class ApproveDocument(Action):
    """Approve the pending level of a document's workflow; the last level approves the
    document itself."""

    action: Literal["approve_document"] = "approve_document"
    document_type: DocumentType
    document: Code
    note: Annotated[str, Field(max_length=400)] = ""


class RejectDocument(Action):
    """Reject a document waiting in its workflow, with a reason: back to draft (approvals so
    far are void) or cancelled."""

    action: Literal["reject_document"] = "reject_document"
    document_type: DocumentType
    document: Code
    reason: Reason
    outcome: Literal["draft", "cancel"] = "draft"


class DelegateApproval(Action):
    """Let `delegate` approve with `delegator`'s approval right for a period."""

    action: Literal["delegate_approval"] = "delegate_approval"
    delegator: Code
    delegate: Code
    date_from: dt.date
    date_to: dt.date
    reason: Annotated[str, Field(max_length=400)] = ""


class SubmitForApproval(Action):
    """Submit an action whose document type has a workflow (a journal voucher, supplier
    invoice, payment, payroll run, asset disposal or stock count that a level applies to):
    it is held, and applied as its submitter by the workflow's last approval."""

    action: Literal["submit_for_approval"] = "submit_for_approval"
    document_type: HeldDocumentType
    held: dict[str, object]  # the action, as in a JSON Lines file ({"action": ..., ...})


class EscalateApproval(Action):
    """Escalate a document that waited at its pending level longer than the level's
    `escalate_after_days`: holders of the level's `escalate_to` role may approve it too."""

    action: Literal["escalate_approval"] = "escalate_approval"
    document_type: DocumentType
    document: Code
