"""Commands of the general ledger: financial statements, the general ledger, the fiscal calendar
(`erp period`, `erp year`) and the reconciliation checks (`erp check`)."""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import TYPE_CHECKING, Any

import click

from erp_core.kernel.money import fmt

if TYPE_CHECKING:
    from rich.table import Table

    from erp_core.ledger.reports import (
        BalanceSheet,
        IncomeStatement,
        StatementSection,
        TrialBalance,
    )
from erp_core.cli_base import AS_OF_HELP, FORMATS, Context, parse_date, pass_ctx, with_period
from erp_core.render import csv_text, echo_json, emit, new_table, print_table


def trial_balance_out(tb: TrialBalance, fmt_name: str) -> None:
    when = f"as of {tb.as_of}" if tb.as_of else "all periods"
    table = new_table(title=f"{tb.company} — Trial balance ({when}, {tb.currency})")
    for col, justify in (
        ("Account", "left"),
        ("Name", "left"),
        ("Cur", "left"),
        ("Debit", "right"),
        ("Credit", "right"),
        ("Amount (cur)", "right"),
    ):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for r in tb.rows:
        table.add_row(
            r.account,
            r.name,
            r.currency,
            fmt(r.debit, tb.currency) if r.debit else "",
            fmt(r.credit, tb.currency) if r.credit else "",
            fmt(r.amount, r.currency) if r.currency != tb.currency else "",
        )
    table.add_row(
        "",
        "Total",
        "",
        fmt(tb.total_debit, tb.currency),
        fmt(tb.total_credit, tb.currency),
        "",
        style="bold",
    )
    rows = [
        {
            "account": r.account,
            "name": r.name,
            "currency": r.currency,
            "debit": str(r.debit),
            "credit": str(r.credit),
            "amount": str(r.amount),
        }
        for r in tb.rows
    ]
    emit(tb, fmt_name, table, rows, ["account", "name", "currency", "debit", "credit", "amount"])


def _section_rows(
    table: Table, section: StatementSection, currency: str, rows: list[dict[str, Any]]
) -> None:
    table.add_row(section.title, "", style="bold")
    for line in section.lines:
        style = "bold" if line.is_group else None
        table.add_row(
            "  " * (line.depth + 1) + f"{line.account} {line.name}",
            fmt(line.amount, currency),
            style=style,
        )
        rows.append(
            {
                "section": section.title,
                "account": line.account,
                "name": line.name,
                "group": line.is_group,
                "amount": str(line.amount),
            }
        )
    table.add_row(f"Total {section.title.lower()}", fmt(section.total, currency), style="bold")


def balance_sheet_out(bs: BalanceSheet, fmt_name: str) -> None:
    table = new_table(title=f"{bs.company} — Balance sheet as of {bs.as_of} ({bs.currency})")
    table.add_column("")
    table.add_column("Amount", justify="right")
    rows: list[dict[str, Any]] = []
    _section_rows(table, bs.assets, bs.currency, rows)
    _section_rows(table, bs.liabilities, bs.currency, rows)
    _section_rows(table, bs.equity, bs.currency, rows)
    table.add_row("  Current earnings (unclosed profit)", fmt(bs.current_earnings, bs.currency))
    rows.append(
        {
            "section": "Equity",
            "account": "",
            "name": "Current earnings",
            "group": False,
            "amount": str(bs.current_earnings),
        }
    )
    table.add_row(
        "Total liabilities and equity",
        fmt(bs.total_liabilities_and_equity, bs.currency),
        style="bold",
    )
    emit(bs, fmt_name, table, rows)


def income_statement_out(inc: IncomeStatement, fmt_name: str) -> None:
    table = new_table(
        title=f"{inc.company} — Income statement {inc.date_from} to {inc.date_to} ({inc.currency})"
    )
    table.add_column("")
    table.add_column("Amount", justify="right")
    rows: list[dict[str, Any]] = []
    _section_rows(table, inc.income, inc.currency, rows)
    _section_rows(table, inc.expenses, inc.currency, rows)
    table.add_row("Net profit", fmt(inc.net_profit, inc.currency), style="bold")
    rows.append(
        {
            "section": "",
            "account": "",
            "name": "Net profit",
            "group": False,
            "amount": str(inc.net_profit),
        }
    )
    emit(inc, fmt_name, table, rows)


@click.command("trial-balance")
@with_period("as_of")
@click.option("--as-of", callback=parse_date, help=AS_OF_HELP)
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def trial_balance(state: Context, as_of: dt.date | None, fmt_name: str) -> None:
    """Balance of every account, debit and credit, with totals."""
    trial_balance_out(state.erp().trial_balance(as_of), fmt_name)


BY_HELP = "One column per calendar month or quarter of the range."
COMPARE_HELP = (
    "Beside each column: the previous period, the same dates a year before, or (income "
    "statement) the budget."
)


def multi_out(m: Any, fmt_name: str) -> None:
    """A multi-column statement (erp_core.ledger.comparative) as a table, JSON or CSV."""
    from erp_core.ledger.comparative import change_pct

    cols = [c.label for c in m.columns]
    compared = m.compared_with is not None
    clabel = {"previous": "previous", "previous-year": "year before", "budget": "budget"}.get(
        m.compare or "", ""
    )
    headers = []
    for c in cols:
        headers.append(c)
        if compared:
            headers += [f"{c} {clabel}", f"{c} change", f"{c} change %"]
    records: list[dict[str, Any]] = []
    for r in m.rows:
        values: dict[str, Any] = {}
        for i, c in enumerate(cols):
            values[c] = r.amounts[i]
            if r.compared is not None:
                before = r.compared[i]
                pct = change_pct(r.amounts[i], before)
                values[f"{c} {clabel}"] = before
                values[f"{c} change"] = r.amounts[i] - before
                values[f"{c} change %"] = "" if pct is None else pct
        records.append(
            {
                "section": r.section,
                "account": r.account,
                "name": r.name,
                "depth": r.depth,
                "group": r.is_group,
                **values,
            }
        )
    if fmt_name == "json":
        echo_json(
            {
                "report": m.kind,
                "company": m.company,
                "currency": m.currency,
                "columns": [
                    {"label": c.label, "from": str(c.date_from), "to": str(c.date_to)}
                    for c in m.columns
                ],
                "compared_with": None
                if m.compared_with is None
                else [
                    {"label": c.label, "from": str(c.date_from), "to": str(c.date_to)}
                    for c in m.compared_with
                ],
                "rows": [{k: _plain(v) for k, v in rec.items()} for rec in records],
            }
        )
        return
    if fmt_name == "csv":
        keys = ["section", "account", "name", *headers]
        click.echo(csv_text([{k: _plain(rec[k]) for k in keys} for rec in records], keys), nl=False)
        return
    table = new_table(title=f"{m.company} — {m.kind.capitalize()} ({m.currency})")
    table.add_column("")
    for h in headers:
        table.add_column(h, justify="right")
    for rec in records:
        label = rec["name"] if not rec["account"] else f"{rec['account']} {rec['name']}"
        cells = []
        for h in headers:
            v = rec[h]
            cells.append(
                v if isinstance(v, str) else f"{v:f}" if h.endswith("%") else fmt(v, m.currency)
            )
        table.add_row("  " * rec["depth"] + label, *cells, style="bold" if rec["group"] else None)
    print_table(table, 60 + 16 * len(headers))


def _plain(v: Any) -> Any:
    from decimal import Decimal

    return format(v, "f") if isinstance(v, Decimal) else v


@click.command("balance-sheet")
@with_period("as_of")
@click.option("--as-of", callback=parse_date, help=AS_OF_HELP)
@click.option(
    "--from",
    "date_from",
    callback=parse_date,
    help="With --by: the first column's first day (default: the fiscal year's first day).",
)
@click.option("--by", type=click.Choice(["month", "quarter"]), help=BY_HELP)
@click.option(
    "--compare",
    type=click.Choice(["previous", "previous-year"]),
    help="Beside each column: the previous period's end, or the same date a year before.",
)
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def balance_sheet(
    state: Context,
    as_of: dt.date | None,
    date_from: dt.date | None,
    by: str | None,
    compare: str | None,
    fmt_name: str,
) -> None:
    """Assets, liabilities and equity as of a date (with --by: as of each month's or quarter's
    end from --from to --as-of)."""
    end = as_of or dt.date.today()
    if by is None and compare is None:
        if date_from is not None:
            raise click.UsageError("--from needs --by (one column per month or quarter)")
        balance_sheet_out(state.erp().balance_sheet(end), fmt_name)
        return
    from erp_core.ledger.comparative import balance_sheets

    erp = state.erp()
    if date_from is not None:
        start = date_from
    elif by is not None:
        start = erp.fiscal_year_of(end)[0]
    else:
        start = end.replace(day=1)  # one column: the month of --as-of
    m = erp.query(balance_sheets, start, end, by, compare)
    multi_out(m, fmt_name)


@click.command("income-statement")
@with_period("range")
@click.option(
    "--from",
    "date_from",
    callback=parse_date,
    help="First day (default: start of the fiscal year of --to).",
)
@click.option("--to", "date_to", callback=parse_date, help="Last day (default today).")
@click.option("--by", type=click.Choice(["month", "quarter"]), help=BY_HELP)
@click.option(
    "--compare", type=click.Choice(["previous", "previous-year", "budget"]), help=COMPARE_HELP
)
@click.option(
    "--budget",
    "budget_name",
    default="main",
    show_default=True,
    help="With --compare budget: which budget.",
)
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def income_statement(
    state: Context,
    date_from: dt.date | None,
    date_to: dt.date | None,
    by: str | None,
    compare: str | None,
    budget_name: str,
    fmt_name: str,
) -> None:
    """Income and expenses over a date range (year-end closing entries excluded); with --by in
    columns per month or quarter, with --compare beside another period or the budget."""
    erp = state.erp()
    end = date_to or dt.date.today()
    start = date_from or erp.fiscal_year_of(end)[0]
    if by is None and compare is None:
        income_statement_out(erp.income_statement(start, end), fmt_name)
        return
    from erp_core.ledger.comparative import income_statements

    if compare == "budget":
        from erp_core.insight.variance import income_statements_with_budget

        m = erp.query(income_statements_with_budget, start, end, by, budget_name)
    else:
        m = erp.query(income_statements, start, end, by, compare)
    multi_out(m, fmt_name)


@click.command("general-ledger")
@with_period("range")
@click.option("--account", help="Only this account.")
@click.option("--from", "date_from", callback=parse_date)
@click.option("--to", "date_to", callback=parse_date)
@click.option("--limit", type=click.IntRange(min=1), help="Only the first N lines (in log order).")
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def general_ledger(
    state: Context,
    account: str | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
    limit: int | None,
    fmt_name: str,
) -> None:
    """Every journal line, in log order."""
    from erp_core.ledger.reports import LedgerLine
    from erp_core.render import print_rows

    lines = state.erp().general_ledger(account, date_from, date_to, limit)
    if fmt_name == "json":
        echo_json([json.loads(x.model_dump_json()) for x in lines])
        return
    if fmt_name == "csv":
        rows = [x.model_dump(mode="json") for x in lines]
        click.echo(csv_text(rows, list(LedgerLine.model_fields)), nl=False)
        return
    columns = ("Pos", "Document", "Date", "Account", "Cur", "Amount", "Base", "Memo", "Actor")
    cells = [
        (
            str(x.position),
            x.document,
            str(x.date),
            x.account,
            x.currency,
            str(x.amount),
            str(x.base),
            x.memo or "",
            x.actor,
        )
        for x in lines
    ]
    print_rows("General ledger", columns, cells, 120)


@click.command("check")
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@click.option(
    "--no-catch-up", is_flag=True, help="Check the projections as they are (marked stale)."
)
@pass_ctx
def check_command(state: Context, fmt_name: str, no_catch_up: bool) -> None:
    """Reconcile every control account with its sub-ledger; exit 1 on any difference."""
    from erp_core.ledger.reports import CheckResult
    from erp_core.render import staleness

    state.no_catch_up = no_catch_up
    results = state.erp().check()
    stale = staleness()
    if fmt_name == "json" and stale is not None:
        from erp_core.render import stale_json

        click.echo(stale_json([r.model_dump(mode="json") for r in results], stale))
    elif fmt_name == "json":
        echo_json([r.model_dump(mode="json") for r in results])
    elif fmt_name == "csv":
        rows = [r.model_dump(mode="json") for r in results]
        click.echo(csv_text(rows, list(CheckResult.model_fields)), nl=False)
    else:
        for r in results:
            click.echo(("ok    " if r.ok else "FAIL  ") + r.message)
    if not all(r.ok for r in results):
        sys.exit(1)


@click.group()
def period() -> None:
    """Close, lock and reopen accounting periods (given as YYYY-MM)."""


@period.command("close")
@click.argument("month")
@pass_ctx
def period_close(state: Context, month: str) -> None:
    """Close the period holding MONTH: further postings into it are refused."""
    state.erp().apply({"action": "close_period", "period": month})
    click.echo(f"Period {month} closed.")


@period.command("lock")
@click.argument("month")
@pass_ctx
def period_lock(state: Context, month: str) -> None:
    """Lock a closed period for good; it can never be reopened."""
    state.erp().apply({"action": "lock_period", "period": month})
    click.echo(f"Period {month} locked.")


@period.command("reopen")
@click.argument("month")
@click.option("--reason", required=True, help="Why it is reopened (recorded).")
@pass_ctx
def period_reopen(state: Context, month: str, reason: str) -> None:
    """Reopen a closed (not locked) period; the reason is recorded."""
    state.erp().apply({"action": "reopen_period", "period": month, "reason": reason})
    click.echo(f"Period {month} reopened.")


@period.command("list")
@pass_ctx
def period_list(state: Context) -> None:
    """Every fiscal period and its status."""
    table = new_table(title="Fiscal periods")
    for col in ("Year", "Period", "From", "To", "Status"):
        table.add_column(col)
    for row in state.erp().fiscal_periods():
        table.add_row(
            str(row["fiscal_year"]),
            str(row["period"]),
            str(row["start"]),
            str(row["end"]),
            str(row["status"]),
        )
    print_table(table, 0)


@click.group()
def year() -> None:
    """Open, close (year-end) and reopen fiscal years."""


@year.command("open")
@click.argument("year_label", type=int)
@pass_ctx
def year_open(state: Context, year_label: int) -> None:
    """Open the fiscal year starting in YEAR."""
    state.erp().open_fiscal_year(year_label)
    click.echo(f"Fiscal year {year_label} opened.")


@year.command("close")
@click.argument("year_label", type=int)
@pass_ctx
def year_close(state: Context, year_label: int) -> None:
    """Year-end close: move profit and loss to retained earnings; close every period."""
    result = state.erp().close_fiscal_year(year_label)
    entry = f" with closing entry {result.documents[0]}" if result.documents else ""
    click.echo(f"Fiscal year {year_label} closed{entry}.")


@year.command("reopen")
@click.argument("year_label", type=int)
@click.option("--reason", required=True)
@pass_ctx
def year_reopen(state: Context, year_label: int, reason: str) -> None:
    """Reverse a year's closing entry so its periods can be reopened."""
    state.erp().reopen_fiscal_year(year_label, reason)
    click.echo(f"Fiscal year {year_label} reopened.")


commands: list[click.Command] = [check_command, period, year]
reports: list[click.Command] = [trial_balance, balance_sheet, income_statement, general_ledger]
