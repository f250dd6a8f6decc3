"""Actions of insight: budgets (the area otherwise only reads the book)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from erp_core.kernel.commands import MAX_LINES, Action, Code
from erp_core.kernel.money import Dec

Month = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")]


class BudgetLine(BaseModel):
    """One budget figure: an income or expense account (and optionally a cost centre) in one
    month, in the base currency, in the account's natural sense (income and expense both
    positive)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    account: Annotated[str, Field(min_length=1, max_length=32)]
    cost_centre: Code | None = None
    month: Month
    amount: Dec


class SetBudget(Action):
    """Enter budget figures per account (and cost centre) per month; a figure already in the
    budget for the same account, cost centre and month is replaced."""

    action: Literal["set_budget"] = "set_budget"
    budget: Code = "main"
    lines: Annotated[list[BudgetLine], Field(min_length=1, max_length=MAX_LINES)]
