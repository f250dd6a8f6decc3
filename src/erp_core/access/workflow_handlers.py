"""Handlers of approval workflows: define, delegate, submit an action for approval, approve a
level, reject, escalate."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from erp_core.access.commands import (
    ApproveDocument,
    DefineApprovalWorkflow,
    DelegateApproval,
    EscalateApproval,
    RejectDocument,
    SubmitForApproval,
)
from erp_core.access.domain import STREAM, Access, check_user_code
from erp_core.access.events import (
    ActionSubmittedForApproval,
    ApprovalDelegated,
    ApprovalLevel,
    ApprovalWorkflowDefined,
    DocumentApprovalEscalated,
    DocumentApprovalGiven,
    DocumentApprovalRejected,
    SubmittedActionApplied,
    SubmittedActionCancelled,
)
from erp_core.access.workflow import (
    DOCUMENT_TYPES,
    WORKFLOW_STREAM,
    ApprovalRound,
    DocumentHistory,
    Workflows,
    amount_of,
    approval_right,
    cost_centres_of,
    document_total,
    held_needs_approval,
    required_levels,
    stream_of,
)
from erp_core.kernel.aggregate import Aggregate
from erp_core.kernel.commands import Action
from erp_core.kernel.context import Context
from erp_core.kernel.errors import AccessDenied, ValidationError
from erp_core.kernel.registry import HANDLERS, action_adapter, action_types, handles
from erp_core.ledger.posting import next_number


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
        if level.above in seen and not level.cost_centres:
            raise ValidationError(
                f"levels[{i}].above", f"two levels start above {level.above:,.2f}"
            )
        if not level.cost_centres:
            seen.add(level.above)
        if (level.escalate_after_days is None) != (level.escalate_to is None):
            raise ValidationError(
                f"levels[{i}].escalate_to",
                "give both escalate_after_days and escalate_to (the role it escalates to), "
                "or neither",
            )
        if level.escalate_to is not None:
            if access.role(level.escalate_to) is None:
                raise ValidationError(
                    f"levels[{i}].escalate_to", f"unknown role {level.escalate_to!r}"
                )
            if level.escalate_to == level.role:
                raise ValidationError(
                    f"levels[{i}].escalate_to", "a level cannot escalate to its own role"
                )
    if not cmd.levels and cmd.document_type not in workflows.levels:
        raise ValidationError("levels", f"{cmd.document_type} has no workflow to remove")
    levels = tuple(
        ApprovalLevel(
            above=lv.above,
            role=lv.role,
            self_approval=lv.self_approval,
            cost_centres=tuple(sorted(set(lv.cost_centres))),
            escalate_after_days=lv.escalate_after_days,
            escalate_to=lv.escalate_to,
        )
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
                f"no approval workflow is defined for {document_type}"
                + (f" (approve with {kind.approve})" if kind.approve else ""),
            )
        history = ctx.uow.loader.load(DocumentHistory, f"{kind.prefix}:{document}", refreshed=True)
        first = history.first
        if first is None or (
            isinstance(first, ActionSubmittedForApproval) and first.document_type != document_type
        ):
            raise ValidationError("document", f"unknown document {document!r}")
        if getattr(first, "needs_approval", True) is False or history.names & kind.finished:
            raise ValidationError("document", f"{document} is not waiting for approval")
        self.first = first
        self.creator = first.actor
        self.created_at = first.recorded_at
        self.total: Decimal | None = (
            first.total if isinstance(first, ActionSubmittedForApproval) else document_total(first)
        )
        centres = getattr(first, "cost_centres", ())
        self.round = ctx.uow.get(ApprovalRound, stream_of(document_type, document))
        self.required = required_levels(levels, self.total, centres, held=bool(kind.held))
        self.index = len(self.round.given)  # 0-based index of the pending level
        if self.index >= len(self.required):
            raise ValidationError("document", f"{document} is not waiting for approval")
        self.level = self.required[self.index]
        self.escalated_to = self.round.escalated.get(self.index + 1)


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
        escalated_to=pending.escalated_to,
    )
    final = pending.index + 1 == len(pending.required)
    applied: list[str] = []
    if final and pending.kind.held:
        # the held action first: if its area refuses it now, nothing has been recorded
        applied = _apply_held(ctx, pending, cmd.document)
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
            total=pending.total or Decimal(0),
            final=final,
            note=cmd.note,
        )
    )
    if applied:
        return applied
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
        escalated_to=pending.escalated_to,
    )
    if pending.kind.held and cmd.outcome != "cancel":
        raise ValidationError(
            "outcome",
            f"{cmd.document} is a held action, which cannot be edited back in draft: reject "
            "it with outcome=cancel and submit a corrected one",
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
    if outcome == "cancelled" and pending.kind.held:
        request = ctx.uow.get(HeldAction, f"req:{cmd.document}")
        request.trigger(
            ctx.event(SubmittedActionCancelled, request=cmd.document, reason=cmd.reason)
        )
    elif outcome == "cancelled":
        _apply_area_action(ctx, pending.kind.cancel, document=cmd.document, reason=cmd.reason)
    return []


class HeldAction(Aggregate):
    """An action held for approval (``req:<request>``): submitted, then applied or cancelled."""

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.submitted: ActionSubmittedForApproval | None = None
        self.done = False

    def _on_submitted(self, e: ActionSubmittedForApproval) -> None:
        self.submitted = e

    def _on_done(self, _e: SubmittedActionApplied | SubmittedActionCancelled) -> None:
        self.done = True

    handlers = {
        ActionSubmittedForApproval: _on_submitted,
        SubmittedActionApplied: _on_done,
        SubmittedActionCancelled: _on_done,
    }


def parse_held(document_type: str, held: dict[str, object]) -> Action:
    """The held action, validated as the document type's action."""
    kind = DOCUMENT_TYPES[document_type]
    name = held.get("action")
    if name != kind.held:
        raise ValidationError(
            "held.action", f"a {document_type} holds the action {kind.held!r}, not {name!r}"
        )
    from pydantic import ValidationError as PydanticValidationError

    try:
        action: Action = action_adapter().validate_python(dict(held))
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"][1:]) or "held"
        raise ValidationError(f"held.{where}", first["msg"]) from None
    if action.signature is not None:
        raise ValidationError("held.signature", "sign the submission, not the held action")
    return action


@handles(SubmitForApproval)
def submit_for_approval(cmd: SubmitForApproval, ctx: Context) -> list[str]:
    action = parse_held(cmd.document_type, cmd.held)
    workflows = ctx.uow.get(Workflows, WORKFLOW_STREAM)
    if cmd.document_type not in workflows.levels:
        raise ValidationError(
            "document_type",
            f"no approval workflow is defined for {cmd.document_type}: apply the action itself",
        )
    if not held_needs_approval(workflows, cmd.document_type, action, ctx.uow):
        raise ValidationError(
            "held",
            f"no level of the {cmd.document_type} workflow applies to this action (its amount "
            "and cost centres): apply it directly",
        )
    fields = action.model_dump(mode="python")
    amount = amount_of(cmd.document_type, fields, ctx.uow)
    number = next_number(ctx, "REQ", _date_of(fields, ctx))
    held = ctx.uow.get(HeldAction, f"req:{number}")
    held.trigger(
        ctx.event(
            ActionSubmittedForApproval,
            document_type=cmd.document_type,
            request=number,
            action=action.action,
            payload=action.model_dump_json(),
            total=amount,
            cost_centres=cost_centres_of(fields),
        )
    )
    return [number]


def _date_of(fields: dict[str, Any], ctx: Context) -> dt.date:
    """The held action's own date (a payroll run without one: its month's last day), which
    numbers the request in that date's fiscal year."""
    day = fields.get("date")
    if isinstance(day, dt.date):
        return day
    month = fields.get("month")
    if isinstance(month, str) and len(month) == 7:
        year, number = int(month[:4]), int(month[5:])
        return dt.date(year + number // 12, number % 12 + 1, 1) - dt.timedelta(days=1)
    return ctx.now.date()


def _apply_held(ctx: Context, pending: _Pending, request: str) -> list[str]:
    """Apply the held action as its submitter, in this save; the area's own checks run now
    and may still refuse it (then the approval is refused too, naming why)."""
    submitted = pending.first
    assert isinstance(submitted, ActionSubmittedForApproval)
    action = action_adapter().validate_python(json.loads(submitted.payload))
    as_submitter = Context(ctx.uow, submitted.actor, ctx.now, ctx.read_log)
    documents = HANDLERS[type(action)](action, as_submitter)
    held = ctx.uow.get(HeldAction, f"req:{request}")
    held.trigger(ctx.event(SubmittedActionApplied, request=request, documents=tuple(documents)))
    return [request, *documents]


@handles(EscalateApproval)
def escalate_approval(cmd: EscalateApproval, ctx: Context) -> list[str]:
    pending = _Pending(ctx, cmd.document_type, cmd.document)
    level = pending.level
    if level.escalate_to is None or level.escalate_after_days is None:
        raise ValidationError(
            "document",
            f"level {pending.index + 1} of the {cmd.document_type} workflow has no escalation",
        )
    if pending.escalated_to is not None:
        raise ValidationError("document", f"{cmd.document} was escalated at this level already")
    since = pending.round.last_moved or pending.created_at
    waited = (ctx.now - since).days
    if waited < level.escalate_after_days:
        raise ValidationError(
            "document",
            f"{cmd.document} has waited {waited} day(s) at level {pending.index + 1}; it "
            f"escalates after {level.escalate_after_days}",
        )
    pending.round.trigger(
        ctx.event(
            DocumentApprovalEscalated,
            document_type=cmd.document_type,
            document=cmd.document,
            round=pending.round.round,
            level=pending.index + 1,
            from_role=level.role,
            to_role=level.escalate_to,
            waited_days=waited,
        )
    )
    return []
