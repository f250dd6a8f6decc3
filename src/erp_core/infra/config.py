"""Where the data lives: one URL selects the database for events and projections alike.

Resolution order: an explicit URL (``--db``), else ``$ERP_DATABASE_URL``, else ``./erp.sqlite``.
``sqlite:///relative/path`` and ``sqlite:////absolute/path`` use the embedded default;
``postgresql://user:password@host:port/dbname?schema=NAME`` uses PostgreSQL (``schema``
optional, default ``public``; one schema per company keeps tenants apart). Every other query
parameter (``sslmode=require``, ``sslrootcert=...``, ``application_name=...``) is a libpq
connection parameter and is passed to every connection: the event store's, the projections' and
the set-up lock's. URLs are parsed by SQLAlchemy's `make_url`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from erp_core.kernel.errors import ValidationError

DEFAULT_URL = "sqlite:///erp.sqlite"
SCHEMA_RE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@dataclass(frozen=True)
class DatabaseUrl:
    kind: str  # "sqlite" or "postgresql"
    path: str = ""  # sqlite file
    host: str = "127.0.0.1"
    port: int = 5432
    user: str = "postgres"
    password: str = ""
    dbname: str = ""
    schema: str = "public"
    raw: str = ""
    # libpq connection parameters from the URL's query (everything but ``schema``)
    options: tuple[tuple[str, str], ...] = ()

    def connect_options(self) -> dict[str, str]:
        return dict(self.options)

    def sqlalchemy_url(self) -> str:
        if self.kind == "sqlite":
            return f"sqlite:///{self.path}"
        auth = self.user + (f":{self.password}" if self.password else "")
        return f"postgresql+psycopg://{auth}@{self.host}:{self.port}/{self.dbname}"

    def redacted(self) -> str:
        if self.kind == "sqlite":
            return f"sqlite:///{self.path}"
        suffix = f"?schema={self.schema}" if self.schema != "public" else ""
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.dbname}{suffix}"


def resolve_url(url: str | None = None) -> str:
    return url or os.environ.get("ERP_DATABASE_URL") or DEFAULT_URL


def parse_url(url: str) -> DatabaseUrl:
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///") :]
        if not path or path.startswith(":memory:"):
            raise ValidationError("db", "an SQLite URL needs a file path: sqlite:///erp.sqlite")
        return DatabaseUrl(kind="sqlite", path=str(Path(path)), raw=url)
    if url.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            parts = make_url(url.replace("postgres://", "postgresql://", 1))
        except (ArgumentError, ValueError) as exc:
            raise ValidationError("db", f"not a valid database URL: {exc}") from None
        query = dict(parts.query)
        schema = query.pop("schema", "public")
        if not isinstance(schema, str) or not SCHEMA_RE.match(schema):
            raise ValidationError("db", f"invalid schema name {schema!r}")
        options: list[tuple[str, str]] = []
        for key, value in sorted(query.items()):
            if not isinstance(value, str):
                raise ValidationError("db", f"the URL gives {key!r} more than once")
            options.append((key, value))
        if not parts.database:
            raise ValidationError("db", "a PostgreSQL URL needs a database name")
        return DatabaseUrl(
            kind="postgresql",
            host=parts.host or "127.0.0.1",
            port=parts.port or 5432,
            user=parts.username or "postgres",
            password=parts.password or "",
            dbname=parts.database,
            schema=schema,
            raw=url,
            options=tuple(options),
        )
    if "://" not in url:
        return DatabaseUrl(kind="sqlite", path=url, raw=f"sqlite:///{url}")
    raise ValidationError(
        "db", f"unsupported database URL {url!r}: use sqlite:///FILE or postgresql://..."
    )
