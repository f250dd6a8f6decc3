"""Handlers of access, and the guard the command service runs before every action."""

from __future__ import annotations

from typing import Any

from erp_core.access.commands import (
    CreateUser,
    DeactivateUser,
    DefineRole,
    EnableAccessControl,
    GrantRole,
    RegisterToken,
    RevokeRole,
    RevokeToken,
)
from erp_core.access.domain import (
    APPROVALS,
    DOCUMENT_STREAMS,
    STREAM,
    Access,
    DocumentFacts,
    DocumentOrigin,
    User,
    check_user_code,
    decide,
    needs_facts,
)
from erp_core.access.events import (
    AccessControlEnabled,
    RoleDefined,
    RoleGranted,
    RoleRevoked,
    TokenRegistered,
    TokenRevoked,
    UserCreated,
    UserDeactivated,
)
from erp_core.access.workflow import TYPE_OF_APPROVAL, WORKFLOW_STREAM, Workflows
from erp_core.kernel.commands import Action
from erp_core.kernel.context import Context
from erp_core.kernel.errors import ValidationError
from erp_core.kernel.events import DomainEvent
from erp_core.kernel.registry import AREA_OF, guards, handles
from erp_core.ledger.company import STREAM as COMPANY_STREAM
from erp_core.ledger.company import Company


class Staged:
    """The access state an access action checks against, and records on.

    The company's creator is its first user and administrator: recorded, as two events, with
    the first access action stored (so `erp init` itself stores nothing more). Until then the
    checks see them in `view`, and nothing is recorded before every check has passed."""

    def __init__(self, ctx: Context) -> None:
        company = ctx.uow.get(Company, COMPANY_STREAM)
        company.check_exists()
        self.ctx = ctx
        self.stored = ctx.uow.get(Access, STREAM)
        founder = company.created_by
        self.founder = founder if not self.stored.users and _valid_user_code(founder) else ""
        self.view = (
            self.stored.with_user(User(founder, founder, roles={"administrator"}))
            if self.founder
            else self.stored
        )

    def record(self, cls: type[DomainEvent], **fields: Any) -> None:
        if self.founder:
            founder, self.founder = self.founder, ""
            self.stored.trigger(self.ctx.event(UserCreated, code=founder, name=founder))
            self.stored.trigger(self.ctx.event(RoleGranted, user=founder, role="administrator"))
        self.stored.trigger(self.ctx.event(cls, **fields))
        self.view = self.stored


def _valid_user_code(code: str) -> bool:
    try:
        check_user_code(code)
    except ValidationError:
        return False
    return True


@handles(CreateUser)
def create_user(cmd: CreateUser, ctx: Context) -> list[str]:
    check_user_code(cmd.code)
    staged = Staged(ctx)
    access = staged.view
    if cmd.code in access.users:
        raise ValidationError("code", f"user {cmd.code!r} exists already")
    staged.record(UserCreated, code=cmd.code, name=cmd.name)
    return []


@handles(DeactivateUser)
def deactivate_user(cmd: DeactivateUser, ctx: Context) -> list[str]:
    staged = Staged(ctx)
    access = staged.view
    user = access.user(cmd.code, "code")
    if not user.active:
        raise ValidationError("code", f"user {cmd.code!r} is deactivated already")
    if cmd.code == ctx.actor:
        raise ValidationError("code", "a user cannot deactivate themselves")
    others = [
        u
        for u in access.users.values()
        if u.active and u.code != cmd.code and "administrator" in u.roles
    ]
    if "administrator" in user.roles and not others:
        raise ValidationError("code", f"{cmd.code} is the last active administrator")
    staged.record(UserDeactivated, code=cmd.code, reason=cmd.reason)
    return []


@handles(DefineRole)
def define_role(cmd: DefineRole, ctx: Context) -> list[str]:
    check_user_code(cmd.code, "code")
    staged = Staged(ctx)
    if cmd.code == "administrator":
        raise ValidationError("code", "the administrator role cannot be redefined")
    staged.record(
        RoleDefined,
        code=cmd.code,
        name=cmd.name,
        permissions=tuple(dict.fromkeys(cmd.permissions)),
        warehouses=tuple(sorted(set(cmd.warehouses))),
        own_documents_only=cmd.own_documents_only,
        self_approval=cmd.self_approval,
        approval_limit=cmd.approval_limit,
    )
    return []


@handles(GrantRole)
def grant_role(cmd: GrantRole, ctx: Context) -> list[str]:
    staged = Staged(ctx)
    access = staged.view
    user = access.user(cmd.user)
    if not user.active:
        raise ValidationError("user", f"user {cmd.user!r} is deactivated")
    if access.role(cmd.role) is None:
        raise ValidationError("role", f"unknown role {cmd.role!r}")
    if cmd.role in user.roles:
        raise ValidationError("role", f"{cmd.user} holds {cmd.role} already")
    staged.record(RoleGranted, user=cmd.user, role=cmd.role)
    return []


@handles(RevokeRole)
def revoke_role(cmd: RevokeRole, ctx: Context) -> list[str]:
    staged = Staged(ctx)
    access = staged.view
    user = access.user(cmd.user)
    if cmd.role not in user.roles:
        raise ValidationError("role", f"{cmd.user} does not hold {cmd.role}")
    if cmd.role == "administrator":
        others = [
            u
            for u in access.users.values()
            if u.active and u.code != cmd.user and "administrator" in u.roles
        ]
        if not others:
            raise ValidationError("role", f"{cmd.user} is the last active administrator")
    staged.record(RoleRevoked, user=cmd.user, role=cmd.role)
    return []


@handles(RegisterToken)
def register_token(cmd: RegisterToken, ctx: Context) -> list[str]:
    staged = Staged(ctx)
    access = staged.view
    user = access.user(cmd.user)
    if not user.active:
        raise ValidationError("user", f"user {cmd.user!r} is deactivated")
    if cmd.token_id in access.token_ids:
        raise ValidationError("token_id", f"token {cmd.token_id!r} exists already")
    if cmd.token_hash in access.tokens:
        raise ValidationError("token_hash", "this token is registered already")
    staged.record(
        TokenRegistered,
        user=cmd.user,
        token_id=cmd.token_id,
        token_hash=cmd.token_hash,
        label=cmd.label,
    )
    return []


@handles(RevokeToken)
def revoke_token(cmd: RevokeToken, ctx: Context) -> list[str]:
    staged = Staged(ctx)
    access = staged.view
    hashed = access.token_ids.get(cmd.token_id)
    if hashed is None:
        raise ValidationError("token_id", f"unknown token {cmd.token_id!r}")
    if not access.tokens[hashed].active:
        raise ValidationError("token_id", f"token {cmd.token_id!r} is revoked already")
    staged.record(TokenRevoked, token_id=cmd.token_id)
    return []


@handles(EnableAccessControl)
def enable_access_control(_cmd: EnableAccessControl, ctx: Context) -> list[str]:
    staged = Staged(ctx)
    access = staged.view
    if access.enabled:
        raise ValidationError("access", "access control is on already")
    user = access.users.get(ctx.actor)
    if user is None or not user.active:
        raise ValidationError("actor", f"{ctx.actor} is not an active user")
    if not any(
        r.permits_action("enable_access_control", "access") for r in access.held_roles(user)
    ):
        raise ValidationError("actor", f"{ctx.actor} holds no role that may enable access control")
    if not any(t.active for t in access.tokens_of(ctx.actor)):
        raise ValidationError(
            "actor",
            f"{ctx.actor} has no API token yet: create one first (`erp user token create "
            f"{ctx.actor}`), or nobody could act once access control is on",
        )
    staged.record(AccessControlEnabled)
    return []


# --- the guard -------------------------------------------------------------------------------


def document_facts(ctx: Context, action: str, document: str) -> DocumentFacts:
    """Who created the document an action names, and its total, from its own stream."""
    prefixes = (APPROVALS[action],) if action in APPROVALS else DOCUMENT_STREAMS
    for prefix in prefixes:
        stream = f"{prefix}:{document}"
        first = None
        in_batch = ctx.uow.touched.get(stream)
        if in_batch is not None and in_batch.pending and in_batch.pending[0][0] == 1:
            first = in_batch.pending[0][1]  # created earlier in this batch
        else:
            origin = ctx.uow.loader.load(DocumentOrigin, stream, refreshed=True)
            first = origin.first
        if first is not None:
            total = getattr(first, "total", None)
            return DocumentFacts(document, first.actor, total)
    return DocumentFacts(document, None, None)


WORKFLOW_ACTIONS = frozenset({"approve_document", "reject_document"})


def check_workflow(name: str, ctx: Context) -> None:
    """While a document type has an approval workflow, its area's own approval action is
    applied only by the workflow's last level (whether access control is on or off)."""
    document_type = TYPE_OF_APPROVAL.get(name)
    if document_type is None:
        return
    workflows = ctx.uow.loader.load(Workflows, WORKFLOW_STREAM, refreshed=True)
    if document_type in workflows.levels:
        raise ValidationError(
            "action",
            f"{document_type} follows its approval workflow: approve with approve_document "
            f"(document_type={document_type}), not {name}",
        )


@guards
def check_access(action: Action, ctx: Context, credential: str | None) -> None:
    """Once access control is on: the actor must be authenticated and hold a role permitting
    the action under its rules. Off (the default), everything is allowed, as before."""
    name = action.action
    check_workflow(name, ctx)
    access = ctx.uow.get(Access, STREAM)
    if not access.enabled:
        return
    user = access.authenticate(ctx.actor, credential)
    fields: dict[str, Any] = action.model_dump(mode="python", exclude={"idempotency_key"})
    if name in WORKFLOW_ACTIONS or (
        name == "delegate_approval" and fields.get("delegator") == ctx.actor
    ):
        return  # the workflow's levels say who may (approval_right), not a permission
    facts = None
    if needs_facts(access, user, name, fields):
        facts = document_facts(ctx, name, fields["document"])
    decide(access, user, name, AREA_OF.get(type(action), ""), fields, facts)


# the workflow's handlers register with this module
from erp_core.access import workflow_handlers as _workflow_handlers  # noqa: E402, F401
