"""The hash chain's PostgreSQL recorder (see `erp_core.infra.chain` for the format)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from erp_core.infra.chain import CHAIN_TABLE, GENESIS, chain_rows


class ChainedPostgresApplicationRecorder(PostgresApplicationRecorder):
    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name=events_table_name)
        table = Identifier(self.datastore.schema), Identifier(CHAIN_TABLE)
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {0}.{1} "
                "(position bigint PRIMARY KEY, stream text NOT NULL, hash text NOT NULL, "
                "previous bigint, link text)"
            ).format(*table)
        )
        self.sql_create_statements.append(
            SQL("ALTER TABLE {0}.{1} ADD COLUMN IF NOT EXISTS previous bigint").format(*table)
        )
        self.sql_create_statements.append(
            SQL("ALTER TABLE {0}.{1} ADD COLUMN IF NOT EXISTS link text").format(*table)
        )
        self._select_head = SQL(
            "SELECT hash, position FROM {0}.{1} ORDER BY position DESC LIMIT 1"
        ).format(*table)
        self._insert_chain = SQL(
            "INSERT INTO {0}.{1} (position, stream, hash, previous, link) "
            "VALUES (%s, %s, %s, %s, %s)"
        ).format(*table)

    def _fetch_ids_after_insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        # Runs inside the insert transaction, after LOCK TABLE ... IN EXCLUSIVE MODE, so the
        # chain head cannot move under us.
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        if ids:
            curs.execute(self._select_head)
            row = curs.fetchone()
            rows = chain_rows(
                row["hash"] if row else GENESIS, row["position"] if row else 0, ids, stored_events
            )
            curs.executemany(self._insert_chain, rows)
        return ids
