"""Handlers of access, and the guard the command service runs before every action."""

from __future__ import annotations

from typing import Any

from erp_core.access.commands import (
    ConfigureAccess,
    CreateUser,
    DeactivateUser,
    DefineRole,
    EnableAccessControl,
    GrantRole,
    MapDatabaseRole,
    RegisterSigningKey,
    RegisterToken,
    RevokeRole,
    RevokeSigningKey,
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
    restated_total,
)
from erp_core.access.events import (
    AccessConfigured,
    AccessControlEnabled,
    ActionSigned,
    AttemptRefused,
    DatabaseRoleMapped,
    RoleDefined,
    RoleGranted,
    RoleRevoked,
    SigningKeyRegistered,
    SigningKeyRevoked,
    TokenRegistered,
    TokenRevoked,
    UserCreated,
    UserDeactivated,
)
from erp_core.access.identity import check_public_key, check_signed, database_user, key_id
from erp_core.access.workflow import (
    DOCUMENT_TYPES,
    TYPE_OF_APPROVAL,
    TYPE_OF_HELD,
    WORKFLOW_STREAM,
    DocumentHistory,
    Workflows,
    check_default_approver,
    document_total,
    held_needs_approval,
    workflow_of,
)
from erp_core.kernel.aggregate import Aggregate
from erp_core.kernel.commands import Action
from erp_core.kernel.context import Context
from erp_core.kernel.errors import AccessDenied, ValidationError
from erp_core.kernel.events import DomainEvent
from erp_core.kernel.registry import AREA_OF, guards, handles, records
from erp_core.kernel.unit_of_work import UnitOfWork
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
    check_not_locked_out(ctx, access, access.identity, access.require_signatures)
    staged.record(AccessControlEnabled)
    return []


def session_user(ctx: Context) -> str | None:
    """The PostgreSQL session user the command service's store connects as (None: SQLite)."""
    return database_user(getattr(ctx.uow.loader, "store", None))


def check_not_locked_out(ctx: Context, access: Access, identity: str, signatures: bool) -> None:
    """Refuse settings under which the acting administrator could not act any more."""
    if identity == "database":
        who = session_user(ctx)
        if who is None:
            raise ValidationError(
                "identity", "identity = database needs books on PostgreSQL (the session user)"
            )
        if access.database_roles.get(who) != ctx.actor:
            raise ValidationError(
                "identity",
                f"the database role {who} is not mapped to {ctx.actor}: map it first "
                f"(map_database_role database_role={who} user={ctx.actor}), or nobody could "
                "act once the database decides who acts",
            )
    elif not any(t.active for t in access.tokens_of(ctx.actor)):
        raise ValidationError(
            "actor",
            f"{ctx.actor} has no API token yet: create one first (`erp user token create "
            f"{ctx.actor}`), or nobody could act once access control is on",
        )
    if signatures and not access.keys_of(ctx.actor):
        raise ValidationError(
            "require_signatures",
            f"{ctx.actor} has no signing key registered: register one first "
            f"(`erp user key create {ctx.actor}`), or nobody could act once every action must "
            "be signed",
        )


@handles(ConfigureAccess)
def configure_access(cmd: ConfigureAccess, ctx: Context) -> list[str]:
    staged = Staged(ctx)
    access = staged.view
    if access.enabled:
        check_not_locked_out(ctx, access, cmd.identity, cmd.require_signatures)
    if (access.identity, access.require_signatures, access.record_refusals) == (
        cmd.identity,
        cmd.require_signatures,
        cmd.record_refusals,
    ):
        raise ValidationError("identity", "the access settings are these already")
    staged.record(
        AccessConfigured,
        identity=cmd.identity,
        require_signatures=cmd.require_signatures,
        record_refusals=cmd.record_refusals,
    )
    return []


@handles(MapDatabaseRole)
def map_database_role(cmd: MapDatabaseRole, ctx: Context) -> list[str]:
    staged = Staged(ctx)
    access = staged.view
    role = cmd.database_role
    if not role.replace("_", "a").replace("$", "a").isalnum():
        raise ValidationError(
            "database_role", f"{role!r} is not a PostgreSQL role name (letters, digits, _ $)"
        )
    if cmd.user:
        user = access.user(cmd.user)
        if not user.active:
            raise ValidationError("user", f"user {cmd.user!r} is deactivated")
        if access.database_roles.get(role) == cmd.user:
            raise ValidationError("database_role", f"{role} acts as {cmd.user} already")
    elif role not in access.database_roles:
        raise ValidationError("database_role", f"{role} is mapped to no user")
    if (
        access.enabled
        and access.identity == "database"
        and session_user(ctx) == role
        and cmd.user != ctx.actor
    ):
        raise ValidationError(
            "database_role", f"{role} is the role you act through: remapping it locks you out"
        )
    staged.record(DatabaseRoleMapped, database_role=role, user=cmd.user)
    return []


@handles(RegisterSigningKey)
def register_signing_key(cmd: RegisterSigningKey, ctx: Context) -> list[str]:
    staged = Staged(ctx)
    access = staged.view
    user = access.user(cmd.user)
    if not user.active:
        raise ValidationError("user", f"user {cmd.user!r} is deactivated")
    public = check_public_key(cmd.public_key)
    kid = key_id(public)
    if kid in access.keys:
        raise ValidationError("public_key", f"this key is registered already (key {kid})")
    staged.record(SigningKeyRegistered, user=cmd.user, key_id=kid, public_key=public)
    return [kid]


@handles(RevokeSigningKey)
def revoke_signing_key(cmd: RevokeSigningKey, ctx: Context) -> list[str]:
    staged = Staged(ctx)
    access = staged.view
    key = access.keys.get(cmd.key_id)
    if key is None:
        raise ValidationError("key_id", f"unknown signing key {cmd.key_id!r}")
    if not key.active:
        raise ValidationError("key_id", f"signing key {cmd.key_id!r} is revoked already")
    staged.record(SigningKeyRevoked, user=key.user, key_id=cmd.key_id)
    return []


# --- the guard -------------------------------------------------------------------------------


def document_facts(ctx: Context, action: str, document: str) -> DocumentFacts:
    """Who created the document an action names, and its total, from its own stream."""
    prefixes = (APPROVALS[action],) if action in APPROVALS else DOCUMENT_STREAMS
    for prefix in prefixes:
        stream = f"{prefix}:{document}"
        first = None
        total = None
        in_batch = ctx.uow.touched.get(stream)
        if in_batch is not None and in_batch.pending and in_batch.pending[0][0] == 1:
            first = in_batch.pending[0][1]  # created earlier in this batch
            total = getattr(first, "total", None)
            for _, later in in_batch.pending[1:]:
                total = restated_total(later, total)
        else:
            origin = ctx.uow.loader.load(DocumentOrigin, stream, refreshed=True)
            first, total = origin.first, origin.total
            if in_batch is not None:  # amended earlier in this batch
                for _, later in in_batch.pending:
                    total = restated_total(later, total)
        if first is not None:
            return DocumentFacts(document, first.actor, total)
    return DocumentFacts(document, None, None)


WORKFLOW_ACTIONS = frozenset({"approve_document", "reject_document"})


def check_workflow(action: Action, ctx: Context) -> None:
    """While a document type has an approval workflow, its area's own approval action is
    applied only by the workflow's last level, and an action the workflow holds (a journal
    voucher above its threshold, a payment, ...) only through `submit_for_approval` (whether
    access control is on or off)."""
    name = action.action
    document_type = TYPE_OF_APPROVAL.get(name)
    held_type = TYPE_OF_HELD.get(name)
    if document_type is None and held_type is None:
        return
    workflows = ctx.uow.loader.load(Workflows, WORKFLOW_STREAM, refreshed=True)
    if document_type is not None and document_type in workflows.levels:
        raise ValidationError(
            "action",
            f"{document_type} follows its approval workflow: approve with approve_document "
            f"(document_type={document_type}), not {name}",
        )
    if held_type is not None and held_needs_approval(workflows, held_type, action, ctx.uow):
        raise ValidationError(
            "action",
            f"this {name} needs approval in the {held_type} workflow: submit it with "
            f"submit_for_approval (document_type={held_type}, held=<the action>)",
        )


def document_now(
    ctx: Context, stream: str
) -> tuple[DomainEvent | None, DomainEvent | None, set[str]]:
    """A document stream's first event, its terms now (the latest event saying whether it
    needs approval: creation or amendment) and the names of its events since those terms
    (an approval before an amendment no longer counts), stored or recorded earlier in this
    batch."""
    history = ctx.uow.loader.load(DocumentHistory, stream, refreshed=True)
    first, terms, names = history.first, history.terms, set(history.since_terms)
    in_batch = ctx.uow.touched.get(stream)
    for _version, event in in_batch.pending if in_batch is not None else ():
        first = first or event
        if hasattr(event, "needs_approval"):
            terms, names = event, set()
        names.add(type(event).__name__)
    return first, terms, names


def check_default_approval(action: Action, ctx: Context) -> None:
    """An area's own approval action (``approve_purchase_order``, ``approve_sales_credit``)
    approves the one level of the document type's default workflow: whether this actor may is
    the workflow's decision, taken here (a defined workflow refused the action already, in
    `check_workflow`). A document that is unknown or no longer waiting is left to the area's
    handler, which says why."""
    document_type = TYPE_OF_APPROVAL.get(action.action)
    if document_type is None:
        return
    workflow = workflow_of(ctx.uow, document_type)
    if workflow is None or workflow.defined:
        return
    document = str(getattr(action, "document", ""))
    kind = DOCUMENT_TYPES[document_type]
    first, terms, names = document_now(ctx, f"{kind.prefix}:{document}")
    if first is None or names & kind.finished:
        return
    terms = terms or first  # an amended order waits (or not) on its amended total
    if not getattr(terms, "needs_approval", True):
        return
    check_default_approver(
        workflow, ctx.actor, creator=first.actor, document=document, total=document_total(terms)
    )


class RefusedAttempt(Aggregate):
    """The stream of one recorded refusal (``refused:<id>``: one stream each, so recording
    refusals never contends)."""

    handlers = {AttemptRefused: lambda _self, _e: None}


def _remember(refused: AccessDenied, event: AttemptRefused) -> None:
    """Ask the command service to record `event` after the refusal (it stores nothing of the
    refused action)."""

    def record(uow: UnitOfWork) -> None:
        import uuid

        uow.get(RefusedAttempt, f"refused:{uuid.uuid4().hex}").trigger(event)

    refused.on_refusal = record  # type: ignore[attr-defined]


@guards
def check_access(action: Action, ctx: Context, credential: str | None) -> None:
    """Once access control is on: the actor must be identified (API token or database user),
    carry a valid signature where the company requires one, and hold a role permitting the
    action under its rules. Off (the default), everything is allowed, as before. A refusal is
    remembered as an `AttemptRefused` event when the company records refusals."""
    name = action.action
    check_workflow(action, ctx)
    access = ctx.uow.get(Access, STREAM)
    if access.enabled:
        stage = ["authentication"]  # what is being checked: the permission a refusal names
        try:
            _check_enabled(access, action, ctx, credential, stage)
        except AccessDenied as refused:
            if access.record_refusals:
                _remember(
                    refused,
                    ctx.event(
                        AttemptRefused,
                        action=name,
                        permission=stage[0],
                        rule=refused.message,
                        authenticated=stage[0] != "authentication",
                    ),
                )
            raise
    check_default_approval(action, ctx)


def _check_enabled(
    access: Access, action: Action, ctx: Context, credential: str | None, stage: list[str]
) -> None:
    name = action.action
    user = access.identify(
        ctx.actor, credential, session_user(ctx) if access.identity == "database" else None
    )
    if access.require_signatures:
        stage[0] = "signature"
        check_signed(
            [(k.key_id, k.public_key) for k in access.keys_of(user.code)], user.code, action
        )
    stage[0] = name
    fields: dict[str, Any] = action.model_dump(mode="python", exclude={"idempotency_key"})
    if name in WORKFLOW_ACTIONS or (
        name == "delegate_approval" and fields.get("delegator") == ctx.actor
    ):
        return  # the workflow's levels say who may (approval_right), not a permission
    if name == "submit_for_approval":
        # submitting needs the permission of the action submitted, under its rules
        from erp_core.access.workflow_handlers import parse_held

        action = parse_held(fields["document_type"], fields["held"])
        name = stage[0] = action.action
        fields = action.model_dump(mode="python", exclude={"idempotency_key"})
    facts = None
    if needs_facts(access, user, name, fields):
        facts = document_facts(ctx, name, fields["document"])
    decide(access, user, name, AREA_OF.get(type(action), ""), fields, facts)


@records
def record_signature(action: Action, ctx: Context, _credential: str | None) -> None:
    """Keep a signed action's signature beside the events it produced, in the same save."""
    if action.signature is None:
        return
    access = ctx.uow.get(Access, STREAM)
    if not (access.enabled and access.require_signatures):
        return
    kid, text = check_signed(
        [(k.key_id, k.public_key) for k in access.keys_of(ctx.actor)], ctx.actor, action
    )
    signed = ctx.uow.get(SignedAction, f"signed:{action.idempotency_key}")
    signed.trigger(
        ctx.event(
            ActionSigned,
            action=action.action,
            content=text,
            key_id=kid,
            signature=action.signature,
        )
    )


class SignedAction(Aggregate):
    """The stream of one signed action's signature (``signed:<idempotency key>``)."""

    handlers = {ActionSigned: lambda _self, _e: None}


# the workflow's handlers register with this module
from erp_core.access import workflow_handlers as _workflow_handlers  # noqa: E402, F401
