"""Approval workflows: per document type, levels with amount thresholds and the role that
approves at each; multi-level approval in order by different people; delegation for a period;
rejection back to draft or to cancellation; segregation of duties per level.

Pure domain: the `Workflows` aggregate (the ``approvals`` stream: workflows and delegations),
the `ApprovalRound` of one document (``approval:<type>:<document>``), and `approval_right`,
which says on whose right an actor approves a level or raises `AccessDenied` naming the rule.
The document's own area keeps its rules: the last level applies the area's own approval action
(``approve_purchase_order``, ``approve_sales_credit``) in the same save.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from erp_core.access.domain import Access
from erp_core.access.events import (
    ApprovalDelegated,
    ApprovalLevel,
    ApprovalWorkflowDefined,
    DocumentApprovalGiven,
    DocumentApprovalRejected,
)
from erp_core.kernel.aggregate import Aggregate
from erp_core.kernel.errors import AccessDenied
from erp_core.kernel.events import DomainEvent

WORKFLOW_STREAM = "approvals"


@dataclass(frozen=True)
class DocumentType:
    prefix: str  # the document's stream is ``<prefix>:<document>``
    approve: str  # the area's own approval action, applied with the last level
    cancel: str  # the area's cancellation, applied by a rejection with outcome "cancel"
    finished: frozenset[str]  # events after which the document no longer waits


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
    ),
}
# The areas' own approval actions, refused directly while their type has a workflow.
TYPE_OF_APPROVAL = {t.approve: name for name, t in DOCUMENT_TYPES.items()}


def stream_of(document_type: str, document: str) -> str:
    return f"approval:{document_type}:{document}"


def required_levels(levels: Sequence[ApprovalLevel], total: Decimal) -> list[ApprovalLevel]:
    """The levels a document of `total` needs, in order: every level whose threshold it is
    above; at least the first level (a workflow always needs one approval)."""
    ordered = sorted(levels, key=lambda level: level.above)
    applicable = [level for level in ordered if total > level.above]
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


class ApprovalRound(Aggregate):
    """A document's approvals in its current round (a rejection back to draft starts anew)."""

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.round = 1
        self.given: list[DocumentApprovalGiven] = []

    def _on_given(self, e: DocumentApprovalGiven) -> None:
        self.given.append(e)

    def _on_rejected(self, _e: DocumentApprovalRejected) -> None:
        self.round += 1
        self.given = []

    handlers = {DocumentApprovalGiven: _on_given, DocumentApprovalRejected: _on_rejected}

    def approvers(self) -> set[str]:
        """Everyone whose right approved a level of this round (actors and delegators)."""
        return {e.actor for e in self.given} | {
            e.on_behalf_of for e in self.given if e.on_behalf_of
        }


class DocumentHistory(Aggregate):
    """A document's stream read for the workflow: its first event and every event's name."""

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.first: DomainEvent | None = None
        self.names: set[str] = set()

    def apply(self, event: DomainEvent) -> None:
        if self.first is None:
            self.first = event
        self.names.add(type(event).__name__)


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
) -> str | None:
    """On whose right `actor` acts at `level`: None (their own role) or the delegator whose
    right they use. Raises `AccessDenied` naming every rule that refused.

    The actor (and the delegator) must hold the level's role, must not have approved an
    earlier level of the document (each level by another person), and must not be the
    document's creator unless the level allows self-approval."""
    user = access.users.get(actor)
    if user is None or not user.active:
        raise AccessDenied(f"{actor} may not approve: not an active user of this company")
    done = set(earlier)
    candidates: list[str | None] = []
    if level.role in user.roles:
        candidates.append(None)
    candidates += [d for d in workflows.delegators_of(actor, day) if _holds(access, d, level.role)]
    if not candidates:
        raise AccessDenied(
            f"{actor} may not approve at this level: it needs role {level.role}, which "
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
