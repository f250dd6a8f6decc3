"""Reports computed from the projection tables (read-only)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from erp_core.projections.schema import (
    accounts,
    company_info,
    daily_balances,
    fiscal_periods,
    gl_lines,
    period_balances,
    vouchers,
)
from sqlalchemy import Connection, func, select

from erp_core.kernel.errors import NotInitialised, ValidationError
from erp_core.kernel.money import ZERO, from_minor
from erp_core.ledger.reports import (
    BalanceSheet,
    IncomeStatement,
    LedgerLine,
    StatementLine,
    StatementSection,
    TrialBalance,
    TrialBalanceRow,
)


def company(conn: Connection) -> tuple[str, str]:
    row = conn.execute(select(company_info.c.name, company_info.c.base_currency)).first()
    if row is None:
        raise NotInitialised("no company in this database yet: run `erp init` first")
    return row[0], row[1]


def fiscal_year_start(conn: Connection) -> dt.date:
    row = conn.execute(select(company_info.c.fiscal_year_start)).first()
    if row is None:
        raise NotInitialised("no company in this database yet: run `erp init` first")
    value = row[0]
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _accounts(conn: Connection) -> dict[str, dict[str, object]]:
    return {
        r.code: dict(r._mapping) for r in conn.execute(select(accounts).order_by(accounts.c.code))
    }


def account_codes(conn: Connection) -> set[str]:
    return {code for (code,) in conn.execute(select(accounts.c.code))}


def trial_balance(conn: Connection, as_of: dt.date | None = None) -> TrialBalance:
    name, base = company(conn)
    if as_of is None:
        src = period_balances
        query = select(
            src.c.account, src.c.currency, func.sum(src.c.base_minor), func.sum(src.c.amount_minor)
        )
    else:
        src = daily_balances
        query = select(
            src.c.account, src.c.currency, func.sum(src.c.base_minor), func.sum(src.c.amount_minor)
        ).where(daily_balances.c.date <= as_of)
    query = query.group_by(src.c.account, src.c.currency).order_by(src.c.account, src.c.currency)
    chart = _accounts(conn)
    rows = []
    zero = from_minor(0, base)
    total_dr = total_cr = zero
    for account, currency, base_minor, amount_minor in conn.execute(query):
        if not base_minor and not amount_minor:
            continue
        base_amount = from_minor(int(base_minor), base)
        info = chart.get(account, {"name": "?", "type": "?"})
        debit = base_amount if base_amount > 0 else zero
        credit = -base_amount if base_amount < 0 else zero
        total_dr += debit
        total_cr += credit
        rows.append(
            TrialBalanceRow(
                account=account,
                name=str(info["name"]),
                type=str(info["type"]),
                currency=currency,
                debit=debit,
                credit=credit,
                amount=from_minor(int(amount_minor), currency),
            )
        )
    return TrialBalance(
        company=name,
        currency=base,
        as_of=as_of,
        rows=rows,
        total_debit=total_dr,
        total_credit=total_cr,
    )


def _balances(
    conn: Connection,
    base: str,
    *,
    upto: dt.date,
    since: dt.date | None = None,
    include_closing: bool = True,
) -> dict[str, Decimal]:
    d = daily_balances
    query = select(d.c.account, func.sum(d.c.base_minor)).where(d.c.date <= upto)
    if since is not None:
        query = query.where(d.c.date >= since)
    if not include_closing:
        query = query.where(d.c.closing.is_(False))
    query = query.group_by(d.c.account)
    return {a: from_minor(int(v), base) for a, v in conn.execute(query) if v}


def _section(
    title: str,
    types: Iterable[str],
    chart: dict[str, dict[str, object]],
    balances: dict[str, Decimal],
    sign: int,
    zero: Decimal = ZERO,
) -> StatementSection:
    """Accounts of the given types as a tree; a group row carries the total of its children."""
    wanted = set(types)
    members = {c: a for c, a in chart.items() if a["type"] in wanted}
    children: dict[str, list[str]] = defaultdict(list)
    roots: list[str] = []
    for code, info in members.items():
        parent = info["parent"]
        if isinstance(parent, str) and parent in members:
            children[parent].append(code)
        else:
            roots.append(code)
    lines: list[StatementLine] = []

    def visit(code: str, depth: int) -> tuple[Decimal, bool]:
        own = balances.get(code, ZERO) * sign
        slot = len(lines)
        lines.append(StatementLine(account=code, name="", depth=depth, is_group=False, amount=ZERO))
        total, active = own, own != 0
        for child in sorted(children[code]):
            sub, sub_active = visit(child, depth + 1)
            total += sub
            active = active or sub_active
        if active:
            info = members[code]
            lines[slot] = StatementLine(
                account=code,
                name=str(info["name"]),
                depth=depth,
                is_group=bool(info["is_group"]),
                amount=total,
            )
        else:
            del lines[slot:]
        return total, active

    grand = sum((visit(code, 0)[0] for code in sorted(roots)), zero)
    return StatementSection(title=title, lines=lines, total=grand)


def balance_sheet(conn: Connection, as_of: dt.date) -> BalanceSheet:
    name, base = company(conn)
    chart = _accounts(conn)
    balances = _balances(conn, base, upto=as_of)
    zero = from_minor(0, base)
    assets = _section("Assets", ["asset"], chart, balances, 1, zero)
    liabilities = _section("Liabilities", ["liability"], chart, balances, -1, zero)
    equity = _section("Equity", ["equity"], chart, balances, -1, zero)
    earnings = zero - sum(
        (v for c, v in balances.items() if chart.get(c, {}).get("type") in ("income", "expense")),
        ZERO,
    )
    return BalanceSheet(
        company=name,
        currency=base,
        as_of=as_of,
        assets=assets,
        liabilities=liabilities,
        equity=equity,
        current_earnings=earnings,
        total_liabilities_and_equity=liabilities.total + equity.total + earnings,
    )


def income_statement(conn: Connection, date_from: dt.date, date_to: dt.date) -> IncomeStatement:
    if date_from > date_to:
        raise ValidationError("from", f"the start {date_from} is after the end {date_to}")
    name, base = company(conn)
    chart = _accounts(conn)
    balances = _balances(conn, base, upto=date_to, since=date_from, include_closing=False)
    zero = from_minor(0, base)
    income = _section("Income", ["income"], chart, balances, -1, zero)
    expenses = _section("Expenses", ["expense"], chart, balances, 1, zero)
    return IncomeStatement(
        company=name,
        currency=base,
        date_from=date_from,
        date_to=date_to,
        income=income,
        expenses=expenses,
        net_profit=income.total - expenses.total,
    )


def general_ledger(
    conn: Connection,
    account: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    limit: int | None = None,
    offset: int | None = None,
) -> list[LedgerLine]:
    """Journal lines in log order; ``offset`` skips the first lines, ``limit`` keeps N."""
    _, base = company(conn)
    g, v = gl_lines, vouchers
    query = (
        select(g, v.c.recorded_at, v.c.memo.label("voucher_memo"))
        .join(v, v.c.document == g.c.document)
        .order_by(g.c.position, g.c.line_no)
    )
    if account is not None:
        query = query.where(g.c.account == account)
    if date_from is not None:
        query = query.where(g.c.date >= date_from)
    if date_to is not None:
        query = query.where(g.c.date <= date_to)
    if limit is not None:
        query = query.limit(limit)
    if offset:
        query = query.offset(offset)
    return [
        LedgerLine(
            position=r.position,
            document=r.document,
            line_no=r.line_no,
            date=r.date,
            kind=r.kind,
            account=r.account,
            currency=r.currency,
            amount=from_minor(r.amount_minor, r.currency),
            base=from_minor(r.base_minor, base),
            rate=None if r.rate is None else Decimal(r.rate),
            memo=r.memo,
            cost_centre=r.cost_centre,
            project=r.project,
            department=r.department,
            actor=r.actor,
            recorded_at=r.recorded_at,
            voucher_memo=r.voucher_memo,
            party=r.party,
        )
        for r in conn.execute(query)
    ]


def fiscal_period_rows(conn: Connection) -> list[dict[str, object]]:
    f = fiscal_periods
    return [dict(r._mapping) for r in conn.execute(select(f).order_by(f.c.fiscal_year, f.c.period))]
