"""Approval workflows: per document type, levels with amount thresholds and the role that
approves at each; multi-level approval in order by different people; delegation for a period;
rejection back to draft or to cancellation; segregation of duties per level.

Pure domain: the `Workflows` aggregate (the ``approvals`` stream: workflows and delegations),
the `ApprovalRound` of one document (``approval:<type>:<document>``), `approval_right`, which
says on whose right an actor approves a level or raises `AccessDenied` naming the rule, and
`workflow_of`, the one answer to "which workflow does this document type follow": the one the
company defined, else its area's default (procurement's threshold and "another actor"; sales'
credit approvers), registered by the area with `@default_workflow`. The areas decide nothing
about approval themselves: their approval actions only record the document's new state.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from erp_core.access.domain import Access
from erp_core.access.events import (
    ApprovalDelegated,
    ApprovalLevel,
    ApprovalWorkflowDefined,
    DocumentApprovalEscalated,
    DocumentApprovalGiven,
    DocumentApprovalRejected,
)
from erp_core.kernel.aggregate import Aggregate
from erp_core.kernel.commands import Action
from erp_core.kernel.errors import AccessDenied, ValidationError
from erp_core.kernel.events import DomainEvent
from erp_core.kernel.unit_of_work import UnitOfWork

WORKFLOW_STREAM = "approvals"


# How much a held action is for, from its fields (and, for a value only its area can compute,
# such as a stock count's adjustments, from the books through the unit of work); None: not
# known before it runs.
Amount = Callable[[Mapping[str, Any], UnitOfWork], Decimal | None]


@dataclass(frozen=True)
class DocumentType:
    prefix: str  # the document's stream is ``<prefix>:<document>``
    approve: str  # the area's own approval action, applied with the last level
    cancel: str  # the area's cancellation, applied by a rejection with outcome "cancel"
    finished: frozenset[str]  # events after which the document no longer waits
    # For the document types whose area posts at once (no draft an approval could hold): the
    # action held for approval (`submit_for_approval`) and how much it is for, from its fields
    # (an area may register a better rule with `@held_amount`; None: not known, then only
    # levels starting at 0 apply).
    held: str = ""
    amount: Amount | None = None
    noun: str = ""  # what an approver approves, in messages ("credit")


def _sum(values: Iterable[Any]) -> Decimal:
    return sum((Decimal(str(v)) for v in values if v is not None), Decimal(0))


def _voucher_total(fields: Mapping[str, Any], _uow: UnitOfWork) -> Decimal:
    """A journal voucher's total: the sum of its debits as entered."""
    return _sum(line.get("debit") for line in fields.get("lines", ()))


def _invoice_total(fields: Mapping[str, Any], _uow: UnitOfWork) -> Decimal:
    """A supplier invoice's printed total when given, else its net lines: order lines
    (quantity x price) and account lines (a service, an asset: their amounts)."""
    if fields.get("total") is not None:
        return Decimal(str(fields["total"]))
    ordered = _sum(
        Decimal(str(line["quantity"])) * Decimal(str(line["price"]))
        for line in fields.get("lines", ())
    )
    return ordered + _sum(line.get("amount") for line in fields.get("account_lines", ()))


def _unknown(_fields: Mapping[str, Any], _uow: UnitOfWork) -> Decimal | None:
    return None


def _payment_amount(fields: Mapping[str, Any], _uow: UnitOfWork) -> Decimal:
    return Decimal(str(fields["amount"]))


# A held action's amount that only its area can compute (registered by the area with
# `@held_amount`), else the document type's own rule.
HELD_AMOUNTS: dict[str, Amount] = {}


def held_amount(document_type: str) -> Callable[[Amount], Amount]:
    """Register the decorated function as the amount of `document_type`'s held actions (the
    inventory area values a stock count's adjustments)."""

    def register(fn: Amount) -> Amount:
        HELD_AMOUNTS[document_type] = fn
        return fn

    return register


def amount_of(document_type: str, fields: Mapping[str, Any], uow: UnitOfWork) -> Decimal | None:
    """How much the held action with `fields` is for (None: not known before it runs)."""
    amount = HELD_AMOUNTS.get(document_type) or DOCUMENT_TYPES[document_type].amount
    return None if amount is None else amount(fields, uow)


_HELD_DONE = frozenset({"SubmittedActionApplied", "SubmittedActionCancelled"})


def _held(action: str, amount: Amount) -> DocumentType:
    return DocumentType("req", "", "", _HELD_DONE, held=action, amount=amount)


DOCUMENT_TYPES: Mapping[str, DocumentType] = {
    "purchase_order": DocumentType(
        "po",
        "approve_purchase_order",
        "cancel_purchase_order",
        frozenset({"PurchaseOrderApproved", "PurchaseOrderCancelled", "PurchaseOrderClosed"}),
    ),
    "sales_credit": DocumentType(
        "so",
        "approve_sales_credit",
        "cancel_sales_order",
        frozenset(
            {
                "SalesOrderCreditApproved",
                "SalesOrderCancelled",
                "SalesOrderClosed",
                "SalesOrderConfirmed",
            }
        ),
        noun="credit",
    ),
    "journal_voucher": _held("post_voucher", _voucher_total),
    "supplier_invoice": _held("post_supplier_invoice", _invoice_total),
    "payment": _held("pay_supplier", _payment_amount),
    "payroll_run": _held("run_payroll", _unknown),
    "asset_disposal": _held("dispose_asset", _unknown),
    "stock_count": _held("count_stock", _unknown),
}
# The areas' own approval actions, refused directly while their type has a workflow.
TYPE_OF_APPROVAL = {t.approve: name for name, t in DOCUMENT_TYPES.items() if t.approve}
# The actions held for approval, by the document type that holds them.
TYPE_OF_HELD = {t.held: name for name, t in DOCUMENT_TYPES.items() if t.held}


def cost_centres_of(fields: Mapping[str, Any]) -> tuple[str, ...]:
    """Every cost centre an action's fields name (a ``cost_centre`` field or dimension, at
    any depth, lines included), sorted."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, Mapping):
            for key, item in value.items():
                if key == "cost_centre" and isinstance(item, str):
                    found.add(item)
                else:
                    walk(item)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)

    walk(fields)
    return tuple(sorted(found))


def stream_of(document_type: str, document: str) -> str:
    return f"approval:{document_type}:{document}"


def level_applies(
    level: ApprovalLevel, total: Decimal | None, cost_centres: Iterable[str] = ()
) -> bool:
    """Whether a document of `total` charged to `cost_centres` needs `level`: its total is
    above the threshold (an unknown total: the level starts at 0) and, when the level names
    cost centres, the document is charged to one of them."""
    if level.cost_centres and not set(level.cost_centres) & set(cost_centres):
        return False
    return level.above == 0 if total is None else total > level.above


def required_levels(
    levels: Sequence[ApprovalLevel],
    total: Decimal | None,
    cost_centres: Iterable[str] = (),
    *,
    held: bool = False,
) -> list[ApprovalLevel]:
    """The levels a document needs, in threshold order: every level that applies to it. A
    document whose area holds it in draft (purchase orders, credit overrides) needs at least
    the first level (a workflow always needs one approval there); an action held for
    approval needs none when no level applies, and is applied at once."""
    ordered = sorted(levels, key=lambda level: level.above)
    centres = tuple(cost_centres)
    applicable = [level for level in ordered if level_applies(level, total, centres)]
    if held:
        return applicable
    return applicable or ordered[:1]


@dataclass(frozen=True)
class Delegation:
    delegator: str
    delegate: str
    date_from: dt.date
    date_to: dt.date

    def covers(self, delegate: str, day: dt.date) -> bool:
        return self.delegate == delegate and self.date_from <= day <= self.date_to


class Workflows(Aggregate):
    """The workflow of each document type and the delegations: the ``approvals`` stream."""

    cacheable = True

    def __init__(self, stream_id: str = WORKFLOW_STREAM) -> None:
        super().__init__(stream_id)
        self.levels: dict[str, tuple[ApprovalLevel, ...]] = {}
        self.delegations: list[Delegation] = []

    def _on_defined(self, e: ApprovalWorkflowDefined) -> None:
        if e.levels:
            self.levels[e.document_type] = e.levels
        else:
            self.levels.pop(e.document_type, None)

    def _on_delegated(self, e: ApprovalDelegated) -> None:
        self.delegations.append(Delegation(e.delegator, e.delegate, e.date_from, e.date_to))

    handlers = {ApprovalWorkflowDefined: _on_defined, ApprovalDelegated: _on_delegated}

    def delegators_of(self, delegate: str, day: dt.date) -> list[str]:
        return sorted({d.delegator for d in self.delegations if d.covers(delegate, day)})


@dataclass(frozen=True)
class Workflow:
    """The approval workflow a document type follows: the levels (who approves, above which
    total, in which order, with or without the creator) and the area's condition for entering
    it. `defined`: the company's own (`define_approval_workflow`; approved level by level with
    `approve_document`); else its area's default (one level, approved with the area's own
    action: ``approve_purchase_order``, ``approve_sales_credit``).

    A default level names no role (``role=""``): anyone may approve it whom access control
    lets apply the area's action (everyone while it is off), limited to `approvers` when the
    area names them (sales' credit approvers)."""

    document_type: str
    levels: tuple[ApprovalLevel, ...]
    defined: bool = True
    approvers: tuple[str, ...] | None = None  # a default level's named approvers (None: any)
    enters_above: Decimal | None = None  # documents above it always wait (procurement's)

    def needs_approval(self, total: Decimal, cost_centres: Iterable[str] = ()) -> bool:
        """Whether a new document of `total` waits for approval: above the area's threshold,
        or when a level applies to it."""
        if self.enters_above is not None and total > self.enters_above:
            return True
        return bool(required_levels(self.levels, total, cost_centres, held=True))


DefaultWorkflow = Callable[[UnitOfWork], Workflow]
# The areas' default workflows (the behaviour before a company defines its own), by document
# type: registered by the area with `@default_workflow`, built from its settings.
DEFAULT_WORKFLOWS: dict[str, DefaultWorkflow] = {}


def default_workflow(document_type: str) -> Callable[[DefaultWorkflow], DefaultWorkflow]:
    """Register the decorated function as `document_type`'s default workflow."""

    def register(fn: DefaultWorkflow) -> DefaultWorkflow:
        DEFAULT_WORKFLOWS[document_type] = fn
        return fn

    return register


def workflow_of(uow: UnitOfWork, document_type: str) -> Workflow | None:
    """The workflow `document_type` follows now: the company's, else its area's default
    (None: neither; the action posts at once)."""
    workflows = uow.loader.load(Workflows, WORKFLOW_STREAM, refreshed=True)
    levels = workflows.levels.get(document_type)
    default = DEFAULT_WORKFLOWS.get(document_type)
    base = default(uow) if default is not None else None
    if levels:
        entry = base.enters_above if base is not None else None
        return Workflow(document_type, levels, defined=True, enters_above=entry)
    return base


def check_default_approver(
    workflow: Workflow, actor: str, *, creator: str | None, document: str, total: Decimal
) -> None:
    """Whether `actor` may approve `document` in its area's default workflow (its one level,
    with the area's own action); raises `ValidationError` on the ``actor`` field as the areas
    always did (the names are typed ones while access control is off)."""
    level = required_levels(workflow.levels, total)[0]
    approvers = workflow.approvers
    if approvers is not None and actor not in approvers:
        noun = DOCUMENT_TYPES[workflow.document_type].noun or workflow.document_type
        raise ValidationError(
            "actor",
            f"{actor} may not approve {noun} ({noun} approvers: "
            f"{', '.join(approvers) or 'none configured'})",
        )
    if actor == creator and not level.self_approval:
        raise ValidationError(
            "actor",
            f"{actor} created {document} and cannot approve it: approval needs a different actor",
        )


class ApprovalRound(Aggregate):
    """A document's approvals in its current round (a rejection back to draft starts anew)."""

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.round = 1
        self.given: list[DocumentApprovalGiven] = []
        self.escalated: dict[int, str] = {}  # level -> the role it was escalated to
        self.last_moved: dt.datetime | None = None  # the last approval, rejection or escalation

    def _on_given(self, e: DocumentApprovalGiven) -> None:
        self.given.append(e)
        self.last_moved = e.recorded_at

    def _on_rejected(self, e: DocumentApprovalRejected) -> None:
        self.round += 1
        self.given = []
        self.escalated = {}
        self.last_moved = e.recorded_at

    def _on_escalated(self, e: DocumentApprovalEscalated) -> None:
        self.escalated[e.level] = e.to_role

    handlers = {
        DocumentApprovalGiven: _on_given,
        DocumentApprovalRejected: _on_rejected,
        DocumentApprovalEscalated: _on_escalated,
    }

    def approvers(self) -> set[str]:
        """Everyone whose right approved a level of this round (actors and delegators)."""
        return {e.actor for e in self.given} | {
            e.on_behalf_of for e in self.given if e.on_behalf_of
        }


class DocumentHistory(Aggregate):
    """A document's stream read for the workflow: its first event, every event's name, and
    its terms now (the latest event saying whether it needs approval: the creation, or an
    amendment that changed the total)."""

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.first: DomainEvent | None = None
        self.terms: DomainEvent | None = None
        self.names: set[str] = set()
        self.since_terms: set[str] = set()  # names of the events since the terms now

    def apply(self, event: DomainEvent) -> None:
        if self.first is None:
            self.first = event
        if hasattr(event, "needs_approval"):
            self.terms = event
            self.since_terms = set()
        self.names.add(type(event).__name__)
        self.since_terms.add(type(event).__name__)


def document_total(first: DomainEvent) -> Decimal:
    """A document's total for its workflow's thresholds, from its first event: in the base
    currency (the thresholds' currency) when it is a foreign document."""
    base = getattr(first, "base_total", None)
    total = base if base is not None else getattr(first, "total", None)
    return Decimal(0) if total is None else Decimal(total)


def _holds(access: Access, user: str, role: str) -> bool:
    found = access.users.get(user)
    return found is not None and found.active and role in found.roles


def approval_right(
    access: Access,
    workflows: Workflows,
    actor: str,
    level: ApprovalLevel,
    *,
    creator: str | None,
    day: dt.date,
    earlier: Iterable[str] = (),
    segregate: bool = True,
    escalated_to: str | None = None,
) -> str | None:
    """On whose right `actor` acts at `level`: None (their own role) or the delegator whose
    right they use. Raises `AccessDenied` naming every rule that refused.

    The actor (and the delegator) must hold the level's role, must not have approved an
    earlier level of the document (each level by another person), and must not be the
    document's creator unless the level allows self-approval. Once the level was escalated,
    holders of `escalated_to` may approve it too."""
    user = access.users.get(actor)
    if user is None or not user.active:
        raise AccessDenied(f"{actor} may not approve: not an active user of this company")
    done = set(earlier)
    roles = {level.role} | ({escalated_to} if escalated_to else set())
    candidates: list[str | None] = []
    if roles & user.roles:
        candidates.append(None)
    candidates += [
        d
        for d in workflows.delegators_of(actor, day)
        if any(_holds(access, d, role) for role in roles)
    ]
    if not candidates:
        needed = " or ".join(sorted(roles))
        raise AccessDenied(
            f"{actor} may not approve at this level: it needs role {needed}, which "
            f"{actor} does not hold and no delegation on {day} gives them"
        )
    reasons: list[str] = []
    for on_behalf in candidates:
        people = {actor} | ({on_behalf} if on_behalf else set())
        if segregate and creator in people and not level.self_approval:
            reasons.append(
                f"segregation of duties: {creator} created the document and level "
                f"{level.role} does not allow approving one's own documents"
            )
            continue
        if segregate and people & done:
            who = ", ".join(sorted(people & done))
            reasons.append(f"{who} approved an earlier level: each level needs another person")
            continue
        return on_behalf
    raise AccessDenied(f"{actor} may not approve: " + "; ".join(dict.fromkeys(reasons)))


def held_needs_approval(
    workflows: Workflows, document_type: str, action: Action, uow: UnitOfWork
) -> bool:
    """Whether some level of the type's workflow applies to the action (else it goes ahead)."""
    levels = workflows.levels.get(document_type)
    if not levels:
        return False
    fields = action.model_dump(mode="python")
    if fields.get("dry_run"):
        return False  # a preview stores nothing
    amount = amount_of(document_type, fields, uow)
    return bool(required_levels(levels, amount, cost_centres_of(fields), held=True))
