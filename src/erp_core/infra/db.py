"""SQLAlchemy engines for the projection tables, and schema migration on open."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import OperationalError

from erp_core.infra.config import DatabaseUrl
from erp_core.kernel.errors import StorageError

SQLITE_TIMEOUT_S = 60


def create_engines(url: DatabaseUrl) -> tuple[Engine, Engine]:
    """A writer engine (serialised transactions) and a reader engine (plain reads)."""
    if url.kind == "sqlite":
        return _sqlite_engine(url, immediate=True), _sqlite_engine(url, immediate=False)
    engine = create_engine(
        url.sqlalchemy_url(),
        connect_args={"options": f"-csearch_path={url.schema}", "connect_timeout": 10},
        pool_pre_ping=True,
    )
    return engine, engine


def _sqlite_engine(url: DatabaseUrl, *, immediate: bool) -> Engine:
    engine = create_engine(url.sqlalchemy_url(), connect_args={"timeout": SQLITE_TIMEOUT_S})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        dbapi_conn.execute("PRAGMA journal_mode=WAL")
        dbapi_conn.execute("PRAGMA synchronous=NORMAL")
        dbapi_conn.execute(f"PRAGMA busy_timeout={SQLITE_TIMEOUT_S * 1000}")

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _alembic_config() -> Config:
    import erp_core.migrations as migrations  # installed from migrations/ (package-dir)

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(migrations.__file__).parent))
    return cfg


def head_revisions() -> set[str]:
    """The newest migration of every branch (each area may add its own branch of migrations,
    starting from the shared trunk, so that areas built side by side never conflict)."""
    return set(ScriptDirectory.from_config(_alembic_config()).get_heads())


def migrate(writer: Engine, url: DatabaseUrl) -> None:
    """Bring the projection schema to the newest migration (no-op when already there)."""
    try:
        if url.kind == "postgresql":
            with writer.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{url.schema}"'))
        with writer.connect() as conn:
            current = set(
                MigrationContext.configure(
                    conn, opts={"version_table": "erp_schema_version"}
                ).get_current_heads()
            )
        if current == head_revisions():
            return
        cfg = _alembic_config()
        with writer.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "heads")
    except OperationalError as exc:
        raise StorageError(f"cannot open {url.redacted()}: {exc.orig}") from None
