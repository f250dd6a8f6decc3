"""Shared fixtures: databases (SQLite files, PostgreSQL schemas), a fixed clock, a company."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest

from erp_core import Erp

# Fixtures of the web console's tests (a module, not a second conftest.py: two conftest modules
# would shadow each other's helpers imported as `from conftest import ...`).
pytest_plugins = ["web.web_fixtures"]

PG_ENV = "ERP_TEST_POSTGRES_URL"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def make_clock(start: dt.datetime | None = None) -> Callable[[], dt.datetime]:
    """A clock that ticks one millisecond per call: deterministic timestamps."""
    base = start or dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)
    ticks = itertools.count()
    return lambda: base + dt.timedelta(milliseconds=next(ticks))


@pytest.fixture
def clock() -> Callable[[], dt.datetime]:
    return make_clock()


@pytest.fixture
def sqlite_url(tmp_path: object) -> str:
    return f"sqlite:///{tmp_path}/books.sqlite"  # type: ignore[str-bytes-safe]


def _postgres_base() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        if IN_CI:
            pytest.fail(f"{PG_ENV} is not set, and PostgreSQL tests must run under CI=true")
        pytest.skip(f"PostgreSQL tests need {PG_ENV} (e.g. postgresql://postgres@127.0.0.1/test)")
    try:
        import psycopg

        with psycopg.connect(url.split("?")[0], connect_timeout=5):
            pass
    except Exception as exc:  # pragma: no cover - depends on the machine
        if IN_CI:
            pytest.fail(f"PostgreSQL at {url} is not reachable under CI=true: {exc}")
        pytest.skip(f"PostgreSQL at {url} is not reachable: {exc}")
    return url.split("?")[0]


def new_pg_schema_url() -> tuple[str, str]:
    base = _postgres_base()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    return f"{base}?schema={schema}", schema


def drop_pg_schema(schema: str) -> None:
    import psycopg

    with psycopg.connect(_postgres_base(), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL schema per test, dropped afterwards."""
    url, schema = new_pg_schema_url()
    yield url
    drop_pg_schema(schema)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_url(request: pytest.FixtureRequest, tmp_path: object) -> Iterator[str]:
    """The contract fixture: every test using it runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/books.sqlite"  # type: ignore[str-bytes-safe]
    else:
        url, schema = new_pg_schema_url()
        yield url
        drop_pg_schema(schema)


def open_company(url: str, clock: Callable[[], dt.datetime] | None = None) -> Erp:
    erp = Erp.open(url, actor="tester", clock=clock or make_clock())
    erp.init("Test Co", "EUR", dt.date(2026, 1, 1))
    return erp


@pytest.fixture
def erp(sqlite_url: str, clock: Callable[[], dt.datetime]) -> Iterator[Erp]:
    """A company on SQLite: EUR books, fiscal year 2026 (calendar) open, standard chart."""
    books = open_company(sqlite_url, clock)
    yield books
    books.close()


@pytest.fixture
def any_erp(any_url: str, clock: Callable[[], dt.datetime]) -> Iterator[Erp]:
    """The same company on SQLite and on PostgreSQL (contract tests)."""
    books = open_company(any_url, clock)
    yield books
    books.close()


def beancount_weights(path: str) -> tuple[list[object], dict[str, Decimal]]:
    """Load a beancount file with beancount's own loader (what bean-check runs); return its
    errors and the weight of every account (by our account code), on the cent."""
    from beancount import loader
    from beancount.core import convert, data

    entries, errors, _ = loader.load_file(path)
    totals: dict[str, Decimal] = {}
    for entry in entries:
        if isinstance(entry, data.Transaction):
            for posting in entry.postings:
                code = posting.account.split(":")[1].split("-")[0]
                totals[code] = totals.get(code, Decimal(0)) + convert.get_weight(posting).number
    # beancount divides a total cost into a unit cost, leaving residues like 1e-28
    cent = Decimal("0.01")
    return errors, {k: v.quantize(cent) for k, v in totals.items() if v.quantize(cent) != 0}


def trial_balance_by_account(erp: Erp) -> dict[str, Decimal]:
    """Our trial balance (from the projections): base balance per account, debit positive."""
    totals: dict[str, Decimal] = {}
    for row in erp.trial_balance().rows:
        totals[row.account] = totals.get(row.account, Decimal(0)) + row.debit - row.credit
    return {k: v for k, v in totals.items() if v != 0}
