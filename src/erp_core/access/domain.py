"""Who may do what: users, roles (built-in templates and defined ones), grants, tokens, and the
decision taken before every action and report once access control is on.

Pure domain: the `Access` aggregate is the fold of the ``access`` stream; `decide` and
`authenticate` raise `AccessDenied` naming the actor, the permission missing and the rule that
refused. Document facts (who created a document, its total) come from the document's own stream,
read through the unit of work by `document_facts`.
"""

from __future__ import annotations

import copy
import hashlib
import re
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from erp_core.access.events import (
    AccessConfigured,
    AccessControlEnabled,
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
from erp_core.kernel.aggregate import Aggregate
from erp_core.kernel.errors import AccessDenied, ValidationError
from erp_core.kernel.events import DomainEvent

STREAM = "access"
USER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,31}$")

# Approvals and the stream of the document each approves (``<prefix>:<document>``): the
# segregation-of-duties rule compares the approver with the actor who created that document,
# and a role's approval limit with the document's total.
APPROVALS: Mapping[str, str] = {
    "approve_purchase_order": "po",
    "approve_sales_credit": "so",
}
# Where a document named by an action's ``document`` field may live, for "own documents only".
DOCUMENT_STREAMS = ("po", "so", "pinv", "pay", "sinv", "rcpt", "wo", "plan", "count")


def check_user_code(code: str, field_name: str = "code") -> None:
    if not USER_RE.match(code):
        raise ValidationError(
            field_name, f"{code!r} is not a valid user code (letters, digits, . _ @ -; 1-32)"
        )


def token_hash(token: str) -> str:
    """What is stored for a token: the SHA-256 of its text (a token has 256 random bits, so a
    fast hash suffices; the secret itself is never stored)."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """A fresh token ``erp_<id>_<secret>`` (256 random bits) and its id."""
    token_id = secrets.token_hex(6)
    return token_id, f"erp_{token_id}_{secrets.token_urlsafe(32)}"


@dataclass(frozen=True)
class Role:
    code: str
    name: str
    permissions: frozenset[str]
    warehouses: frozenset[str] = frozenset()
    own_documents_only: bool = False
    self_approval: bool = False
    approval_limit: Decimal | None = None
    built_in: bool = False

    def permits_action(self, action: str, area: str) -> bool:
        p = self.permissions
        return "*" in p or action in p or f"area:{area}" in p

    def permits_report(self, report: str, area: str | None = None) -> bool:
        """Whether the role may run `report`. Reports of the personal areas (HR, payroll)
        are not covered by ``report:*``: they need ``area:<area>``, their own name or ``*``."""
        p = self.permissions
        if "*" in p or f"report:{report}" in p:
            return True
        if area in PERSONAL_AREAS:
            return f"area:{area}" in p
        return "report:*" in p


def _template(code: str, name: str, *permissions: str, **rules: Any) -> tuple[str, Role]:
    return code, Role(code, name, frozenset(permissions), built_in=True, **rules)


# Areas holding personal data: their reports are shown only to roles naming the area (HR,
# payroll) or the report itself, never through ``report:*``.
PERSONAL_AREAS = frozenset({"hr", "payroll"})
_STOCK_REPORTS = ("report:stock-balance", "report:stock-ledger")
# Built-in roles for the usual jobs; `define_role` with the same code replaces one.
TEMPLATES: Mapping[str, Role] = dict(
    [
        _template("administrator", "Administrator", "*"),
        _template(
            "accountant",
            "Accountant",
            "area:ledger",
            "area:currency",
            "area:fx",
            "area:assets",
            "set_budget",
            "record_opening_payable",
            "record_opening_receivable",
            "post_supplier_invoice",
            "pay_supplier",
            "allocate_supplier_payment",
            "invoice_sales_order",
            "receive_customer_payment",
            "allocate_customer_receipt",
            "post_credit_note",
            "report:*",
        ),
        _template(
            "purchasing_clerk",
            "Purchasing clerk",
            "register_supplier",
            "create_purchase_plan",
            "order_purchase_plan",
            "create_purchase_order",
            "amend_purchase_order",
            "approve_purchase_order",
            "cancel_purchase_order",
            "report:open-orders",
            "report:supplier-ledger",
            approval_limit=Decimal("1000.00"),
        ),
        _template("purchasing_manager", "Purchasing manager", "area:procurement", "report:*"),
        _template(
            "warehouse_keeper",
            "Warehouse keeper",
            "area:inventory",
            "receive_purchase_order",
            "deliver_sales_order",
            "return_sales_goods",
            "issue_to_work_order",
            "return_from_work_order",
            *_STOCK_REPORTS,
        ),
        _template(
            "sales_clerk",
            "Sales clerk",
            "register_customer",
            "create_sales_order",
            "confirm_sales_order",
            "cancel_sales_order",
            "close_sales_order",
            "report:sales-open-orders",
            "report:customer-ledger",
        ),
        _template(
            "credit_controller",
            "Credit controller",
            "change_customer_credit",
            "approve_sales_credit",
            "receive_customer_payment",
            "allocate_customer_receipt",
            "report:*",
        ),
        _template("production_planner", "Production planner", "area:production", "report:*"),
        _template("hr", "HR officer", "area:hr", "report:*"),
        _template(
            "payroll",
            "Payroll officer",
            "area:payroll",
            "report:*",
            "report:employees-as-of",
            "report:headcount",
        ),
        _template("auditor", "Auditor (read only)", "report:*"),
    ]
)


@dataclass
class User:
    code: str
    name: str
    active: bool = True
    roles: set[str] = field(default_factory=set)


@dataclass
class Token:
    token_id: str
    user: str
    label: str
    active: bool = True


@dataclass
class SigningKey:
    key_id: str
    user: str
    public_key: str  # hex of the 32 raw bytes
    active: bool = True


class Access(Aggregate):
    """Users, defined roles, grants and tokens: the fold of the ``access`` stream."""

    cacheable = True

    def __init__(self, stream_id: str = STREAM) -> None:
        super().__init__(stream_id)
        self.enabled = False
        self.users: dict[str, User] = {}
        self.defined: dict[str, Role] = {}
        self.tokens: dict[str, Token] = {}  # by the hash of the token
        self.token_ids: dict[str, str] = {}  # token id -> hash
        self.identity = "token"
        self.require_signatures = False
        self.record_refusals = False
        self.database_roles: dict[str, str] = {}  # PostgreSQL role -> user
        self.keys: dict[str, SigningKey] = {}  # by key id

    def _on_user(self, e: UserCreated) -> None:
        self.users[e.code] = User(e.code, e.name)

    def _on_deactivated(self, e: UserDeactivated) -> None:
        self.users[e.code].active = False

    def _on_role(self, e: RoleDefined) -> None:
        self.defined[e.code] = Role(
            e.code,
            e.name,
            frozenset(e.permissions),
            frozenset(e.warehouses),
            e.own_documents_only,
            e.self_approval,
            e.approval_limit,
        )

    def _on_granted(self, e: RoleGranted) -> None:
        self.users[e.user].roles.add(e.role)

    def _on_revoked(self, e: RoleRevoked) -> None:
        self.users[e.user].roles.discard(e.role)

    def _on_token(self, e: TokenRegistered) -> None:
        self.tokens[e.token_hash] = Token(e.token_id, e.user, e.label)
        self.token_ids[e.token_id] = e.token_hash

    def _on_token_revoked(self, e: TokenRevoked) -> None:
        self.tokens[self.token_ids[e.token_id]].active = False

    def _on_enabled(self, _e: AccessControlEnabled) -> None:
        self.enabled = True

    def _on_configured(self, e: AccessConfigured) -> None:
        self.identity = e.identity
        self.require_signatures = e.require_signatures
        self.record_refusals = e.record_refusals

    def _on_mapped(self, e: DatabaseRoleMapped) -> None:
        if e.user:
            self.database_roles[e.database_role] = e.user
        else:
            self.database_roles.pop(e.database_role, None)

    def _on_key(self, e: SigningKeyRegistered) -> None:
        self.keys[e.key_id] = SigningKey(e.key_id, e.user, e.public_key)

    def _on_key_revoked(self, e: SigningKeyRevoked) -> None:
        self.keys[e.key_id].active = False

    handlers = {
        AccessConfigured: _on_configured,
        DatabaseRoleMapped: _on_mapped,
        SigningKeyRegistered: _on_key,
        SigningKeyRevoked: _on_key_revoked,
        UserCreated: _on_user,
        UserDeactivated: _on_deactivated,
        RoleDefined: _on_role,
        RoleGranted: _on_granted,
        RoleRevoked: _on_revoked,
        TokenRegistered: _on_token,
        TokenRevoked: _on_token_revoked,
        AccessControlEnabled: _on_enabled,
    }

    def with_user(self, user: User) -> Access:
        """A read-only view with one more user (for checks before that user is recorded)."""
        view = copy.copy(self)
        view.users = {**self.users, user.code: user}
        return view

    # -- reading ---------------------------------------------------------------------------
    def role(self, code: str) -> Role | None:
        return self.defined.get(code) or TEMPLATES.get(code)

    def roles(self) -> dict[str, Role]:
        return {**TEMPLATES, **self.defined}

    def user(self, code: str, field_name: str = "user") -> User:
        user = self.users.get(code)
        if user is None:
            raise ValidationError(field_name, f"unknown user {code!r}")
        return user

    def tokens_of(self, user: str) -> list[Token]:
        return [t for t in self.tokens.values() if t.user == user]

    def owner_of(self, token: str) -> str | None:
        """The user a token authenticates, or None (unknown or revoked token)."""
        found = self.tokens.get(token_hash(token))
        return found.user if found is not None and found.active else None

    # -- deciding --------------------------------------------------------------------------
    def authenticate(self, actor: str, credential: str | None) -> User:
        """The active user `actor`, proven by `credential` (one of their live tokens)."""
        user = self.users.get(actor)
        if user is None:
            raise AccessDenied(f"{actor} is not a user of this company (access control is on)")
        if not user.active:
            raise AccessDenied(f"{actor} is deactivated")
        if credential is None:
            raise AccessDenied(
                f"{actor} is not authenticated: access control is on, so every action and "
                "report needs the actor's API token (--token or ERP_TOKEN)"
            )
        token = self.tokens.get(token_hash(credential))
        if token is None or not token.active:
            raise AccessDenied(f"{actor} is not authenticated: the token is unknown or revoked")
        if token.user != actor:
            raise AccessDenied(
                f"{actor} is not authenticated: the token given belongs to {token.user}"
            )
        return user

    def keys_of(self, user: str) -> list[SigningKey]:
        return [k for k in self.keys.values() if k.user == user and k.active]

    def identify(self, actor: str, credential: str | None, database_user: str | None) -> User:
        """The active user acting, by the company's identity mode: their API token, or
        (identity = database) the PostgreSQL session user mapped to them, which a typed
        actor name may not override."""
        if self.identity != "database":
            return self.authenticate(actor, credential)
        if database_user is None:
            raise AccessDenied(
                f"{actor} is not authenticated: the company's identity is the database user, "
                "and these books are not on PostgreSQL (or the session user is unknown)"
            )
        mapped = self.database_roles.get(database_user)
        if mapped is None:
            raise AccessDenied(
                f"{actor} is not authenticated: the database role {database_user} is mapped "
                "to no user of this company (identity = database)"
            )
        if mapped != actor:
            raise AccessDenied(
                f"{actor} is not authenticated: the database role {database_user} acts as "
                f"{mapped}, and with identity = database a typed actor may not override it"
            )
        user = self.users.get(mapped)
        if user is None or not user.active:
            raise AccessDenied(f"{mapped} is not an active user of this company")
        return user

    def held_roles(self, user: User) -> list[Role]:
        return [r for code in sorted(user.roles) if (r := self.role(code)) is not None]


@dataclass(frozen=True)
class DocumentFacts:
    """What the access rules need to know about the document an action names."""

    document: str
    creator: str | None  # None: no such document (the handler will refuse it)
    total: Decimal | None


def action_warehouses(fields: Mapping[str, Any]) -> set[str]:
    """Every warehouse an action's fields name (``warehouse``, ``from_warehouse``, ... at any
    depth, lines included)."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, Mapping):
            for key, item in value.items():
                if isinstance(key, str) and key.endswith("warehouse") and isinstance(item, str):
                    found.add(item)
                else:
                    walk(item)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)

    walk(fields)
    return found


def _refusals(
    role: Role,
    actor: str,
    action: str,
    warehouses: set[str],
    facts: DocumentFacts | None,
) -> Iterator[str]:
    """Why `role`, which permits `action`, still does not allow it here (nothing: allowed)."""
    outside = sorted(warehouses - role.warehouses) if role.warehouses else []
    if outside:
        yield (
            f"role {role.code} is limited to warehouse(s) {', '.join(sorted(role.warehouses))}, "
            f"not {', '.join(outside)}"
        )
    if role.own_documents_only and facts is not None and facts.creator not in (None, actor):
        yield (
            f"role {role.code} covers own documents only and {facts.document} was created "
            f"by {facts.creator}"
        )
    if action in APPROVALS and facts is not None:
        if facts.creator == actor and not role.self_approval:
            yield (
                f"segregation of duties: {actor} created {facts.document} and role "
                f"{role.code} does not allow approving one's own documents"
            )
        limit = role.approval_limit
        if limit is not None and facts.total is not None and facts.total > limit:
            yield (
                f"role {role.code} approves up to {limit:,.2f} and {facts.document} "
                f"totals {facts.total:,.2f}"
            )


def decide(
    access: Access,
    user: User,
    action: str,
    area: str,
    fields: Mapping[str, Any],
    facts: DocumentFacts | None,
) -> None:
    """Allow the action if one of the user's roles permits it and its rules hold; else raise
    `AccessDenied` naming the permission missing or every rule that refused."""
    roles = [r for r in access.held_roles(user) if r.permits_action(action, area)]
    if not roles:
        held = ", ".join(sorted(user.roles)) or "none"
        raise AccessDenied(
            f"{user.code} may not {action}: no role of theirs (roles: {held}) grants "
            f"{action} or area:{area}"
        )
    warehouses = action_warehouses(fields)
    reasons: list[str] = []
    for role in roles:
        why = list(_refusals(role, user.code, action, warehouses, facts))
        if not why:
            return
        reasons.extend(why)
    raise AccessDenied(f"{user.code} may not {action}: " + "; ".join(reasons))


def needs_facts(access: Access, user: User, action: str, fields: Mapping[str, Any]) -> bool:
    if not isinstance(fields.get("document"), str):
        return False
    return action in APPROVALS or any(r.own_documents_only for r in access.held_roles(user))


def decide_report(access: Access, user: User, report: str, area: str | None = None) -> None:
    if not any(r.permits_report(report, area) for r in access.held_roles(user)):
        held = ", ".join(sorted(user.roles)) or "none"
        grants = (
            f"area:{area} or report:{report} (it shows personal data)"
            if area in PERSONAL_AREAS
            else f"report:{report} or report:*"
        )
        raise AccessDenied(
            f"{user.code} may not run the report {report}: no role of theirs (roles: {held}) "
            f"grants {grants}"
        )


class DocumentOrigin(Aggregate):
    """Any document stream read for its first event: who created it, and its total (as an
    amendment restated it last: an event with a `revision` and a `total`)."""

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.first: DomainEvent | None = None
        self.total: Decimal | None = None

    def apply(self, event: DomainEvent) -> None:
        if self.first is None:
            self.first = event
            self.total = getattr(event, "total", None)
        else:
            self.total = restated_total(event, self.total)


def restated_total(event: DomainEvent, total: Decimal | None) -> Decimal | None:
    """The document's total after `event`: an amendment (``revision`` and ``total``) restates
    it, so an approval limit is held against what is approved, not what was first entered."""
    restated = getattr(event, "total", None)
    if getattr(event, "revision", None) is not None and restated is not None:
        return Decimal(restated)
    return total
