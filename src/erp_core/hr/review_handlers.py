"""Performance-review actions: open a cycle, set goals, rate, finalise, calibrate, close.
Each checks everything through the pure core first, then records on the cycle's stream."""

from __future__ import annotations

from decimal import Decimal

from erp_core.hr.appraisals import AppraisalCycle, EmployeeAppraisal, band_of, cycle_stream
from erp_core.hr.commands import (
    CalibrateAppraisal,
    CloseAppraisalCycle,
    FinaliseAppraisal,
    OpenAppraisalCycle,
    RateAppraisal,
    SetAppraisalGoals,
)
from erp_core.hr.employees import employee_of
from erp_core.hr.events import (
    AppraisalCalibrated,
    AppraisalCycleClosed,
    AppraisalCycleOpened,
    AppraisalFinalised,
    AppraisalGoalsSet,
    AppraisalRated,
    KraOut,
    RatingBandOut,
)
from erp_core.hr.records import HrError
from erp_core.hr.reviews import (
    FinalScoreRule,
    Kra,
    RatingScale,
    appraisal_score,
    check_weights,
    kra_score,
)
from erp_core.kernel.context import Context
from erp_core.kernel.errors import NotFound, ValidationError
from erp_core.kernel.formulas import FormulaError
from erp_core.kernel.registry import handles
from erp_core.kernel.unit_of_work import UnitOfWork
from erp_core.ledger.posting import company_of


def _refuse(exc: HrError | FormulaError) -> ValidationError:
    return ValidationError(exc.field, exc.reason)


def _cycle(uow: UnitOfWork, code: str, *, open_only: bool = True) -> AppraisalCycle:
    cycle = uow.get(AppraisalCycle, cycle_stream(code))
    if cycle.opened is None:
        raise NotFound(f"cycle: unknown appraisal cycle {code!r}")
    if open_only and cycle.closed:
        raise ValidationError("cycle", f"appraisal cycle {code} is closed")
    return cycle


def _appraisal(cycle: AppraisalCycle, employee: str) -> EmployeeAppraisal:
    a = cycle.appraisals.get(employee)
    if a is None:
        raise ValidationError("employee", f"{employee} has no goals in cycle {cycle.opened.cycle}")  # type: ignore[union-attr]
    return a


@handles(OpenAppraisalCycle)
def open_appraisal_cycle(cmd: OpenAppraisalCycle, ctx: Context) -> list[str]:
    uow = ctx.uow
    company_of(uow)
    cycle = uow.get(AppraisalCycle, cycle_stream(cmd.code))
    if cycle.opened is not None:
        raise ValidationError("code", f"appraisal cycle {cmd.code} exists already")
    weights = {"self": cmd.self_weight, "manager": cmd.manager_weight, "peers": cmd.peers_weight}
    try:
        FinalScoreRule(weights=weights, formula=cmd.formula, places=cmd.places)
        RatingScale(cmd.scale_min, cmd.scale_max)
    except (HrError, FormulaError) as exc:
        raise _refuse(exc) from None
    lowers = [b.lower for b in cmd.bands]
    if len(set(lowers)) != len(lowers):
        raise ValidationError("bands", "two bands start at the same score")
    if min(lowers) > cmd.scale_min:
        raise ValidationError(
            "bands", f"the lowest band starts at {min(lowers)}; it must cover {cmd.scale_min}"
        )
    cycle.trigger(
        ctx.event(
            AppraisalCycleOpened,
            cycle=cmd.code,
            name=cmd.name,
            period_from=cmd.period_from,
            period_to=cmd.period_to,
            weights=weights,
            formula=cmd.formula,
            places=cmd.places,
            scale_min=cmd.scale_min,
            scale_max=cmd.scale_max,
            bands=tuple(RatingBandOut(lower=b.lower, label=b.label) for b in cmd.bands),
        )
    )
    return []


@handles(SetAppraisalGoals)
def set_appraisal_goals(cmd: SetAppraisalGoals, ctx: Context) -> list[str]:
    uow = ctx.uow
    cycle = _cycle(uow, cmd.cycle)
    opened = cycle.opened
    assert opened is not None
    record = employee_of(uow, cmd.employee).as_of(opened.period_to)
    if record is None or record.joining_date > opened.period_to:
        raise ValidationError("employee", f"{cmd.employee} joined after the cycle's period")
    if record.leaving_date is not None and record.leaving_date < opened.period_from:
        raise ValidationError("employee", f"{cmd.employee} left before the cycle's period")
    known = cycle.appraisals.get(cmd.employee)
    if known is not None and known.rated:
        raise ValidationError("kras", f"{cmd.employee}'s goals are rated already; not replaced")
    try:
        check_weights(tuple(Kra(k.code, k.weight, k.title) for k in cmd.kras))
    except HrError as exc:
        raise _refuse(exc) from None
    cycle.trigger(
        ctx.event(
            AppraisalGoalsSet,
            cycle=cmd.cycle,
            employee=cmd.employee,
            kras=tuple(KraOut(code=k.code, title=k.title, weight=k.weight) for k in cmd.kras),
        )
    )
    return []


@handles(RateAppraisal)
def rate_appraisal(cmd: RateAppraisal, ctx: Context) -> list[str]:
    uow = ctx.uow
    cycle = _cycle(uow, cmd.cycle)
    opened = cycle.opened
    assert opened is not None
    a = _appraisal(cycle, cmd.employee)
    if a.finalised is not None:
        raise ValidationError("employee", f"{cmd.employee}'s appraisal is finalised")
    reviewer = cmd.reviewer or ""
    if cmd.rater == "self":
        if reviewer and reviewer != cmd.employee:
            raise ValidationError("reviewer", "a self rating is by the employee")
        reviewer = cmd.employee
    elif cmd.rater == "manager":
        manager = employee_of(uow, cmd.employee).as_of(opened.period_to)
        boss = manager.manager if manager is not None else ""
        if reviewer and boss and reviewer != boss:
            raise ValidationError(
                "reviewer", f"{reviewer} is not {cmd.employee}'s manager ({boss})"
            )
        reviewer = reviewer or boss or ctx.actor
    else:
        if not reviewer:
            raise ValidationError("reviewer", "a peer rating names the peer")
        if reviewer == cmd.employee:
            raise ValidationError("reviewer", "a peer is someone else")
        employee_of(uow, reviewer, "reviewer")
    try:
        score = kra_score(
            tuple(Kra(k.code, k.weight, k.title) for k in a.goals.kras),
            dict(cmd.ratings),
            cmd.rater,
            cycle.scale(),
        )
    except HrError as exc:
        raise _refuse(exc) from None
    cycle.trigger(
        ctx.event(
            AppraisalRated,
            cycle=cmd.cycle,
            employee=cmd.employee,
            rater=cmd.rater,
            reviewer=reviewer,
            ratings=dict(cmd.ratings),
            score=score,
        )
    )
    return []


@handles(FinaliseAppraisal)
def finalise_appraisal(cmd: FinaliseAppraisal, ctx: Context) -> list[str]:
    cycle = _cycle(ctx.uow, cmd.cycle)
    opened = cycle.opened
    assert opened is not None
    a = _appraisal(cycle, cmd.employee)
    if a.finalised is not None:
        raise ValidationError("employee", f"{cmd.employee}'s appraisal is finalised already")
    try:
        result = appraisal_score(a.core(), cycle.rule(), cycle.scale())
    except (HrError, FormulaError) as exc:
        raise _refuse(exc) from None
    cycle.trigger(
        ctx.event(
            AppraisalFinalised,
            cycle=cmd.cycle,
            employee=cmd.employee,
            parts=dict(result.parts),
            weights_used=dict(result.weights_used),
            missing=result.missing,
            weighted=result.weighted,
            final=result.final,
            rating=band_of(opened.bands, result.final),
        )
    )
    return []


@handles(CalibrateAppraisal)
def calibrate_appraisal(cmd: CalibrateAppraisal, ctx: Context) -> list[str]:
    cycle = _cycle(ctx.uow, cmd.cycle)
    opened = cycle.opened
    assert opened is not None
    a = _appraisal(cycle, cmd.employee)
    if a.finalised is None:
        raise ValidationError("employee", f"{cmd.employee}'s appraisal is not finalised yet")
    if not opened.scale_min <= cmd.score <= opened.scale_max:
        raise ValidationError(
            "score", f"{cmd.score} is outside the scale {opened.scale_min}..{opened.scale_max}"
        )
    score = cmd.score.quantize(Decimal(1).scaleb(-opened.places))
    if score != cmd.score:
        raise ValidationError("score", f"give the score with at most {opened.places} decimals")
    cycle.trigger(
        ctx.event(
            AppraisalCalibrated,
            cycle=cmd.cycle,
            employee=cmd.employee,
            score=score,
            rating=band_of(opened.bands, score),
            reason=cmd.reason,
        )
    )
    return []


@handles(CloseAppraisalCycle)
def close_appraisal_cycle(cmd: CloseAppraisalCycle, ctx: Context) -> list[str]:
    cycle = _cycle(ctx.uow, cmd.cycle)
    open_ones = sorted(e for e, a in cycle.appraisals.items() if a.finalised is None)
    if open_ones:
        raise ValidationError("cycle", f"appraisals not finalised: {', '.join(open_ones[:10])}")
    cycle.trigger(ctx.event(AppraisalCycleClosed, cycle=cmd.cycle))
    return []
