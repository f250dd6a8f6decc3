"""Budget against actual: ``erp report budget-variance`` and the income statement's
``--compare budget``.

Actual = the movement of each income or expense account over the months asked for, from the
general ledger (effective dates, year-end closing entries excluded), in the account's natural
sense: income = credits - debits, expense = debits - credits (the income statement's figures).
Budget = the figures in force in the budget (the latest entered for each account, cost centre
and month), summed over the months. Both are in the base currency.

variance = actual - budget; variance % = variance / |budget| x 100, 2 places half up, none when
the budget is zero. A variance is favourable when income is above budget or an expense below.

Budgets are monthly, so the range must be whole calendar months (a budget is never pro-rated by
days). By cost centre: actual lines without a cost centre, and budget figures without one, show
under an empty cost centre.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from erp_core.insight.budgets import Key, budget_stream, fold, months_between
from erp_core.kernel.errors import ValidationError

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from erp_core.ledger.comparative import MultiStatement


def read_budget(conn: Connection, name: str) -> dict[Key, Decimal]:
    """The figures in force in budget ``name`` (empty when nothing was entered)."""
    from erp_core.audit.verify import stream_events
    from erp_core.insight.events import BudgetFigure
    from erp_core.kernel.events import decode_data

    amounts: dict[Key, Decimal] = {}
    for r in stream_events(conn, budget_stream(name)):
        _, data = decode_data(r.topic, r.state)
        fold((BudgetFigure.model_validate(f) for f in data["figures"]), amounts)
    return amounts


def check_whole_months(date_from: dt.date, date_to: dt.date) -> list[str]:
    """The months of a range of whole calendar months, or a ValidationError."""
    if date_to < date_from:
        raise ValidationError("to", f"the end {date_to} is before the start {date_from}")
    if date_from.day != 1:
        raise ValidationError(
            "from", f"budgets are monthly: start on a month's first day, not {date_from}"
        )
    if (date_to + dt.timedelta(days=1)).day != 1:
        raise ValidationError(
            "to", f"budgets are monthly: end on a month's last day, not {date_to}"
        )
    return months_between(date_from, date_to)


def pct(variance: Decimal, budget: Decimal) -> Decimal | None:
    if budget == 0:
        return None
    return (Decimal(100) * variance / abs(budget)).quantize(Decimal("0.01"), ROUND_HALF_UP)


@dataclass(frozen=True)
class VarianceRow:
    account: str
    name: str
    type: str  # income | expense
    cost_centre: str | None  # None: all cost centres together
    actual: Decimal
    budget: Decimal

    @property
    def variance(self) -> Decimal:
        return self.actual - self.budget

    @property
    def variance_pct(self) -> Decimal | None:
        return pct(self.variance, self.budget)

    @property
    def favourable(self) -> bool:
        return self.variance >= 0 if self.type == "income" else self.variance <= 0


@dataclass(frozen=True)
class BudgetVariance:
    budget: str
    date_from: dt.date
    date_to: dt.date
    currency: str
    by_cost_centre: bool
    rows: tuple[VarianceRow, ...]
    income_actual: Decimal
    income_budget: Decimal
    expense_actual: Decimal
    expense_budget: Decimal

    @property
    def profit_actual(self) -> Decimal:
        return self.income_actual - self.expense_actual

    @property
    def profit_budget(self) -> Decimal:
        return self.income_budget - self.expense_budget


def _actuals(
    conn: Connection, date_from: dt.date, date_to: dt.date, by_cost_centre: bool
) -> dict[tuple[str, str | None, str], int]:
    """(account, cost centre or None, month) -> base minor units, debit positive."""
    from erp_core.projections.schema import gl_lines

    g = gl_lines
    query = (
        select(g.c.account, g.c.cost_centre, g.c.date, func.sum(g.c.base_minor))
        .where(g.c.date >= date_from, g.c.date <= date_to, g.c.kind != "closing")
        .group_by(g.c.account, g.c.cost_centre, g.c.date)
    )
    out: dict[tuple[str, str | None, str], int] = defaultdict(int)
    for account, cc, day, minor in conn.execute(query):
        month = f"{day.year:04d}-{day.month:02d}"
        out[(str(account), (cc or None) if by_cost_centre else None, month)] += int(minor)
    return out


def budget_variance(
    conn: Connection,
    date_from: dt.date,
    date_to: dt.date,
    budget: str = "main",
    by_cost_centre: bool = False,
) -> BudgetVariance:
    """Actual, budget, variance and % per income and expense account (and cost centre) over
    whole months. An unknown budget (nothing entered) is an error, not a page of zeros."""
    from erp_core.kernel.money import from_minor
    from erp_core.projections import queries
    from erp_core.projections.schema import accounts

    months = set(check_whole_months(date_from, date_to))
    figures = read_budget(conn, budget)
    if not figures:
        raise ValidationError("budget", f"no budget {budget!r}: enter it with set_budget first")
    _, base = queries.company(conn)
    chart = {
        str(r.code): (str(r.name), str(r.type))
        for r in conn.execute(select(accounts.c.code, accounts.c.name, accounts.c.type))
        if r.type in ("income", "expense")
    }
    actual: dict[tuple[str, str | None], Decimal] = defaultdict(Decimal)
    for (account, cc, _month), minor in _actuals(conn, date_from, date_to, by_cost_centre).items():
        if account not in chart:
            continue
        sign = -1 if chart[account][1] == "income" else 1
        actual[(account, cc)] += from_minor(sign * minor, base)
    planned: dict[tuple[str, str | None], Decimal] = defaultdict(Decimal)
    for (account, cc, month), amount in figures.items():
        if month in months:
            planned[(account, cc if by_cost_centre else None)] += amount
    keys = sorted(set(actual) | set(planned), key=lambda k: (k[0], k[1] or ""))
    rows = tuple(
        VarianceRow(
            account,
            chart.get(account, ("?", "expense"))[0],
            chart.get(account, ("?", "expense"))[1],
            cc,
            actual.get((account, cc), Decimal(0)),
            planned.get((account, cc), Decimal(0)),
        )
        for account, cc in keys
    )
    zero = from_minor(0, base)

    def total(kind: str, attr: str) -> Decimal:
        return sum((getattr(r, attr) for r in rows if r.type == kind), zero)

    return BudgetVariance(
        budget=budget,
        date_from=date_from,
        date_to=date_to,
        currency=base,
        by_cost_centre=by_cost_centre,
        rows=rows,
        income_actual=total("income", "actual"),
        income_budget=total("income", "budget"),
        expense_actual=total("expense", "actual"),
        expense_budget=total("expense", "budget"),
    )


def income_statements_with_budget(
    conn: Connection,
    date_from: dt.date,
    date_to: dt.date,
    by: str | None,
    budget: str = "main",
) -> MultiStatement:
    """The income statement in columns (``by``) beside the budget of each column: the budget
    figures of its accounts, group accounts and totals summed like the statement's."""
    import dataclasses

    from erp_core.ledger.comparative import Row, income_statements, split

    check_whole_months(date_from, date_to)
    figures = read_budget(conn, budget)
    if not figures:
        raise ValidationError("budget", f"no budget {budget!r}: enter it with set_budget first")
    columns = split(date_from, date_to, by)
    statement = income_statements(conn, date_from, date_to, by)
    per_column: list[dict[str, Decimal]] = []
    for c in columns:
        months = set(months_between(c.date_from, c.date_to))
        sums: dict[str, Decimal] = defaultdict(Decimal)
        for (account, _cc, month), amount in figures.items():
            if month in months:
                sums[account] += amount
        per_column.append(sums)
    from erp_core.projections.schema import accounts

    chart = {
        str(r.code): (None if r.parent is None else str(r.parent), str(r.type), str(r.name))
        for r in conn.execute(
            select(accounts.c.code, accounts.c.parent, accounts.c.type, accounts.c.name)
        )
    }

    def under(account: str, group: str) -> bool:
        seen = set()
        a: str | None = account
        while a is not None and a not in seen:
            if a == group:
                return True
            seen.add(a)
            a = chart.get(a, (None, "", ""))[0]
        return False

    rows = list(statement.rows)
    shown = {r.account for r in rows if r.account}
    zeros = tuple(Decimal(0) for _ in columns)
    for account in sorted({k[0] for k in figures} - shown):  # budgeted, no actual yet
        _, kind, name = chart.get(account, (None, "", "?"))
        section = "Income" if kind == "income" else "Expenses"
        at = next(i for i, r in enumerate(rows) if r.section == section and not r.account)
        rows.insert(at, Row(section, account, name, 1, False, zeros))

    def budget_of(row: Row, i: int) -> Decimal:
        sums = per_column[i]
        if row.account:
            return sum((v for a, v in sums.items() if under(a, row.account)), Decimal(0))
        income = sum((v for a, v in sums.items() if chart[a][1] == "income"), Decimal(0))
        expense = sum((v for a, v in sums.items() if chart[a][1] == "expense"), Decimal(0))
        if row.section == "Income":
            return income
        if row.section == "Expenses":
            return expense
        return income - expense  # net profit

    new_rows = tuple(
        dataclasses.replace(r, compared=tuple(budget_of(r, i) for i in range(len(columns))))
        for r in rows
    )
    return dataclasses.replace(
        statement,
        rows=new_rows,
        compared_with=tuple(dataclasses.replace(c, label=f"{c.label} budget") for c in columns),
        compare="budget",
    )
