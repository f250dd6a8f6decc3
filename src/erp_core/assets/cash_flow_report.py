"""The cash-flow statement read from the projections (`erp report cash-flow`).

Balances come from the ledger projection's daily balances WITHOUT closing entries; the direct
method reads the period's journal lines (closing vouchers left out). Every account gets a
cash-flow tag (`effective_tags`): an explicit `tag_cash_flow_account` first, then the role an
asset category or an asset under construction gives it, its control role, the standard chart's
defaults, a bank or cash name, the tag of its nearest tagged parent, and finally its type
(equity: financing; income and expense: profit). A balance-sheet account left without a tag
is reported by name, never plugged.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from decimal import Decimal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection, func, select

from erp_core.kernel.errors import ValidationError
from erp_core.kernel.money import Dec, from_minor, quantum
from erp_core.ledger.cash_flow import (
    CashFlowAccount,
    CashFlowResult,
    CashFlowTag,
    JournalEntry,
    JournalLine,
    direct_cash_flow,
    indirect_cash_flow,
)

ROLE_TAGS: dict[str, CashFlowTag] = {
    "receivables": CashFlowTag.WORKING_CAPITAL,
    "payables": CashFlowTag.WORKING_CAPITAL,
    "inventory": CashFlowTag.WORKING_CAPITAL,
    "grni": CashFlowTag.WORKING_CAPITAL,
    "tax": CashFlowTag.WORKING_CAPITAL,
    "retained_earnings": CashFlowTag.FINANCING,
    "rounding": CashFlowTag.PROFIT,
}
# The standard chart's accounts without a control role (see ledger.accounts.STANDARD_CHART).
STANDARD_TAGS: dict[str, CashFlowTag] = {
    "1110": CashFlowTag.CASH,
    "1120": CashFlowTag.CASH,
    "1500": CashFlowTag.WORKING_CAPITAL,
    "1600": CashFlowTag.INVESTING,
    "1610": CashFlowTag.INVESTING,
    "1690": CashFlowTag.INVESTING,
    "2300": CashFlowTag.WORKING_CAPITAL,
    "2400": CashFlowTag.WORKING_CAPITAL,
    "2500": CashFlowTag.FINANCING,
    "3100": CashFlowTag.FINANCING,
    "6500": CashFlowTag.NON_CASH_EXPENSE,
}
CATEGORY_TAGS: dict[str, CashFlowTag] = {
    "cost_account": CashFlowTag.INVESTING,
    "accumulated_depreciation_account": CashFlowTag.INVESTING,
    "accumulated_impairment_account": CashFlowTag.INVESTING,
    "depreciation_expense_account": CashFlowTag.NON_CASH_EXPENSE,
    "impairment_loss_account": CashFlowTag.NON_CASH_EXPENSE,
    "gain_account": CashFlowTag.DISPOSAL_GAIN_LOSS,
    "loss_account": CashFlowTag.DISPOSAL_GAIN_LOSS,
}


class _Report(BaseModel):
    model_config = ConfigDict(frozen=True)


class CashFlowReportLine(_Report):
    label: str
    amount: Dec
    accounts: list[str]


class CashFlowReportSection(_Report):
    name: str
    lines: list[CashFlowReportLine]
    total: Dec


class CashFlowReport(_Report):
    method: str
    date_from: dt.date
    date_to: dt.date
    currency: str
    ok: bool
    problems: list[str]
    sections: list[CashFlowReportSection]
    opening_cash: Dec | None
    net_change: Dec | None
    closing_cash: Dec | None
    internal_transfers: Dec | None


def effective_tags(conn: Connection) -> dict[str, CashFlowTag | None]:
    """The cash-flow tag of every account (None: a balance-sheet account left unclassified)."""
    from erp_core.projections.assets import asset_categories as c
    from erp_core.projections.assets import cash_flow_tags as t
    from erp_core.projections.schema import accounts as a

    chart = {
        row.code: row
        for row in conn.execute(
            select(a.c.code, a.c.name, a.c.type, a.c.parent, a.c.control, a.c.is_group)
        )
    }
    explicit = {acc: CashFlowTag(tag) for acc, tag in conn.execute(select(t.c.account, t.c.tag))}
    from_categories: dict[str, CashFlowTag] = {}
    for row in conn.execute(select(*[c.c[name] for name in CATEGORY_TAGS])):
        for name, code in zip(CATEGORY_TAGS, row, strict=True):
            from_categories.setdefault(code, CATEGORY_TAGS[name])
    from erp_core.projections.assets import asset_constructions as auc

    for (code,) in conn.execute(select(auc.c.account)):
        from_categories.setdefault(code, CashFlowTag.INVESTING)  # assets under construction
    for code in _working_capital_roles(conn):
        from_categories.setdefault(code, CashFlowTag.WORKING_CAPITAL)

    def own(code: str) -> CashFlowTag | None:
        account = chart[code]
        if code in explicit:
            return explicit[code]
        if code in from_categories:
            return from_categories[code]
        if account.control in ROLE_TAGS:
            return ROLE_TAGS[account.control]
        if code in STANDARD_TAGS:
            return STANDARD_TAGS[code]
        name = account.name.lower()
        if account.type == "asset" and not account.is_group and ("bank" in name or "cash" in name):
            return CashFlowTag.CASH
        return None

    tags: dict[str, CashFlowTag | None] = {}
    for code, account in chart.items():
        tag = own(code)
        parent = account.parent
        while tag is None and parent is not None and parent in chart:
            tag = explicit.get(parent) or (STANDARD_TAGS.get(parent) if parent == "1600" else None)
            parent = chart[parent].parent
        if tag is None:
            if account.type == "equity":
                tag = CashFlowTag.FINANCING
            elif account.type in ("income", "expense"):
                tag = CashFlowTag.PROFIT
        tags[code] = tag
    return tags


def _working_capital_roles(conn: Connection) -> set[str]:
    """Accounts other areas hold to a sub-ledger of working capital: work in progress, net
    salaries payable, and the payroll liabilities (tax, contributions) owed to authorities."""
    from erp_core.projections.payroll import payroll_config, payroll_liabilities
    from erp_core.projections.production import production_work_orders

    found: set[str] = {
        str(code)
        for (code,) in conn.execute(select(production_work_orders.c.wip_account).distinct())
    }
    config = select(payroll_config.c.salaries_payable, payroll_config.c.tax_payable)
    for row in conn.execute(config):
        found.update(str(code) for code in row)
    found.update(
        str(code) for (code,) in conn.execute(select(payroll_liabilities.c.account).distinct())
    )
    return found


def _balances(
    conn: Connection, upto: dt.date, base: str, since: dt.date | None = None
) -> dict[str, Decimal]:
    from erp_core.projections.schema import daily_balances as d

    query = select(d.c.account, func.sum(d.c.base_minor)).where(
        d.c.date <= upto, d.c.closing.is_(False)
    )
    if since is not None:
        query = query.where(d.c.date >= since)
    return {
        acc: from_minor(int(v), base) for acc, v in conn.execute(query.group_by(d.c.account)) if v
    }


def cash_flow_result(
    conn: Connection, date_from: dt.date, date_to: dt.date, method: str = "indirect"
) -> CashFlowResult:
    """The statement (or its problems) for `date_from`..`date_to` by `method`."""
    from erp_core.projections.assets import asset_entries as e
    from erp_core.projections.queries import company
    from erp_core.projections.schema import accounts as a
    from erp_core.projections.schema import gl_lines as g

    if method not in ("indirect", "direct"):
        raise ValidationError("method", f"unknown method {method!r} (indirect or direct)")
    if date_from > date_to:
        raise ValidationError("date_from", f"{date_from} is after {date_to}")
    base = company(conn)[1]
    tags = effective_tags(conn)
    opening = _balances(conn, date_from - dt.timedelta(days=1), base)
    closing = _balances(conn, date_to, base)
    chart = {r.code: r for r in conn.execute(select(a.c.code, a.c.name, a.c.type, a.c.is_group))}
    entries: dict[str, list[JournalLine]] = defaultdict(list)
    if method == "direct":
        query = (
            select(g.c.document, g.c.account, g.c.base_minor)
            .where(g.c.date >= date_from, g.c.date <= date_to, g.c.kind != "closing")
            .order_by(g.c.document, g.c.line_no)
        )
        for document, account, amount in conn.execute(query):
            entries[document].append(JournalLine(account, from_minor(int(amount), base)))
    in_entries = {x.account for v in entries.values() for x in v}
    balance_sheet = ("asset", "liability", "equity")
    used = {c for c in set(opening) | set(closing) if c in chart and chart[c].type in balance_sheet}
    # income and expense accounts: those that moved in the period (or meet a voucher)
    used |= {
        c
        for c in set(opening) | set(closing)
        if c in chart
        and chart[c].type not in balance_sheet
        and closing.get(c, 0) != opening.get(c, 0)
    }
    used |= in_entries
    # the cash accounts always take part: a period without cash still has opening cash
    used |= {c for c, tag in tags.items() if tag is CashFlowTag.CASH and not chart[c].is_group}
    zero = from_minor(0, base)
    book = [
        CashFlowAccount(
            code=code,
            name=chart[code].name,
            type=chart[code].type,
            tag=tags.get(code),
            opening=opening.get(code, zero)
            if chart[code].type in ("asset", "liability", "equity")
            else zero,
            closing=closing.get(code, zero)
            if chart[code].type in ("asset", "liability", "equity")
            else closing.get(code, zero) - opening.get(code, zero),
        )
        for code in sorted(used)
        if code in chart
    ]
    if method == "direct":
        return direct_cash_flow(
            book, [JournalEntry(tuple(lines), doc) for doc, lines in entries.items()]
        )
    profit = -sum((x.closing - x.opening for x in book if x.type in ("income", "expense")), zero)
    cash_accounts = {x.code for x in book if x.tag is CashFlowTag.CASH}
    proceeds = zero
    query = select(e.c.proceeds_minor, e.c.detail).where(
        e.c.kind == "disposal", e.c.date >= date_from, e.c.date <= date_to
    )
    for amount, detail in conn.execute(query):
        account = json.loads(detail or "{}").get("proceeds_account")
        if account in cash_accounts:
            proceeds += from_minor(int(amount), base)
    return indirect_cash_flow(book, profit, disposal_proceeds=proceeds)


def cash_flow(
    conn: Connection, date_from: dt.date, date_to: dt.date, method: str = "indirect"
) -> CashFlowReport:
    from erp_core.projections.queries import company

    base = company(conn)[1]
    result = cash_flow_result(conn, date_from, date_to, method)
    q = quantum(base)

    def money(amount: Decimal | None) -> Decimal | None:
        return None if amount is None else amount.quantize(q)

    s = result.statement
    sections = (
        []
        if s is None
        else [
            CashFlowReportSection(
                name=section.name,
                lines=[
                    CashFlowReportLine(
                        label=x.label, amount=x.amount.quantize(q), accounts=list(x.accounts)
                    )
                    for x in section.lines
                ],
                total=section.total.quantize(q),
            )
            for section in (s.operating, s.investing, s.financing)
        ]
    )
    return CashFlowReport(
        method=method,
        date_from=date_from,
        date_to=date_to,
        currency=base,
        ok=result.ok,
        problems=[str(p) for p in result.problems],
        sections=sections,
        opening_cash=None if s is None else money(s.opening_cash),
        net_change=None if s is None else money(s.net_change),
        closing_cash=None if s is None else money(s.closing_cash),
        internal_transfers=None if s is None else money(s.internal_transfers),
    )
