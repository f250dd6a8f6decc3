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


# --- approval workflows ----------------------------------------------------------------------

DocumentType = Literal["purchase_order", "sales_credit"]


class LevelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    above: Dec = Decimal(0)  # the level applies to documents whose total is above this
    role: Code
    self_approval: bool = False

    @field_validator("above")
    @classmethod
    def _above(cls, value: Dec) -> Dec:
        if value < 0:
            raise ValueError("above: must not be negative")
        return value


class DefineApprovalWorkflow(Action):
    """Set the approval levels of a document type (purchase orders, sales credit overrides):
    each with an amount threshold and the role that approves; no levels removes the workflow."""

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
