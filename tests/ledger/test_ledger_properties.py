"""Property tests of the ledger: generated histories of vouchers and the invariants they keep.

* any history of valid vouchers leaves books that balance, in the base currency and in every
  transaction currency, and that agree with an independent model computed here;
* invalid vouchers are refused and change nothing;
* the same history gives the same reports on SQLite and on PostgreSQL;
* a rebuilt projection equals the live one, row for row.

Every Hypothesis example gets a fresh database (a temporary SQLite file or a new PostgreSQL
schema), except where the property is "nothing changes", which reuses one company.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import tempfile
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import pytest
from erp_core.projections.schema import metadata, projection_position
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from erp_core import Erp
from erp_core.api import parse_action
from erp_core.kernel.commands import ActionResult
from erp_core.kernel.errors import (
    AccountClosed,
    ErpError,
    NotFound,
    PeriodClosed,
    Unbalanced,
    UnknownAccount,
    ValidationError,
)
from erp_core.ledger.accounts import STANDARD_CHART

BASE = "EUR"
FOREIGN = "USD"
YEAR_START = dt.date(2026, 1, 1)
YEAR_END = dt.date(2026, 12, 31)
CENT = Decimal("0.01")
ZERO = Decimal(0)

# Journal vouchers refuse the sub-ledger control accounts; every other leaf account takes them.
CONTROL_ACCOUNTS = frozenset({"1200", "1300", "2100", "2150"})
ACCOUNT_TYPE = {code: typ for code, _name, typ, _parent, _group, _control in STANDARD_CHART}
POSTABLE = sorted(
    code
    for code, _name, _typ, _parent, is_group, _control in STANDARD_CHART
    if not is_group and code not in CONTROL_ACCOUNTS
)
ROUNDING_ACCOUNT = "6900"

FAST = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SLOW = settings(FAST, max_examples=12)


def make_clock() -> Callable[[], dt.datetime]:
    """A clock that ticks one millisecond per call, as in tests/conftest.py."""
    base = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)
    ticks = iter(range(10**9))
    return lambda: base + dt.timedelta(milliseconds=next(ticks))


def open_company(url: str) -> Erp:
    erp = Erp.open(url, actor="tester", clock=make_clock())
    try:
        erp.init("Test Co", BASE, YEAR_START)
    except BaseException:
        erp.close()
        raise
    return erp


@contextlib.contextmanager
def sqlite_company() -> Iterator[Erp]:
    """A company in a fresh SQLite file, removed afterwards."""
    with tempfile.TemporaryDirectory() as tmp:
        erp = open_company(f"sqlite:///{tmp}/books.sqlite")
        try:
            yield erp
        finally:
            erp.close()


@contextlib.contextmanager
def postgres_company(pg_url: str) -> Iterator[Erp]:
    """A company in a fresh schema of the PostgreSQL database `pg_url` points at, dropped after."""
    import psycopg

    base = pg_url.split("?")[0]
    schema = f"t_{uuid.uuid4().hex[:12]}"
    try:
        erp = open_company(f"{base}?schema={schema}")
        try:
            yield erp
        finally:
            erp.close()
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def money(cents: int) -> str:
    """A positive amount of cents as a decimal string with two places: 1234 -> "12.34"."""
    return format(Decimal(abs(cents)).scaleb(-2), "f")


# --- generated histories -----------------------------------------------------------------------


@dataclass(frozen=True)
class VoucherSpec:
    """A valid, single-currency voucher: lines are (account, signed cents) and sum to zero."""

    date: dt.date
    currency: str
    rate: Decimal | None
    lines: tuple[tuple[str, int], ...]

    def payload(self) -> list[dict[str, Any]]:
        out = []
        for account, cents in self.lines:
            line: dict[str, Any] = {"account": account}
            line["debit" if cents > 0 else "credit"] = money(cents)
            if self.currency != BASE:
                line["currency"] = self.currency
                line["rate"] = str(self.rate)
            out.append(line)
        return out

    def action(self) -> dict[str, Any]:
        return {"action": "post_voucher", "date": self.date.isoformat(), "lines": self.payload()}


@dataclass(frozen=True)
class ReversalSpec:
    """Reverse one of the vouchers posted so far that is not reversed yet (chosen by `pick`)."""

    pick: int
    date: dt.date


dates_2026 = st.dates(min_value=YEAR_START, max_value=YEAR_END)
# rates with 4 decimals (such as 0.9231), and a few with more places
rates = st.one_of(
    st.integers(5_000, 20_000).map(lambda n: Decimal(n).scaleb(-4)),
    st.sampled_from([Decimal("0.923456"), Decimal("1.3333333333"), Decimal("1")]),
)


def _split(draw: st.DrawFn, total: int, parts: int) -> list[int]:
    """`total` cents cut into `parts` positive amounts."""
    if parts == 1:
        return [total]
    cuts = sorted(
        draw(
            st.lists(st.integers(1, total - 1), min_size=parts - 1, max_size=parts - 1, unique=True)
        )
    )
    bounds = [0, *cuts, total]
    return [b - a for a, b in itertools.pairwise(bounds)]


@st.composite
def vouchers(draw: st.DrawFn, accounts_from: Sequence[str] = POSTABLE) -> VoucherSpec:
    n = draw(st.integers(2, 6))
    debits = draw(st.integers(1, n - 1))
    credits = n - debits
    total = draw(st.one_of(st.integers(max(debits, credits), 10_000), st.integers(10_000, 10**11)))
    amounts = _split(draw, total, debits) + [-c for c in _split(draw, total, credits)]
    order = draw(st.permutations(range(n)))
    accounts = draw(st.lists(st.sampled_from(accounts_from), min_size=n, max_size=n))
    currency = draw(st.sampled_from([BASE, FOREIGN]))
    rate = draw(rates) if currency == FOREIGN else None
    return VoucherSpec(
        date=draw(dates_2026),
        currency=currency,
        rate=rate,
        lines=tuple((accounts[i], amounts[order[i]]) for i in range(n)),
    )


reversals = st.builds(ReversalSpec, pick=st.integers(0, 50), date=dates_2026)
histories = st.lists(
    st.one_of(vouchers(), vouchers(), vouchers(), reversals), min_size=1, max_size=12
)


# --- the independent model ---------------------------------------------------------------------

Line = tuple[str, str, Decimal, Decimal]  # account, currency, amount, base amount


def expected_lines(spec: VoucherSpec) -> list[Line]:
    """The lines the ledger should post: base = round-half-up(amount * rate) to cents, and any
    rounding difference of a foreign voucher on the rounding account (amount 0)."""
    lines: list[Line] = []
    for account, cents in spec.lines:
        amount = Decimal(cents).scaleb(-2)
        if spec.rate is None:
            base = amount
        else:
            base = (amount * spec.rate).quantize(CENT, rounding=ROUND_HALF_UP)
        lines.append((account, spec.currency, amount, base))
    difference = sum((line[3] for line in lines), ZERO)
    if difference:
        assert spec.currency != BASE
        lines.append((ROUNDING_ACCOUNT, spec.currency, ZERO, -difference))
    return lines


@dataclass
class Posting:
    document: str
    date: dt.date
    lines: list[Line]
    reversible: bool
    reversed: bool = False


@dataclass
class Book:
    """What the ledger should hold after a history, computed without the ledger."""

    postings: list[Posting]

    @property
    def documents(self) -> list[str]:
        return [p.document for p in self.postings]

    @property
    def dates(self) -> list[dt.date]:
        return sorted({p.date for p in self.postings})

    def balances(self, as_of: dt.date | None = None) -> dict[tuple[str, str], list[Decimal]]:
        """(account, currency) -> [base, amount] of postings dated on or before `as_of`."""
        totals: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
        for posting in self.postings:
            if as_of is not None and posting.date > as_of:
                continue
            for account, currency, amount, base in posting.lines:
                totals[account, currency][0] += base
                totals[account, currency][1] += amount
        return totals

    def trial_balance_rows(self, as_of: dt.date | None = None) -> list[tuple[Any, ...]]:
        rows = []
        for (account, currency), (base, amount) in sorted(self.balances(as_of).items()):
            if base == 0 and amount == 0:
                continue
            rows.append((account, currency, max(base, ZERO), max(-base, ZERO), amount))
        return rows

    def base_total(self, types: set[str], as_of: dt.date) -> Decimal:
        return sum(
            (
                base
                for (account, _c), (base, _a) in self.balances(as_of).items()
                if ACCOUNT_TYPE[account] in types
            ),
            ZERO,
        )


def post_history(erp: Erp, history: Sequence[VoucherSpec | ReversalSpec]) -> Book:
    """Post a history one action at a time; return the model of what it should have posted."""
    book = Book(postings=[])
    for op in history:
        if isinstance(op, VoucherSpec):
            result = erp.post_voucher(op.date, op.payload())
            book.postings.append(
                Posting(result.documents[0], op.date, expected_lines(op), reversible=True)
            )
            continue
        candidates = [p for p in book.postings if p.reversible and not p.reversed]
        if not candidates:
            continue
        original = candidates[op.pick % len(candidates)]
        result = erp.reverse_voucher(original.document, op.date)
        original.reversed = True
        negated = [(a, c, -amount, -base) for a, c, amount, base in original.lines]
        book.postings.append(Posting(result.documents[0], op.date, negated, reversible=False))
    return book


def trial_balance_rows(erp: Erp, as_of: dt.date | None = None) -> list[tuple[Any, ...]]:
    return [
        (r.account, r.currency, r.debit, r.credit, r.amount) for r in erp.trial_balance(as_of).rows
    ]


# --- a. valid histories --------------------------------------------------------------------------


@FAST
@given(history=histories)
def test_trial_balance_balances_in_base_and_in_every_transaction_currency(
    history: list[VoucherSpec | ReversalSpec],
) -> None:
    with sqlite_company() as erp:
        post_history(erp, history)
        tb = erp.trial_balance()
        assert tb.total_debit == tb.total_credit
        assert tb.balanced
        per_currency: dict[str, Decimal] = defaultdict(Decimal)
        for row in tb.rows:
            per_currency[row.currency] += row.amount
        assert {c: total for c, total in per_currency.items() if total} == {}


@FAST
@given(history=histories)
def test_trial_balance_equals_an_independent_model_of_the_vouchers(
    history: list[VoucherSpec | ReversalSpec],
) -> None:
    with sqlite_company() as erp:
        book = post_history(erp, history)
        assert book.documents == [f"JV-2026-{n:06d}" for n in range(1, len(book.postings) + 1)]
        assert trial_balance_rows(erp) == book.trial_balance_rows()
        for day in book.dates:
            assert trial_balance_rows(erp, day) == book.trial_balance_rows(day), day


@FAST
@given(history=histories, extra_day=dates_2026)
def test_balance_sheet_balances_on_every_date_and_matches_the_model(
    history: list[VoucherSpec | ReversalSpec], extra_day: dt.date
) -> None:
    with sqlite_company() as erp:
        book = post_history(erp, history)
        for day in [dt.date(2025, 12, 31), *book.dates, extra_day, YEAR_END]:
            bs = erp.balance_sheet(day)
            assert bs.assets.total == bs.total_liabilities_and_equity, day
            assert bs.balanced
            assert bs.assets.total == book.base_total({"asset"}, day)
            assert bs.liabilities.total == -book.base_total({"liability"}, day)
            assert bs.equity.total == -book.base_total({"equity"}, day)
            assert bs.current_earnings == -book.base_total({"income", "expense"}, day)


# --- b. invalid vouchers -------------------------------------------------------------------------

CLOSED_ACCOUNT = "6700"
CLOSED_PERIOD = "2026-03"
OPEN_DAY = "2026-05-10"
# valid vouchers for `books`: every line on an account that is still open
open_vouchers = vouchers([code for code in POSTABLE if code != CLOSED_ACCOUNT])


@pytest.fixture
def books(erp: Erp) -> Erp:
    """A company with some history, account 6700 closed and period 2026-03 closed."""
    erp.post_voucher(
        "2026-01-05",
        [{"account": "1120", "debit": "10000.00"}, {"account": "3100", "credit": "10000.00"}],
    )
    erp.post_voucher(
        "2026-02-10",
        [{"account": "6700", "debit": "120.00"}, {"account": "1120", "credit": "120.00"}],
    )
    usd = erp.post_voucher(
        "2026-03-03",
        [
            {"account": "1120", "debit": "100.01", "currency": "USD", "rate": "0.9231"},
            {"account": "4100", "credit": "33.33", "currency": "USD", "rate": "0.9231"},
            {"account": "4200", "credit": "66.68", "currency": "USD", "rate": "0.9231"},
        ],
    )
    erp.reverse_voucher(usd.documents[0], "2026-04-01")
    erp.close_account(CLOSED_ACCOUNT)
    erp.close_period(CLOSED_PERIOD)
    return erp


def snapshot(erp: Erp) -> tuple[Any, ...]:
    """Everything a refused action must leave alone."""
    return (
        erp.store.last_position(),
        erp.trial_balance().model_dump_json(),
        [line.model_dump_json() for line in erp.general_ledger()],
        erp.projection_status(),
    )


def assert_refused_without_trace(erp: Erp, date: str, lines: list[dict[str, Any]]) -> ErpError:
    before = snapshot(erp)
    with pytest.raises(ErpError) as refused:
        erp.post_voucher(date, lines)
    assert snapshot(erp) == before
    return refused.value


def eur(account: str, side: str, amount: Any) -> dict[str, Any]:
    return {"account": account, side: amount}


def usd(account: str, side: str, amount: Any, rate: Any = "0.9231") -> dict[str, Any]:
    return {"account": account, side: amount, "currency": "USD", "rate": rate}


# case -> (the refusal expected, date, lines)
INVALID_VOUCHERS: dict[str, tuple[type[ErpError], str, list[dict[str, Any]]]] = {
    "unbalanced": (
        Unbalanced,
        OPEN_DAY,
        [eur("1120", "debit", "100.00"), eur("4100", "credit", "99.99")],
    ),
    "unbalanced in the foreign currency": (
        Unbalanced,
        OPEN_DAY,
        [usd("1120", "debit", "100.00"), usd("4100", "credit", "99.99")],
    ),
    "two currencies that do not balance in base": (
        Unbalanced,
        OPEN_DAY,
        [eur("1120", "debit", "100.00"), usd("4100", "credit", "100.00", "0.5")],
    ),
    "foreign line without a rate": (
        ValidationError,
        OPEN_DAY,
        [
            {"account": "1120", "debit": "10.00", "currency": "USD"},
            {"account": "4100", "credit": "10.00", "currency": "USD"},
        ],
    ),
    "unknown currency": (
        ValidationError,
        OPEN_DAY,
        [
            usd("1120", "debit", "10.00") | {"currency": "XYZ"},
            usd("4100", "credit", "10.00") | {"currency": "XYZ"},
        ],
    ),
    "single line": (ValidationError, OPEN_DAY, [eur("1120", "debit", "10.00")]),
    "unknown account": (
        UnknownAccount,
        OPEN_DAY,
        [eur("9999", "debit", "10.00"), eur("4100", "credit", "10.00")],
    ),
    "group account": (
        ValidationError,
        OPEN_DAY,
        [eur("1100", "debit", "10.00"), eur("4100", "credit", "10.00")],
    ),
    "control account": (
        ValidationError,
        OPEN_DAY,
        [eur("1200", "debit", "10.00"), eur("4100", "credit", "10.00")],
    ),
    "closed account": (
        AccountClosed,
        OPEN_DAY,
        [eur(CLOSED_ACCOUNT, "debit", "10.00"), eur("1120", "credit", "10.00")],
    ),
    "closed period": (
        PeriodClosed,
        "2026-03-15",
        [eur("1120", "debit", "10.00"), eur("4100", "credit", "10.00")],
    ),
    "fiscal year not open": (
        PeriodClosed,
        "2027-01-04",
        [eur("1120", "debit", "10.00"), eur("4100", "credit", "10.00")],
    ),
    "float amount": (
        ValidationError,
        OPEN_DAY,
        [eur("1120", "debit", 12.5), eur("4100", "credit", "12.50")],
    ),
    "decimal comma": (
        ValidationError,
        OPEN_DAY,
        [eur("1120", "debit", "12,50"), eur("4100", "credit", "12,50")],
    ),
    "not a number": (
        ValidationError,
        OPEN_DAY,
        [eur("1120", "debit", "abc"), eur("4100", "credit", "abc")],
    ),
    "huge exponent": (
        ValidationError,
        OPEN_DAY,
        [eur("1120", "debit", "1e400"), eur("4100", "credit", "1e400")],
    ),
    "not finite": (
        ValidationError,
        OPEN_DAY,
        [eur("1120", "debit", "NaN"), eur("4100", "credit", "NaN")],
    ),
    "infinite": (
        ValidationError,
        OPEN_DAY,
        [eur("1120", "debit", "Infinity"), eur("4100", "credit", "Infinity")],
    ),
    "three decimals in EUR": (
        ValidationError,
        OPEN_DAY,
        [eur("1120", "debit", "10.001"), eur("4100", "credit", "10.001")],
    ),
    "three decimals in USD": (
        ValidationError,
        OPEN_DAY,
        [usd("1120", "debit", "10.001"), usd("4100", "credit", "10.001")],
    ),
    "negative": (
        ValidationError,
        OPEN_DAY,
        [eur("1120", "debit", "-10.00"), eur("4100", "debit", "10.00")],
    ),
    "zero": (
        ValidationError,
        OPEN_DAY,
        [eur("1120", "debit", "0.00"), eur("4100", "credit", "0.00")],
    ),
    "debit and credit on one line": (
        ValidationError,
        OPEN_DAY,
        [{"account": "1120", "debit": "10.00", "credit": "10.00"}, eur("4100", "credit", "10.00")],
    ),
    "neither debit nor credit": (
        ValidationError,
        OPEN_DAY,
        [{"account": "1120"}, eur("4100", "credit", "10.00")],
    ),
    "negative rate": (
        ValidationError,
        OPEN_DAY,
        [usd("1120", "debit", "10.00", "-0.9"), usd("4100", "credit", "10.00", "-0.9")],
    ),
    "rate on a base line": (
        ValidationError,
        OPEN_DAY,
        [
            eur("1120", "debit", "10.00") | {"rate": "1.1"},
            eur("4100", "credit", "10.00") | {"rate": "1.1"},
        ],
    ),
}


@pytest.mark.parametrize("case", list(INVALID_VOUCHERS))
def test_invalid_voucher_is_refused_and_changes_nothing(books: Erp, case: str) -> None:
    expected, date, lines = INVALID_VOUCHERS[case]
    error = assert_refused_without_trace(books, date, lines)
    assert isinstance(error, expected), error
    # and the books still take a valid voucher, numbered right after the last one
    result = books.post_voucher(
        OPEN_DAY, [eur("1120", "debit", "1.00"), eur("4100", "credit", "1.00")]
    )
    assert result.documents == ["JV-2026-000005"]


@FAST
@given(spec=open_vouchers, line=st.integers(0, 5), extra_cents=st.integers(1, 10**6))
def test_any_unbalanced_voucher_is_refused_and_changes_nothing(
    books: Erp, spec: VoucherSpec, line: int, extra_cents: int
) -> None:
    index = line % len(spec.lines)
    account, cents = spec.lines[index]
    bigger = cents + extra_cents if cents > 0 else cents - extra_cents
    lines = list(spec.lines)
    lines[index] = (account, bigger)
    unbalanced = VoucherSpec(dt.date(2026, 5, 10), spec.currency, spec.rate, tuple(lines))
    error = assert_refused_without_trace(books, OPEN_DAY, unbalanced.payload())
    assert isinstance(error, Unbalanced), error


chart_codes = {code for code, *_ in STANDARD_CHART}


@FAST
@given(
    spec=open_vouchers,
    line=st.integers(0, 5),
    code=st.text("0123456789ABXYZ-._", min_size=1, max_size=12).filter(
        lambda c: c not in chart_codes
    ),
)
def test_a_voucher_naming_an_unknown_account_is_refused_and_changes_nothing(
    books: Erp, spec: VoucherSpec, line: int, code: str
) -> None:
    index = line % len(spec.lines)
    payload = spec.payload()
    payload[index]["account"] = code
    error = assert_refused_without_trace(books, OPEN_DAY, payload)
    assert isinstance(error, UnknownAccount), error
    assert error.field == f"lines[{index}].account"


def _parses(text: str) -> bool:
    try:
        Decimal(text.strip())
    except InvalidOperation:
        return False
    return True


malformed_amounts = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["12,50", "abc", "", " ", "1.2.3", "12 50", "€12", "12.50 EUR", "0x10"]),
    st.text(max_size=12).filter(lambda s: not _parses(s)),
    # more places than a cent
    st.tuples(st.integers(1, 10**9), st.integers(3, 12))
    .filter(lambda t: t[0] % 10)
    .map(lambda t: format(Decimal(t[0]).scaleb(-t[1]), "f")),
    # zero or negative
    st.integers(-(10**9), 0).map(lambda c: format(Decimal(c).scaleb(-2), "f")),
    st.sampled_from(["-0.00", "0", "-0", "0E+3"]),
    # too large or not finite
    st.integers(15, 400).map(lambda e: f"1e{e}"),
    st.sampled_from(["NaN", "-Infinity", "Infinity", "sNaN"]),
)


@FAST
@given(spec=open_vouchers, line=st.integers(0, 5), amount=malformed_amounts)
def test_a_voucher_with_a_malformed_amount_is_refused_and_changes_nothing(
    books: Erp, spec: VoucherSpec, line: int, amount: Any
) -> None:
    index = line % len(spec.lines)
    payload = spec.payload()
    side = "debit" if "debit" in payload[index] else "credit"
    payload[index][side] = amount
    error = assert_refused_without_trace(books, OPEN_DAY, payload)
    assert isinstance(error, ValidationError)
    assert error.field.startswith(f"lines[{index}]"), error


@FAST
@given(
    spec=open_vouchers,
    day=st.one_of(
        st.dates(dt.date(2026, 3, 1), dt.date(2026, 3, 31)),
        st.dates(dt.date(2000, 1, 1), dt.date(2025, 12, 31)),
        st.dates(dt.date(2027, 1, 1), dt.date(2100, 12, 31)),
    ),
)
def test_a_voucher_dated_in_a_closed_period_or_unopened_year_is_refused(
    books: Erp, spec: VoucherSpec, day: dt.date
) -> None:
    error = assert_refused_without_trace(books, day.isoformat(), spec.payload())
    assert isinstance(error, PeriodClosed), error


@FAST
@given(spec=open_vouchers)
def test_a_voucher_posting_to_a_closed_account_is_refused_and_changes_nothing(
    books: Erp, spec: VoucherSpec
) -> None:
    payload = spec.payload()
    payload[0]["account"] = CLOSED_ACCOUNT
    error = assert_refused_without_trace(books, OPEN_DAY, payload)
    assert isinstance(error, AccountClosed), error
    assert error.field == "lines[0].account"


# --- c/d. mixed histories (some actions refused) on both stores -----------------------------------

period_months = st.integers(1, 12).map(lambda m: f"2026-{m:02d}")
other_actions = st.one_of(
    st.builds(
        lambda n, d: {
            "action": "reverse_voucher",
            "document": f"JV-2026-{n:06d}",
            "date": d.isoformat(),
        },
        st.integers(1, 12),
        dates_2026,
    ),
    period_months.map(lambda p: {"action": "close_period", "period": p}),
    period_months.map(lambda p: {"action": "reopen_period", "period": p, "reason": "fix"}),
    st.sampled_from(POSTABLE).map(lambda code: {"action": "close_account", "code": code}),
)
mixed_histories = st.lists(
    st.one_of(*[vouchers().map(VoucherSpec.action)] * 4, other_actions), min_size=1, max_size=15
)


def apply_one_by_one(erp: Erp, actions: Sequence[dict[str, Any]]) -> list[Any]:
    """Apply each action; return per action its documents, or the refusal's type and text."""
    outcomes: list[Any] = []
    for action in actions:
        try:
            outcomes.append(erp.apply(action).documents)
        except ErpError as err:
            outcomes.append((type(err).__name__, str(err)))
    return outcomes


def batches(
    actions: Sequence[dict[str, Any]], sizes: Sequence[int]
) -> Iterator[list[dict[str, Any]]]:
    """The actions cut into batches of the given sizes (cycled)."""
    batch: list[dict[str, Any]] = []
    i = 0
    for action in actions:
        batch.append(action)
        if len(batch) == sizes[i % len(sizes)]:
            yield batch
            batch, i = [], i + 1
    if batch:
        yield batch


def apply_in_batches(
    erp: Erp, actions: Sequence[dict[str, Any]], sizes: Sequence[int]
) -> list[Any]:
    """Apply the actions with `apply_many`, in batches (see `batches`)."""
    outcomes: list[Any] = []
    for batch in batches(actions, sizes):
        for outcome in erp.apply_many([parse_action(a) for a in batch]):
            if isinstance(outcome, ErpError):
                outcomes.append((type(outcome).__name__, str(outcome)))
            else:
                outcomes.append(outcome.documents)
    return outcomes


def reports(
    erp: Erp, days: Sequence[dt.date], ignore: frozenset[str] = frozenset({"position"})
) -> dict[str, Any]:
    """Every report of the books as JSON text, and the general ledger without the fields in
    `ignore` (log positions differ between stores; recording times between batchings)."""
    return {
        "trial_balance": erp.trial_balance().model_dump_json(),
        "trial_balances": [erp.trial_balance(d).model_dump_json() for d in days],
        "balance_sheets": [erp.balance_sheet(d).model_dump_json() for d in days],
        "income_statement": erp.income_statement(YEAR_START, YEAR_END).model_dump_json(),
        "quarters": [
            erp.income_statement(dt.date(2026, m, 1), dt.date(2026, m + 2, 28)).model_dump_json()
            for m in (1, 4, 7, 10)
        ],
        "general_ledger": [
            line.model_dump_json(exclude=set(ignore)) for line in erp.general_ledger()
        ],
        "periods": erp.fiscal_periods(),
    }


def history_days(actions: Sequence[dict[str, Any]]) -> list[dt.date]:
    days = {dt.date.fromisoformat(a["date"]) for a in actions if "date" in a}
    return sorted(days | {YEAR_END})


@pytest.mark.postgres
@SLOW
@given(actions=mixed_histories)
def test_the_same_history_gives_identical_reports_on_sqlite_and_postgresql(
    pg_url: str, actions: list[dict[str, Any]]
) -> None:
    days = history_days(actions)
    with sqlite_company() as lite, postgres_company(pg_url) as pg:
        lite_outcomes = apply_one_by_one(lite, actions)
        pg_outcomes = apply_one_by_one(pg, actions)
        assert pg_outcomes == lite_outcomes  # same document numbers, same refusals
        assert reports(pg, days) == reports(lite, days)


def dump_projection(erp: Erp) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every projection table, ordered by primary key."""
    tables = [t for t in metadata.sorted_tables if t is not projection_position]
    with erp.reader.connect() as conn:
        return {
            t.name: [tuple(row) for row in conn.execute(select(t).order_by(*t.primary_key))]
            for t in tables
        }


def assert_rebuild_equals_live(erp: Erp) -> None:
    live = dump_projection(erp)
    assert live["company_info"] and live["accounts"] and live["fiscal_periods"]
    erp.rebuild()
    assert all(s.lag == 0 for s in erp.projection_status())
    rebuilt = dump_projection(erp)
    for table in live:
        assert rebuilt[table] == live[table], table


batch_sizes = st.lists(st.integers(1, 6), min_size=1, max_size=4)


@FAST
@given(actions=mixed_histories, sizes=batch_sizes)
def test_rebuilt_projection_equals_live_one_on_sqlite(
    actions: list[dict[str, Any]], sizes: list[int]
) -> None:
    with sqlite_company() as erp:
        apply_in_batches(erp, actions, sizes)
        assert_rebuild_equals_live(erp)


@pytest.mark.postgres
@SLOW
@given(actions=mixed_histories, sizes=batch_sizes)
def test_rebuilt_projection_equals_live_one_on_postgresql(
    pg_url: str, actions: list[dict[str, Any]], sizes: list[int]
) -> None:
    with postgres_company(pg_url) as erp:
        apply_in_batches(erp, actions, sizes)
        assert_rebuild_equals_live(erp)


@FAST
@given(actions=mixed_histories, sizes=batch_sizes)
def test_batched_apply_gives_the_same_books_as_one_action_at_a_time(
    actions: list[dict[str, Any]], sizes: list[int]
) -> None:
    days = history_days(actions)
    with sqlite_company() as single, sqlite_company() as batched:
        assert apply_in_batches(batched, actions, sizes) == apply_one_by_one(single, actions)
        # one batch is recorded at one instant: only the recording times may differ
        ignore = frozenset({"position", "recorded_at"})
        assert reports(batched, days, ignore) == reports(single, days, ignore)


def test_a_refused_reversal_does_not_spoil_a_later_voucher_in_the_same_batch(erp: Erp) -> None:
    actions = [
        {"action": "reverse_voucher", "document": "JV-2026-000001", "date": "2026-01-10"},
        VoucherSpec(dt.date(2026, 1, 5), BASE, None, (("1120", 100), ("3100", -100))).action(),
    ]
    refused, posted = erp.apply_many([parse_action(a) for a in actions])
    assert isinstance(refused, NotFound)
    assert isinstance(posted, ActionResult)
    assert posted.documents == ["JV-2026-000001"]
    assert erp.trial_balance().total_debit == Decimal("1.00")
