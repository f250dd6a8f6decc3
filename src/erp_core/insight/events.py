"""Events of insight: budget figures entered."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from erp_core.kernel.events import DomainEvent
from erp_core.kernel.money import Dec


class BudgetFigure(BaseModel):
    model_config = ConfigDict(frozen=True)

    account: str
    cost_centre: str | None
    month: str  # YYYY-MM
    amount: Dec  # base currency, the account's natural sense (income and expense positive)


class BudgetSet(DomainEvent):
    """Budget figures entered into one budget (``budget:<name>``); each replaces the figure
    for the same account, cost centre and month."""

    budget: str
    figures: tuple[BudgetFigure, ...]
