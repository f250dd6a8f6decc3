"""``erp report pack``: a management pack in one folder.

What it writes (``DIR`` is created if its parent exists; files of an earlier pack are
replaced):

- ``index.html``: one page with the KPIs (beside the previous period), the income statement and
  balance sheet in columns, budget against actual (when a budget ``main`` covers whole
  months), and the charts;
- ``pack.pdf``: the same tables and charts as a PDF (needs the ``pdf`` extra, fpdf2; without
  it the pack says so and writes the rest);
- ``kpi.csv``, ``income-statement.csv``, ``balance-sheet.csv`` (and ``budget-variance.csv``);
- ``charts/``: ``revenue-margin.png`` (revenue and gross margin % per period),
  ``cash.png`` (cash and bank at each period's end: the accounts the cash-flow statement counts
  as cash), ``receivables-aging.png`` (open receivables by days past due at the end),
  ``stock-value.png`` (stock value by item at the end, the largest 15; items have no classes
  here, so the item is the class), and one process map per named process with cases in the
  range (``process-purchase-to-pay.png``, ...).

Charts need the ``plot`` extra (matplotlib).
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from erp_core.kernel.errors import ValidationError

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from erp_core.api import Erp
    from erp_core.ledger.comparative import MultiStatement


@dataclass
class Pack:
    folder: Path
    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sections: list[tuple[str, list[str], list[list[str]]]] = field(default_factory=list)
    charts: list[tuple[str, Path]] = field(default_factory=list)

    def table(self, title: str, header: list[str], rows: list[list[str]], csv_name: str) -> None:
        import csv

        self.sections.append((title, header, rows))
        path = self.folder / csv_name
        with path.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)
        self.files.append(path)


def _money(v: Decimal) -> str:
    return format(v, "f")


def _statement_rows(m: MultiStatement) -> tuple[list[str], list[list[str]]]:
    header = ["section", "account", "name", *(c.label for c in m.columns)]
    rows = [[r.section, r.account, r.name, *(_money(a) for a in r.amounts)] for r in m.rows]
    return header, rows


def cash_at(conn: Connection, day: dt.date) -> Decimal:
    """The balance of the cash accounts (as the cash-flow statement tags them) at ``day``."""
    from erp_core.assets.cash_flow_report import effective_tags
    from erp_core.kernel.money import from_minor
    from erp_core.ledger.cash_flow import CashFlowTag
    from erp_core.projections import queries
    from erp_core.projections.schema import daily_balances as d

    _, base = queries.company(conn)
    cash = [code for code, tag in effective_tags(conn).items() if tag is CashFlowTag.CASH]
    total = conn.execute(
        select(func.sum(d.c.base_minor)).where(d.c.account.in_(cash), d.c.date <= day)
    ).scalar()
    return from_minor(int(total or 0), base)


def stock_value_by_item(conn: Connection, day: dt.date) -> list[tuple[str, Decimal]]:
    from erp_core.kernel.money import from_minor
    from erp_core.projections import queries
    from erp_core.projections.schema import stock_movements as s

    _, base = queries.company(conn)
    rows = conn.execute(
        select(s.c.item, func.sum(s.c.value_minor)).where(s.c.date <= day).group_by(s.c.item)
    ).all()
    values = [(str(item), from_minor(int(v or 0), base)) for item, v in rows if v]
    return sorted(values, key=lambda iv: (-iv[1], iv[0]))


def build_pack(
    erp: Erp, out: str | Path, date_from: dt.date, date_to: dt.date, by: str = "month"
) -> Pack:
    """Write the management pack of ``date_from`` to ``date_to`` (columns ``by`` month or
    quarter) into the folder ``out``; return what was written."""
    from erp_core.insight import charts
    from erp_core.insight.reports import PROCESS_KINDS, kpi_columns_of, load_log, process_report_of
    from erp_core.insight.variance import budget_variance, read_budget
    from erp_core.ledger.comparative import balance_sheets, income_statements

    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise ValidationError("out", f"{str(folder)!r} is a file, not a folder")
    if not folder.parent.is_dir():
        raise ValidationError("out", f"no folder {str(folder.parent)!r} to create the pack in")
    if date_to < date_from:
        raise ValidationError("to", f"the end {date_to} is before the start {date_from}")
    charts._pyplot()  # the charts are the point: refuse before writing anything without them
    (folder / "charts").mkdir(parents=True, exist_ok=True)
    pack = Pack(folder)

    # KPIs beside the previous period
    columns = kpi_columns_of(erp, date_from, date_to, by)
    kpi_rows = []
    for col in columns:
        before = {k.name: k for k in col.previous.figures()}
        for k in col.current.figures():
            p = before[k.name]
            kpi_rows.append(
                [
                    col.label,
                    k.name,
                    "" if k.value is None else format(k.value, "f"),
                    "" if p.value is None else format(p.value, "f"),
                    k.unit,
                    k.reason or k.formula,
                ]
            )
    pack.table(
        "KPIs (beside the previous period)",
        ["period", "kpi", "value", "previous", "unit", "formula / note"],
        kpi_rows,
        "kpi.csv",
    )
    currency = columns[0].current.currency
    labels = [c.label for c in columns]
    revenue = [c.current.revenue for c in columns]
    margin = [c.current.gross_margin_pct.value for c in columns]

    # statements in columns
    inc = erp.query(income_statements, date_from, date_to, by)
    header, rows = _statement_rows(inc)
    pack.table(f"Income statement ({currency})", header, rows, "income-statement.csv")
    bs = erp.query(balance_sheets, date_from, date_to, by)
    header, rows = _statement_rows(bs)
    pack.table(
        f"Balance sheet at each period's end ({currency})", header, rows, "balance-sheet.csv"
    )

    # budget against actual, when there is a budget and the range is whole months
    if erp.query(read_budget, "main"):
        try:
            bv = erp.query(budget_variance, date_from, date_to, "main")
        except ValidationError as exc:
            pack.notes.append(f"budget against actual left out: {exc}")
        else:
            pack.table(
                f"Budget 'main' against actual ({currency})",
                ["account", "name", "actual", "budget", "variance", "variance %"],
                [
                    [
                        r.account,
                        r.name,
                        _money(r.actual),
                        _money(r.budget),
                        _money(r.variance),
                        "" if r.variance_pct is None else format(r.variance_pct, "f"),
                    ]
                    for r in bv.rows
                ],
                "budget-variance.csv",
            )

    # charts
    def chart(name: str, title: str) -> Path:
        path = folder / "charts" / name
        pack.charts.append((title, path))
        pack.files.append(path)
        return path

    charts.plot_revenue_margin(
        labels, revenue, margin, currency, chart("revenue-margin.png", "Revenue and margin")
    )
    cash = [erp.query(cash_at, c.current.date_to) for c in columns]
    charts.plot_series(
        labels,
        cash,
        "Cash and bank at each period's end",
        currency,
        chart("cash.png", "Cash position"),
    )
    aging = erp.receivables_aging(date_to)
    buckets = {
        "not due": sum((r.not_due for r in aging.rows), Decimal(0)),
        "1-30 days": sum((r.days_1_30 for r in aging.rows), Decimal(0)),
        "31-60 days": sum((r.days_31_60 for r in aging.rows), Decimal(0)),
        "61-90 days": sum((r.days_61_90 for r in aging.rows), Decimal(0)),
        "over 90 days": sum((r.over_90 for r in aging.rows), Decimal(0)),
    }
    charts.plot_bars(
        list(buckets),
        list(buckets.values()),
        f"Receivables by days past due at {date_to}",
        currency,
        chart("receivables-aging.png", "Receivables aging"),
    )
    stock = erp.query(stock_value_by_item, date_to)[:15]
    if stock:
        charts.plot_bars(
            [i for i, _ in stock],
            [v for _, v in stock],
            f"Stock value by item at {date_to}",
            currency,
            chart("stock-value.png", "Stock value"),
        )
    else:
        pack.notes.append("no stock at the end: no stock chart")
    log = load_log(erp, "effective", date_from, date_to)  # the business period
    for kind in PROCESS_KINDS.values():
        if kind.object_type not in log.object_types:
            continue
        rep = process_report_of(log, kind.name, "effective")
        charts.plot_process_map(rep, chart(f"process-{kind.name}.png", f"Process: {kind.name}"))

    company = inc.company
    title = f"{company}: management pack {date_from} to {date_to}"
    index = folder / "index.html"
    index.write_text(_html(title, pack), encoding="utf-8")
    pack.files.insert(0, index)
    try:
        pdf = _pdf(title, pack)
    except ImportError:
        pack.notes.append("pack.pdf not written: it needs fpdf2 (pip install 'erp_core[pdf]')")
    else:
        (folder / "pack.pdf").write_bytes(pdf)
        pack.files.insert(1, folder / "pack.pdf")
    return pack


def _html(title: str, pack: Pack) -> str:
    e = html.escape
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{e(title)}</title><style>body{{font-family:sans-serif;margin:2em}}"
        "table{border-collapse:collapse;margin-bottom:2em}td,th{border:1px solid #ccc;"
        "padding:2px 6px;text-align:right}td:nth-child(-n+3),th:nth-child(-n+3)"
        "{text-align:left}</style></head><body>",
        f"<h1>{e(title)}</h1>",
    ]
    parts += [f"<p><em>{e(n)}</em></p>" for n in pack.notes]
    for name, path in pack.charts:
        rel = path.relative_to(pack.folder).as_posix()
        parts.append(f"<h2>{e(name)}</h2><img src='{e(rel)}' alt='{e(name)}' width='800'>")
    for section, header, rows in pack.sections:
        parts.append(f"<h2>{e(section)}</h2><table><tr>")
        parts += [f"<th>{e(h)}</th>" for h in header]
        parts.append("</tr>")
        for row in rows:
            parts.append("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>")
        parts.append("</table>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _pdf(title: str, pack: Pack) -> bytes:
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    down = {"new_x": XPos.LMARGIN, "new_y": YPos.NEXT}

    def t(value: str) -> str:
        return value.encode("latin-1", "replace").decode("latin-1")

    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_creation_date(dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    pdf.set_title(t(title))
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.multi_cell(0, 8, t(title), **down)  # type: ignore[arg-type]
    pdf.set_font("Helvetica", "", 8)
    for note in pack.notes:
        pdf.multi_cell(0, 5, t(note), **down)  # type: ignore[arg-type]
    for name, path in pack.charts:
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 11)
        pdf.cell(0, 7, t(name))
        pdf.ln(8)
        pdf.image(str(path), w=min(pdf.epw, 240))
    for section, header, rows in pack.sections:
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 11)
        pdf.cell(0, 7, t(section))
        pdf.ln(8)
        pdf.set_font("Helvetica", "", 6.5)
        widths = _widths(header, rows, pdf.epw)
        for row in [header, *rows]:
            for text, w in zip(row, widths, strict=True):
                pdf.cell(w, 4, t(str(text))[: int(w * 0.8)], border=1)
            pdf.ln(4)
    return bytes(pdf.output())


def _widths(header: list[str], rows: list[list[str]], total: float) -> list[float]:
    longest = [max([len(h), *(len(str(r[i])) for r in rows)]) for i, h in enumerate(header)]
    capped = [min(max(n, 4), 40) for n in longest]
    scale = total / sum(capped)
    return [n * scale for n in capped]


def summary(pack: Pack) -> list[str]:
    """What the pack holds, one line each (for the command line)."""
    return [str(p.relative_to(pack.folder)) for p in pack.files] + pack.notes
