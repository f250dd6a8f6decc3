"""Storage selection, migrations and the projection engine's bookkeeping."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from erp_core.projections.schema import metadata

from erp_core import Erp
from erp_core.infra.config import parse_url, resolve_url
from erp_core.kernel.errors import ValidationError


def test_url_resolution_prefers_explicit_then_environment_then_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("ERP_DATABASE_URL", raising=False)
    assert resolve_url(None) == "sqlite:///erp.sqlite"
    monkeypatch.setenv("ERP_DATABASE_URL", "sqlite:///env.sqlite")
    assert resolve_url(None) == "sqlite:///env.sqlite"
    assert resolve_url("sqlite:///x.sqlite") == "sqlite:///x.sqlite"


def test_postgres_urls_carry_host_user_database_and_schema() -> None:
    url = parse_url("postgresql://erp:s%40cret@db.local:5433/books?schema=acme")
    assert (url.host, url.port, url.user, url.password, url.dbname, url.schema) == (
        "db.local",
        5433,
        "erp",
        "s@cret",
        "books",
        "acme",
    )
    assert "s@cret" not in url.redacted()


@pytest.mark.parametrize("bad", ["mysql://x/y", "sqlite:///", "postgresql://h/db?schema=Bad-Name"])
def test_unsupported_urls_are_refused_clearly(bad: str) -> None:
    with pytest.raises(ValidationError):
        parse_url(bad)


def test_migrations_create_exactly_the_declared_projection_schema(any_url: str) -> None:
    erp = Erp.open(any_url, actor="t")
    try:
        with erp.writer.connect() as conn:
            ctx = MigrationContext.configure(
                conn,
                opts={
                    "version_table": "erp_schema_version",
                    # the event store's own tables belong to the eventsourcing library
                    "include_name": lambda name, kind, _parent: (
                        kind != "table" or name in metadata.tables
                    ),
                },
            )
            diffs = compare_metadata(ctx, metadata)
        assert diffs == []
    finally:
        erp.close()


def test_reopening_a_database_does_not_migrate_or_lose_anything(sqlite_url: str) -> None:
    with Erp.open(sqlite_url, actor="t") as erp:
        erp.init("Co", "EUR", dt.date(2026, 1, 1))
        erp.post_voucher(
            "2026-01-05", [{"account": "1120", "debit": "1"}, {"account": "3100", "credit": "1"}]
        )
    with Erp.open(sqlite_url, actor="t") as erp:
        assert erp.trial_balance().total_debit == 1
        assert erp.post_voucher(
            "2026-01-06", [{"account": "1120", "debit": "1"}, {"account": "3100", "credit": "1"}]
        ).documents == ["JV-2026-000002"]


def test_a_separate_projection_worker_catches_up_later(sqlite_url: str) -> None:
    writer = Erp.open(sqlite_url, actor="t", project=False)
    writer.init("Co", "EUR", dt.date(2026, 1, 1))
    writer.post_voucher(
        "2026-01-05", [{"account": "1120", "debit": "2"}, {"account": "3100", "credit": "2"}]
    )
    status = {s.name: s for s in writer.projection_status()}
    assert status["ledger"].lag > 0
    worker = Erp.open(sqlite_url, actor="worker")
    assert worker.catch_up() > 0
    assert all(s.lag == 0 for s in worker.projection_status())
    assert worker.trial_balance().total_debit == 2
    assert worker.catch_up() == 0  # nothing applied twice
    writer.close()
    worker.close()


def test_unknown_projection_names_are_refused(erp: Erp) -> None:
    with pytest.raises(ValidationError, match="unknown projection 'nope'"):
        erp.rebuild(["nope"])


def test_fiscal_year_snapshots_keep_numbering_right_after_a_restart(sqlite_url: str) -> None:
    from erp_core import application

    with Erp.open(sqlite_url, actor="t") as erp:
        erp.init("Co", "EUR", dt.date(2026, 1, 1))
        for _ in range(application.SNAPSHOT_EVERY + 5):
            erp.post_voucher(
                "2026-01-05",
                [{"account": "1120", "debit": "1"}, {"account": "3100", "credit": "1"}],
            )
        assert erp.store.load_snapshot("fy:2026") is not None
    with Erp.open(sqlite_url, actor="t") as erp:
        doc = erp.post_voucher(
            "2026-01-06", [{"account": "1120", "debit": "1"}, {"account": "3100", "credit": "1"}]
        ).documents[0]
    assert doc == f"JV-2026-{application.SNAPSHOT_EVERY + 6:06d}"
