"""SQLAlchemy engines for the projection tables, and schema migration on open."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.exc import OperationalError

from erp_core.infra.config import DatabaseUrl
from erp_core.kernel.errors import StorageError

if TYPE_CHECKING:
    from alembic.config import Config

SQLITE_TIMEOUT_S = 60


def create_engines(url: DatabaseUrl) -> tuple[Engine, Engine]:
    """A writer engine (serialised transactions) and a reader engine (plain reads)."""
    if url.kind == "sqlite":
        return _sqlite_engine(url, immediate=True), _sqlite_engine(url, immediate=False)
    from erp_core.infra.store import require_postgres_driver

    require_postgres_driver()
    engine = create_engine(
        url.sqlalchemy_url(),
        connect_args={
            "options": f"-csearch_path={url.schema}",
            "connect_timeout": 10,
            **url.connect_options(),
        },
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
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_versions_dir().parent))
    return cfg


def _versions_dir() -> Path:
    import erp_core.migrations as migrations  # installed from migrations/ (package-dir)

    return Path(migrations.__file__).parent / "versions"


_REVISION = re.compile(r"^revision\s*=\s*[\"']([^\"']+)[\"']", re.M)
_DOWN = re.compile(r"^down_revision\s*=\s*(.+)$", re.M)


def _migration_graph() -> tuple[set[str], set[str]]:
    """Every revision id the migration files define, and every id named as a parent."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in _versions_dir().glob("*.py"):
        source = path.read_text(encoding="utf-8")
        found = _REVISION.search(source)
        if found is None:
            continue
        revisions.add(found.group(1))
        down = _DOWN.search(source)
        if down is not None:
            parents.update(re.findall(r"[\"']([^\"']+)[\"']", down.group(1)))
    return revisions, parents


def known_revisions() -> set[str]:
    """Every revision this program's migration files define (heads and their ancestors)."""
    return _migration_graph()[0]


def head_revisions() -> set[str]:
    """The newest migration of every branch (each area may add its own branch of migrations,
    starting from the shared trunk, so that areas built side by side never conflict).

    Read from the migration files' ``revision`` / ``down_revision`` lines without importing
    Alembic, which only a database that needs upgrading pays for."""
    revisions, parents = _migration_graph()
    return revisions - parents


MOVE_TABLE = "erp_move"  # present (with a row) while the database is an unfinished move's target


def unfinished_move(conn: Connection) -> str | None:
    """Why this database may not be used yet: it is the target of an `erp migrate-store` that
    has not finished (None: it is not)."""
    if not inspect(conn).has_table(MOVE_TABLE):
        return None
    row = conn.execute(text(f"SELECT source, copied_position FROM {MOVE_TABLE}")).first()
    if row is None:
        return None
    return (
        f"this database is the unfinished target of `erp migrate-store` from {row[0]} (copied "
        f"up to position {row[1]}): run the same command again to finish the move, or drop "
        "this database"
    )


def _current_revisions(writer: Engine, unfinished_move_ok: bool) -> set[str]:
    with writer.connect() as conn:
        if not unfinished_move_ok:
            refused = unfinished_move(conn)
            if refused:
                raise StorageError(refused)
        if not inspect(conn).has_table("erp_schema_version"):
            return set()
        return {row[0] for row in conn.execute(text("SELECT version_num FROM erp_schema_version"))}


def migrate(writer: Engine, url: DatabaseUrl, *, unfinished_move_ok: bool = False) -> None:
    """Bring the projection schema to the newest migrations (no-op when already there).

    Refuses the target of an unfinished `erp migrate-store` (a partial copy of a log must
    never be taken for the books) unless `unfinished_move_ok` (the move itself)."""
    try:
        if url.kind == "postgresql":
            with writer.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{url.schema}"'))
        current = _current_revisions(writer, unfinished_move_ok)
        heads = head_revisions()
        if current == heads:
            return
        unknown = current - known_revisions()
        if unknown:
            raise StorageError(
                f"this database was written by a newer erp_core (schema revisions "
                f"{', '.join(sorted(unknown))}) than this program knows "
                f"(heads {', '.join(sorted(heads))}); upgrade erp_core"
            )
        from alembic import command

        cfg = _alembic_config()
        with writer.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "heads")
            from erp_core.infra.keys import ensure_keys_table

            ensure_keys_table(conn)  # infrastructure, not a projection: rebuilds keep it
    except OperationalError as exc:
        raise StorageError(f"cannot open {url.redacted()}: {exc.orig}") from None
