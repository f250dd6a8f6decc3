"""Actions of insight: budgets (the area otherwise only reads the book)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from erp_core.kernel.commands import MAX_LINES, Action, Code, Line, month_text
from erp_core.kernel.money import Dec


class BudgetLine(Line):
    """One budget figure: an income or expense account (and optionally a cost centre) in one
    month, in the base currency, in the account's natural sense (income and expense both
    positive)."""

    account: Annotated[str, Field(min_length=1, max_length=32)]
    cost_centre: Code | None = None
    month: str  # YYYY-MM
    amount: Dec

    _check_month = field_validator("month")(month_text)


class SetBudget(Action):
    """Enter budget figures per account (and cost centre) per month; a figure already in the
    budget for the same account, cost centre and month is replaced."""

    action: Literal["set_budget"] = "set_budget"
    budget: Code = "main"
    lines: Annotated[list[BudgetLine], Field(min_length=1, max_length=MAX_LINES)]
