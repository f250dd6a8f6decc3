"""The access projection: users, defined roles and grants, for `erp report access` (who can do
what). The built-in role templates are not events: the report adds them from the domain."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from erp_core.projections.engine import Projection, Record
from erp_core.projections.schema import metadata
from pydantic import BaseModel, ConfigDict
from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Date,
    Integer,
    String,
    Table,
    bindparam,
    delete,
    false,
    insert,
    select,
    update,
)

from erp_core.access.domain import TEMPLATES
from erp_core.access.events import ApprovalLevel
from erp_core.access.workflow import required_levels

access_users = Table(
    "access_users",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("active", Boolean, nullable=False),
)
access_roles = Table(
    "access_roles",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("permissions", String(8000), nullable=False),  # space separated
    Column("rules", String(2000), nullable=False),
)
access_grants = Table(
    "access_grants",
    metadata,
    Column("user", String(32), primary_key=True),
    Column("role", String(32), primary_key=True),
)


def rules_text(
    warehouses: Sequence[str], own: bool, self_approval: bool, limit: object | None
) -> str:
    parts = []
    if warehouses:
        parts.append("warehouses " + ", ".join(warehouses))
    if own:
        parts.append("own documents only")
    if self_approval:
        parts.append("may approve own documents")
    if limit is not None:
        parts.append(f"approves up to {limit}")
    return "; ".join(parts)


class AccessProjection:
    name = "access"
    tables: Sequence[Table] = (access_users, access_roles, access_grants)
    event_names = frozenset(
        {"UserCreated", "UserDeactivated", "RoleDefined", "RoleGranted", "RoleRevoked"}
    )

    def apply(self, conn: Connection, records: Sequence[Record], base_currency: str) -> None:
        u, r, g = access_users, access_roles, access_grants
        for _, _, name, e in records:
            if name == "UserCreated":
                conn.execute(insert(u).values(code=e["code"], name=e["name"], active=True))
            elif name == "UserDeactivated":
                conn.execute(update(u).where(u.c.code == e["code"]).values(active=False))
            elif name == "RoleDefined":
                conn.execute(delete(r).where(r.c.code == e["code"]))
                conn.execute(
                    insert(r).values(
                        code=e["code"],
                        name=e["name"],
                        permissions=" ".join(e["permissions"]),
                        rules=rules_text(
                            e.get("warehouses", ()),
                            e.get("own_documents_only", False),
                            e.get("self_approval", False),
                            e.get("approval_limit"),
                        ),
                    )
                )
            elif name == "RoleGranted":
                conn.execute(insert(g).values(user=e["user"], role=e["role"]))
            elif name == "RoleRevoked":
                conn.execute(delete(g).where(g.c.user == e["user"], g.c.role == e["role"]))


# --- approval workflows ----------------------------------------------------------------------

approval_workflows = Table(
    "approval_workflows",
    metadata,
    Column("document_type", String(32), primary_key=True),
    Column("levels", String(4000), nullable=False),  # JSON: [{above, role, self_approval}]
)
approval_documents = Table(
    "approval_documents",
    metadata,
    Column("document_type", String(32), primary_key=True),
    Column("document", String(32), primary_key=True),
    Column("creator", String(200), nullable=False),
    Column("total", String(40), nullable=False),  # exact decimal text
    Column("created_at", String(40), nullable=False),
    # open (not waiting), waiting, approved, cancelled, finished
    Column("state", String(16), nullable=False),
    Column("round", Integer, nullable=False),
    Column("approved_levels", Integer, nullable=False),  # in the current round
    Column("waiting_since", String(40), nullable=False),
    Column("cost_centres", String(2000), nullable=False, server_default=""),  # space separated
    Column("escalated_to", String(32)),  # the role the pending level was escalated to
    Column("held", Boolean, nullable=False, server_default=false()),  # an action held
)
approval_steps = Table(
    "approval_steps",
    metadata,
    Column("position", Integer, primary_key=True),
    Column("document_type", String(32), nullable=False),
    Column("document", String(32), nullable=False),
    Column("step", String(32), nullable=False),
    Column("round", Integer, nullable=False),
    Column("level", Integer, nullable=False),
    Column("role", String(32), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("on_behalf_of", String(200)),
    Column("reason", String(400), nullable=False),
    Column("recorded_at", String(40), nullable=False),
)
approval_delegations = Table(
    "approval_delegations",
    metadata,
    Column("position", Integer, primary_key=True),
    Column("delegator", String(32), nullable=False),
    Column("delegate", String(32), nullable=False),
    Column("date_from", Date, nullable=False),
    Column("date_to", Date, nullable=False),
)

# The documents' own events the approvals report follows: created (who, how much), approved
# by the area's own action, and finished (no longer waiting).
_CREATED = {"PurchaseOrderCreated": "purchase_order", "SalesOrderCreated": "sales_credit"}
_AREA_APPROVED = {"PurchaseOrderApproved", "SalesOrderCreditApproved"}
_FINISHED = {
    "PurchaseOrderCancelled": "cancelled",
    "PurchaseOrderClosed": "finished",
    "SalesOrderCancelled": "cancelled",
    "SalesOrderClosed": "finished",
    "SalesOrderConfirmed": "finished",
}
_TYPE_OF_PREFIX = {"po": "purchase_order", "so": "sales_credit"}


def _text(value: object) -> str:
    return value.isoformat() if isinstance(value, dt.datetime | dt.date) else str(value)


class ApprovalsProjection:
    name = "approvals"
    tables: Sequence[Table] = (
        approval_workflows,
        approval_documents,
        approval_steps,
        approval_delegations,
    )
    event_names = frozenset(
        {
            "ApprovalWorkflowDefined",
            "ApprovalDelegated",
            "DocumentApprovalGiven",
            "DocumentApprovalRejected",
            "DocumentApprovalEscalated",
            "ActionSubmittedForApproval",
            "SubmittedActionApplied",
            "SubmittedActionCancelled",
            *_CREATED,
            *_AREA_APPROVED,
            *_FINISHED,
            "PurchaseOrderAmended",
        }
    )

    def apply(self, conn: Connection, records: Sequence[Record], base_currency: str) -> None:
        w, d, s = approval_workflows, approval_documents, approval_steps
        # The common run of a sales or purchase order created and then confirmed, closed or
        # cancelled is written set-wise (issue 9): inserts and state changes wait in `pending`
        # and are written, in their order, before any other event of the batch is handled.
        pending = _Pending(conn)
        for position, stream, name, e in records:
            if name in _CREATED:
                waiting = name == "PurchaseOrderCreated" and bool(e.get("needs_approval"))
                pending.created.append(
                    {
                        "document_type": _CREATED[name],
                        "document": e["document"],
                        "creator": e["actor"],
                        "total": str(e["total"]),
                        "created_at": _text(e["recorded_at"]),
                        "state": "waiting" if waiting else "open",
                        "round": 1,
                        "approved_levels": 0,
                        "waiting_since": _text(e["recorded_at"]),
                    }
                )
                continue
            if name in _FINISHED:
                document_type = _TYPE_OF_PREFIX.get(stream.split(":", 1)[0])
                if document_type is not None:
                    pending.finished.append(
                        {
                            "t": document_type,
                            "d": stream.split(":", 1)[1],
                            "state": _FINISHED[name],
                        }
                    )
                continue
            pending.write()
            if name == "ApprovalWorkflowDefined":
                conn.execute(delete(w).where(w.c.document_type == e["document_type"]))
                if e["levels"]:
                    levels = [
                        {
                            "above": str(lv["above"]),
                            "role": lv["role"],
                            "self_approval": bool(lv.get("self_approval", False)),
                            "cost_centres": list(lv.get("cost_centres") or ()),
                            "escalate_after_days": lv.get("escalate_after_days"),
                            "escalate_to": lv.get("escalate_to"),
                        }
                        for lv in e["levels"]
                    ]
                    conn.execute(
                        insert(w).values(
                            document_type=e["document_type"], levels=json.dumps(levels)
                        )
                    )
            elif name == "ApprovalDelegated":
                conn.execute(
                    insert(approval_delegations).values(
                        position=position,
                        delegator=e["delegator"],
                        delegate=e["delegate"],
                        date_from=_date(e["date_from"]),
                        date_to=_date(e["date_to"]),
                    )
                )
            elif name == "ActionSubmittedForApproval":
                conn.execute(
                    insert(d).values(
                        document_type=e["document_type"],
                        document=e["request"],
                        creator=e["actor"],
                        total="" if e.get("total") is None else str(e["total"]),
                        created_at=_text(e["recorded_at"]),
                        state="waiting",
                        round=1,
                        approved_levels=0,
                        waiting_since=_text(e["recorded_at"]),
                        cost_centres=" ".join(e.get("cost_centres") or ()),
                        held=True,
                    )
                )
            elif name in ("SubmittedActionApplied", "SubmittedActionCancelled"):
                state = "approved" if name == "SubmittedActionApplied" else "cancelled"
                conn.execute(
                    update(d).where(d.c.document == e["request"], d.c.held).values(state=state)
                )
            elif name == "DocumentApprovalEscalated":
                key = (d.c.document_type == e["document_type"]) & (d.c.document == e["document"])
                conn.execute(
                    insert(s).values(
                        position=position,
                        document_type=e["document_type"],
                        document=e["document"],
                        step="escalated",
                        round=e["round"],
                        level=e["level"],
                        role=e["to_role"],
                        actor=e["actor"],
                        on_behalf_of=None,
                        reason=f"waited {e['waited_days']} day(s) at {e['from_role']}",
                        recorded_at=_text(e["recorded_at"]),
                    )
                )
                conn.execute(update(d).where(key).values(escalated_to=e["to_role"]))
            elif name in ("DocumentApprovalGiven", "DocumentApprovalRejected"):
                given = name == "DocumentApprovalGiven"
                key = (d.c.document_type == e["document_type"]) & (d.c.document == e["document"])
                conn.execute(
                    insert(s).values(
                        position=position,
                        document_type=e["document_type"],
                        document=e["document"],
                        step="approved" if given else f"rejected ({e['outcome']})",
                        round=e["round"],
                        level=e["level"],
                        role=e.get("role", ""),
                        actor=e["actor"],
                        on_behalf_of=e.get("on_behalf_of"),
                        reason=e.get("note", "") if given else e["reason"],
                        recorded_at=_text(e["recorded_at"]),
                    )
                )
                if given:
                    values: dict[str, Any] = {
                        "approved_levels": e["level"],
                        "waiting_since": _text(e["recorded_at"]),
                        "escalated_to": None,
                    }
                    if not e["final"]:
                        values["state"] = "waiting"
                else:
                    values = {
                        "round": e["round"] + 1,
                        "approved_levels": 0,
                        "waiting_since": _text(e["recorded_at"]),
                        "escalated_to": None,
                    }
                conn.execute(update(d).where(key).values(**values))
            else:
                document_type = _TYPE_OF_PREFIX.get(stream.split(":", 1)[0])
                if document_type is None:
                    continue
                document = stream.split(":", 1)[1]
                key = (d.c.document_type == document_type) & (d.c.document == document)
                if name == "PurchaseOrderAmended":
                    # the amended total; above the threshold it waits for approval again
                    if e["needs_approval"]:
                        again = {"state": "waiting", "waiting_since": _text(e["recorded_at"])}
                        conn.execute(update(d).where(key).values(total=str(e["total"]), **again))
                    else:
                        conn.execute(update(d).where(key).values(total=str(e["total"])))
                        waiting = key & (d.c.state == "waiting")
                        conn.execute(update(d).where(waiting).values(state="open"))
                    conn.execute(
                        insert(s).values(
                            position=position,
                            document_type=document_type,
                            document=document,
                            step=f"amended (revision {e['revision']})",
                            round=0,
                            level=0,
                            role="",
                            actor=e["actor"],
                            on_behalf_of=None,
                            reason=e["reason"],
                            recorded_at=_text(e["recorded_at"]),
                        )
                    )
                elif name in _AREA_APPROVED:
                    conn.execute(update(d).where(key).values(state="approved"))
                    conn.execute(
                        insert(s).values(
                            position=position,
                            document_type=document_type,
                            document=document,
                            step="approved (document)",
                            round=0,
                            level=0,
                            role="",
                            actor=e["actor"],
                            on_behalf_of=None,
                            reason=e.get("reason", ""),
                            recorded_at=_text(e["recorded_at"]),
                        )
                    )
        pending.write()


class _Pending:
    """Approval documents created and finished, not yet written (see `ApprovalsProjection`)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.created: list[dict[str, Any]] = []
        self.finished: list[dict[str, Any]] = []

    def write(self) -> None:
        """Insert the created documents, then set the finished ones' states in their order
        (a document is finished only after it was created)."""
        d = approval_documents
        if self.created:
            self.conn.execute(insert(d), self.created)
            self.created = []
        if self.finished:
            self.conn.execute(
                update(d)
                .where((d.c.document_type == bindparam("t")) & (d.c.document == bindparam("d")))
                .values(state=bindparam("state")),
                self.finished,
            )
            self.finished = []


access_refusals = Table(
    "access_refusals",
    metadata,
    Column("position", Integer, primary_key=True),
    Column("recorded_at", String(40), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(80), nullable=False),
    Column("permission", String(80), nullable=False),
    Column("rule", String(2000), nullable=False),
    Column("authenticated", Boolean, nullable=False),
)


class RefusalsProjection:
    """Refused attempts (`AttemptRefused`), for `erp report refusals`."""

    name = "access_refusals"
    tables: Sequence[Table] = (access_refusals,)
    event_names = frozenset({"AttemptRefused"})

    def apply(self, conn: Connection, records: Sequence[Record], base_currency: str) -> None:
        for position, _stream, _name, e in records:
            conn.execute(
                insert(access_refusals).values(
                    position=position,
                    recorded_at=_text(e["recorded_at"]),
                    actor=e["actor"],
                    action=e["action"],
                    permission=e["permission"],
                    rule=e["rule"][:2000],
                    authenticated=bool(e["authenticated"]),
                )
            )


sod_entered = Table(
    "sod_entered",
    metadata,
    Column("document", String(32), primary_key=True),
    Column("actor", String(200), nullable=False),
)
sod_paid_own = Table(
    "sod_paid_own",
    metadata,
    Column("position", Integer, primary_key=True),
    Column("recorded_at", String(40), nullable=False),
    Column("invoice", String(32), nullable=False),
    Column("payment", String(32), nullable=False),
    Column("actor", String(200), nullable=False),
)


class PaidOwnProjection:
    """Segregation of duties in payments: a supplier invoice paid by the actor who entered it
    (the payment's actor is its poster; an allocation made later counts its own actor)."""

    name = "access_sod_paid"
    tables: Sequence[Table] = (sod_entered, sod_paid_own)
    event_names = frozenset(
        {"SupplierInvoicePosted", "SupplierPaymentPosted", "SupplierPaymentAllocated"}
    )

    def apply(self, conn: Connection, records: Sequence[Record], base_currency: str) -> None:
        for position, stream, name, e in records:
            if name != "SupplierPaymentAllocated":
                conn.execute(insert(sod_entered).values(document=e["document"], actor=e["actor"]))
                continue
            if not stream.endswith(f":{e['invoice']}"):
                continue  # the same allocation on the payment's stream
            entered = dict(
                conn.execute(
                    select(sod_entered.c.document, sod_entered.c.actor).where(
                        sod_entered.c.document.in_([e["invoice"], e["payment"]])
                    )
                ).all()
            )
            creator = entered.get(e["invoice"])
            if creator is not None and creator in (e["actor"], entered.get(e["payment"])):
                conn.execute(
                    insert(sod_paid_own).values(
                        position=position,
                        recorded_at=_text(e["recorded_at"]),
                        invoice=e["invoice"],
                        payment=e["payment"],
                        actor=creator,
                    )
                )


def _date(value: object) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def projections() -> list[Projection]:
    return [
        AccessProjection(),
        ApprovalsProjection(),
        RefusalsProjection(),
        PaidOwnProjection(),
    ]


# --- report queries (called through `Erp.query`) ---------------------------------------------


class AccessRow(BaseModel):
    """One user and one role they hold, with what it permits (a user without roles: one row
    with an empty role)."""

    model_config = ConfigDict(frozen=True)
    user: str
    name: str
    active: bool
    role: str
    permissions: str
    rules: str


def roles(conn: Connection) -> dict[str, tuple[str, str, str]]:
    """Every role (templates, replaced by defined roles of the same code): name, permissions,
    rules."""
    found = {
        code: (
            t.name,
            " ".join(sorted(t.permissions)),
            rules_text(
                sorted(t.warehouses), t.own_documents_only, t.self_approval, t.approval_limit
            ),
        )
        for code, t in TEMPLATES.items()
    }
    for row in conn.execute(select(access_roles)):
        found[row.code] = (row.name, row.permissions, row.rules)
    return found


def access_report(conn: Connection) -> list[AccessRow]:
    """Who can do what: every user with each role they hold."""
    known = roles(conn)
    held: dict[str, list[str]] = {}
    for g in conn.execute(select(access_grants).order_by(access_grants.c.role)):
        held.setdefault(g.user, []).append(g.role)
    out = []
    for user in conn.execute(select(access_users).order_by(access_users.c.code)):
        for role in held.get(user.code) or [""]:
            _role_name, permissions, rules = known.get(role, ("", "", ""))
            out.append(
                AccessRow(
                    user=user.code,
                    name=user.name,
                    active=bool(user.active),
                    role=role,
                    permissions=permissions,
                    rules=rules,
                )
            )
    return out


class WaitingRow(BaseModel):
    """A document waiting for an approval that `approver` may give (``approver`` empty: nobody
    may give it, the document is stuck; ``*``: anyone but its creator, a purchase order in the
    default workflow, approved with ``approve_purchase_order``)."""

    model_config = ConfigDict(frozen=True)
    approver: str
    on_behalf_of: str | None
    document_type: str
    document: str
    creator: str
    total: Decimal | None  # None: not known before the held action runs (a payroll run)
    level: int
    of_levels: int
    role: str
    waiting_since: str
    age_days: int


class HistoryRow(BaseModel):
    model_config = ConfigDict(frozen=True)
    position: int
    recorded_at: str
    document_type: str
    document: str
    step: str
    round: int
    level: int
    role: str
    actor: str
    on_behalf_of: str | None
    reason: str


class BreachRow(BaseModel):
    """A segregation-of-duties breach found in the log: the same person created and approved
    a document (themselves, or through a delegate acting on their right)."""

    model_config = ConfigDict(frozen=True)
    position: int
    recorded_at: str
    document_type: str
    document: str
    creator: str
    approver: str
    on_behalf_of: str | None
    step: str
    level: int


def _levels(conn: Connection) -> dict[str, list[ApprovalLevel]]:
    found = {}
    for row in conn.execute(select(approval_workflows)):
        levels = [
            ApprovalLevel(
                above=Decimal(lv["above"]),
                role=lv["role"],
                self_approval=bool(lv.get("self_approval")),
                cost_centres=tuple(lv.get("cost_centres") or ()),
                escalate_after_days=lv.get("escalate_after_days"),
                escalate_to=lv.get("escalate_to"),
            )
            for lv in json.loads(row.levels)
        ]
        found[row.document_type] = sorted(levels, key=lambda lv: lv.above)
    return found


def approvals_waiting(conn: Connection, as_of: dt.datetime) -> list[WaitingRow]:
    """Documents waiting in a workflow, one row per person who may give the pending approval
    (holders of the level's role and their delegates on `as_of`, less the creator unless the
    level allows it and whoever approved an earlier level), with how long it has waited. A
    purchase order in its default workflow has one row, approver ``*`` (anyone but its
    creator)."""
    workflows = _levels(conn)
    active = {r.code for r in conn.execute(select(access_users)) if r.active}
    holders: dict[str, set[str]] = {}
    for g in conn.execute(select(access_grants)):
        if g.user in active:
            holders.setdefault(g.role, set()).add(g.user)
    day = as_of.date()
    delegations = [
        (r.delegator, r.delegate)
        for r in conn.execute(select(approval_delegations))
        if r.date_from <= day <= r.date_to and r.delegate in active
    ]
    d, s = approval_documents, approval_steps
    out: list[WaitingRow] = []
    waiting = conn.execute(
        select(d).where(d.c.state == "waiting").order_by(d.c.document_type, d.c.document)
    )
    for doc in waiting:
        levels = workflows.get(doc.document_type)
        total = Decimal(doc.total) if doc.total else None
        since = dt.datetime.fromisoformat(doc.waiting_since)
        age = max((as_of - since).days, 0)
        if not levels:
            if not doc.held:  # a purchase order waiting in its default workflow
                out.append(
                    WaitingRow(
                        approver="*",
                        on_behalf_of=None,
                        document_type=doc.document_type,
                        document=doc.document,
                        creator=doc.creator,
                        total=total,
                        level=1,
                        of_levels=1,
                        role="",
                        waiting_since=doc.waiting_since,
                        age_days=age,
                    )
                )
            continue
        required = required_levels(
            levels, total, (doc.cost_centres or "").split(), held=bool(doc.held)
        )
        if doc.approved_levels >= len(required):
            continue
        level = required[doc.approved_levels]
        roles = {level.role} | ({doc.escalated_to} if doc.escalated_to else set())
        holders_now = set().union(*(holders.get(role, set()) for role in roles))
        earlier = set()
        for step in conn.execute(
            select(s.c.actor, s.c.on_behalf_of).where(
                s.c.document_type == doc.document_type,
                s.c.document == doc.document,
                s.c.round == doc.round,
                s.c.step == "approved",
            )
        ):
            earlier |= {step.actor, step.on_behalf_of} - {None}

        def eligible(
            person: str,
            creator: str = doc.creator,
            found: set[str] = earlier,
            own_allowed: bool = level.self_approval,
        ) -> bool:
            return person not in found and (person != creator or own_allowed)

        people: list[tuple[str, str | None]] = [
            (u, None) for u in sorted(holders_now) if eligible(u)
        ]
        people += [
            (delegate, delegator)
            for delegator, delegate in sorted(delegations)
            if delegator in holders_now and eligible(delegator) and eligible(delegate)
        ]
        for approver, on_behalf in people or [("", None)]:
            out.append(
                WaitingRow(
                    approver=approver,
                    on_behalf_of=on_behalf,
                    document_type=doc.document_type,
                    document=doc.document,
                    creator=doc.creator,
                    total=total,
                    level=doc.approved_levels + 1,
                    of_levels=len(required),
                    role=" or ".join(sorted(roles)),
                    waiting_since=doc.waiting_since,
                    age_days=age,
                )
            )
    return sorted(out, key=lambda r: (r.approver, -r.age_days, r.document))


def approval_history(conn: Connection, document: str) -> list[HistoryRow]:
    """A document's approval story: created, each level approved or rejected (by whom, on
    whose right, why), and the document's own approval."""
    d, s = approval_documents, approval_steps
    out = [
        HistoryRow(
            position=0,
            recorded_at=doc.created_at,
            document_type=doc.document_type,
            document=doc.document,
            step="created",
            round=1,
            level=0,
            role="",
            actor=doc.creator,
            on_behalf_of=None,
            reason="",
        )
        for doc in conn.execute(select(d).where(d.c.document == document))
    ]
    for step in conn.execute(select(s).where(s.c.document == document).order_by(s.c.position)):
        out.append(
            HistoryRow(
                position=step.position,
                recorded_at=step.recorded_at,
                document_type=step.document_type,
                document=step.document,
                step=step.step,
                round=step.round,
                level=step.level,
                role=step.role,
                actor=step.actor,
                on_behalf_of=step.on_behalf_of,
                reason=step.reason,
            )
        )
    return out


def sod_breaches(conn: Connection) -> list[BreachRow]:
    """Every approval in the log given by the document's creator, or on the creator's right
    through a delegation (allowed only where a level permits self-approval; listed for the
    auditor either way), and every supplier invoice paid by the actor who entered it."""
    d, s = approval_documents, approval_steps
    joined = select(s, d.c.creator).join(
        d, (d.c.document_type == s.c.document_type) & (d.c.document == s.c.document)
    )
    out = []
    for row in conn.execute(joined.order_by(s.c.position)):
        if not row.step.startswith("approved"):
            continue
        if row.creator not in (row.actor, row.on_behalf_of):
            continue
        out.append(
            BreachRow(
                position=row.position,
                recorded_at=row.recorded_at,
                document_type=row.document_type,
                document=row.document,
                creator=row.creator,
                approver=row.actor,
                on_behalf_of=row.on_behalf_of,
                step=row.step,
                level=row.level,
            )
        )
    for paid in conn.execute(select(sod_paid_own).order_by(sod_paid_own.c.position)):
        out.append(
            BreachRow(
                position=paid.position,
                recorded_at=paid.recorded_at,
                document_type="supplier_invoice",
                document=paid.invoice,
                creator=paid.actor,
                approver=paid.actor,
                on_behalf_of=None,
                step=f"paid by {paid.payment}",
                level=0,
            )
        )
    return sorted(out, key=lambda b: b.position)


class RefusalRow(BaseModel):
    """A refused attempt: who (as claimed), what action, the permission or rule that refused;
    never the refused action's content."""

    model_config = ConfigDict(frozen=True)
    position: int
    recorded_at: str
    actor: str
    action: str
    permission: str
    authenticated: bool
    rule: str


def refusals(conn: Connection) -> list[RefusalRow]:
    """Every refused attempt recorded, in log order."""
    rows = conn.execute(select(access_refusals).order_by(access_refusals.c.position))
    return [
        RefusalRow(
            position=r.position,
            recorded_at=r.recorded_at,
            actor=r.actor,
            action=r.action,
            permission=r.permission,
            authenticated=bool(r.authenticated),
            rule=r.rule,
        )
        for r in rows
    ]


def escalations_due(conn: Connection, as_of: dt.datetime) -> list[tuple[str, str]]:
    """The waiting documents whose pending level escalates and has waited at least its
    `escalate_after_days` (not escalated yet), as (document type, document)."""
    workflows = _levels(conn)
    d = approval_documents
    out = []
    waiting = select(d).where(d.c.state == "waiting", d.c.escalated_to.is_(None))
    for doc in conn.execute(waiting.order_by(d.c.document_type, d.c.document)):
        levels = workflows.get(doc.document_type)
        if not levels:
            continue
        total = Decimal(doc.total) if doc.total else None
        required = required_levels(
            levels, total, (doc.cost_centres or "").split(), held=bool(doc.held)
        )
        if doc.approved_levels >= len(required):
            continue
        level = required[doc.approved_levels]
        if level.escalate_after_days is None:
            continue
        since = dt.datetime.fromisoformat(doc.waiting_since)
        if (as_of - since).days >= level.escalate_after_days:
            out.append((doc.document_type, doc.document))
    return out
