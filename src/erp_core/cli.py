"""The `erp` command line.

Every command opens the database given by ``--db`` (else ``$ERP_DATABASE_URL``, else
``./erp.sqlite``). Errors are printed as one line on stderr with a non-zero exit status:
2 for invalid input, 1 for a refused action, 3 for storage problems.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn

import click
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from erp_core.api import Erp, parse_action, pydantic_error
from erp_core.audit import verify as audit
from erp_core.kernel.commands import Action
from erp_core.kernel.errors import BatchRefused, ErpError, StorageError, ValidationError
from erp_core.kernel.money import fmt
from erp_core.kernel.registry import action_types, actions
from erp_core.ledger.reports import (
    BalanceSheet,
    IncomeStatement,
    LedgerLine,
    StatementSection,
    TrialBalance,
)

FORMATS = click.Choice(["table", "json", "csv"])


class Context:
    def __init__(self, db: str | None, actor: str | None) -> None:
        self.db = db
        self.actor = actor
        self._erp: Erp | None = None

    def erp(self) -> Erp:
        if self._erp is None:
            self._erp = Erp.open(self.db, actor=self.actor)
        return self._erp

    def close(self) -> None:
        if self._erp is not None:
            self._erp.close()


pass_ctx = click.make_pass_decorator(Context)


def _date(_ctx: Any, _param: Any, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date in the form YYYY-MM-DD") from None


class ErpGroup(click.Group):
    """Turns every error into one line on stderr and an exit status; never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except PydanticValidationError as exc:
            _fail(pydantic_error(exc).message, 2)
        except StorageError as exc:
            _fail(exc.message, 3)
        except ErpError as exc:
            _fail(exc.message, exc.exit_code)
        except Exception as exc:
            if os.environ.get("ERP_DEBUG"):
                raise
            _fail(f"unexpected {type(exc).__name__}: {exc} (set ERP_DEBUG=1 for details)", 70)


@click.group(cls=ErpGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", envvar="ERP_DATABASE_URL", help="Database URL (default ./erp.sqlite).")
@click.option("--actor", envvar="ERP_ACTOR", help="Who is acting (default: your user name).")
@click.version_option(package_name="erp_core")
@click.pass_context
def cli(ctx: click.Context, db: str | None, actor: str | None) -> None:
    """erp: an event-sourced double-entry accounting core."""
    state = Context(db, actor)
    ctx.obj = state
    ctx.call_on_close(state.close)


# --- set-up ------------------------------------------------------------------------------


@cli.command()
@click.option("--company", required=True, help="Company name.")
@click.option("--currency", required=True, help="Base currency (ISO 4217, e.g. EUR).")
@click.option(
    "--year-start",
    required=True,
    callback=_date,
    help="First day of the first fiscal year (YYYY-MM-DD, first of a month).",
)
@pass_ctx
def init(state: Context, company: str, currency: str, year_start: dt.date) -> None:
    """Create the company with the standard chart and open its first fiscal year."""
    erp = state.erp()
    erp.init(company, currency.upper(), year_start)
    click.echo(
        f"Created {company} ({currency.upper()}) in {erp.url.redacted()}; "
        f"fiscal year {year_start.year} is open."
    )


# --- actions from files ------------------------------------------------------------------


def _read_lines(path: str) -> Iterator[tuple[int, str]]:
    stream = sys.stdin if path == "-" else open(path, encoding="utf-8")  # noqa: SIM115
    try:
        for number, line in enumerate(stream, start=1):
            if line.strip():
                yield number, line
    finally:
        if stream is not sys.stdin:
            stream.close()


def parse_line(text: str) -> Action:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError("", f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(data, dict):
        raise ValidationError("", 'each line must be a JSON object with an "action" key')
    return parse_action(data)


@cli.command()
@click.argument("file")
@click.option(
    "--all-or-nothing", is_flag=True, help="Store every line in one transaction, or none."
)
@click.option(
    "--dry-run", is_flag=True, help="Check every line against the current books; store nothing."
)
@click.option("--batch-size", default=500, show_default=True, help="Actions per atomic save.")
@pass_ctx
def apply(state: Context, file: str, all_or_nothing: bool, dry_run: bool, batch_size: int) -> None:
    """Apply actions from a JSON Lines FILE (- for stdin), one action per line.

    Each line is {"action": "<name>", ...fields}; `erp schema` lists the actions. A bad line
    is reported as `line N: field: reason` and stores nothing.
    """
    if batch_size < 1:
        raise click.BadParameter("must be at least 1", param_hint="--batch-size")
    erp = state.erp()
    parsed: list[tuple[int, Action]] = []
    errors: list[tuple[int, str]] = []
    try:
        lines = list(_read_lines(file))
    except OSError as exc:
        raise click.FileError(file, hint=exc.strerror or str(exc)) from None
    for number, text in lines:
        try:
            parsed.append((number, parse_line(text)))
        except ErpError as err:
            errors.append((number, err.message))
    applied = 0
    if all_or_nothing:
        if not errors and parsed:
            try:
                actions = [a for _, a in parsed]
                if dry_run:
                    erp.ledger.apply_batch(actions, erp.actor, strict=True, dry_run=True)
                else:
                    erp.apply_all_or_nothing(actions)
                applied = len(parsed)
            except BatchRefused as refused:
                errors.append((parsed[refused.index][0], refused.error.message))
    else:
        # A dry run checks the whole file as one batch, so later lines see earlier ones.
        size = (len(parsed) or 1) if dry_run else batch_size
        for start in range(0, len(parsed), size):
            chunk = parsed[start : start + size]
            outcomes = erp.ledger.apply_batch([a for _, a in chunk], erp.actor, dry_run=dry_run)
            if not dry_run:
                erp.catch_up()
            for (number, _), outcome in zip(chunk, outcomes, strict=True):
                if isinstance(outcome, ErpError):
                    errors.append((number, outcome.message))
                else:
                    applied += 1
    for number, message in sorted(errors):
        click.echo(f"line {number}: {message}", err=True)
    verb = "would apply" if dry_run else "applied"
    if all_or_nothing and errors:
        click.echo(f"{len(errors)} line(s) rejected; nothing was stored", err=True)
    else:
        click.echo(f"{verb} {applied} action(s), rejected {len(errors)}")
    if errors:
        sys.exit(1)


@cli.command()
@click.argument("action", required=False)
def schema(action: str | None) -> None:
    """Print the JSON Schema of ACTION, or of every action."""
    if action is None:
        out: dict[str, Any] = {"oneOf": [cls.model_json_schema() for cls in actions()]}
    else:
        cls = action_types().get(action)
        if cls is None:
            raise ValidationError(
                "action", f"unknown action {action!r}; known: {', '.join(action_types())}"
            )
        out = cls.model_json_schema()
    click.echo(json.dumps(out, indent=2))


# --- reports -----------------------------------------------------------------------------


def _emit(report: BaseModel, fmt_name: str, table: Table, rows: list[dict[str, Any]]) -> None:
    if fmt_name == "json":
        click.echo(report.model_dump_json(indent=2))
    elif fmt_name == "csv":
        buffer = io.StringIO()
        if rows:
            writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        click.echo(buffer.getvalue(), nl=False)
    else:
        Console(width=max(100, Console().width)).print(table)


def _trial_balance_out(tb: TrialBalance, fmt_name: str) -> None:
    when = f"as of {tb.as_of}" if tb.as_of else "all periods"
    table = Table(title=f"{tb.company} — Trial balance ({when}, {tb.currency})")
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
    _emit(tb, fmt_name, table, rows)


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


def _balance_sheet_out(bs: BalanceSheet, fmt_name: str) -> None:
    table = Table(title=f"{bs.company} — Balance sheet as of {bs.as_of} ({bs.currency})")
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
    _emit(bs, fmt_name, table, rows)


def _income_statement_out(inc: IncomeStatement, fmt_name: str) -> None:
    table = Table(
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
    _emit(inc, fmt_name, table, rows)


@cli.group()
def report() -> None:
    """Financial reports."""


@report.command("trial-balance")
@click.option("--as-of", callback=_date, help="Balances up to and including this date.")
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def trial_balance(state: Context, as_of: dt.date | None, fmt_name: str) -> None:
    """Balance of every account, debit and credit, with totals."""
    _trial_balance_out(state.erp().trial_balance(as_of), fmt_name)


@report.command("balance-sheet")
@click.option("--as-of", callback=_date, help="Date of the balance sheet (default today).")
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def balance_sheet(state: Context, as_of: dt.date | None, fmt_name: str) -> None:
    """Assets, liabilities and equity as of a date."""
    _balance_sheet_out(state.erp().balance_sheet(as_of or dt.date.today()), fmt_name)


@report.command("income-statement")
@click.option(
    "--from",
    "date_from",
    callback=_date,
    help="First day (default: start of the fiscal year of --to).",
)
@click.option("--to", "date_to", callback=_date, help="Last day (default today).")
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def income_statement(
    state: Context, date_from: dt.date | None, date_to: dt.date | None, fmt_name: str
) -> None:
    """Income and expenses over a date range (year-end closing entries excluded)."""
    erp = state.erp()
    end = date_to or dt.date.today()
    start = date_from or erp.fiscal_year_of(end)[0]
    _income_statement_out(erp.income_statement(start, end), fmt_name)


@report.command("general-ledger")
@click.option("--account", help="Only this account.")
@click.option("--from", "date_from", callback=_date)
@click.option("--to", "date_to", callback=_date)
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def general_ledger(
    state: Context,
    account: str | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
    fmt_name: str,
) -> None:
    """Every journal line, in log order."""
    lines = state.erp().general_ledger(account, date_from, date_to)
    if fmt_name == "json":
        click.echo(json.dumps([json.loads(x.model_dump_json()) for x in lines], indent=2))
        return
    table = Table(title="General ledger")
    for col in ("Pos", "Document", "Date", "Account", "Cur", "Amount", "Base", "Memo", "Actor"):
        table.add_column(col)
    rows = []
    for x in lines:
        table.add_row(
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
        rows.append({k: ("" if v is None else str(v)) for k, v in x.model_dump().items()})
    if fmt_name == "csv":
        buffer = io.StringIO()
        if rows:
            writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        click.echo(buffer.getvalue(), nl=False)
    else:
        Console(width=max(120, Console().width)).print(table)


def _rows_out(title: str, models: list[BaseModel], columns: list[str], fmt_name: str) -> None:
    """Print report rows as a table, JSON or CSV."""
    if fmt_name == "json":
        click.echo(json.dumps([json.loads(m.model_dump_json()) for m in models], indent=2))
        return
    rows = [
        {k: ("" if v is None else str(v)) for k, v in m.model_dump(mode="json").items()}
        for m in models
    ]
    if fmt_name == "csv":
        buffer = io.StringIO()
        fields = list(type(models[0]).model_fields) if models else columns
        writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        click.echo(buffer.getvalue(), nl=False)
        return
    table = Table(title=title)
    for col in columns:
        table.add_column(col.replace("_", " "), justify="left")
    for row in rows:
        table.add_row(*(row.get(col, "") for col in columns))
    Console(width=max(170, Console().width)).print(table)


@report.command("stock-ledger")
@click.option("--item")
@click.option("--warehouse")
@click.option("--as-of", callback=_date, help="Movements up to this date.")
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_stock_ledger(
    state: Context, item: str | None, warehouse: str | None, as_of: dt.date | None, fmt_name: str
) -> None:
    """Every stock movement with running quantity and value per item x warehouse."""
    rows = state.erp().stock_ledger(item, warehouse, as_of)
    _rows_out(
        "Stock ledger",
        list(rows),
        [
            "date",
            "document",
            "item",
            "warehouse",
            "batch",
            "kind",
            "quantity",
            "value",
            "running_quantity",
            "running_value",
        ],
        fmt_name,
    )


@report.command("stock-balance")
@click.option("--as-of", callback=_date, help="Balance at the end of this date (default today).")
@click.option("--by-batch", is_flag=True, help="One row per batch.")
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_stock_balance(
    state: Context, as_of: dt.date | None, by_batch: bool, fmt_name: str
) -> None:
    """Quantity and value of every item in every warehouse as of a date."""
    balance = state.erp().stock_balance(as_of or dt.date.today(), by_batch)
    if fmt_name == "json":
        click.echo(balance.model_dump_json(indent=2))
        return
    _rows_out(
        f"Stock balance as of {balance.as_of} ({balance.currency}); total "
        f"{fmt(balance.total_value, balance.currency)}",
        list(balance.rows),
        ["item", "warehouse", "batch", "quantity", "value"],
        fmt_name,
    )


@report.command("open-orders")
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_open_orders(state: Context, fmt_name: str) -> None:
    """Purchase order lines still to be received or invoiced."""
    _rows_out(
        "Open purchase orders",
        list(state.erp().open_orders()),
        [
            "document",
            "supplier",
            "expected_delivery",
            "status",
            "line",
            "item",
            "ordered",
            "received",
            "rejected",
            "invoiced",
            "open_quantity",
            "received_not_invoiced",
        ],
        fmt_name,
    )


@report.command("grni")
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_grni(state: Context, fmt_name: str) -> None:
    """Goods received not invoiced: the order lines whose receipts wait for an invoice."""
    lines = [x for x in state.erp().open_orders() if x.received_not_invoiced]
    total = sum((x.received_not_invoiced for x in lines), Decimal(0))
    _rows_out(
        f"Goods received not invoiced; total {fmt(total)}",
        list(lines),
        ["document", "supplier", "line", "item", "received", "invoiced", "received_not_invoiced"],
        fmt_name,
    )


@report.command("payables-aging")
@click.option("--as-of", callback=_date, help="Aging date (default today).")
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_payables_aging(state: Context, as_of: dt.date | None, fmt_name: str) -> None:
    """What is owed to each supplier, by days past the invoices' due dates."""
    aging = state.erp().payables_aging(as_of or dt.date.today())
    if fmt_name == "json":
        click.echo(aging.model_dump_json(indent=2))
        return
    _rows_out(
        f"Payables aging as of {aging.as_of} ({aging.currency}); total "
        f"{fmt(aging.total, aging.currency)}",
        list(aging.rows),
        [
            "supplier",
            "name",
            "not_due",
            "days_1_30",
            "days_31_60",
            "days_61_90",
            "over_90",
            "unallocated_payments",
            "balance",
        ],
        fmt_name,
    )


@report.command("supplier-ledger")
@click.argument("supplier")
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_supplier_ledger(state: Context, supplier: str, fmt_name: str) -> None:
    """Every invoice and payment of one supplier with the running balance."""
    _rows_out(
        f"Supplier ledger {supplier}",
        list(state.erp().supplier_ledger(supplier)),
        ["date", "document", "kind", "memo", "amount", "balance"],
        fmt_name,
    )


@report.command("receivables-aging")
@click.option("--as-of", callback=_date, help="Aging date (default today).")
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_receivables_aging(state: Context, as_of: dt.date | None, fmt_name: str) -> None:
    """What each customer owes, by days past the invoices' due dates."""
    aging = state.erp().receivables_aging(as_of or dt.date.today())
    if fmt_name == "json":
        click.echo(aging.model_dump_json(indent=2))
        return
    _rows_out(
        f"Receivables aging as of {aging.as_of} ({aging.currency}); total "
        f"{fmt(aging.total, aging.currency)}",
        list(aging.rows),
        [
            "customer",
            "name",
            "not_due",
            "days_1_30",
            "days_31_60",
            "days_61_90",
            "over_90",
            "unallocated_credits",
            "balance",
        ],
        fmt_name,
    )


@report.command("customer-ledger")
@click.argument("customer")
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_customer_ledger(state: Context, customer: str, fmt_name: str) -> None:
    """Every invoice, receipt and credit note of one customer with the running balance."""
    _rows_out(
        f"Customer ledger {customer}",
        list(state.erp().customer_ledger(customer)),
        ["date", "document", "kind", "memo", "amount", "balance"],
        fmt_name,
    )


@report.command("sales-orders")
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_sales_orders(state: Context, fmt_name: str) -> None:
    """Open sales order lines: still to deliver, or delivered and not invoiced."""
    _rows_out(
        "Open sales orders",
        list(state.erp().sales_open_orders()),
        [
            "document",
            "customer",
            "delivery_date",
            "status",
            "line",
            "item",
            "ordered",
            "delivered",
            "invoiced",
            "to_deliver",
            "delivered_not_invoiced",
        ],
        fmt_name,
    )


@report.command("margin")
@click.option(
    "--by", type=click.Choice(["item", "customer", "period"]), default="item", show_default=True
)
@click.option("--from", "date_from", callback=_date, help="First day (default: fiscal year).")
@click.option("--to", "date_to", callback=_date, help="Last day (default today).")
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_margin(
    state: Context, by: str, date_from: dt.date | None, date_to: dt.date | None, fmt_name: str
) -> None:
    """Gross margin: revenue, cost of goods sold (as the deliveries posted it), margin %."""
    erp = state.erp()
    end = date_to or dt.date.today()
    start = date_from or erp.fiscal_year_of(end)[0]
    report = erp.margin(by, start, end)
    if fmt_name == "json":
        click.echo(report.model_dump_json(indent=2))
        return
    _rows_out(
        f"Gross margin by {by}, {start} to {end} ({report.currency}); total margin "
        f"{fmt(report.total.margin, report.currency)} ({report.total.margin_percent}%)",
        [*report.rows, report.total],
        ["key", "revenue", "cost", "margin", "margin_percent"],
        fmt_name,
    )


@report.command("forecast")
@click.argument("item")
@click.option("--months", default=6, show_default=True, help="How many months ahead.")
@click.option(
    "--plot",
    "plot_file",
    type=click.Path(dir_okay=False),
    help="Also draw history, backtest and forecast as a PNG chart.",
)
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_forecast(
    state: Context, item: str, months: int, plot_file: str | None, fmt_name: str
) -> None:
    """Forecast an item's monthly demand (Holt's method), with the backtest error (MAPE)."""
    report = state.erp().sales_forecast(item, months)
    if plot_file:
        from erp_core.sales.charts import plot_forecast

        plot_forecast(report, plot_file)
    if fmt_name == "json":
        click.echo(report.model_dump_json(indent=2))
        return
    error = "n/a" if report.mape_percent is None else f"{report.mape_percent}%"
    rows = (
        [{"month": p.month, "kind": "history", "quantity": str(p.quantity)} for p in report.history]
        + [
            {"month": p.month, "kind": "backtest", "quantity": str(p.quantity)}
            for p in report.backtest
        ]
        + [
            {"month": p.month, "kind": "forecast", "quantity": str(p.quantity)}
            for p in report.forecast
        ]
    )
    if fmt_name == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(
            buffer, fieldnames=["month", "kind", "quantity"], lineterminator="\n"
        )
        writer.writeheader()
        writer.writerows(rows)
        click.echo(buffer.getvalue(), nl=False)
        return
    table = Table(
        title=f"Demand forecast for {item}: {report.method} (alpha {report.alpha}, "
        f"beta {report.beta}); backtest MAPE over {report.holdout_months} "
        f"held-out months: {error}"
    )
    for col in ("month", "kind", "quantity"):
        table.add_column(col)
    for row in rows:
        table.add_row(row["month"], row["kind"], row["quantity"])
    Console(width=max(120, Console().width)).print(table)
    if plot_file:
        click.echo(f"Chart written to {plot_file}.")


@cli.command("check")
@click.option("--format", "fmt_name", type=click.Choice(["table", "json"]), default="table")
@pass_ctx
def check_command(state: Context, fmt_name: str) -> None:
    """Reconcile every control account with its sub-ledger; exit 1 on any difference."""
    results = state.erp().check()
    if fmt_name == "json":
        click.echo(json.dumps([r.model_dump(mode="json") for r in results], indent=2))
    else:
        for r in results:
            click.echo(("ok    " if r.ok else "FAIL  ") + r.message)
    if not all(r.ok for r in results):
        sys.exit(1)


@cli.command("do", context_settings={"ignore_unknown_options": True})
@click.argument("action")
@click.argument("fields", nargs=-1)
@click.option("--idempotency-key", help="Store the action once, however often it is sent.")
@pass_ctx
def do_action(
    state: Context, action: str, fields: tuple[str, ...], idempotency_key: str | None
) -> None:
    """Apply one ACTION given as FIELD=VALUE pairs (VALUE is JSON, or else plain text).

    Example: erp do approve_purchase_order document=PO-2026-000001
    """
    data: dict[str, Any] = {"action": action}
    for pair in fields:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise click.UsageError(f"{pair!r}: give fields as FIELD=VALUE")
        # JSON for structures, booleans, null and quoted text; anything else (codes, amounts,
        # numbers) stays text, so account=1120 is the account "1120" and amounts stay exact
        if raw[:1] in ("{", "[", '"') or raw in ("true", "false", "null"):
            try:
                data[key] = json.loads(raw, parse_float=str)
            except json.JSONDecodeError as exc:
                raise click.UsageError(f"{key}: not valid JSON ({exc.msg})") from None
        else:
            data[key] = raw
    if idempotency_key:
        data["idempotency_key"] = idempotency_key
    result = state.erp().apply(data)
    stored = ", ".join(result.documents) or "done"
    click.echo(
        f"{action}: {stored}" + (" (already applied; nothing stored)" if result.duplicate else "")
    )


# --- fiscal calendar ---------------------------------------------------------------------


@cli.group()
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
    table = Table(title="Fiscal periods")
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
    Console().print(table)


@cli.group()
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


# --- projections -------------------------------------------------------------------------


@cli.group()
def projections() -> None:
    """Inspect and rebuild the read models."""


@projections.command("status")
@click.option("--format", "fmt_name", type=click.Choice(["table", "json"]), default="table")
@pass_ctx
def projections_status(state: Context, fmt_name: str) -> None:
    """Position and lag of each projection."""
    statuses = state.erp().projection_status()
    if fmt_name == "json":
        click.echo(json.dumps([s.model_dump() for s in statuses], indent=2))
        return
    table = Table(title="Projections")
    for col in ("Name", "Position", "Log head", "Lag"):
        table.add_column(col, justify="left" if col == "Name" else "right")
    for s in statuses:
        table.add_row(s.name, str(s.position), str(s.head), str(s.lag))
    Console().print(table)


@projections.command("rebuild")
@click.argument("names", nargs=-1)
@pass_ctx
def projections_rebuild(state: Context, names: tuple[str, ...]) -> None:
    """Drop the named projections (default: all) and replay them from the log."""
    erp = state.erp()
    head = erp.store.last_position()
    with Progress(
        TextColumn("rebuilding"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        disable=not sys.stderr.isatty(),
    ) as bar:
        task = bar.add_task("rebuild", total=head)
        read = erp.rebuild(
            list(names) or None,
            progress=lambda pos, top: bar.update(task, completed=pos, total=top),
        )
    click.echo(f"Rebuilt {', '.join(names) or 'all projections'}: {read} events replayed.")


# --- audit -------------------------------------------------------------------------------


@cli.group("audit")
def audit_group() -> None:
    """Prove the log was not rewritten; replay history; trace a document."""


def _read_digest(path: str) -> audit.Digest:
    try:
        return audit.Digest.model_validate_json(Path(path).read_bytes())
    except OSError as exc:
        raise click.FileError(path, hint=exc.strerror or str(exc)) from None
    except PydanticValidationError as exc:
        raise ValidationError(
            "digest", f"{path} is not a digest file: {exc.errors()[0]['msg']}"
        ) from None


@audit_group.command("verify")
@click.option(
    "--digest",
    "digest_files",
    multiple=True,
    help="An earlier digest file the log must still extend (repeatable).",
)
@click.option(
    "--public-key",
    type=click.Path(exists=True, dir_okay=False),
    help="Trusted Ed25519 public key (PEM): digests must be signed with it.",
)
@click.option("--format", "fmt_name", type=click.Choice(["table", "json"]), default="table")
@pass_ctx
def audit_verify(
    state: Context, digest_files: tuple[str, ...], public_key: str | None, fmt_name: str
) -> None:
    """Recompute the hash chain from the raw stored events and report OK or where it broke."""
    digests = [_read_digest(p) for p in digest_files]
    trusted = audit.load_public_key(Path(public_key).read_bytes()) if public_key else None
    report = state.erp().verify(digests, trusted)
    if fmt_name == "json":
        click.echo(json.dumps({**report.model_dump(mode="json"), "ok": report.ok}, indent=2))
    elif report.ok:
        checked = f"; {len(digests)} digest(s) still hold" if digests else ""
        click.echo(
            f"OK: {report.events} events verified; head position {report.head_position}, "
            f"hash {report.head_hash}{checked}"
        )
    else:
        first = report.problems[0]
        click.echo(f"FAILED at position {first.position}: {first.message}", err=True)
        shown = report.problems[1:11]
        for problem in shown:
            click.echo(f"  also: {problem.message}", err=True)
        if len(report.problems) > 1 + len(shown):
            click.echo(f"  ... and {len(report.problems) - 1 - len(shown)} more", err=True)
    if not report.ok:
        sys.exit(1)


@audit_group.command("digest")
@click.option(
    "--sign",
    "key_file",
    type=click.Path(exists=True, dir_okay=False),
    help="Ed25519 private key (PEM) to sign the digest with.",
)
@click.option(
    "--out", type=click.Path(dir_okay=False), help="Write the digest here (default stdout)."
)
@pass_ctx
def audit_digest(state: Context, key_file: str | None, out: str | None) -> None:
    """Print the head of the log (position, hash, time), signed with --sign KEY."""
    key = Path(key_file).read_bytes() if key_file else None
    digest = state.erp().digest(key)
    body = digest.model_dump_json(indent=2)
    if out:
        with open(out, "w", encoding="utf-8") as handle:
            handle.write(body + "\n")
        click.echo(f"Digest of position {digest.position} written to {out}.")
    else:
        click.echo(body)


@audit_group.command("keygen")
@click.argument("private_file", type=click.Path(dir_okay=False))
@click.argument("public_file", type=click.Path(dir_okay=False))
def audit_keygen(private_file: str, public_file: str) -> None:
    """Make an Ed25519 key pair for signing digests (private key written with mode 600)."""
    for path in (private_file, public_file):
        if os.path.exists(path):
            raise click.UsageError(f"{path} already exists; not overwriting a key")
    private, public = audit.keygen()
    fd = os.open(private_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(private)
    with open(public_file, "wb") as handle:
        handle.write(public)
    click.echo(f"Private key: {private_file} (keep it secret); public key: {public_file}.")


def _moment(_ctx: Any, _param: Any, value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise click.BadParameter("give a time zone, e.g. 2026-04-10T17:00:00+00:00")
    return moment


@audit_group.command("replay")
@click.option("--as-of-position", "position", type=int, help="Replay the log up to this position.")
@click.option(
    "--known-at",
    "known_at",
    callback=_moment,
    help="Replay what was known at this time (ISO 8601 with zone).",
)
@click.option(
    "--as-of", callback=_date, help="Effective date of the balance sheet / trial balance."
)
@click.option("--from", "date_from", callback=_date, help="Income statement start.")
@click.option("--to", "date_to", callback=_date, help="Income statement end (default --as-of).")
@click.option(
    "--report",
    "which",
    type=click.Choice(["all", "trial-balance", "balance-sheet", "income-statement"]),
    default="all",
)
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def audit_replay(
    state: Context,
    position: int | None,
    known_at: dt.datetime | None,
    as_of: dt.date | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
    which: str,
    fmt_name: str,
) -> None:
    """Rebuild every projection up to a point into a scratch database and print the reports
    as they were then (the live projections are not touched)."""
    erp = state.erp()
    with erp.replay(position=position, known_at=known_at) as then:
        day = as_of or dt.date.today()
        end = date_to or day
        click.echo(f"As known at log position {then.position}:", err=True)
        if which in ("all", "trial-balance"):
            _trial_balance_out(then.trial_balance(as_of), fmt_name)
        if which in ("all", "income-statement"):
            start = date_from or erp.fiscal_year_of(end)[0]
            _income_statement_out(then.income_statement(start, end), fmt_name)
        if which in ("all", "balance-sheet"):
            _balance_sheet_out(then.balance_sheet(day), fmt_name)


@audit_group.command("trail")
@click.argument("document")
@click.option("--format", "fmt_name", type=click.Choice(["table", "json"]), default="table")
@pass_ctx
def audit_trail(state: Context, document: str, fmt_name: str) -> None:
    """Every stored event of DOCUMENT (e.g. JV-2026-000001) or stream (fy:2026, chart)."""
    entries = state.erp().trail(document)
    if fmt_name == "json":
        click.echo(json.dumps([e.model_dump(mode="json") for e in entries], indent=2))
        return
    table = Table(title=f"Audit trail of {document}")
    for col in ("Position", "Version", "Recorded at", "Actor", "Event", "Details"):
        table.add_column(col)
    for e in entries:
        details = dict(e.details)
        lines: list[dict[str, Any]] = details.pop("lines", None) or []  # type: ignore[assignment]
        summary = ", ".join(f"{k}={v}" for k, v in details.items() if v not in (None, "", {}))
        table.add_row(str(e.position), str(e.version), e.recorded_at, e.actor, e.event, summary)
        for line in lines:
            table.add_row(
                "",
                "",
                "",
                "",
                "",
                f"  {line['account']} {line['currency']} {line['amount']} (base {line['base']})",
            )
    Console(width=max(120, Console().width)).print(table)


# --- exports -----------------------------------------------------------------------------


@cli.group("export")
def export_group() -> None:
    """Exports auditors can check with their own tools."""


@export_group.command("beancount")
@click.argument("file", type=click.Path(dir_okay=False))
@pass_ctx
def export_beancount(state: Context, file: str) -> None:
    """Write the general ledger, read from the log, as beancount text (check it with bean-check)."""
    with open(file, "w", encoding="utf-8") as out:
        count = state.erp().export_beancount(out)
    click.echo(f"Wrote {count} transactions to {file}.")


@export_group.command("gl")
@click.option("--format", "fmt_name", type=click.Choice(["csv", "json"]), default="csv")
@click.option("--out", type=click.Path(dir_okay=False), help="File to write (default stdout).")
@pass_ctx
def export_gl(state: Context, fmt_name: str, out: str | None) -> None:
    """Every journal line: document, posting date, recorded time, account, amounts, actor."""
    lines = state.erp().general_ledger()
    buffer = io.StringIO()
    if fmt_name == "json":
        json.dump([json.loads(x.model_dump_json()) for x in lines], buffer, indent=2)
    else:
        fields = list(LedgerLine.model_fields)
        writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        for x in lines:
            writer.writerow(
                {k: "" if v is None else v for k, v in x.model_dump(mode="json").items()}
            )
    if out:
        with open(out, "w", encoding="utf-8") as handle:
            handle.write(buffer.getvalue())
        click.echo(f"Wrote {len(lines)} journal lines to {out}.")
    else:
        click.echo(buffer.getvalue(), nl=False)


# --- demo --------------------------------------------------------------------------------


@cli.command()
@pass_ctx
def demo(state: Context) -> None:
    """Build a demo company's year of business through the public API and print its statements."""
    from erp_core.demo import build_demo

    erp = state.erp()
    year_label = build_demo(erp)
    start, end = dt.date(year_label, 1, 1), dt.date(year_label, 12, 31)
    _trial_balance_out(erp.trial_balance(end), "table")
    _income_statement_out(erp.income_statement(start, end), "table")
    _balance_sheet_out(erp.balance_sheet(end), "table")
    balance = erp.stock_balance(end)
    _rows_out(
        f"Stock balance as of {end}; total {fmt(balance.total_value, balance.currency)}",
        list(balance.rows),
        ["item", "warehouse", "quantity", "value"],
        "table",
    )
    aging = erp.payables_aging(end)
    _rows_out(
        f"Payables aging as of {end}; total {fmt(aging.total, aging.currency)}",
        list(aging.rows),
        [
            "supplier",
            "name",
            "not_due",
            "days_1_30",
            "days_31_60",
            "over_90",
            "unallocated_payments",
            "balance",
        ],
        "table",
    )
    aging_ar = erp.receivables_aging(end)
    _rows_out(
        f"Receivables aging as of {end}; total {fmt(aging_ar.total, aging_ar.currency)}",
        list(aging_ar.rows),
        ["customer", "name", "not_due", "days_1_30", "days_31_60", "over_90", "balance"],
        "table",
    )
    margin = erp.margin("item", start, end)
    _rows_out(
        f"Gross margin by item, {start} to {end}",
        [*margin.rows, margin.total],
        ["key", "revenue", "cost", "margin", "margin_percent"],
        "table",
    )
    forecast = erp.sales_forecast("WIDGET", 6)
    click.echo(
        f"Widget demand forecast ({forecast.method}, backtest MAPE {forecast.mape_percent}% "
        f"over {forecast.holdout_months} months): "
        + ", ".join(f"{p.month} {p.quantity}" for p in forecast.forecast)
    )
    for result in erp.check():
        click.echo(("ok    " if result.ok else "FAIL  ") + result.message)


# --- entry point -------------------------------------------------------------------------


def _fail(message: str, code: int) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI (the `erp` console script)."""
    cli.main(args=argv, prog_name="erp")


if __name__ == "__main__":
    main()
