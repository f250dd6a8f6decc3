"""Handlers of insight's one action, ``set_budget``: check everything, then record."""

from __future__ import annotations

from erp_core.insight.budgets import Budget, budget_stream
from erp_core.insight.commands import SetBudget
from erp_core.insight.events import BudgetFigure, BudgetSet
from erp_core.kernel.context import Context
from erp_core.kernel.errors import ValidationError
from erp_core.kernel.money import check_scale
from erp_core.kernel.registry import handles
from erp_core.ledger.posting import chart_of, company_of


@handles(SetBudget)
def set_budget(cmd: SetBudget, ctx: Context) -> list[str]:
    uow = ctx.uow
    base = company_of(uow).base_currency
    chart = chart_of(uow)
    seen: dict[tuple[str, str | None, str], int] = {}
    figures = []
    for i, line in enumerate(cmd.lines):
        field = f"lines.{i}"
        account = chart.get(line.account, f"{field}.account")
        if not account.is_profit_and_loss:
            raise ValidationError(
                f"{field}.account",
                f"account {line.account!r} ({account.name}) is a {account.type} account; "
                "budgets are on income and expense accounts",
            )
        if account.closed:
            raise ValidationError(
                f"{field}.account", f"account {line.account!r} ({account.name}) is closed"
            )
        if account.is_group:
            raise ValidationError(
                f"{field}.account",
                f"account {line.account!r} ({account.name}) is a group account; "
                "budget its sub-accounts",
            )
        if line.cost_centre is not None:
            chart.check_dimensions({"cost_centre": line.cost_centre}, field)
        if not line.amount.is_finite():
            raise ValidationError(f"{field}.amount", f"must be a finite amount, got {line.amount}")
        try:
            check_scale(line.amount, base)
        except ValueError as exc:
            raise ValidationError(f"{field}.amount", str(exc)) from None
        key = (line.account, line.cost_centre, line.month)
        if key in seen:
            where = f"account {line.account}" + (
                f", cost centre {line.cost_centre}" if line.cost_centre else ""
            )
            raise ValidationError(
                field, f"{where}, {line.month} is already in line {seen[key]} of this action"
            )
        seen[key] = i
        figures.append(BudgetFigure(**line.model_dump()))
    budget = uow.get(Budget, budget_stream(cmd.budget))
    budget.trigger(ctx.event(BudgetSet, budget=cmd.budget, figures=tuple(figures)))
    return []
