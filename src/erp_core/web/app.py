"""The web console's Starlette application: read-only pages over one company's books.

Every page reads through the `Erp` facade (the same report models and figures as the CLI), so
once access control is on each page is limited by the logged-in user's report permissions
(`report:<name>` or `report:*`), checked by the facade itself. Only GET (and HEAD) routes read;
the only POSTs are logging in and out, both behind a CSRF token.

The facade holds one actor and credential; requests are served one at a time under a lock that
sets them for the request's user, so one user's permissions never leak into another's page.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hmac
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.applications import Starlette
from starlette.datastructures import QueryParams
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from erp_core.kernel.errors import AccessDenied, ErpError, NotFound, ValidationError
from erp_core.kernel.money import fmt, from_minor

if TYPE_CHECKING:
    from erp_core.api import BooksAt, Erp
    from erp_core.audit.verify import ChainReport, Digest
    from erp_core.web.known import KnownAtCache

SESSION_COOKIE = "erp_session"
CSRF_COOKIE = "erp_csrf"
PAGE_SIZE = 500  # ledger lines per page
MEMO_SIZE = 32  # computed pages kept per log head (`Console.memo`)
T = TypeVar("T")
# A document number: no ":" (so no raw stream such as the access control's can be named),
# no "/" (path traversal), nothing a URL would have to escape.
DOCUMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

NAV = (
    ("/trial-balance", "Trial balance"),
    ("/balance-sheet", "Balance sheet"),
    ("/income-statement", "Income statement"),
    ("/cash-flow", "Cash flow"),
    ("/receivables", "Receivables"),
    ("/payables", "Payables"),
    ("/stock", "Stock"),
    ("/work-orders", "Work orders"),
    ("/assets", "Assets"),
    ("/payroll", "Payroll"),
    ("/process", "Process"),
    ("/kpi", "KPIs"),
    ("/audit", "Audit"),
)


@dataclass
class Session:
    user: str
    token: str
    csrf: str
    started: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))


@dataclass(frozen=True)
class Cell:
    """One table cell: its text, an optional link, and the exact amount behind a figure."""

    text: str
    href: str | None = None
    amount: str | None = None  # str(Decimal): what the CLI's JSON shows

    @property
    def numeric(self) -> bool:
        return self.amount is not None


def money(amount: Decimal | None, currency: str, href: str | None = None) -> Cell:
    if amount is None:
        return Cell("")
    return Cell(fmt(amount, currency), href, str(amount))


def account_href(code: str, **query: object) -> str:
    from urllib.parse import quote, urlencode

    extra = {k: v for k, v in query.items() if v is not None and v != ""}
    return f"/accounts/{quote(code, safe='')}" + (f"?{urlencode(extra)}" if extra else "")


def document_href(number: str) -> str | None:
    from urllib.parse import quote

    return f"/documents/{quote(number, safe='')}" if DOCUMENT.match(number) else None


def _date(params: QueryParams, name: str, default: dt.date | None) -> dt.date | None:
    raw = params.get(name, "").strip()
    if not raw:
        return default
    if not DATE.match(raw):
        raise ValidationError(name, f"expected a date as YYYY-MM-DD, got {raw[:40]!r}")
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ValidationError(name, f"{raw!r} is not a date") from None


def _code(params: QueryParams, name: str) -> str | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    if not CODE.match(raw):
        raise ValidationError(name, "not a code (letters, digits, '.', '_' or '-')")
    return raw


def known_at(params: QueryParams) -> dict[str, Any] | None:
    """`position=N` or `known_at=<ISO 8601 moment with a zone>`: the page as the log knew it
    then (`Erp.replay`); None for the live books."""
    position = params.get("position", "").strip()
    moment = params.get("known_at", "").strip()
    if position and moment:
        raise ValidationError("position", "give a log position or a moment, not both")
    if position:
        if not position.isdigit() or len(position) > 12:
            raise ValidationError(
                "position", f"a log position is a whole number, got {position[:40]!r}"
            )
        return {"position": int(position)}
    if moment:
        try:
            when = dt.datetime.fromisoformat(moment[:40])
        except ValueError:
            raise ValidationError(
                "known_at", f"expected an ISO 8601 moment, got {moment[:40]!r}"
            ) from None
        if when.tzinfo is None:
            raise ValidationError(
                "known_at", "give the moment's zone (e.g. 2026-03-01T12:00:00+00:00)"
            )
        return {"known_at": when}
    return None


def carrier(known: int | None) -> Callable[[str | None], str | None]:
    """A link on this site kept "as known at" the page's position (other links unchanged), so
    a drill-down from a page of the past stays in the past."""

    def carry(href: str | None) -> str | None:
        if known is None or not href or not href.startswith(("/", "?")) or href.startswith("//"):
            return href
        if re.search(r"[?&](position|known_at)=", href):
            return href
        return f"{href}{'&' if '?' in href else '?'}position={known}"

    return carry


def period(erp: Erp, params: QueryParams) -> tuple[dt.date, dt.date]:
    """`from` and `to` (default: today, and the start of its fiscal year), in order."""
    end = _date(params, "to", dt.date.today())
    assert end is not None
    start = _date(params, "from", None) or erp.fiscal_year_of(end)[0]
    if start > end:
        raise ValidationError("from", f"{start} is after the end {end}")
    return start, end


def cash_flow_method(params: QueryParams) -> str:
    method = params.get("method", "indirect")
    if method not in ("indirect", "direct"):
        raise ValidationError("method", "must be indirect or direct")
    return method


def _check_path(value: str, pattern: re.Pattern[str], what: str) -> str:
    if not pattern.match(value):
        raise NotFound(f"no {what} {value[:80]!r}")
    return value


class Console:
    """The application's state: the books, the lock that serialises reads, the sessions."""

    def __init__(
        self,
        erp: Erp,
        *,
        secure_cookies: bool = False,
        digests: Sequence[Digest] = (),
        trusted_public_key: str | None = None,
    ) -> None:
        self.erp = erp
        self.digests = list(digests)
        self.trusted_public_key = trusted_public_key
        self.lock = threading.RLock()
        self.sessions: dict[str, Session] = {}
        self._known: KnownAtCache | None = None
        self._memo: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self.secure_cookies = secure_cookies
        here = Path(__file__).parent / "templates"
        self.env = Environment(
            loader=FileSystemLoader(str(here)),
            autoescape=select_autoescape(["html", "svg"], default=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    # -- access ------------------------------------------------------------------------------
    def access_on(self) -> bool:
        with self.lock:
            return self.erp.access_control_enabled()

    def session_of(self, request: Request) -> Session | None:
        sid = request.cookies.get(SESSION_COOKIE, "")
        return self.sessions.get(sid) if sid else None

    @contextlib.contextmanager
    def acting(self, session: Session | None) -> Iterator[Erp]:
        """The books with the request's user as actor (the lock held throughout)."""
        with self.lock:
            if session is None:
                yield self.erp
                return
            with self.erp.acting_as(session.user, session.token) as erp:
                yield erp

    def books_at(self, moment: dict[str, Any]) -> BooksAt:
        """The books as known at a position or a moment (`known_at`'s answer), from the cache
        of copies; call with the lock held (inside `acting`)."""
        from erp_core.web.known import KnownAtCache, resolve

        self.erp.authorise_report("replay")  # as `erp audit replay`: before any work
        if self._known is None:
            self._known = KnownAtCache()
        return self._known.get(self.erp, resolve(self.erp, moment))

    def memo(self, erp: Erp, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
        """`compute()`, or what it gave for the same user, `key` and log head before: the
        log only grows, so a figure computed at one head stays right until the next event
        (a change of anyone's permissions is an event too). For the pages that fold much of
        the book (the KPIs month by month, the process map)."""
        full = (type(erp).__name__, erp.actor, erp.freshness()[1], *key)
        if full in self._memo:
            self._memo.move_to_end(full)
            return cast(T, self._memo[full])
        value = compute()
        self._memo[full] = value
        while len(self._memo) > MEMO_SIZE:
            self._memo.popitem(last=False)
        return value

    def close(self) -> None:
        """Remove the "as known at" copies (the live books stay open: they are the caller's)."""
        with self.lock:
            if self._known is not None:
                self._known.close()

    # -- rendering ---------------------------------------------------------------------------
    def page(
        self, request: Request, template: str, status: int = 200, **context: Any
    ) -> HTMLResponse:
        session = self.session_of(request)
        known = getattr(request.state, "known", None)
        carry = carrier(known)
        for name in ("rows", "totals"):
            if name in context:
                context[name] = [
                    [
                        Cell(c.text, carry(c.href), c.amount)
                        if isinstance(c, Cell) and c.href
                        else c
                        for c in row
                    ]
                    for row in context[name]
                ]
        filters = list(context.pop("filters", []))
        if not any(name == "position" for name, _, _ in filters):
            filters += known_filters(request.query_params)
        live = request.url.remove_query_params(["position", "known_at", "page"])
        html = self.env.get_template(template).render(
            nav=[(carry(h), label) for h, label in NAV]
            if (session or not self.access_on_cached)
            else (),
            path=request.url.path,
            known=known,
            carry=carry,
            filters=filters,
            live_href=live.path + (f"?{live.query}" if live.query else ""),
            user=session.user if session else None,
            csrf=session.csrf if session else "",
            company=self.company_name,
            **context,
        )
        return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)

    access_on_cached = False
    company_name = ""


SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}

Handler = Callable[[Console, Request, "Erp"], HTMLResponse]


def _view(console: Console, handler: Handler) -> Callable[[Request], Any]:
    """A read-only page: login required when access control is on; errors as pages."""

    def endpoint(request: Request) -> Response:
        on = console.access_on()
        console.access_on_cached = on
        session = console.session_of(request)
        if on and session is None:
            from urllib.parse import quote

            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
        try:
            with console.acting(session if on else None) as erp:
                moment = known_at(request.query_params)
                if moment is None:
                    return handler(console, request, erp)
                then = console.books_at(moment)
                request.state.known = then.position
                return handler(console, request, then)
        except NotFound as exc:
            return console.page(request, "error.html", 404, title="Not found", message=str(exc))
        except AccessDenied as exc:
            return console.page(request, "error.html", 403, title="Not allowed", message=str(exc))
        except ValidationError as exc:
            return console.page(request, "error.html", 400, title="Bad request", message=str(exc))
        except ErpError as exc:
            return console.page(request, "error.html", 409, title="Refused", message=str(exc))

    async def run(request: Request) -> Response:
        from starlette.concurrency import run_in_threadpool

        return await run_in_threadpool(endpoint, request)

    return run


# -- pages -------------------------------------------------------------------------------------


def index(console: Console, request: Request, erp: Erp) -> HTMLResponse:
    return console.page(request, "index.html", title="Books")


def trial_balance(console: Console, request: Request, erp: Erp) -> HTMLResponse:
    as_of = _date(request.query_params, "as_of", None)
    tb = erp.trial_balance(as_of)
    to = as_of.isoformat() if as_of else None
    pos = tb.as_known_at
    rows = [
        [
            Cell(r.account, account_href(r.account, to=to, position=pos)),
            Cell(r.name),
            Cell(r.currency),
            money(r.debit, tb.currency, account_href(r.account, to=to, position=pos))
            if r.debit
            else Cell(""),
            money(r.credit, tb.currency, account_href(r.account, to=to, position=pos))
            if r.credit
            else Cell(""),
            money(r.amount, r.currency) if r.currency != tb.currency else Cell(""),
        ]
        for r in tb.rows
    ]
    total = [
        Cell(""),
        Cell("Total"),
        Cell(""),
        money(tb.total_debit, tb.currency),
        money(tb.total_credit, tb.currency),
        Cell(""),
    ]
    return console.page(
        request,
        "table.html",
        title=f"Trial balance ({'as of ' + str(tb.as_of) if tb.as_of else 'all periods'}, "
        f"{tb.currency})",
        picker=[("as_of", "As of", as_of)],
        columns=["Account", "Name", "Cur", "Debit", "Credit", "Amount (cur)"],
        rows=rows,
        totals=[total],
        table_id="trial-balance",
    )


def known_filters(params: QueryParams) -> list[tuple[str, str, str]]:
    return [
        ("position", "As known at log position", params.get("position", "")[:20]),
        ("known_at", "or at moment", params.get("known_at", "")[:40]),
    ]


def _section_rows(
    section: Any,
    currency: str,
    date_from: dt.date | None,
    date_to: dt.date,
    position: int | None = None,
) -> list[list[Cell]]:
    rows = [[Cell(section.title), Cell("")]]
    f, t = (date_from.isoformat() if date_from else None), date_to.isoformat()
    for line in section.lines:
        href = (
            None
            if line.is_group
            else account_href(line.account, **{"from": f, "to": t, "position": position})
        )
        rows.append(
            [
                Cell("\u2003" * (line.depth + 1) + f"{line.account} {line.name}", href),
                money(line.amount, currency, href),
            ]
        )
    rows.append([Cell(f"Total {section.title.lower()}"), money(section.total, currency)])
    return rows


def balance_sheet(console: Console, request: Request, erp: Erp) -> HTMLResponse:
    as_of = _date(request.query_params, "as_of", dt.date.today())
    assert as_of is not None
    bs = erp.balance_sheet(as_of)
    rows = []
    for section in (bs.assets, bs.liabilities, bs.equity):
        rows += _section_rows(section, bs.currency, None, as_of, bs.as_known_at)
    rows.append(
        [Cell("Current earnings (unclosed profit)"), money(bs.current_earnings, bs.currency)]
    )
    totals = [
        [
            Cell("Total liabilities and equity"),
            money(bs.total_liabilities_and_equity, bs.currency),
        ]
    ]
    return console.page(
        request,
        "table.html",
        title=f"Balance sheet as of {bs.as_of} ({bs.currency})",
        picker=[("as_of", "As of", as_of)],
        columns=["", "Amount"],
        rows=rows,
        totals=totals,
        table_id="balance-sheet",
    )


def income_statement(console: Console, request: Request, erp: Erp) -> HTMLResponse:
    start, end = period(erp, request.query_params)
    inc = erp.income_statement(start, end)
    rows = _section_rows(inc.income, inc.currency, start, end, inc.as_known_at)
    rows += _section_rows(inc.expenses, inc.currency, start, end, inc.as_known_at)
    return console.page(
        request,
        "table.html",
        title=f"Income statement {inc.date_from} to {inc.date_to} ({inc.currency})",
        picker=[("from", "From", start), ("to", "To", end)],
        columns=["", "Amount"],
        rows=rows,
        totals=[[Cell("Net profit"), money(inc.net_profit, inc.currency)]],
        table_id="income-statement",
    )


def cash_flow(console: Console, request: Request, erp: Erp) -> HTMLResponse:
    from erp_core.assets.cash_flow_report import cash_flow as cash_flow_query

    start, end = period(erp, request.query_params)
    method = cash_flow_method(request.query_params)
    report = erp.query(cash_flow_query, start, end, method)
    totals = [
        (label, amount)
        for label, amount in (
            ("Net change in cash", report.net_change),
            ("Opening cash", report.opening_cash),
            ("Closing cash", report.closing_cash),
        )
    ]
    return console.page(
        request,
        "cash_flow.html",
        title=f"Cash-flow statement ({method}) {start} to {end} ({report.currency})",
        picker=[("from", "From", start), ("to", "To", end)],
        method=method,
        report=report,
        totals=totals,
        money=money,
        account_href=account_href,
        f=start.isoformat(),
        t=end.isoformat(),
    )


@dataclass(frozen=True)
class LedgerSlice:
    """Some lines of an account's general ledger and the figures around them."""

    lines: list[Any]  # LedgerLine
    count: int  # lines in the whole ledger (of the dates asked)
    before: Decimal  # the base-currency sum of the lines before the slice
    total: Decimal  # the base-currency sum of every line
    base: str


def ledger_slice(
    erp: Erp,
    code: str,
    start: dt.date | None,
    end: dt.date | None,
    offset: int,
    limit: int | None,
) -> LedgerSlice:
    """An account's ledger from line `offset` (at most `limit` lines), its count and sums
    computed by the database, so a page of a 100,000-line ledger reads only its own lines.
    A user whose record rules limit what they see gets the facade's whole filtered ledger,
    sliced here, so the figures are always of what they may see."""
    from sqlalchemy import func, select

    from erp_core.projections import queries
    from erp_core.projections.schema import gl_lines as g

    scope = erp.authorise_report("general-ledger")
    with erp.reader.connect() as conn:
        _, base = queries.company(conn)
    if scope is not None and scope.limited:
        every = erp.general_ledger(code, start, end)
        return LedgerSlice(
            every[offset : None if limit is None else offset + limit],
            len(every),
            sum((x.base for x in every[:offset]), Decimal(0)),
            sum((x.base for x in every), Decimal(0)),
            base,
        )
    with erp.reader.connect() as conn:
        if code not in queries.account_codes(conn):
            raise NotFound(f"unknown account {code!r}")
        where = [g.c.account == code]
        if start is not None:
            where.append(g.c.date >= start)
        if end is not None:
            where.append(g.c.date <= end)
        count, total = conn.execute(
            select(func.count(), func.coalesce(func.sum(g.c.base_minor), 0)).where(*where)
        ).one()
        first = (
            select(g.c.base_minor)
            .where(*where)
            .order_by(g.c.position, g.c.line_no)
            .limit(offset)
            .subquery()
        )
        before = conn.execute(select(func.coalesce(func.sum(first.c.base_minor), 0))).scalar()
        lines = queries.general_ledger(conn, code, start, end, limit, offset)
    return LedgerSlice(
        lines, int(count), from_minor(int(before or 0), base), from_minor(int(total), base), base
    )


def general_ledger(console: Console, request: Request, erp: Erp) -> HTMLResponse:
    code = _check_path(request.path_params["code"], CODE, "account")
    params = request.query_params
    start, end = _date(params, "from", None), _date(params, "to", None)
    name = _account_name(erp, code)
    page = _page_number(params)
    found = ledger_slice(erp, code, start, end, (page - 1) * PAGE_SIZE, PAGE_SIZE)
    shown, total, base, running = found.lines, found.total, found.base, found.before
    rows = []
    for x in shown:
        running += x.base
        rows.append(
            [
                Cell(str(x.position)),
                Cell(x.document, document_href(x.document)),
                Cell(str(x.date)),
                Cell(x.kind),
                Cell(x.currency),
                money(x.amount, x.currency) if x.currency != base else Cell(""),
                money(x.base, base),
                money(running, base),
                Cell(x.memo or x.voucher_memo or ""),
                Cell(x.party or ""),
                Cell(x.actor),
            ]
        )
    return console.page(
        request,
        "table.html",
        title=f"General ledger {code} {name} ({base})",
        picker=[("from", "From", start), ("to", "To", end)],
        columns=[
            "Pos",
            "Document",
            "Date",
            "Kind",
            "Cur",
            "Amount (cur)",
            "Amount",
            "Balance",
            "Memo",
            "Party",
            "Actor",
        ],
        rows=rows,
        totals=[[Cell("")] * 5 + [Cell("Total"), money(total, base)] + [Cell("")] * 4],
        table_id="general-ledger",
        pages=_pages(request, page, found.count),
    )


def _account_name(erp: Erp, code: str) -> str:
    from erp_core.projections.queries import _accounts

    with erp.reader.connect() as conn:
        return str(_accounts(conn).get(code, {}).get("name", ""))


def _page_number(params: QueryParams) -> int:
    raw = params.get("page", "1")
    if not raw.isdigit() or not 1 <= int(raw) <= 1_000_000:
        raise ValidationError("page", "a page number from 1")
    return int(raw)


def _pages(request: Request, page: int, count: int) -> list[tuple[str, str | None]]:
    last = max(1, -(-count // PAGE_SIZE))
    if last == 1:
        return []

    def link(n: int) -> str:
        return (
            str(request.url.include_query_params(page=n).path)
            + "?"
            + str(request.url.include_query_params(page=n).query)
        )

    return [
        ("previous", link(page - 1) if page > 1 else None),
        (f"page {page} of {last}", None),
        ("next", link(page + 1) if page < last else None),
    ]


def chain_hash_at(erp: Erp, position: int) -> str:
    """The chain hash stored with the event at `position` ("" when the chain has none)."""
    from sqlalchemy import text

    from erp_core.infra.chain import CHAIN_TABLE

    with erp.reader.engine.connect() as conn:
        row = conn.execute(
            text(f"SELECT hash FROM {CHAIN_TABLE} WHERE position = :p"), {"p": position}
        ).first()
    return str(row[0]) if row else ""


def document_trail(console: Console, request: Request, erp: Erp) -> HTMLResponse:
    number = _check_path(request.path_params["number"], DOCUMENT, "document")
    entries = erp.trail(number)
    verified = None
    if request.query_params.get("verify") == "1":
        from erp_core.documents.service import recomputed_chain_hash

        head, problems = recomputed_chain_hash(erp, entries[-1].position)
        verified = {"hash": head, "problems": problems}
    trail = [
        {
            "entry": e,
            "chain_hash": chain_hash_at(erp, e.position),
            "details": _details(e.details),
        }
        for e in entries
    ]
    return console.page(
        request,
        "trail.html",
        title=f"Document {number}",
        number=number,
        trail=trail,
        verified=verified,
        document_href=document_href,
        account_href=account_href,
    )


def _details(value: object, depth: int = 0) -> list[tuple[str, Any]]:
    """An event's fields as (name, value) pairs; nested values stay JSON text."""
    import json

    if not isinstance(value, dict):
        return [("", value)]
    out = []
    for key, item in value.items():
        text = item if isinstance(item, str) else json.dumps(item, default=str, indent=1)
        out.append((str(key), text))
    return out


def _aging(console: Console, request: Request, erp: Erp, *, receivables: bool) -> HTMLResponse:
    as_of = _date(request.query_params, "as_of", dt.date.today())
    assert as_of is not None
    report = erp.receivables_aging(as_of) if receivables else erp.payables_aging(as_of)
    party, credit, title = (
        ("customer", "unallocated_credits", "Receivables aging")
        if receivables
        else ("supplier", "unallocated_payments", "Payables aging")
    )
    buckets = ("not_due", "days_1_30", "days_31_60", "days_61_90", "over_90", credit, "balance")
    rows = []
    for r in report.rows:
        code = getattr(r, party)
        href = f"/{party}s/{code}" if CODE.match(code) else None
        rows.append(
            [Cell(code, href), Cell(r.name)]
            + [
                money(getattr(r, b), report.currency, href if b == "balance" else None)
                for b in buckets
            ]
        )
    return console.page(
        request,
        "table.html",
        title=f"{title} as of {report.as_of} ({report.currency})",
        picker=[("as_of", "As of", as_of)],
        columns=[
            party.title(),
            "Name",
            "Not due",
            "1-30",
            "31-60",
            "61-90",
            "Over 90",
            "Unallocated",
            "Balance",
        ],
        rows=rows,
        totals=[
            [Cell(""), Cell("Total")] + [Cell("")] * 6 + [money(report.total, report.currency)]
        ],
        table_id="aging",
    )


def receivables(console: Console, request: Request, erp: Erp) -> HTMLResponse:
    return _aging(console, request, erp, receivables=True)


def payables(console: Console, request: Request, erp: Erp) -> HTMLResponse:
    return _aging(console, request, erp, receivables=False)


def _party_ledger(console: Console, request: Request, erp: Erp, *, customer: bool) -> HTMLResponse:
    code = _check_path(request.path_params["code"], CODE, "customer" if customer else "supplier")
    rows_in = erp.customer_ledger(code) if customer else erp.supplier_ledger(code)
    with erp.reader.connect() as conn:
        from erp_core.projections.queries import company

        _, base = company(conn)
    rows = [
        [
            Cell(str(r.date)),
            Cell(r.document, document_href(r.document)),
            Cell(r.kind),
            Cell(r.memo or ""),
            money(r.amount, base),
            money(r.balance, base),
        ]
        for r in rows_in
    ]
    return console.page(
        request,
        "table.html",
        title=f"{'Customer' if customer else 'Supplier'} ledger {code} ({base})",
        picker=[],
        columns=["Date", "Document", "Kind", "Memo", "Amount", "Balance"],
        rows=rows,
        totals=[],
        table_id="party-ledger",
    )


def customer_ledger(console: Console, request: Request, erp: Erp) -> HTMLResponse:
    return _party_ledger(console, request, erp, customer=True)


def supplier_ledger(console: Console, request: Request, erp: Erp) -> HTMLResponse:
    return _party_ledger(console, request, erp, customer=False)


def stock_balance(console: Console, request: Request, erp: Erp) -> HTMLResponse:
    from urllib.parse import urlencode

    as_of = _date(request.query_params, "as_of", dt.date.today())
    assert as_of is not None
    by_batch = request.query_params.get("by_batch") == "1"
    report = erp.stock_balance(as_of, by_batch)
    rows = []
    for r in report.rows:
        href = "/stock/ledger?" + urlencode(
            {"item": r.item, "warehouse": r.warehouse, "to": as_of.isoformat()}
        )
        rows.append(
            [
                Cell(r.item, href),
                Cell(r.warehouse, href),
                Cell(r.batch or ""),
                Cell(f"{r.quantity:,}", None, str(r.quantity)),
                money(r.value, report.currency, href),
            ]
        )
    return console.page(
        request,
        "table.html",
        title=f"Stock balance as of {report.as_of} ({report.currency})",
        picker=[("as_of", "As of", as_of)],
        columns=["Item", "Warehouse", "Batch", "Quantity", "Value"],
        rows=rows,
        totals=[[Cell("Total")] + [Cell("")] * 3 + [money(report.total_value, report.currency)]],
        table_id="stock-balance",
    )


def check_warehouse(erp: Erp, warehouse: str | None) -> None:
    """Refuse (403) a stock ledger of a warehouse the user's record rules keep from them: an
    empty page would read as "no movements there"."""
    scope = erp.authorise_report("stock-ledger")
    allowed = None if scope is None else scope.warehouses
    if warehouse is not None and allowed is not None and warehouse not in allowed:
        raise AccessDenied(
            f"{erp.actor} may see the stock of warehouse(s) {', '.join(sorted(allowed))} "
            f"only, not of {warehouse}"
        )


def stock_ledger(console: Console, request: Request, erp: Erp) -> HTMLResponse:
    params = request.query_params
    item, warehouse = _code(params, "item"), _code(params, "warehouse")
    end = _date(params, "to", None)
    check_warehouse(erp, warehouse)
    lines = erp.stock_ledger(item, warehouse, end)
    with erp.reader.connect() as conn:
        from erp_core.projections.queries import company

        _, base = company(conn)
    page = _page_number(params)
    rows = [
        [
            Cell(str(r.position)),
            Cell(str(r.date)),
            Cell(r.document, document_href(r.document)),
            Cell(r.item),
            Cell(r.warehouse),
            Cell(r.batch or ""),
            Cell(r.kind),
            Cell(f"{r.quantity:,}", None, str(r.quantity)),
            money(r.value, base),
            Cell(f"{r.running_quantity:,}", None, str(r.running_quantity)),
            money(r.running_value, base),
        ]
        for r in lines[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    ]
    what = " ".join(x for x in (item, warehouse) if x) or "all bins"
    return console.page(
        request,
        "table.html",
        title=f"Stock ledger: {what} ({base})",
        picker=[("to", "To", end)],
        hidden={"item": item or "", "warehouse": warehouse or ""},
        columns=[
            "Pos",
            "Date",
            "Document",
            "Item",
            "Warehouse",
            "Batch",
            "Kind",
            "Quantity",
            "Value",
            "Running qty",
            "Running value",
        ],
        rows=rows,
        totals=[],
        table_id="stock-ledger",
        pages=_pages(request, page, len(lines)),
    )


def work_orders(console: Console, request: Request, erp: Erp) -> HTMLResponse:
    from erp_core.projections.production import work_orders as query

    params = request.query_params
    status, item = _code(params, "status"), _code(params, "item")
    found = erp.query(query, status, item)
    with erp.reader.connect() as conn:
        from erp_core.projections.queries import company

        _, base = company(conn)
    figures = ("materials", "returned", "labour", "overhead", "received", "variance", "wip")
    rows = []
    for r in found:
        row = r if isinstance(r, dict) else r.model_dump()
        rows.append(
            [
                Cell(str(row["document"]), document_href(str(row["document"]))),
                Cell(str(row["item"])),
                Cell(str(row["status"])),
                Cell(str(row["quantity"]), None, str(row["quantity"])),
                Cell(str(row["good_quantity"]), None, str(row["good_quantity"])),
            ]
            + [money(Decimal(str(row[f])), base) for f in figures]
        )
    return console.page(
        request,
        "table.html",
        title=f"Work orders ({base})",
        picker=[],
        filters=[("status", "Status", status or ""), ("item", "Item", item or "")],
        columns=[
            "Work order",
            "Item",
            "Status",
            "Quantity",
            "Good",
            "Materials",
            "Returned",
            "Labour",
            "Overhead",
            "Received",
            "Variance",
            "WIP",
        ],
        rows=rows,
        totals=[],
        table_id="work-orders",
    )


def asset_register(console: Console, request: Request, erp: Erp) -> HTMLResponse:
    from erp_core.assets.reports import asset_register as query

    as_of = _date(request.query_params, "as_of", dt.date.today())
    report = erp.query(query, as_of)
    cur = report.currency
    rows = [
        [
            Cell(r.asset),
            Cell(r.name),
            Cell(r.category),
            Cell(str(r.available_for_use or "")),
            Cell(str(r.method)),
            money(r.cost, cur),
            money(r.accumulated_depreciation, cur),
            money(r.accumulated_impairment, cur),
            money(r.book_value, cur),
        ]
        for r in report.rows
    ]
    return console.page(
        request,
        "table.html",
        title=f"Asset register as of {report.as_of} ({cur})",
        picker=[("as_of", "As of", as_of)],
        columns=[
            "Asset",
            "Name",
            "Category",
            "In use from",
            "Method",
            "Cost",
            "Accumulated depreciation",
            "Accumulated impairment",
            "Book value",
        ],
        rows=rows,
        totals=[[Cell("Total")] + [Cell("")] * 7 + [money(report.book_value, cur)]],
        table_id="asset-register",
    )


def payroll_runs(console: Console, request: Request, erp: Erp) -> HTMLResponse:
    """Every payroll run (totals only: no person is named), each linking to its payslips."""
    from erp_core.projections.payroll import payroll_summary

    raw = request.query_params.get("year", "").strip()
    if raw and (not raw.isdigit() or len(raw) != 4):
        raise ValidationError("year", f"expected a year such as 2026, got {raw[:20]!r}")
    runs = erp.query(payroll_summary, int(raw) if raw else None)
    base = _base(erp)
    rows = [
        [
            Cell(r.run, f"/payroll/{r.run}" if CODE.match(r.run) else None),
            Cell(r.month),
            Cell(str(r.date)),
            Cell(str(r.employees), None, str(r.employees)),
            money(r.gross, base),
            money(r.tax, base),
            money(r.net, base),
            money(r.employer_contributions, base),
            money(r.paid, base),
            money(r.open, base),
            Cell(r.reversed_by or "", document_href(r.reversed_by) if r.reversed_by else None),
        ]
        for r in runs
    ]
    return console.page(
        request,
        "table.html",
        title=f"Payroll runs ({base})",
        picker=[],
        filters=[("year", "Year", raw)],
        columns=[
            "Run",
            "Month",
            "Date",
            "Employees",
            "Gross",
            "Tax",
            "Net",
            "Employer contributions",
            "Paid",
            "Open",
            "Reversed by",
        ],
        rows=rows,
        totals=[],
        table_id="payroll-runs",
    )


def payroll_run(console: Console, request: Request, erp: Erp) -> HTMLResponse:
    """One run's totals and, for a user allowed `report:payslips`, its payslips; without that
    permission the people's pay stays hidden (redacted) and the page says which permission
    would show it."""
    from erp_core.projections.payroll import payroll_summary, payslips

    run = _check_path(request.path_params["run"], CODE, "payroll run")
    found = [r for r in erp.query(payroll_summary, None) if r.run == run]
    if not found:
        raise NotFound(f"no payroll run {run!r}")
    summary = found[0]
    base = _base(erp)
    redacted = ""
    rows: list[list[Cell]] = []
    try:
        slips = [s for s in erp.query(payslips, summary.month, None, True) if s.run == run]
    except AccessDenied as exc:
        redacted = f"The payslips (personal data) are hidden: {exc}"
        slips = []
    for slip in slips:
        rows.append(
            [
                Cell(slip.employee),
                Cell(slip.name),
                Cell(slip.department),
                Cell(str(slip.payment_days), None, str(slip.payment_days)),
                money(slip.gross, base),
                money(slip.deductions, base),
                money(slip.tax, base),
                money(slip.net, base),
                money(slip.employer_contributions, base),
                money(slip.paid, base),
                money(slip.open, base),
            ]
        )
    totals = [
        [
            Cell("Total"),
            Cell(f"{summary.employees} employees"),
            Cell(""),
            Cell(""),
            money(summary.gross, base),
            money(summary.gross - summary.net, base),  # every deduction, the tax included
            money(summary.tax, base),
            money(summary.net, base),
            money(summary.employer_contributions, base),
            money(summary.paid, base),
            money(summary.open, base),
        ]
    ]
    return console.page(
        request,
        "table.html",
        title=f"Payroll run {run} ({summary.month}, {base})",
        picker=[],
        note=redacted,
        columns=[
            "Employee",
            "Name",
            "Department",
            "Payment days",
            "Gross",
            "Deductions",
            "Tax",
            "Net",
            "Employer contributions",
            "Paid",
            "Open",
        ],
        rows=rows,
        totals=totals,
        table_id="payslips",
    )


def _base(erp: Erp) -> str:
    from erp_core.projections.queries import company

    with erp.reader.connect() as conn:
        return str(company(conn)[1])


def kpi(console: Console, request: Request, erp: Erp) -> HTMLResponse:
    """Gross margin, DSO, DIO, DPO and the cash-conversion cycle of a period (the figures of
    `erp report kpi`), and a chart of the days figures month by month over it (each month's
    working capital alone: the ledger's figures, without the operational ones that read the
    log), computed once per log head."""
    from erp_core.insight.reports import _cogs_account, kpis_of, working_capital_by_period
    from erp_core.web.svg import line_chart

    start, end = period(erp, request.query_params)
    erp.authorise_report("kpi-report")  # before anything, even a figure computed earlier
    months: list[tuple[dt.date, dt.date]] = []
    first = start
    while first <= end and len(months) < 36:
        following = (first.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        months.append((first, min(end, following - dt.timedelta(days=1))))
        first = following

    def compute() -> tuple[Any, Any]:
        report = kpis_of(erp, start, end)
        if len(months) < 2:
            return report, None
        scope = erp.authorise_report("kpi-report")
        with erp.reader.connect() as conn:
            found = working_capital_by_period(conn, months, _cogs_account(erp))
        monthly = erp._limit_report(scope, found)

        def values(name: str) -> list[float | None]:
            return [
                None if getattr(w, name).value is None else float(getattr(w, name).value)
                for w in monthly
            ]

        chart = line_chart(
            [a.strftime("%Y-%m") for a, _ in months],
            [(n.upper(), values(n)) for n in ("dso", "dio", "dpo", "ccc")],
        )
        return report, chart

    report, chart = console.memo(erp, ("kpi", start, end), compute)
    return console.page(
        request,
        "kpi.html",
        title=f"KPIs {start} to {end} ({report.currency})",
        picker=[("from", "From", start), ("to", "To", end)],
        report=report,
        chart=chart,
        fmt=lambda amount: fmt(amount, report.currency),
    )


def _hours(d: dt.timedelta) -> str:
    return f"{d.total_seconds() / 3600:,.1f} h"


def process(console: Console, request: Request, erp: Erp) -> HTMLResponse:
    from erp_core.insight.reports import load_log, process_report
    from erp_core.web.svg import layout

    params = request.query_params
    start, end = _date(params, "from", None), _date(params, "to", None)
    basis = params.get("time", "recorded")
    if basis not in ("recorded", "effective"):
        raise ValidationError("time", "must be recorded or effective")
    wanted = params.get("object_type", "")
    erp.authorise_report("read-log")  # before anything, even a map computed earlier

    def compute() -> tuple[list[str], str, Any, Any]:
        log = load_log(erp, basis, start, end)
        types = list(log.object_types)
        object_type = wanted or (
            "purchase_order" if "purchase_order" in types else (types[0] if types else "")
        )
        report = process_report(log, object_type, basis) if object_type else None
        graph = (
            layout(
                (a.source, a.target, a.count, f"{a.count} · {_hours(a.waits.mean)}")
                for a in report.arrows
            )
            if report
            else None
        )
        return types, object_type, report, graph

    types, object_type, report, graph = console.memo(
        erp, ("process", basis, start, end, wanted), compute
    )
    return console.page(
        request,
        "process.html",
        title=f"Process: {object_type or 'no objects'} ({basis} times)",
        picker=[("from", "From", start), ("to", "To", end)],
        types=types,
        object_type=object_type,
        basis=basis,
        report=report,
        graph=graph,
        hours=_hours,
    )


def known_position(erp: Erp) -> int | None:
    """The position of books as known at one (`Erp.as_known_at`), None for the live books."""
    if getattr(erp, "live", None) is None:
        return None
    return int(erp.__dict__["position"])


def digest_status(console: Console, erp: Erp) -> tuple[ChainReport, dict[str, Any] | None]:
    """The chain verified (with the digests the console was given), and the latest digest:
    its position, hash, time, whether it is signed, and whether the log still extends it."""
    given = console.digests
    upto = known_position(erp)
    if upto is not None:  # as known then: the digests taken by then
        given = [d for d in given if d.position <= upto]
    report = erp.verify(given, console.trusted_public_key)
    if not given:
        return report, None
    latest = max(given, key=lambda d: (d.position, d.time))
    problems = [
        p.message for p in report.problems if p.kind == "digest" and p.position == latest.position
    ]
    return report, {
        "position": latest.position,
        "hash": latest.hash,
        "time": latest.time.isoformat(),
        "company": latest.company,
        "signed": latest.signature is not None,
        "public_key": latest.public_key,
        "key_trusted": console.trusted_public_key is not None,
        "holds": not problems,
        "problems": problems,
        "digests_given": len(given),
    }


def audit(console: Console, request: Request, erp: Erp) -> HTMLResponse:
    report, digest = digest_status(console, erp)
    statuses = erp.projection_status()
    position, head = erp.freshness()
    return console.page(
        request,
        "audit.html",
        title="Audit status",
        report=report,
        digest=digest,
        statuses=statuses,
        position=position,
        head=head,
        describe=_describe,
    )


def _describe(stream: str | None) -> str:
    from erp_core.audit.verify import describe

    return describe(stream)


# -- login -------------------------------------------------------------------------------------


def _safe_next(value: str | None) -> str:
    """Only a path on this site (never //host or a scheme)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


def _cookie(response: Response, console: Console, name: str, value: str, **kw: Any) -> None:
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="strict",
        secure=console.secure_cookies,
        path="/",
        **kw,
    )


async def _form(request: Request) -> dict[str, str]:
    """A small URL-encoded form (the login and logout forms); anything else reads as empty.
    Parsed here rather than with python-multipart, which the two forms do not need."""
    from urllib.parse import parse_qs

    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return {}
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > 8192:
            return {}
    try:
        fields = parse_qs(body.decode("utf-8", "replace"), max_num_fields=10)
    except ValueError:  # too many fields
        return {}
    return {k: v[0] for k, v in fields.items()}


def login_form(console: Console) -> Callable[[Request], Any]:
    async def get(request: Request) -> Response:
        csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
        response = console.page(
            request,
            "login.html",
            title="Log in",
            form_csrf=csrf,
            next=_safe_next(request.query_params.get("next")),
            message="",
        )
        _cookie(response, console, CSRF_COOKIE, csrf)
        return response

    return get


def login_post(console: Console) -> Callable[[Request], Any]:
    async def post(request: Request) -> Response:
        form = await _form(request)
        csrf = request.cookies.get(CSRF_COOKIE, "")
        sent = str(form.get("csrf", ""))
        if not csrf or not hmac.compare_digest(csrf, sent):
            return console.page(
                request,
                "error.html",
                403,
                title="Not allowed",
                message="the login form has expired or did not come from this site; reload it",
            )
        token = str(form.get("token", "")).strip()
        target = _safe_next(str(form.get("next", "/")))
        from erp_core.access.reading import token_owner

        with console.lock:
            user = token_owner(console.erp.ledger, token) if token else None
        if user is None:
            response = console.page(
                request,
                "login.html",
                401,
                title="Log in",
                form_csrf=csrf,
                next=target,
                message="that token is not valid (revoked, or of a deactivated user)",
            )
            return response
        sid = secrets.token_urlsafe(32)
        console.sessions[sid] = Session(user, token, secrets.token_urlsafe(32))
        redirect = RedirectResponse(target, status_code=303)
        _cookie(redirect, console, SESSION_COOKIE, sid)
        _cookie(redirect, console, CSRF_COOKIE, secrets.token_urlsafe(32))  # a new one
        return redirect

    return post


def logout_post(console: Console) -> Callable[[Request], Any]:
    async def post(request: Request) -> Response:
        form = await _form(request)
        session = console.session_of(request)
        if session is not None:
            if not hmac.compare_digest(session.csrf, str(form.get("csrf", ""))):
                return console.page(
                    request, "error.html", 403, title="Not allowed", message="bad CSRF token"
                )
            console.sessions.pop(request.cookies.get(SESSION_COOKIE, ""), None)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    return post


def create_app(
    erp: Erp,
    *,
    allowed_hosts: list[str] | None = None,
    secure_cookies: bool = False,
    digests: Sequence[Digest] = (),
    trusted_public_key: str | None = None,
) -> Starlette:
    """The console over `erp`; `allowed_hosts` guards against DNS rebinding (default: the
    loopback names). `digests` (from `erp audit digest`) are checked on the audit page, the
    latest shown; with `trusted_public_key` they must be signed with it."""
    console = Console(
        erp,
        secure_cookies=secure_cookies,
        digests=digests,
        trusted_public_key=trusted_public_key,
    )
    from erp_core.projections.queries import company

    with erp.reader.connect() as conn:
        console.company_name = company(conn)[0]
    pages: list[tuple[str, Handler]] = [
        ("/", index),
        ("/trial-balance", trial_balance),
        ("/balance-sheet", balance_sheet),
        ("/income-statement", income_statement),
        ("/cash-flow", cash_flow),
        ("/accounts/{code}", general_ledger),
        ("/documents/{number}", document_trail),
        ("/receivables", receivables),
        ("/payables", payables),
        ("/customers/{code}", customer_ledger),
        ("/suppliers/{code}", supplier_ledger),
        ("/stock", stock_balance),
        ("/stock/ledger", stock_ledger),
        ("/work-orders", work_orders),
        ("/assets", asset_register),
        ("/payroll", payroll_runs),
        ("/payroll/{run}", payroll_run),
        ("/process", process),
        ("/kpi", kpi),
        ("/audit", audit),
    ]
    from erp_core.web.api import routes as api_routes

    routes = [Route(path, _view(console, handler), methods=["GET"]) for path, handler in pages]
    routes += api_routes(console)
    routes += [
        Route("/login", login_form(console), methods=["GET"]),
        Route("/login", login_post(console), methods=["POST"]),
        Route("/logout", logout_post(console), methods=["POST"]),
    ]

    async def not_found(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        title = {404: "Not found", 405: "Method not allowed"}.get(status, "Error")
        message = "this console is read-only" if status == 405 else "no such page"
        if request.url.path.startswith("/api/"):
            from erp_core.web.api import error

            allow = {"Allow": "GET, HEAD"} if status == 405 else {}
            return error(status, message, **allow)
        response = console.page(request, "error.html", status, title=title, message=message)
        if status == 405:
            response.headers["Allow"] = "GET, HEAD"
        return response

    hosts = allowed_hosts or ["127.0.0.1", "localhost", "::1", "[::1]"]

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        console.close()  # the "as known at" copies go with the server

    app = Starlette(
        routes=routes,
        exception_handlers={404: not_found, 405: not_found},
        middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=hosts)],
        lifespan=lifespan,
    )
    app.state.console = console
    return app
