"""`erp doctor`: a health report for monitoring, read-only (it never migrates or writes).

Each finding is ``ok``, ``warning`` or ``critical`` and says what to do about it. The exit
status follows the monitoring convention (Nagios, Icinga, ...): 0 all OK, 1 a warning,
2 a critical problem (the database unreachable, the chain broken, a database newer than the
program).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection, inspect, text

from erp_core.infra.chain import CHAIN_TABLE
from erp_core.infra.config import DatabaseUrl
from erp_core.infra.db import create_engines, head_revisions, unfinished_move

Status = Literal["ok", "warning", "critical"]
EXIT_CODES: dict[Status, int] = {"ok": 0, "warning": 1, "critical": 2}


class Finding(BaseModel):
    model_config = ConfigDict(frozen=True)
    check: str
    status: Status
    detail: str
    advice: str | None = None


class Limits(BaseModel):
    model_config = ConfigDict(frozen=True)
    max_lag: int = 100  # events a projection may trail the log by
    backup_max_age: dt.timedelta = dt.timedelta(hours=26)
    digest_max_age: dt.timedelta = dt.timedelta(days=8)  # a signed digest at least weekly
    close_grace: dt.timedelta = dt.timedelta(days=45)  # a period may stay open this long


def worst(findings: list[Finding]) -> Status:
    order: list[Status] = ["ok", "warning", "critical"]
    return max((f.status for f in findings), key=order.index, default="ok")


def exit_code(findings: list[Finding]) -> int:
    return EXIT_CODES[worst(findings)]


def doctor(
    url: DatabaseUrl,
    *,
    now: dt.datetime | None = None,
    limits: Limits | None = None,
    verify: bool = True,
) -> list[Finding]:
    now = now or dt.datetime.now(dt.UTC)
    limits = limits or Limits()
    if url.kind == "sqlite" and not Path(url.path).exists():
        return [
            Finding(
                check="database",
                status="critical",
                detail=f"no database file at {url.path}",
                advice="check --db / ERP_DATABASE_URL, or restore the latest backup",
            )
        ]
    writer, reader = create_engines(url)
    try:
        try:
            conn = reader.connect()
            conn.execute(text("SELECT 1"))
        except Exception as exc:
            return [
                Finding(
                    check="database",
                    status="critical",
                    detail=f"{url.redacted()} is not reachable: {exc}",
                    advice="check that the server runs, the URL and the credentials",
                )
            ]
        with conn:
            return _checks(conn, url, now, limits, verify)
    finally:
        writer.dispose()
        reader.dispose()


def _checks(
    conn: Connection, url: DatabaseUrl, now: dt.datetime, limits: Limits, verify: bool
) -> list[Finding]:
    from erp_core import __version__

    out = [Finding(check="database", status="ok", detail=f"{url.redacted()} is reachable")]
    tables = set(inspect(conn).get_table_names())
    moving = unfinished_move(conn)
    if moving:
        out.append(
            Finding(
                check="move",
                status="critical",
                detail=moving,
                advice="do not use this database as books until the move has finished",
            )
        )
    known = head_revisions()
    current = schema_revisions(conn)
    unknown = current - known_revisions()
    if unknown:
        out.append(
            Finding(
                check="schema",
                status="critical",
                detail=f"the database was written by a newer erp_core (revisions "
                f"{', '.join(sorted(unknown))} are unknown to erp_core {__version__})",
                advice="install the erp_core version that wrote it; never downgrade a database",
            )
        )
    elif current != known:
        out.append(
            Finding(
                check="schema",
                status="warning",
                detail=f"migrations pending: at {', '.join(sorted(current)) or 'none'}, this "
                f"program expects {', '.join(sorted(known))}",
                advice="back up, then run `erp upgrade`",
            )
        )
    else:
        out.append(Finding(check="schema", status="ok", detail=f"at {', '.join(sorted(current))}"))
    if "stored_events" not in tables or CHAIN_TABLE not in tables:
        out.append(
            Finding(
                check="log",
                status="critical",
                detail="no event store in this database",
                advice="run `erp init` for a new company, or `erp restore` a backup",
            )
        )
        return out
    pos = "notification_id" if conn.dialect.name == "postgresql" else "rowid"
    events, head = conn.execute(text(f"SELECT COUNT(*), MAX({pos}) FROM stored_events")).one()
    head = int(head or 0)
    out.append(
        Finding(
            check="log",
            status="ok",
            detail=f"{events} events, head position {head}; {_size(conn, url)}",
        )
    )
    if verify:
        out.append(_chain(conn))
    out.extend(_projections(conn, tables, head, limits))
    out.append(_last_backup(conn, tables, now, limits, head))
    out.append(_last_digest(conn, tables, now, limits, head))
    out.extend(_open_periods(conn, tables, now, limits))
    return out


def known_revisions() -> set[str]:
    """Every migration this program ships (an unknown one in a database means a newer program
    wrote it)."""
    import re

    from erp_core.infra.db import _versions_dir

    found: set[str] = set()
    for path in _versions_dir().glob("*.py"):
        match = re.search(r"^revision\s*=\s*[\"']([^\"']+)[\"']", path.read_text("utf-8"), re.M)
        if match:
            found.add(match.group(1))
    return found


def _size(conn: Connection, url: DatabaseUrl) -> str:
    if url.kind == "sqlite":
        total = sum(
            p.stat().st_size for p in (Path(url.path), Path(url.path + "-wal")) if p.exists()
        )
        return f"database file {total / 1e6:.1f} MB (with its WAL)"
    size = conn.execute(
        text(
            "SELECT pg_total_relation_size('stored_events') "
            f"+ pg_total_relation_size('{CHAIN_TABLE}')"
        )
    ).scalar_one()
    return f"log and chain {int(size) / 1e6:.1f} MB"


def _chain(conn: Connection) -> Finding:
    from erp_core.audit import verify as audit

    report = audit.verify_chain(audit.raw_events(conn), audit.chain_records(conn))
    if report.ok:
        return Finding(
            check="chain",
            status="ok",
            detail=f"verified up to position {report.head_position} "
            f"(hash {report.head_hash[:12]}...)",
        )
    first = report.problems[0]
    return Finding(
        check="chain",
        status="critical",
        detail=f"{len(report.problems)} problem(s); first: {first.message}",
        advice="stop writing, keep a copy of the database, run `erp audit verify --format json` "
        "and follow docs/operations.md, 'When verify fails'",
    )


def _projections(conn: Connection, tables: set[str], head: int, limits: Limits) -> list[Finding]:
    if "projection_position" not in tables:
        return [Finding(check="projections", status="warning", detail="not set up")]
    rows = conn.execute(text("SELECT name, position FROM projection_position ORDER BY name")).all()
    if not rows and head:
        return [
            Finding(
                check="projections",
                status="warning",
                detail="no projection has read the log yet",
                advice="run `erp projections rebuild`",
            )
        ]
    out = []
    for name, position in rows:
        lag = head - int(position)
        status: Status = "warning" if lag > limits.max_lag else "ok"
        out.append(
            Finding(
                check=f"projection {name}",
                status=status,
                detail=f"at position {position}, {lag} behind the log",
                advice="run `erp projections rebuild` (or start the projection worker)"
                if status != "ok"
                else None,
            )
        )
    return out


def _last_backup(
    conn: Connection, tables: set[str], now: dt.datetime, limits: Limits, head: int
) -> Finding:
    advice = "run `erp backup FILE` (on a schedule) and keep copies off this machine"
    if "ops_backups" not in tables:
        return Finding(check="backup", status="warning", detail="no backup recorded", advice=advice)
    row = conn.execute(
        text(
            "SELECT taken_at, file, head_position, signed FROM ops_backups ORDER BY id DESC LIMIT 1"
        )
    ).first()
    if row is None:
        return Finding(check="backup", status="warning", detail="no backup recorded", advice=advice)
    taken = dt.datetime.fromisoformat(row[0])
    age = now - taken
    behind = head - int(row[2])
    detail = (
        f"last backup {taken:%Y-%m-%d %H:%M} UTC ({_age(age)} ago, "
        f"{'signed' if row[3] else 'unsigned'}), {behind} events since, to {row[1]}"
    )
    if age > limits.backup_max_age:
        return Finding(check="backup", status="warning", detail=detail, advice=advice)
    return Finding(check="backup", status="ok", detail=detail)


def _last_digest(
    conn: Connection, tables: set[str], now: dt.datetime, limits: Limits, head: int
) -> Finding:
    """The newest signed head: a signed digest (`erp audit digest --sign`) or a signed backup."""
    advice = (
        "sign the head regularly with `erp audit digest --sign KEY --out FILE` (or "
        "`erp backup --sign KEY`) and keep the digests where the database's users cannot "
        "change them; see docs/operations.md, 'Keys for signed digests'"
    )
    found: list[tuple[dt.datetime, int, str]] = []
    if "ops_digests" in tables:
        row = conn.execute(
            text("SELECT issued_at, head_position FROM ops_digests ORDER BY id DESC LIMIT 1")
        ).first()
        if row is not None:
            found.append((_moment(row[0]), int(row[1]), "digest"))
    if "ops_backups" in tables:
        row = conn.execute(
            text(
                "SELECT taken_at, head_position FROM ops_backups WHERE signed "
                "ORDER BY id DESC LIMIT 1"
            )
        ).first()
        if row is not None:
            found.append((_moment(row[0]), int(row[1]), "signed backup"))
    if not found:
        return Finding(
            check="signed digest", status="warning", detail="no signed digest issued", advice=advice
        )
    taken, position, kind = max(found)
    age = now - taken
    detail = (
        f"last signed head {taken:%Y-%m-%d %H:%M} UTC ({_age(age)} ago, {kind}), at position "
        f"{position}, {head - position} events since"
    )
    if age > limits.digest_max_age:
        return Finding(check="signed digest", status="warning", detail=detail, advice=advice)
    return Finding(check="signed digest", status="ok", detail=detail)


def _moment(value: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _age(delta: dt.timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.1f} hours" if hours < 48 else f"{hours / 24:.0f} days"


def _open_periods(
    conn: Connection, tables: set[str], now: dt.datetime, limits: Limits
) -> list[Finding]:
    if "fiscal_periods" not in tables:
        return []
    cutoff = (now - limits.close_grace).date()
    rows = conn.execute(
        text(
            'SELECT fiscal_year, period, "end" FROM fiscal_periods '
            "WHERE status = 'open' ORDER BY fiscal_year, period"
        )
    ).all()
    late = []
    for year, period, end in rows:
        end_date = end if isinstance(end, dt.date) else dt.date.fromisoformat(str(end))
        if end_date < cutoff:
            late.append(f"{year}-{int(period):02d}")
    if not late:
        return [Finding(check="periods", status="ok", detail="no period open past its end")]
    shown = ", ".join(late[:6]) + (f" and {len(late) - 6} more" if len(late) > 6 else "")
    return [
        Finding(
            check="periods",
            status="warning",
            detail=f"{len(late)} period(s) still open more than {limits.close_grace.days} days "
            f"after their end: {shown}",
            advice="review them and close them with `erp period close YYYY-MM`",
        )
    ]


def schema_revisions(conn: Connection) -> set[str]:
    if not inspect(conn).has_table("erp_schema_version"):
        return set()
    return {r[0] for r in conn.execute(text("SELECT version_num FROM erp_schema_version"))}
