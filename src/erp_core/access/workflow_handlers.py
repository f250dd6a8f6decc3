"""Handlers of approval workflows: define, delegate, approve a level, reject."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from erp_core.access.commands import (
    ApproveDocument,
    DefineApprovalWorkflow,
    DelegateApproval,
    RejectDocument,
)
from erp_core.access.domain import STREAM, Access, check_user_code
from erp_core.access.events import (
    ApprovalDelegated,
    ApprovalLevel,
    ApprovalWorkflowDefined,
    DocumentApprovalGiven,
    DocumentApprovalRejected,
)
from erp_core.access.workflow import (
    DOCUMENT_TYPES,
    WORKFLOW_STREAM,
    ApprovalRound,
    DocumentHistory,
    Workflows,
    approval_right,
    required_levels,
    stream_of,
)
from erp_core.kernel.context import Context
from erp_core.kernel.errors import AccessDenied, ValidationError
from erp_core.kernel.registry import HANDLERS, action_types, handles


def _access(ctx: Context) -> Access:
    return ctx.uow.loader.load(Access, STREAM, refreshed=True)


@handles(DefineApprovalWorkflow)
def define_approval_workflow(cmd: DefineApprovalWorkflow, ctx: Context) -> list[str]:
    access = _access(ctx)
    workflows = ctx.uow.get(Workflows, WORKFLOW_STREAM)
    seen: set[Decimal] = set()
    for i, level in enumerate(cmd.levels, 1):
        if access.role(level.role) is None:
            raise ValidationError(f"levels[{i}].role", f"unknown role {level.role!r}")
        if level.above in seen:
            raise ValidationError(
                f"levels[{i}].above", f"two levels start above {level.above:,.2f}"
            )
        seen.add(level.above)
    if not cmd.levels and cmd.document_type not in workflows.levels:
        raise ValidationError("levels", f"{cmd.document_type} has no workflow to remove")
    levels = tuple(
        ApprovalLevel(above=lv.above, role=lv.role, self_approval=lv.self_approval)
        for lv in sorted(cmd.levels, key=lambda lv: lv.above)
    )
    workflows.trigger(
        ctx.event(ApprovalWorkflowDefined, document_type=cmd.document_type, levels=levels)
    )
    return []


@handles(DelegateApproval)
def delegate_approval(cmd: DelegateApproval, ctx: Context) -> list[str]:
    access = _access(ctx)
    for name in ("delegator", "delegate"):
        code = getattr(cmd, name)
        check_user_code(code, name)
        user = access.users.get(code)
        if user is None or not user.active:
            raise ValidationError(name, f"{code!r} is not an active user")
    if cmd.delegate == cmd.delegator:
        raise ValidationError("delegate", "a user cannot delegate to themselves")
    if cmd.date_to < cmd.date_from:
        raise ValidationError("date_to", "the delegation ends before it starts")
    actor = access.users.get(ctx.actor)
    if ctx.actor != cmd.delegator and (actor is None or "administrator" not in actor.roles):
        raise AccessDenied(
            f"{ctx.actor} may not delegate {cmd.delegator}'s approvals: only "
            f"{cmd.delegator} or an administrator may"
        )
    workflows = ctx.uow.get(Workflows, WORKFLOW_STREAM)
    workflows.trigger(
        ctx.event(
            ApprovalDelegated,
            delegator=cmd.delegator,
            delegate=cmd.delegate,
            date_from=cmd.date_from,
            date_to=cmd.date_to,
            reason=cmd.reason,
        )
    )
    return []


class _Pending:
    """A document waiting in its workflow: its levels, the round and the level pending."""

    def __init__(self, ctx: Context, document_type: str, document: str) -> None:
        kind = DOCUMENT_TYPES[document_type]
        self.kind = kind
        workflows = ctx.uow.get(Workflows, WORKFLOW_STREAM)
        self.workflows = workflows
        levels = workflows.levels.get(document_type)
        if not levels:
            raise ValidationError(
                "document_type",
                f"no approval workflow is defined for {document_type} (approve with "
                f"{kind.approve})",
            )
        history = ctx.uow.loader.load(DocumentHistory, f"{kind.prefix}:{document}", refreshed=True)
        first = history.first
        if first is None:
            raise ValidationError("document", f"unknown document {document!r}")
        if getattr(first, "needs_approval", True) is False or history.names & kind.finished:
            raise ValidationError("document", f"{document} is not waiting for approval")
        self.creator = first.actor
        self.total = Decimal(getattr(first, "total", 0) or 0)
        self.round = ctx.uow.get(ApprovalRound, stream_of(document_type, document))
        self.required = required_levels(levels, self.total)
        self.index = len(self.round.given)  # 0-based index of the pending level
        self.level = self.required[self.index]


def _apply_area_action(ctx: Context, name: str, **fields: Any) -> None:
    """Apply the document area's own action in this save (its own rules still hold)."""
    cls = action_types()[name]
    HANDLERS[cls](cls(**fields), ctx)


@handles(ApproveDocument)
def approve_document(cmd: ApproveDocument, ctx: Context) -> list[str]:
    pending = _Pending(ctx, cmd.document_type, cmd.document)
    on_behalf = approval_right(
        _access(ctx),
        pending.workflows,
        ctx.actor,
        pending.level,
        creator=pending.creator,
        day=ctx.now.date(),
        earlier=pending.round.approvers(),
    )
    final = pending.index + 1 == len(pending.required)
    pending.round.trigger(
        ctx.event(
            DocumentApprovalGiven,
            document_type=cmd.document_type,
            document=cmd.document,
            round=pending.round.round,
            level=pending.index + 1,
            of_levels=len(pending.required),
            role=pending.level.role,
            on_behalf_of=on_behalf,
            total=pending.total,
            final=final,
            note=cmd.note,
        )
    )
    if final:
        fields: dict[str, Any] = {"document": cmd.document}
        if cmd.document_type == "sales_credit":
            fields["reason"] = cmd.note or "approved in the credit workflow"
        _apply_area_action(ctx, pending.kind.approve, **fields)
    return []


@handles(RejectDocument)
def reject_document(cmd: RejectDocument, ctx: Context) -> list[str]:
    pending = _Pending(ctx, cmd.document_type, cmd.document)
    on_behalf = approval_right(
        _access(ctx),
        pending.workflows,
        ctx.actor,
        pending.level,
        creator=pending.creator,
        day=ctx.now.date(),
        segregate=False,
    )
    outcome = "cancelled" if cmd.outcome == "cancel" else "draft"
    pending.round.trigger(
        ctx.event(
            DocumentApprovalRejected,
            document_type=cmd.document_type,
            document=cmd.document,
            round=pending.round.round,
            level=pending.index + 1,
            reason=cmd.reason,
            outcome=outcome,
            on_behalf_of=on_behalf,
        )
    )
    if outcome == "cancelled":
        _apply_area_action(ctx, pending.kind.cancel, document=cmd.document, reason=cmd.reason)
    return []
