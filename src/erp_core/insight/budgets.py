"""Budgets: figures per account (and cost centre) per month, entered as events.

A budget is one stream, ``budget:<name>`` (``main`` unless named). Each ``BudgetSet`` event
holds figures; a later figure for the same (account, cost centre, month) replaces the earlier
one, so a budget is revised by entering the new figure, and the log keeps every revision.
Budgets are on income and expense accounts (the income statement): amounts in the base
currency, in the account's natural sense, so income and expense budgets are both positive.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from erp_core.insight.events import BudgetFigure, BudgetSet
from erp_core.kernel.aggregate import Aggregate

Key = tuple[str, str | None, str]  # (account, cost centre, month)


def budget_stream(name: str) -> str:
    return f"budget:{name}"


def fold(
    figures: Iterable[BudgetFigure], into: dict[Key, Decimal] | None = None
) -> dict[Key, Decimal]:
    """The figures in force: the latest for each (account, cost centre, month)."""
    amounts = {} if into is None else into
    for f in figures:
        amounts[(f.account, f.cost_centre, f.month)] = f.amount
    return amounts


class Budget(Aggregate):
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.amounts: dict[Key, Decimal] = {}

    def _on_set(self, e: BudgetSet) -> None:
        fold(e.figures, self.amounts)

    handlers = {BudgetSet: _on_set}


def month_of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def months_between(first: dt.date, last: dt.date) -> list[str]:
    """The months (YYYY-MM) from the one holding ``first`` to the one holding ``last``."""
    out = []
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out
