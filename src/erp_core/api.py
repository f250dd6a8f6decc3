"""The library's front door: `Erp.open(url)` wires the event store, the ledger and projections.

    >>> from erp_core import Erp
    >>> erp = Erp.open("sqlite:///books.sqlite", actor="alice")      # doctest: +SKIP

Every action method stores its events atomically and, in embedded use, brings the projections
up to date before returning, so reports read right after an action include it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import functools
import getpass
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TextIO, TypeVar

from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import Connection, Engine

from erp_core.application import CommandService, check_actor, utc_now
from erp_core.audit import verify as audit
from erp_core.audit.exports import write_beancount
from erp_core.infra.config import DatabaseUrl, parse_url, resolve_url
from erp_core.infra.db import create_engines, migrate
from erp_core.infra.store import EventStore, decode_stored_data
from erp_core.kernel.commands import Action, ActionResult
from erp_core.kernel.errors import BatchRefused, ErpError, NotFound, ValidationError
from erp_core.kernel.registry import action_adapter, action_types, find_action
from erp_core.ledger import checks
from erp_core.ledger.reports import (
    BalanceSheet,
    CheckResult,
    CustomerLedgerRow,
    ForecastPoint,
    ForecastReport,
    IncomeStatement,
    LedgerLine,
    MarginReport,
    OpenOrderLine,
    PayablesAging,
    ProjectionStatus,
    ReceivablesAging,
    SalesOpenLine,
    StockBalance,
    StockLedgerRow,
    SupplierLedgerRow,
    TrailEntry,
    TrialBalance,
)
from erp_core.projections import (
    Projector,
    all_projections,
    operations,
    queries,
    sales_reports,
)

if TYPE_CHECKING:
    from erp_core.access.scope import Scope

R = TypeVar("R")
P = ParamSpec("P")


def _report(fn: Callable[Concatenate[Erp, P], R]) -> Callable[Concatenate[Erp, P], R]:
    """A report method: once access control is on, the actor needs ``report:<its name>``
    (``trial_balance`` is the report ``trial-balance``) or ``report:*``."""
    name = fn.__name__.replace("_", "-")

    @functools.wraps(fn)
    def checked(self: Erp, /, *args: P.args, **kwargs: P.kwargs) -> R:
        scope = self.authorise_report(name)
        return self._limit_report(scope, fn(self, *args, **kwargs))

    return checked


def area_checks(conn: Connection) -> list[CheckResult]:
    """The reconciliations of the other areas: each area's read-model module
    (``erp_core.projections.<area>``) may offer ``checks(conn)``; none is listed for an area
    the books do not use (so the output of books without it is unchanged)."""
    import importlib
    import importlib.util

    from erp_core.areas import AREAS

    found: list[CheckResult] = []
    for area in AREAS:
        name = f"erp_core.projections.{area}"
        if importlib.util.find_spec(name) is None:
            continue
        module = importlib.import_module(name)
        if hasattr(module, "checks"):
            found.extend(module.checks(conn))
    return found


def default_actor() -> str:
    return os.environ.get("ERP_ACTOR") or getpass.getuser() or "unknown"


def parse_action(data: Mapping[str, Any]) -> Action:
    """Validate a dict such as ``{"action": "post_voucher", ...}`` into an action model."""
    name = data.get("action")
    # The named action's own model when an area declares it (importing only the areas up to
    # it: start-up); the discriminated union of every action otherwise, for its messages
    # about a missing or unknown action name.
    cls = find_action(name) if isinstance(name, str) else None
    try:
        if cls is not None:
            return cls.model_validate(dict(data))
        action: Action = action_adapter().validate_python(dict(data))
        return action
    except PydanticValidationError as exc:
        raise pydantic_error(exc, tagged=cls is None) from None


# What a text field looks like, for messages ("account: expected a string such as "6200"").
_EXAMPLES = {
    "account": "6200",
    "expense_account": "5100",
    "currency": "EUR",
    "document": "JV-2026-000001",
    "date": "2026-03-05",
    "period": "2026-03",
}
_EXPECTED = {
    "missing": "required; this field is missing",
    "int_type": "expected a whole number such as 3",
    "int_parsing": "expected a whole number such as 3",
    "int_from_float": "expected a whole number such as 3",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "list_type": "expected a list in square brackets [...]",
    "dict_type": "expected an object in braces {...}",
    "model_type": "expected an object in braces {...}",
    "model_attributes_type": "expected an object in braces {...}",
    "date_type": 'expected a date as a YYYY-MM-DD string such as "2026-03-05"',
    "date_parsing": 'expected a date as a YYYY-MM-DD string such as "2026-03-05"',
    "date_from_datetime_parsing": 'expected a date as a YYYY-MM-DD string such as "2026-03-05"',
    "string_too_short": "must not be empty",
}


def _expected(err: Any, name: str) -> str:
    """Pydantic's phrase for an error, said as what is expected."""
    kind = err["type"]
    if kind == "string_type":
        return f'expected a string such as "{_EXAMPLES.get(name, "text")}"'
    if kind in _EXPECTED:
        return _EXPECTED[kind]
    msg = str(err["msg"]).removeprefix("Value error, ")
    return msg.replace("Input should be", "expected").replace("Input should", "must")


def pydantic_error(exc: PydanticValidationError, *, tagged: bool = True) -> ValidationError:
    """The first problem of a pydantic error as `field: reason` (fields like lines[0].debit);
    ``tagged``: raised by the discriminated union, which puts the action name first."""
    err = exc.errors()[0]
    loc = [str(p) for p in err["loc"]]
    # the discriminated union puts the action name first; it is not a field
    if tagged and loc and loc[0] in action_types():
        loc = loc[1:]
    field = ""
    for part in loc:
        if part.isdigit():
            field += f"[{part}]"
        elif part not in ("function-after[_one_side(), VoucherLine]",):
            field += ("." if field else "") + part
    reason = _expected(err, loc[-1] if loc else "")
    if err["type"] == "union_tag_invalid":
        given = str((err.get("ctx") or {}).get("tag", ""))
        close = difflib.get_close_matches(given, list(action_types()), n=1, cutoff=0.75)
        reason = f"unknown action {given!r}; " + (
            f"did you mean {close[0]}?" if close else "`erp schema` lists the actions"
        )
        field = "action"
    elif err["type"] == "union_tag_not_found":
        reason, field = 'missing; every line needs an "action"', "action"
    elif err["type"] == "extra_forbidden":
        reason = "unknown field"
    return ValidationError(field, reason)


class Replay:
    """Reports as known at one log position, from a scratch database (a temporary SQLite
    file unless `scratch_dir` is given). Use as a context manager; `close()` removes it."""

    def __init__(self, store: EventStore, position: int, scratch_dir: str | None) -> None:
        self.position = position
        self._tmp = tempfile.TemporaryDirectory(prefix="erp-replay-", dir=scratch_dir)
        url = parse_url(f"sqlite:///{self._tmp.name}/replay.sqlite")
        self.writer, self.reader = create_engines(url)
        migrate(self.writer, url)
        Projector(store, self.writer, self.reader, all_projections(), upto=position).catch_up()

    def close(self) -> None:
        self.writer.dispose()
        self.reader.dispose()
        self._tmp.cleanup()

    def __enter__(self) -> Replay:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def trial_balance(self, as_of: dt.date | None = None) -> TrialBalance:
        with self.reader.connect() as conn:
            report = queries.trial_balance(conn, as_of)
        return report.model_copy(update={"as_known_at": self.position})

    def balance_sheet(self, as_of: dt.date) -> BalanceSheet:
        with self.reader.connect() as conn:
            report = queries.balance_sheet(conn, as_of)
        return report.model_copy(update={"as_known_at": self.position})

    def income_statement(self, date_from: dt.date, date_to: dt.date) -> IncomeStatement:
        with self.reader.connect() as conn:
            report = queries.income_statement(conn, date_from, date_to)
        return report.model_copy(update={"as_known_at": self.position})

    def general_ledger(self, account: str | None = None) -> list[LedgerLine]:
        with self.reader.connect() as conn:
            return queries.general_ledger(conn, account)


class ReadModels:
    """The reader engine of the projections, brought up to the log head before every read
    (unless `catch_up` is off): a report never reads rows behind the log, left so by a kill
    between saving and projecting or by a rebuild that did not finish."""

    def __init__(self, engine: Engine, erp: Erp) -> None:
        self.engine = engine
        self.erp = erp
        self.catch_up = True

    def connect(self) -> Connection:
        if self.catch_up and self.erp.project:
            low, head = self.erp.projector.position()
            if low < head:
                self.erp.projector.catch_up()
        return self.engine.connect()

    def dispose(self) -> None:
        self.engine.dispose()


class Erp:
    """One company's books in one database."""

    def __init__(
        self,
        url: DatabaseUrl,
        *,
        actor: str | None = None,
        clock: Callable[[], dt.datetime] = utc_now,
        project: bool = True,
        chain: bool = True,
        token: str | None = None,
    ) -> None:
        self.url = url
        if actor is not None:
            check_actor(actor)  # an empty --actor is an error, not "whoever is logged in"
        self.project = project
        writer, reader = create_engines(url)
        migrate(writer, url)
        self.writer = writer
        self.reader = ReadModels(reader, self)
        self.store = EventStore(url, chain=chain)
        self.ledger = CommandService(self.store, clock, credential=token)
        self.projector = Projector(self.store, writer, reader, all_projections())
        # With a token and no actor named, the token's owner acts.
        if actor is None:
            actor = (
                (token and self._token_owner(token))
                or (url.kind == "postgresql" and self._database_actor())
                or default_actor()
            )
        self.actor = actor

    def _token_owner(self, token: str) -> str | None:
        from erp_core.access.reading import token_owner

        return token_owner(self.ledger, token)

    def _database_actor(self) -> str | None:
        """With identity = database: the user the PostgreSQL session user acts as."""
        from erp_core.access.reading import database_actor

        return database_actor(self.ledger)

    def access_control_enabled(self) -> bool:
        """Whether an administrator has turned access control on for these books."""
        from erp_core.access.domain import STREAM, Access

        return bool(self.ledger.load(Access, STREAM).enabled)

    @contextlib.contextmanager
    def acting_as(self, actor: str, token: str | None) -> Iterator[Erp]:
        """These books with another actor and credential for the duration (a server serving
        several users through one facade, one request at a time)."""
        saved = (self.actor, self.ledger.credential)
        self.actor, self.ledger.credential = actor, token
        try:
            yield self
        finally:
            self.actor, self.ledger.credential = saved

    def authorise_report(self, report: str, area: str | None = None) -> Scope | None:
        """Refuse (`AccessDenied`) when access control is on and the actor is not
        authenticated or may not run `report`; nothing to check while it is off. Returns the
        record rules limiting what the actor sees of it (None: everything)."""
        from erp_core.access.reading import check_report
        from erp_core.kernel.errors import AccessDenied

        try:
            return check_report(self.ledger, self.actor, self.ledger.credential, report, area)
        except AccessDenied as refused:
            self.ledger.record_refusals([refused])  # when the company records refusals
            raise

    def _limit_report(self, scope: Scope | None, result: R) -> R:
        """The report's result with what the actor's record rules hide left out."""
        if scope is None:
            return result
        from erp_core.access.reading import limit_report

        limited: R = limit_report(self.ledger, scope, result)
        return limited

    @classmethod
    def open(
        cls,
        url: str | None = None,
        *,
        actor: str | None = None,
        clock: Callable[[], dt.datetime] = utc_now,
        project: bool = True,
        chain: bool = True,
        token: str | None = None,
    ) -> Erp:
        """Open (creating if needed) the database at `url`, `$ERP_DATABASE_URL` or ./erp.sqlite.

        With ``project=False`` actions do not update projections; call `catch_up()` (a separate
        projection worker process would). ``chain=False`` stores events without the audit
        hash chain; it exists only to measure the chain's cost and must not be used for books.
        ``token`` is the actor's API token (needed once access control is on; without
        `actor`, the token's owner acts).
        """
        return cls(
            parse_url(resolve_url(url)),
            actor=actor,
            clock=clock,
            project=project,
            chain=chain,
            token=token,
        )

    def close(self) -> None:
        self.store.close()
        self.writer.dispose()
        self.reader.dispose()

    def __enter__(self) -> Erp:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- applying actions --------------------------------------------------------------------
    def _after(self) -> None:
        if self.project:
            self.projector.catch_up()

    def init(self, company: str, currency: str, year_start: dt.date) -> ActionResult:
        """Create the company with the standard chart and open its first fiscal year."""
        result = self.ledger.create_company(company, currency, year_start, self.actor)
        self._after()
        return result

    def apply(self, action: Action | Mapping[str, Any]) -> ActionResult:
        """Apply one action (a model or a dict with an ``action`` key) atomically."""
        model = action if isinstance(action, Action) else parse_action(action)
        result = self.ledger.apply(model, self.actor)
        self._after()
        return result

    def apply_many(
        self,
        actions: Sequence[Action | Mapping[str, Any]],
        *,
        batch_size: int = 500,
        dry_run: bool = False,
    ) -> list[ActionResult | ErpError]:
        """Apply many actions, each checked on its own, stored in batches of atomic saves.

        Returns one outcome per action, in order: its result, or the error that refused it
        (a refused action stores nothing; the others are stored). With ``dry_run`` every
        action is checked (later ones seeing earlier ones within a batch) and nothing is stored.
        """
        outcomes: list[ActionResult | ErpError] = []
        for start in range(0, len(actions), batch_size):
            chunk = actions[start : start + batch_size]
            parsed: list[Action | ErpError] = []
            for item in chunk:
                try:
                    parsed.append(item if isinstance(item, Action) else parse_action(item))
                except ErpError as err:
                    parsed.append(err)
            valid = [p for p in parsed if isinstance(p, Action)]
            results = iter(
                self.ledger.apply_batch(valid, self.actor, dry_run=dry_run) if valid else []
            )
            outcomes.extend(p if isinstance(p, ErpError) else next(results) for p in parsed)
            if not dry_run:
                self._after()
        return outcomes

    def apply_all_or_nothing(
        self, actions: Sequence[Action | Mapping[str, Any]], *, dry_run: bool = False
    ) -> list[ActionResult]:
        """Apply every action in one atomic save, or none if any is refused (BatchRefused).
        With ``dry_run`` the whole batch is checked and nothing is stored."""
        models = []
        for index, item in enumerate(actions):
            try:
                models.append(item if isinstance(item, Action) else parse_action(item))
            except ErpError as err:
                raise BatchRefused(index, err) from None
        if dry_run:
            checked = self.ledger.apply_batch(models, self.actor, strict=True, dry_run=True)
            return [o for o in checked if isinstance(o, ActionResult)]
        outcomes = self.ledger.apply_batch_strict(models, self.actor)
        self._after()
        return outcomes

    # typed shortcuts -------------------------------------------------------------------------
    def open_account(
        self,
        code: str,
        name: str,
        type: str,
        *,
        parent: str | None = None,
        is_group: bool = False,
        control: str | None = None,
        currency: str | None = None,
    ) -> ActionResult:
        return self.apply(
            dict(
                action="open_account",
                code=code,
                name=name,
                type=type,
                parent=parent,
                is_group=is_group,
                control=control,
                currency=currency,
            )
        )

    def close_account(self, code: str, reason: str | None = None) -> ActionResult:
        return self.apply(dict(action="close_account", code=code, reason=reason))

    def add_dimension_value(self, dimension: str, code: str, name: str) -> ActionResult:
        return self.apply(
            dict(action="add_dimension_value", dimension=dimension, code=code, name=name)
        )

    def open_fiscal_year(self, year: int) -> ActionResult:
        return self.apply(dict(action="open_fiscal_year", year=year))

    def post_voucher(
        self,
        date: dt.date | str,
        lines: Iterable[Mapping[str, Any]],
        memo: str | None = None,
        idempotency_key: str | None = None,
    ) -> ActionResult:
        return self.apply(
            dict(
                action="post_voucher",
                date=date,
                lines=list(lines),
                memo=memo,
                idempotency_key=idempotency_key,
            )
        )

    def reverse_voucher(
        self, document: str, date: dt.date | str, memo: str | None = None
    ) -> ActionResult:
        return self.apply(dict(action="reverse_voucher", document=document, date=date, memo=memo))

    def close_period(self, period: str) -> ActionResult:
        return self.apply(dict(action="close_period", period=period))

    def lock_period(self, period: str) -> ActionResult:
        return self.apply(dict(action="lock_period", period=period))

    def reopen_period(self, period: str, reason: str) -> ActionResult:
        return self.apply(dict(action="reopen_period", period=period, reason=reason))

    def close_fiscal_year(self, year: int) -> ActionResult:
        return self.apply(dict(action="close_fiscal_year", year=year))

    def reopen_fiscal_year(self, year: int, reason: str) -> ActionResult:
        return self.apply(dict(action="reopen_fiscal_year", year=year, reason=reason))

    def __getattr__(self, name: str) -> Callable[..., ActionResult]:
        """``erp.<action name>(**fields)`` applies any registered action by its name, so an
        area's new action needs no method here; ``erp.apply(Model(...))`` is the typed path."""
        if name.startswith("_"):
            raise AttributeError(name)
        cls = action_types().get(name)
        if cls is None:
            raise AttributeError(f"{type(self).__name__!r} has no attribute or action {name!r}")

        positional = [
            f for f in cls.model_fields if f not in ("action", "idempotency_key", "signature")
        ]

        def apply_named(*args: Any, **fields: Any) -> ActionResult:
            if len(args) > len(positional):
                raise TypeError(f"{name}() takes at most {len(positional)} positional arguments")
            fields.update(zip(positional, args, strict=False))
            return self.apply(cls(**fields))

        apply_named.__name__ = name
        apply_named.__doc__ = cls.__doc__
        return apply_named

    # -- reports -----------------------------------------------------------------------------
    def query(self, fn: Callable[..., R], /, *args: Any, **kwargs: Any) -> R:
        """Run an area's report query ``fn(connection, *args, **kwargs)`` on the read models.

        Areas keep their report queries beside their projections; the facade lends them a
        read connection, so no caller reaches for the engines themselves. Once access
        control is on, the actor needs the report ``report:<fn name>`` (hyphens for
        underscores) or ``report:*``."""
        module = getattr(fn, "__module__", "") or ""
        scope = self.authorise_report(
            getattr(fn, "__name__", "query").replace("_", "-"),
            module.removeprefix("erp_core.projections.") if "projections." in module else None,
        )
        with self.reader.connect() as conn:
            result = fn(conn, *args, **kwargs)
        return self._limit_report(scope, result)

    @_report
    def trial_balance(self, as_of: dt.date | None = None) -> TrialBalance:
        with self.reader.connect() as conn:
            return queries.trial_balance(conn, as_of)

    @_report
    def balance_sheet(self, as_of: dt.date) -> BalanceSheet:
        with self.reader.connect() as conn:
            return queries.balance_sheet(conn, as_of)

    @_report
    def income_statement(self, date_from: dt.date, date_to: dt.date) -> IncomeStatement:
        with self.reader.connect() as conn:
            return queries.income_statement(conn, date_from, date_to)

    @_report
    def general_ledger(
        self,
        account: str | None = None,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        limit: int | None = None,
    ) -> list[LedgerLine]:
        """Journal lines in log order; ``limit`` keeps the first N."""
        with self.reader.connect() as conn:
            if account is not None and account not in queries.account_codes(conn):
                raise NotFound(f"unknown account {account!r}")
            return queries.general_ledger(conn, account, date_from, date_to, limit)

    def _require(self, prefix: str, code: str, kind: str | None = None) -> None:
        """Refuse a report on a code the books have never seen (an empty report would read
        as "no activity")."""
        if not self.store.stream(f"{prefix}:{code}"):
            raise NotFound(f"unknown {kind or prefix} {code!r}")

    def fiscal_year_of(self, day: dt.date) -> tuple[dt.date, dt.date]:
        """First and last day of the fiscal year that holds `day`."""
        from erp_core.ledger.periods import fiscal_year_bounds

        with self.reader.connect() as conn:
            start = queries.fiscal_year_start(conn)
        _, first, last = fiscal_year_bounds(day, start)
        return first, last

    def fiscal_periods(self) -> list[dict[str, Any]]:
        with self.reader.connect() as conn:
            return queries.fiscal_period_rows(conn)

    # inventory and procurement: each takes the action's fields as keywords

    # inventory and procurement reports
    @_report
    def stock_ledger(
        self, item: str | None = None, warehouse: str | None = None, date_to: dt.date | None = None
    ) -> list[StockLedgerRow]:
        if item is not None:
            self._require("item", item)
        if warehouse is not None:
            self._require("wh", warehouse, "warehouse")
        with self.reader.connect() as conn:
            return operations.stock_ledger(conn, item, warehouse, date_to)

    @_report
    def stock_balance(self, as_of: dt.date, by_batch: bool = False) -> StockBalance:
        with self.reader.connect() as conn:
            return operations.stock_balance(conn, as_of, by_batch)

    @_report
    def open_orders(self) -> list[OpenOrderLine]:
        with self.reader.connect() as conn:
            return operations.open_orders(conn)

    @_report
    def payables_aging(self, as_of: dt.date) -> PayablesAging:
        with self.reader.connect() as conn:
            return operations.payables_aging(conn, as_of)

    @_report
    def supplier_ledger(self, supplier: str) -> list[SupplierLedgerRow]:
        self._require("supplier", supplier)
        with self.reader.connect() as conn:
            return operations.supplier_ledger(conn, supplier)

    @_report
    def check(self) -> list[CheckResult]:
        """Run every reconciliation check; each result says OK or names the difference.

        Also recomputes the journal from the log and compares it with the projections; that
        result is listed only when it fails (so the output of sound books is unchanged)."""
        with self.reader.connect() as conn:
            tb = queries.trial_balance(conn)
            results = [
                checks.trial_balance_balances(tb.total_debit, tb.total_credit),
                checks.inventory_matches_stock(
                    operations.account_balance_by_role(conn, "inventory"),
                    operations.stock_value(conn),
                ),
                checks.grni_matches_receipts(
                    operations.account_balance_by_role(conn, "grni"),
                    operations.received_not_invoiced(conn),
                ),
                checks.payables_match_suppliers(
                    operations.account_balance_by_role(conn, "payables"),
                    operations.supplier_balances(conn),
                ),
                checks.receivables_match_customers(
                    operations.account_balance_by_role(conn, "receivables"),
                    sales_reports.customer_balances(conn),
                ),
                checks.cogs_matches_deliveries(
                    sales_reports.cogs_posted_by_deliveries(conn),
                    sales_reports.delivery_costs(conn),
                ),
            ]
            results.extend(area_checks(conn))
            position = self._journal_position(conn)
        against_log = self._journal_against_log(tb, position)
        return results if against_log.ok else [*results, against_log]

    def _journal_position(self, conn: Connection) -> int:
        from sqlalchemy import select

        from erp_core.projections.schema import projection_position

        # the trial balance is read from the "balances" projection
        found = conn.execute(
            select(projection_position.c.position).where(projection_position.c.name == "balances")
        ).scalar()
        return int(found or 0)

    def _journal_against_log(self, tb: TrialBalance, position: int) -> CheckResult:
        from erp_core.kernel.events import topics_for
        from erp_core.ledger.events import VoucherPosted
        from erp_core.ops import consistency

        records = (
            decode_stored_data(r.position, r.stream, r.topic, r.state)
            for r in self.store.iter_log(upto=position, topics=topics_for(VoucherPosted))
        )
        return consistency.compare(
            consistency.balances_from_log(records),
            consistency.balances_from_projection(tb),
            position,
        )

    # sales: each takes the action's fields as keywords

    # sales reports
    @_report
    def receivables_aging(self, as_of: dt.date) -> ReceivablesAging:
        with self.reader.connect() as conn:
            return sales_reports.receivables_aging(conn, as_of)

    @_report
    def customer_ledger(self, customer: str) -> list[CustomerLedgerRow]:
        self._require("customer", customer)
        with self.reader.connect() as conn:
            return sales_reports.customer_ledger(conn, customer)

    @_report
    def sales_open_orders(self) -> list[SalesOpenLine]:
        with self.reader.connect() as conn:
            return sales_reports.sales_open_orders(conn)

    @_report
    def margin(self, by: str, date_from: dt.date, date_to: dt.date) -> MarginReport:
        """Gross margin by item, customer or period (month), from the posted events."""
        with self.reader.connect() as conn:
            return sales_reports.margin(conn, by, date_from, date_to)

    @_report
    def sales_forecast(self, item: str, horizon: int = 6) -> ForecastReport:
        """Holt's linear exponential smoothing of the item's monthly deliveries, with the
        mean absolute percentage error of a backtest on the last months held out."""
        from erp_core.sales.forecast import forecast

        if not 1 <= horizon <= 36:
            raise ValidationError("horizon", "forecast 1 to 36 months ahead")
        self._require("item", item)
        with self.reader.connect() as conn:
            history = sales_reports.monthly_demand(conn, item)
        if len(history) < 2:
            raise ValidationError("item", f"{item!r} has less than two months of deliveries")
        result = forecast([float(q) for _, q in history], horizon)

        def months_after(last: str, count: int) -> list[str]:
            year, month = map(int, last.split("-"))
            out = []
            for _ in range(count):
                year, month = (year + 1, 1) if month == 12 else (year, month + 1)
                out.append(f"{year:04d}-{month:02d}")
            return out

        def point(month: str, value: float) -> ForecastPoint:
            return ForecastPoint(month=month, quantity=Decimal(str(round(value, 2))))

        held = [m for m, _ in history[-result.holdout :]] if result.holdout else []
        return ForecastReport(
            item=item,
            method="Holt's linear exponential smoothing",
            alpha=Decimal(str(result.model.alpha)),
            beta=Decimal(str(result.model.beta)),
            history=[ForecastPoint(month=m, quantity=q) for m, q in history],
            forecast=[
                point(m, v)
                for m, v in zip(months_after(history[-1][0], horizon), result.forecast, strict=True)
            ],
            holdout_months=result.holdout,
            backtest=[point(m, v) for m, v in zip(held, result.backtest, strict=True)],
            mape_percent=None if result.mape is None else Decimal(str(round(result.mape, 1))),
        )

    # -- audit -------------------------------------------------------------------------------
    @_report
    def verify_signatures(self) -> tuple[int, list[tuple[int, str]]]:
        """Verify every signed action in the log with its signer's registered key, and that
        every save made while signatures were required holds one: the number verified and
        the problems found (log position, message)."""
        from erp_core.access.identity import signature_problems

        return signature_problems((r.position, r.event()) for r in self.store.iter_log())

    @_report
    def verify(
        self, digests: Sequence[audit.Digest] = (), trusted_public_key: str | None = None
    ) -> audit.ChainReport:
        """Recompute the hash chain from the raw stored events; check earlier digests."""
        with self.reader.engine.connect() as conn:  # the raw log only: no catch-up
            report = audit.verify_chain(
                audit.raw_events(conn), audit.chain_records(conn), [d.position for d in digests]
            )
            extra = audit.check_snapshots(conn)
        extra += audit.check_digests(report, digests, trusted_public_key)
        if extra:
            report = report.model_copy(update={"problems": [*report.problems, *extra]})
        return report

    def digest(self, private_key_pem: bytes | None = None) -> audit.Digest:
        """The head of the log now (position, hash, time), signed when a key is given."""
        report = self.verify()
        if not report.ok:
            raise ErpError(f"the log fails verification: {report.problems[0].message}")
        with self.reader.connect() as conn:
            name, _ = queries.company(conn)
        digest = audit.make_digest(name, report, self.ledger.clock(), private_key_pem)
        if digest.public_key is not None:
            # remembered for `erp doctor` (how old the last signed digest is); not in the log
            from erp_core.ops.history import digests

            with self.writer.begin() as conn:
                conn.execute(
                    digests.insert().values(
                        issued_at=digest.time.isoformat(),
                        head_position=digest.position,
                        head_hash=digest.hash,
                        public_key=digest.public_key,
                    )
                )
        return digest

    @_report
    def trail(self, document: str) -> list[TrailEntry]:
        """Every stored event of a document (``JV-2026-000001``, ``SO-2026-000001``: its posting
        stream ``doc:...`` and its own stream, ``so:...``, ``wo:...``, in log order) or of one
        stream (``fy:2026``)."""
        with self.reader.engine.connect() as conn:  # the raw log only: no catch-up
            if ":" in document or document in ("chart", "company"):
                raw = audit.stream_events(conn, document)
            else:
                streams = audit.streams_of(conn, document)
                raw = sorted(
                    (e for s in streams for e in audit.stream_events(conn, s)),
                    key=lambda e: e.position,
                )
        if not raw:
            raise NotFound(f"nothing stored for {document!r}")
        entries = []
        for r in raw:
            name, data = decode_stored_data(r.position, r.stream, r.topic, r.state)
            entries.append(
                TrailEntry(
                    position=r.position,
                    stream=r.stream,
                    version=r.version,
                    recorded_at=data.pop("recorded_at"),
                    actor=data.pop("actor"),
                    event=name,
                    details=data,
                )
            )
        return entries

    @_report
    def replay(
        self,
        position: int | None = None,
        known_at: dt.datetime | None = None,
        scratch_dir: str | None = None,
    ) -> Replay:
        """The books as they were known at a log position or a moment, rebuilt from the log
        into a scratch database (the live projections are never touched)."""
        if (position is None) == (known_at is None):
            raise ValidationError("replay", "give exactly one of a log position or a moment")
        if known_at is not None:
            with self.reader.connect() as conn:
                position = audit.position_known_at(audit.raw_events(conn), known_at)
        assert position is not None
        if position < 0:
            raise ValidationError("as-of-position", "a log position is 0 or more")
        return Replay(self.store, position, scratch_dir)

    @_report
    def export_beancount(self, out: TextIO, include_closing: bool = True) -> int:
        """Write the ledger, read from the log itself, as beancount text (year-end closing
        entries tagged ``#closing``, or left out with ``include_closing=False``)."""
        return write_beancount(
            (r.event() for r in self.store.iter_log()), out, include_closing=include_closing
        )

    # -- projections -------------------------------------------------------------------------
    def catch_up(self) -> int:
        return self.projector.catch_up()

    def follow(
        self,
        *,
        poll: float = 1.0,
        once: bool = False,
        stop: Callable[[], bool] | None = None,
        on_batch: Callable[[int], None] | None = None,
    ) -> int:
        """Run as a projection worker: keep the read models current while other processes
        store actions with ``project=False`` (see `Projector.follow`)."""
        return self.projector.follow(poll=poll, once=once, stop=stop, on_batch=on_batch)

    def freshness(self) -> tuple[int, int]:
        """(position the read models have reached, log head); equal when current."""
        return self.projector.position()

    def projection_status(self) -> list[ProjectionStatus]:
        return self.projector.status()

    def rebuild(
        self, names: Sequence[str] | None = None, progress: Callable[[int, int], None] | None = None
    ) -> int:
        return self.projector.rebuild(names, progress)

    def as_known_at(self, position: int, scratch_dir: str | None = None) -> BooksAt:
        """These books as the log knew them at `position`: every report of the facade (the
        documents' trails, the chain's verification and the log-reading reports included),
        read from a copy of the log up to it; who may see what is still decided here, by the
        live books. Close it (or use it as a context manager) to remove the copy."""
        return BooksAt(self, position, scratch_dir)


def copy_log_prefix(source: Erp, target_url: str, position: int) -> None:
    """Copy the stored events up to `position`, with their chain rows, byte for byte, into the
    empty SQLite database at `target_url` (its event tables created first)."""
    from sqlalchemy import create_engine, text

    from erp_core.infra.chain import CHAIN_TABLE

    EventStore(parse_url(target_url)).close()  # the event and chain tables
    insert_event = text(
        f"INSERT INTO {audit.EVENTS_TABLE} "
        "(rowid, originator_id, originator_version, topic, state) VALUES (:p, :s, :v, :t, :b)"
    )
    insert_chain = text(
        f"INSERT INTO {CHAIN_TABLE} (position, stream, hash, previous, link) "
        "VALUES (:p, :s, :h, :r, :l)"
    )
    target = create_engine(target_url)
    try:
        with source.reader.engine.connect() as src, target.begin() as dst:
            batch: list[dict[str, object]] = []
            for e in audit.raw_events(src, upto=position):
                batch.append(
                    {"p": e.position, "s": e.stream, "v": e.version, "t": e.topic, "b": e.state}
                )
                if len(batch) >= 5000:
                    dst.execute(insert_event, batch)
                    batch.clear()
            if batch:
                dst.execute(insert_event, batch)
            links = [
                {"p": p, "s": s, "h": h, "r": r, "l": link}
                for p, s, h, r, link in audit.chain_records(src)
                if p <= position
            ]
            if links:
                dst.execute(insert_chain, links)
    finally:
        target.dispose()


class BooksAt(Erp):
    """The books as the log knew them at `position` (see the module's notes): every report of
    the facade, read from a copy of the log up to it, authorised by the live books."""

    def __init__(self, live: Erp, position: int, scratch_dir: str | None = None) -> None:
        self.live = live
        self.position = position
        self._tmp = tempfile.TemporaryDirectory(prefix="erp-known-at-", dir=scratch_dir)
        url = f"sqlite:///{self._tmp.name}/books.sqlite"
        copy_log_prefix(live, url, position)
        super().__init__(parse_url(url), actor=live.actor)
        self.catch_up()  # the projections rebuilt up to the position, once

    def close(self) -> None:
        super().close()
        self._tmp.cleanup()

    # who may see what: always the live books, the request's user acting there
    @property
    def actor(self) -> str:
        return self.live.actor

    @actor.setter
    def actor(self, _value: str) -> None:
        pass  # the user acting is the live books' (`Erp.acting_as` sets it there)

    def authorise_report(self, report: str, area: str | None = None) -> Scope | None:
        return self.live.authorise_report(report, area)

    def _limit_report(self, scope: Scope | None, result: R) -> R:
        return self.live._limit_report(scope, result)

    # the statements say which position they were known at, as `Erp.replay`'s do
    def trial_balance(self, as_of: dt.date | None = None) -> TrialBalance:
        report = super().trial_balance(as_of)
        return report.model_copy(update={"as_known_at": self.position})

    def balance_sheet(self, as_of: dt.date) -> BalanceSheet:
        report = super().balance_sheet(as_of)
        return report.model_copy(update={"as_known_at": self.position})

    def income_statement(self, date_from: dt.date, date_to: dt.date) -> IncomeStatement:
        report = super().income_statement(date_from, date_to)
        return report.model_copy(update={"as_known_at": self.position})
