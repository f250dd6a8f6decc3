"""Operating the books at size (issue 20): how big the log is, and how long `erp backup`,
`erp restore` and `erp migrate-store` take at 100,000 and 1,000,000 events.

For each size N (vouchers; each voucher is one stored event), the script writes N seeded
two-line vouchers as JSON Lines, builds a SQLite book with `erp init` + `erp apply`, then
times, as separate processes, each once:

- `erp backup FILE` (the archive's size too),
- `erp restore FILE` into an empty SQLite file and into an empty PostgreSQL schema (loading,
  verifying the chain, rebuilding every projection),
- `erp migrate-store --to postgresql://...` (copy, verify, rebuild, compare the reports).

and reads the size of the log (events and chain, with their indexes) on SQLite (`dbstat`) and
PostgreSQL (`pg_total_relation_size`).

    .venv/bin/python bench/bench_ops.py 100000 1000000 --write-doc

With ``--write-doc`` it rewrites its section of docs/performance.md. PostgreSQL's URL comes from
``--pg`` or ``ERP_TEST_POSTGRES_URL``; scratch schemas ``bench_ops_*`` are dropped afterwards.
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from compare_beancount import BIN, YEAR_START, run_child, write_doc, write_files

SECTION = "## Backup, restore and moving to PostgreSQL (bench/bench_ops.py)"
LOG_TABLES = ("stored_events", "event_chain")


def erp(url: str, *args: str) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds, output) of one `erp` process."""
    env = {**os.environ, "ERP_ACTOR": "bench"}
    start = time.perf_counter()
    cpu, _rss, out = run_child([str(BIN / "erp"), "--db", url, *args], env)
    return time.perf_counter() - start, cpu, out


def sqlite_log_bytes(path: Path) -> tuple[int, int]:
    """(bytes of the log's tables and indexes, bytes of the whole file) of a SQLite book."""
    db = sqlite3.connect(path)
    try:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        names = [
            r[0]
            for r in db.execute(
                "SELECT name FROM sqlite_master WHERE tbl_name IN (?, ?)", LOG_TABLES
            )
        ]
        marks = ",".join("?" for _ in names)
        log = db.execute(f"SELECT SUM(pgsize) FROM dbstat WHERE name IN ({marks})", names)
        return int(log.fetchone()[0] or 0), path.stat().st_size
    finally:
        db.close()


def pg_engine(base: str):  # type: ignore[no-untyped-def]
    from sqlalchemy import create_engine

    return create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1))


def pg_log_bytes(base: str, schema: str) -> int:
    from sqlalchemy import text

    engine = pg_engine(base)
    try:
        with engine.connect() as conn:
            total = 0
            for table in LOG_TABLES:
                total += int(
                    conn.execute(
                        text("SELECT pg_total_relation_size(:t)"), {"t": f'"{schema}".{table}'}
                    ).scalar_one()
                )
            return total
    finally:
        engine.dispose()


def drop_schema(base: str, schema: str) -> None:
    from sqlalchemy import text

    engine = pg_engine(base)
    try:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        engine.dispose()


def with_schema(base: str, schema: str) -> str:
    return f"{base}{'&' if '?' in base else '?'}schema={schema}"


def measure(n: int, pg: str | None, folder: Path) -> dict[str, Any]:
    _bean, jsonl = write_files(n, 20, folder, beancount=False)
    db = folder / f"book-{n}.sqlite"
    url = f"sqlite:///{db}"
    erp(url, "init", "--company", "Bench Co", "--currency", "EUR", "--year-start",
        YEAR_START.isoformat())  # fmt: skip
    build_wall, _cpu, out = erp(url, "apply", str(jsonl))
    if "rejected 0" not in out:
        raise SystemExit(f"erp apply rejected lines:\n{out[-2000:]}")
    events = int(sqlite3.connect(db).execute("SELECT COUNT(*) FROM stored_events").fetchone()[0])
    log_bytes, file_bytes = sqlite_log_bytes(db)
    archive = folder / f"book-{n}.erpbak"
    backup_wall, backup_cpu, _ = erp(url, "backup", str(archive))
    restored = folder / f"restored-{n}.sqlite"
    restore_wall, restore_cpu, _ = erp(url, "restore", str(archive), "--db",
                                       f"sqlite:///{restored}")  # fmt: skip
    restore_schema = f"bench_ops_restore_{n}"
    move_schema = f"bench_ops_move_{n}"
    pg_restore: tuple[float, float] | None = None
    move: tuple[float, float] | None = None
    pg_bytes: int | None = None
    if pg is not None:
        for schema in (restore_schema, move_schema):
            drop_schema(pg, schema)
        try:
            wall, cpu, _ = erp(
                url, "restore", str(archive), "--db", with_schema(pg, restore_schema)
            )
            pg_restore = (wall, cpu)
            pg_bytes = pg_log_bytes(pg, restore_schema)
            wall, cpu, out = erp(url, "migrate-store", "--to", with_schema(pg, move_schema))
            if "Reports identical" not in out:
                raise SystemExit(f"migrate-store did not prove the move:\n{out[-2000:]}")
            move = (wall, cpu)
        finally:
            for schema in (restore_schema, move_schema):
                drop_schema(pg, schema)
    archive_bytes = archive.stat().st_size
    for path in folder.glob(f"*-{n}.*"):
        path.unlink()
    return {
        "vouchers": n,
        "events": events,
        "build_wall": build_wall,
        "sqlite_log_mb": log_bytes / 1e6,
        "sqlite_file_mb": file_bytes / 1e6,
        "pg_log_mb": None if pg_bytes is None else pg_bytes / 1e6,
        "archive_mb": archive_bytes / 1e6,
        "backup": (backup_wall, backup_cpu),
        "restore_sqlite": (restore_wall, restore_cpu),
        "restore_pg": pg_restore,
        "move_pg": move,
    }


def section(results: list[dict[str, Any]], command: str) -> str:
    def pair(v: tuple[float, float] | None) -> str:
        return "not measured" if v is None else f"{v[0]:.1f} s ({v[1]:.1f} s CPU)"

    def mb(v: float | None, per: float = 1.0) -> str:
        return "not measured" if v is None else f"{v * per:.1f} MB"

    lines = [
        SECTION,
        "",
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, PostgreSQL on the same machine; every step a "
        "separate `erp` process, run once per size (wall time, and the child's CPU time; "
        "PostgreSQL's own CPU is not in it). Each voucher is one stored event (plus the company's "
        "set-up events); wall times are longer than CPU times when other work shares the "
        "machine.",
        "",
        f"    {command}",
        "",
        "| vouchers | events | backup | restore to SQLite | restore to PostgreSQL "
        "| migrate-store to PostgreSQL |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['vouchers']:,} | {r['events']:,} | {pair(r['backup'])} | "
            f"{pair(r['restore_sqlite'])} | {pair(r['restore_pg'])} | {pair(r['move_pg'])} |"
        )
    lines += [
        "",
        "Size of the log (events and chain rows, with their indexes; projections and snapshots "
        "not counted):",
        "",
        "| vouchers | SQLite log | per 100,000 vouchers | SQLite file (all tables) "
        "| PostgreSQL log | per 100,000 vouchers | backup archive (gzip) |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        per = 100_000 / r["vouchers"]
        lines.append(
            f"| {r['vouchers']:,} | {r['sqlite_log_mb']:.1f} MB | "
            f"{r['sqlite_log_mb'] * per:.1f} MB | {r['sqlite_file_mb']:.1f} MB | "
            f"{mb(r['pg_log_mb'])} | {mb(r['pg_log_mb'], per)} | "
            f"{r['archive_mb']:.1f} MB |"
        )
    lines += [
        "",
        "Restore and migrate-store include verifying the whole chain and rebuilding every "
        "projection; migrate-store also compares eight reports read from both databases. The "
        "move commits every 5,000 events, so an interrupted move loses at most that much work "
        "(`tests/ops/test_ops_move.py`).",
        "",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[50_000])
    parser.add_argument("--pg", default=os.environ.get("ERP_TEST_POSTGRES_URL"))
    parser.add_argument(
        "--pg-max", type=int, default=None, help="PostgreSQL steps only up to this many vouchers"
    )
    parser.add_argument("--write-doc", action="store_true")
    args = parser.parse_args(argv)
    if not args.pg:
        raise SystemExit("give --pg URL or set ERP_TEST_POSTGRES_URL")
    results = []
    with tempfile.TemporaryDirectory(prefix="erp-bench-ops-") as tmp:
        for n in args.sizes:
            with_pg = args.pg_max is None or n <= args.pg_max
            r = measure(n, args.pg if with_pg else None, Path(tmp))
            results.append(r)
            print(f"{n:>9,} vouchers: {r}", flush=True)
    command = ".venv/bin/python bench/bench_ops.py " + " ".join(map(str, args.sizes))
    if args.pg_max is not None:
        command += f" --pg-max {args.pg_max}"
    text = section(results, command)
    print(text)
    if args.write_doc:
        write_doc(text, SECTION)


if __name__ == "__main__":
    sys.exit(main())
