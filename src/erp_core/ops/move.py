"""Moving a company's books to another database (SQLite to PostgreSQL, typically), with proof.

The move is a backup of the source into a temporary archive, a restore of that archive into
the empty target (all or nothing), a verification of the target's chain, and a comparison of
the reports read from both databases' projections. An interrupted move leaves the target empty
(the restore commits once, at the end), so the same command is simply run again.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection, Engine

from erp_core.audit import verify as audit
from erp_core.infra.config import DatabaseUrl
from erp_core.infra.db import create_engines
from erp_core.kernel.errors import ErpError
from erp_core.ops.archive import Progress, backup, restore


class MoveFailed(ErpError):
    """The target does not prove equal to the source."""


class MoveResult(BaseModel):
    model_config = ConfigDict(frozen=True)
    events: int
    head_position: int
    head_hash: str
    reports_compared: list[str]
    source_moved_on: int  # events written to the source after the backup's snapshot


def _reports(conn: Connection, as_of: dt.date) -> dict[str, bytes]:
    """The reports a user reads, as JSON bytes (errors, e.g. an empty book, compare too)."""
    from erp_core.projections import operations, queries, sales_reports

    makers: dict[str, Callable[[], object]] = {
        "trial balance": lambda: queries.trial_balance(conn),
        "general ledger": lambda: queries.general_ledger(conn),
        "balance sheet": lambda: queries.balance_sheet(conn, as_of),
        "stock balance": lambda: operations.stock_balance(conn, as_of),
        "open purchase orders": lambda: operations.open_orders(conn),
        "payables aging": lambda: operations.payables_aging(conn, as_of),
        "receivables aging": lambda: sales_reports.receivables_aging(conn, as_of),
        "open sales orders": lambda: sales_reports.sales_open_orders(conn),
    }
    out: dict[str, bytes] = {}
    for name, make in makers.items():
        try:
            value = make()
        except ErpError as exc:
            out[name] = f"error: {exc.message}".encode()
            continue
        out[name] = _json(value)
    return out


def _json(value: object) -> bytes:
    from pydantic import TypeAdapter

    return TypeAdapter(type(value)).dump_json(value)


def report_bytes(url: DatabaseUrl, as_of: dt.date) -> dict[str, bytes]:
    writer, reader = create_engines(url)
    try:
        with reader.connect() as conn:
            return _reports(conn, as_of)
    finally:
        writer.dispose()
        reader.dispose()


def _catch_up(url: DatabaseUrl, writer: Engine, reader: Engine, upto: int) -> None:
    from erp_core.infra.store import EventStore
    from erp_core.projections import Projector, all_projections

    store = EventStore(url)
    try:
        Projector(store, writer, reader, all_projections(), upto=upto).catch_up()
    finally:
        store.close()


def move_store(
    source: DatabaseUrl,
    target: DatabaseUrl,
    *,
    as_of: dt.date | None = None,
    scratch_dir: str | None = None,
    progress: Progress | None = None,
) -> MoveResult:
    """Copy the whole log of `source` into the empty `target`, then prove them equal."""
    if (source.kind, source.path, source.dbname, source.host, source.port, source.schema) == (
        target.kind,
        target.path,
        target.dbname,
        target.host,
        target.port,
        target.schema,
    ):
        raise MoveFailed("the source and the target are the same database")
    with tempfile.TemporaryDirectory(prefix="erp-move-", dir=scratch_dir) as tmp:
        archive = Path(tmp) / "move.erpbak"
        manifest = backup(source, archive, progress=progress, record=False)
        restored = restore(archive, target, progress=progress)
    day = as_of or dt.date.today()
    # Both sides are read as of the archive's head: the source may have moved on meanwhile.
    src_writer, src_reader = create_engines(source)
    try:
        _catch_up(source, src_writer, src_reader, manifest.head_position)
        with src_reader.connect() as conn:
            head_now = _head(conn)
            before = _reports(conn, day)
    finally:
        src_writer.dispose()
        src_reader.dispose()
    moved_on = head_now - manifest.head_position
    after = report_bytes(target, day)
    _check_target(target, manifest.head_position, manifest.head_hash)
    if moved_on == 0:
        differ = [name for name in before if before[name] != after.get(name)]
        if differ:
            raise MoveFailed(
                f"the target's reports differ from the source's: {', '.join(differ)}; "
                "the target holds a verified copy of the log, rebuild its projections "
                "(erp projections rebuild) and compare again"
            )
    return MoveResult(
        events=restored.events,
        head_position=restored.head_position,
        head_hash=restored.head_hash,
        reports_compared=sorted(before) if moved_on == 0 else [],
        source_moved_on=moved_on,
    )


def _head(conn: Connection) -> int:
    from sqlalchemy import text

    pos = "notification_id" if conn.dialect.name == "postgresql" else "rowid"
    return int(conn.execute(text(f"SELECT MAX({pos}) FROM stored_events")).scalar_one() or 0)


def _check_target(target: DatabaseUrl, position: int, head_hash: str) -> None:
    writer, reader = create_engines(target)
    try:
        with reader.connect() as conn:
            report = audit.verify_chain(audit.raw_events(conn), audit.chain_records(conn))
    finally:
        writer.dispose()
        reader.dispose()
    if not report.ok or (report.head_position, report.head_hash) != (position, head_hash):
        raise MoveFailed(
            f"the target does not verify to the source's head ({position}, {head_hash})"
        )
