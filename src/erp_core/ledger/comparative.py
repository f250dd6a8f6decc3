"""Multi-period and comparative financial statements: the income statement and balance sheet in
columns (``--by month|quarter``) and beside the same figures of the previous period or the
previous year (``--compare``).

Every column is the ordinary statement of its own dates (an income statement over the column's
days, closing entries excluded; a balance sheet as of the column's last day), so a column
always equals the single statement of those dates. Columns are calendar months or quarters
(January-March, ...), cut to the range asked for: a range starting on 15 January gives a first
column from 15 January to 31 January.

Comparison: ``previous`` is the period of the same length just before (the months before, when
the range is whole months: March compares with February, Q2 with Q1; otherwise the same number
of days); ``previous-year`` is the same dates one year earlier (29 February becomes 28
February). The change is this period minus the comparison, and % = change / |comparison| x 100
(2 places, half up; none when the comparison is zero).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Literal

from erp_core.kernel.errors import ValidationError

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from erp_core.ledger.reports import StatementSection

By = Literal["month", "quarter"]
Compare = Literal["previous", "previous-year"]
BY_CHOICES = ("month", "quarter")
COMPARE_CHOICES = ("previous", "previous-year")


@dataclass(frozen=True)
class Column:
    label: str
    date_from: dt.date
    date_to: dt.date


def _month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def _add_months(d: dt.date, months: int) -> dt.date:
    """``d`` moved by whole months, the day clipped to the month's length."""
    index = d.year * 12 + d.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(d.day, _month_end(year, month + 1).day))


def split(date_from: dt.date, date_to: dt.date, by: str | None) -> list[Column]:
    """The columns of a range: one (the range), or calendar months or quarters cut to it."""
    if date_to < date_from:
        raise ValidationError("to", f"the end {date_to} is before the start {date_from}")
    if by is None:
        return [Column(f"{date_from} to {date_to}", date_from, date_to)]
    if by not in BY_CHOICES:
        raise ValidationError("by", f"must be month or quarter, got {by!r}")
    step = 1 if by == "month" else 3
    columns = []
    start = date_from
    while start <= date_to:
        first_month = start.month if by == "month" else (start.month - 1) // 3 * 3 + 1
        end = min(_month_end(start.year, first_month + step - 1), date_to)
        label = (
            f"{start.year}-{start.month:02d}"
            if by == "month"
            else f"{start.year}-Q{(first_month - 1) // 3 + 1}"
        )
        columns.append(Column(label, start, end))
        start = end + dt.timedelta(days=1)
    if len(columns) > 120:
        raise ValidationError("by", f"{len(columns)} columns are too many (at most 120)")
    return columns


def _whole_months(date_from: dt.date, date_to: dt.date) -> int | None:
    """The number of whole calendar months the range covers exactly, else None."""
    if date_from.day != 1 or date_to != _month_end(date_to.year, date_to.month):
        return None
    return (date_to.year - date_from.year) * 12 + date_to.month - date_from.month + 1


def compared(column: Column, compare: str) -> Column:
    """The column to compare ``column`` with."""
    if compare == "previous-year":
        start, end = _add_months(column.date_from, -12), _add_months(column.date_to, -12)
        months = _whole_months(column.date_from, column.date_to)
        if months is not None:  # keep whole months whole (February's last day)
            end = _month_end(end.year, end.month)
        return Column(f"{column.label} a year before", start, end)
    if compare == "previous":
        months = _whole_months(column.date_from, column.date_to)
        if months is not None:
            start = _add_months(column.date_from, -months)
            end = column.date_from - dt.timedelta(days=1)
        else:
            days = (column.date_to - column.date_from).days + 1
            end = column.date_from - dt.timedelta(days=1)
            start = end - dt.timedelta(days=days - 1)
        return Column(f"{column.label} previous", start, end)
    raise ValidationError("compare", f"must be previous or previous-year, got {compare!r}")


def change_pct(current: Decimal, before: Decimal) -> Decimal | None:
    if before == 0:
        return None
    return (Decimal(100) * (current - before) / abs(before)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


@dataclass(frozen=True)
class Row:
    """One line of a multi-column statement (a section total has ``account`` empty)."""

    section: str
    account: str
    name: str
    depth: int
    is_group: bool
    amounts: tuple[Decimal, ...]
    compared: tuple[Decimal, ...] | None = None

    @property
    def changes(self) -> tuple[Decimal, ...] | None:
        if self.compared is None:
            return None
        return tuple(a - b for a, b in zip(self.amounts, self.compared, strict=True))

    @property
    def changes_pct(self) -> tuple[Decimal | None, ...] | None:
        if self.compared is None:
            return None
        return tuple(change_pct(a, b) for a, b in zip(self.amounts, self.compared, strict=True))


@dataclass(frozen=True)
class MultiStatement:
    kind: Literal["income statement", "balance sheet"]
    company: str
    currency: str
    columns: tuple[Column, ...]
    compared_with: tuple[Column, ...] | None
    rows: tuple[Row, ...]
    compare: str | None = None  # previous, previous-year or budget


# A statement: (company, currency, [(section, account, name, depth, is_group, amount)]) ordered
# as the single statement prints it, totals included.
Lines = list[tuple[str, str, str, int, bool, Decimal]]


def _merge(
    kind: Literal["income statement", "balance sheet"],
    columns: Sequence[Column],
    others: Sequence[Column] | None,
    statement: Callable[[Column], tuple[str, str, Lines]],
    order: Callable[[str, str], tuple[str, ...]],
    compare: str | None = None,
) -> MultiStatement:
    per_column = [statement(c) for c in columns]
    per_other = [statement(c) for c in others] if others is not None else None
    company, currency = per_column[-1][0], per_column[-1][1]
    info: dict[tuple[str, str, str], tuple[int, bool]] = {}
    for _, _, lines in [*per_column, *(per_other or [])]:
        for section, account, name, depth, is_group, _amount in lines:
            info.setdefault((section, account, name), (depth, is_group))

    def amounts(results: list[tuple[str, str, Lines]]) -> dict[tuple[str, str, str], list[Decimal]]:
        out: dict[tuple[str, str, str], list[Decimal]] = {k: [] for k in info}
        for _, _, lines in results:
            got = {(s, a, n): amount for s, a, n, _, _, amount in lines}
            for k in info:
                out[k].append(got.get(k, Decimal(0)))
        return out

    now = amounts(per_column)
    before = amounts(per_other) if per_other is not None else None
    sections = list(dict.fromkeys(k[0] for k in info))
    keys = sorted(info, key=lambda k: (sections.index(k[0]), order(k[0], k[1]), k[2]))
    rows = tuple(
        Row(
            k[0],
            k[1],
            k[2],
            info[k][0],
            info[k][1],
            tuple(now[k]),
            None if before is None else tuple(before[k]),
        )
        for k in keys
    )
    return MultiStatement(
        kind,
        company,
        currency,
        tuple(columns),
        None if others is None else tuple(others),
        rows,
        compare,
    )


def _tree_order(conn: Connection) -> Callable[[str, str], tuple[str, ...]]:
    from sqlalchemy import select

    from erp_core.projections.schema import accounts

    parents = {
        str(r.code): (None if r.parent is None else str(r.parent))
        for r in conn.execute(select(accounts.c.code, accounts.c.parent))
    }

    def path(_section: str, account: str) -> tuple[str, ...]:
        if not account:
            return ("\uffff",)  # totals after the section's accounts
        out = [account]
        seen = {account}
        while (p := parents.get(out[-1])) is not None and p not in seen:
            out.append(p)
            seen.add(p)
        return tuple(reversed(out))

    return path


def _section_lines(section: StatementSection) -> Lines:
    title = section.title
    lines: Lines = [
        (title, line.account, line.name, line.depth, line.is_group, line.amount)
        for line in section.lines
    ]
    lines.append((title, "", f"Total {title.lower()}", 0, True, section.total))
    return lines


def income_statements(
    conn: Connection,
    date_from: dt.date,
    date_to: dt.date,
    by: str | None = None,
    compare: str | None = None,
) -> MultiStatement:
    """The income statement of each column (and of each column's comparison)."""
    from erp_core.projections import queries

    columns = split(date_from, date_to, by)
    others = None if compare is None else [compared(c, compare) for c in columns]

    def one(c: Column) -> tuple[str, str, Lines]:
        s = queries.income_statement(conn, c.date_from, c.date_to)
        lines = _section_lines(s.income) + _section_lines(s.expenses)
        lines.append(("Net profit", "", "Net profit", 0, True, s.net_profit))
        return s.company, s.currency, lines

    return _merge("income statement", columns, others, one, _tree_order(conn), compare)


def balance_sheets(
    conn: Connection,
    date_from: dt.date,
    date_to: dt.date,
    by: str | None = None,
    compare: str | None = None,
) -> MultiStatement:
    """The balance sheet as of the last day of each column (and of each comparison)."""
    from erp_core.projections import queries

    columns = split(date_from, date_to, by)
    others = None if compare is None else [compared(c, compare) for c in columns]

    def one(c: Column) -> tuple[str, str, Lines]:
        s = queries.balance_sheet(conn, c.date_to)
        lines = _section_lines(s.assets) + _section_lines(s.liabilities)
        equity = _section_lines(s.equity)
        total = equity.pop()
        equity.append(
            ("Equity", "", "Current earnings (unclosed profit)", 1, False, s.current_earnings)
        )
        equity.append((*total[:5], s.equity.total + s.current_earnings))
        lines += equity
        lines.append(
            (
                "Total liabilities and equity",
                "",
                "Total liabilities and equity",
                0,
                True,
                s.total_liabilities_and_equity,
            )
        )
        return s.company, s.currency, lines

    return _merge("balance sheet", columns, others, one, _tree_order(conn), compare)
