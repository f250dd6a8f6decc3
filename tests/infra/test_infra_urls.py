"""Database URLs: parsed by SQLAlchemy, every libpq parameter passed to every connection."""

from __future__ import annotations

import pytest

from erp_core.infra.config import parse_url
from erp_core.kernel.errors import StorageError, ValidationError


def test_query_parameters_other_than_schema_are_kept_as_connection_options() -> None:
    url = parse_url("postgresql://bob:s%40cret@db.example:6543/books?schema=acme&sslmode=require")
    assert (url.user, url.password, url.host, url.port, url.dbname, url.schema) == (
        "bob",
        "s@cret",
        "db.example",
        6543,
        "books",
        "acme",
    )
    assert url.connect_options() == {"sslmode": "require"}
    assert "s@cret" not in url.redacted()


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("postgresql://h/books?schema=Bad-Name", "invalid schema name"),
        ("postgresql://h/", "needs a database name"),
        ("postgresql://h/books?sslmode=a&sslmode=b", "more than once"),
        ("mysql://h/books", "unsupported database URL"),
        ("sqlite:///:memory:", "needs a file path"),
    ],
)
def test_bad_urls_are_refused_with_the_reason(url: str, reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        parse_url(url)


@pytest.mark.postgres
def test_sslmode_require_is_not_dropped(pg_url: str) -> None:
    """The local server has no TLS: with sslmode=require, opening must fail, never proceed
    silently without TLS (the parameter used to be dropped)."""
    from erp_core import Erp

    with pytest.raises(StorageError, match="SSL|ssl"):
        Erp.open(f"{pg_url}&sslmode=require", actor="t")


@pytest.mark.postgres
def test_connection_options_reach_the_event_store_and_the_projections(pg_url: str) -> None:
    import psycopg

    from erp_core import Erp

    erp = Erp.open(f"{pg_url}&application_name=erp-url-test", actor="t")
    try:
        erp.init("Acme", "EUR", __import__("datetime").date(2026, 1, 1))
        url = parse_url(pg_url)
        with psycopg.connect(
            host=url.host, port=url.port, user=url.user, dbname=url.dbname
        ) as conn:
            names = {
                r[0]
                for r in conn.execute(
                    "SELECT application_name FROM pg_stat_activity WHERE datname = %s",
                    (url.dbname,),
                )
            }
        assert "erp-url-test" in names
    finally:
        erp.close()


def test_the_migration_heads_read_from_the_files_are_alembics() -> None:
    """`head_revisions` avoids importing Alembic on every open; it must agree with Alembic."""
    from alembic.script import ScriptDirectory

    from erp_core.infra.db import _alembic_config, head_revisions

    assert head_revisions() == set(ScriptDirectory.from_config(_alembic_config()).get_heads())
