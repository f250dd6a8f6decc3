"""Alembic environment for the projection schema.

erp_core runs migrations itself when a database is opened (`erp_core.db.migrate`), passing an
open connection in ``config.attributes["connection"]``. The event table belongs to the
eventsourcing library and is never migrated here: stored events are never rewritten.
"""

from __future__ import annotations

from alembic import context
from erp_core.projections.schema import metadata
from sqlalchemy import text

connection = context.config.attributes["connection"]
if connection.dialect.name == "postgresql":
    # Two processes opening a fresh database at once must not both create the tables.
    connection.execute(text("SELECT pg_advisory_xact_lock(724201)"))
context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table="erp_schema_version",
    render_as_batch=connection.dialect.name == "sqlite",
)
context.run_migrations()
