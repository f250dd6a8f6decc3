"""Ledger benchmark: bulk apply, single-action latency, rebuild, reports, memory, beancount peer.

Generates N balanced journal vouchers deterministically (2 to 5 lines each, over fiscal year
2026, on the standard chart's postable non-control accounts, some lines with dimensions) and
measures, on SQLite (and PostgreSQL unless ``--skip-postgres``):

1. bulk apply ``Erp.apply_many`` with projections kept up to date after every batch;
2. the same store-only (``Erp.open(..., project=False)``), then the projection catch-up apart;
3. single-action latency (``Erp.apply``, one voucher per call, projections caught up);
4. ``Erp.rebuild()`` throughput (journal lines/s, events/s);
5. report latency (trial balance, as-of trial balance, balance sheet, income statement);
6. peak memory of a rebuild in a fresh subprocess at N/4, N/2 and N vouchers;
7. ``bean-check`` on the same ledger written as beancount text, and the speed ratio.

Every figure is printed and the section ``## Ledger (bench/bench_ledger.py)`` of
``docs/performance.md`` is (re)written; other sections of that file are kept.

    .venv/bin/python bench/bench_ledger.py --n 100000
    .venv/bin/python bench/bench_ledger.py --n 5000 --skip-postgres      # quick
    .venv/bin/python bench/bench_ledger.py --n 20000 --profile           # cProfile only
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import json
import os
import platform
import pstats
import random
import resource
import shlex
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from erp_core import Erp
from erp_core.kernel.commands import ActionResult
from erp_core.kernel.errors import ErpError
from erp_core.ledger.accounts import STANDARD_CHART
from erp_core.ledger.commands import AddDimensionValue, PostVoucher

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## Ledger (bench/bench_ledger.py)"
YEAR = 2026
YEAR_START = dt.date(YEAR, 1, 1)
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"

# Postable, non-control accounts of the standard chart (control accounts belong to sub-ledgers).
ACCOUNT_TYPES: dict[str, str] = {
    code: typ for code, _name, typ, _parent, is_group, control in STANDARD_CHART
    if not is_group and control is None
}  # fmt: skip
ACCOUNTS: tuple[str, ...] = tuple(sorted(ACCOUNT_TYPES))
DIMENSION_VALUES: dict[str, tuple[str, ...]] = {
    "cost_centre": ("CC-ADMIN", "CC-SALES", "CC-OPS", "CC-RND"),
    "project": ("P-ALPHA", "P-BETA", "P-GAMMA"),
    "department": ("D-NORTH", "D-SOUTH"),
}
BEANCOUNT_ROOT = {
    "asset": "Assets",
    "liability": "Liabilities",
    "equity": "Equity",
    "income": "Income",
    "expense": "Expenses",
}


# --- data ------------------------------------------------------------------------------------


def _cents(value: int) -> str:
    return f"{value // 100}.{value % 100:02d}"


def _amount(rng: random.Random) -> int:
    """A positive amount in cents, spread over several orders of magnitude."""
    return rng.randint(100, 10 ** rng.randint(3, 8))


def make_vouchers(n: int, seed: int) -> list[PostVoucher]:
    """N balanced vouchers, 2-5 lines each, dated in order over the fiscal year."""
    rng = random.Random(seed)
    days = sorted(rng.randrange(365) for _ in range(n))
    out: list[PostVoucher] = []
    for i, day in enumerate(days):
        k = rng.randint(2, 5)
        n_debit = rng.randint(1, k - 1)
        n_credit = k - n_debit
        debits = [_amount(rng) for _ in range(n_debit)]
        total = sum(debits)
        cuts = sorted(rng.sample(range(1, total), n_credit - 1)) if n_credit > 1 else []
        credits = [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]
        accounts = rng.sample(ACCOUNTS, k)
        lines: list[dict[str, Any]] = []
        for account, cents in zip(accounts, debits, strict=False):
            lines.append({"account": account, "debit": _cents(cents)})
        for account, cents in zip(accounts[n_debit:], credits, strict=True):
            lines.append({"account": account, "credit": _cents(cents)})
        for line in lines:
            if rng.random() < 0.25:
                dims = {"cost_centre": rng.choice(DIMENSION_VALUES["cost_centre"])}
                if rng.random() < 0.4:
                    dims["project"] = rng.choice(DIMENSION_VALUES["project"])
                if rng.random() < 0.2:
                    dims["department"] = rng.choice(DIMENSION_VALUES["department"])
                line["dimensions"] = dims
        rng.shuffle(lines)
        out.append(
            PostVoucher.model_validate(
                {
                    "date": YEAR_START + dt.timedelta(days=day),
                    "memo": f"Bench voucher {i + 1}",
                    "lines": lines,
                }
            )
        )
    return out


def count_lines(vouchers: Sequence[PostVoucher]) -> int:
    return sum(len(v.lines) for v in vouchers)


def setup_company(erp: Erp) -> None:
    erp.init("Bench Co", "EUR", YEAR_START)
    setup = [
        AddDimensionValue(dimension=dim, code=code, name=code)
        for dim, codes in DIMENSION_VALUES.items()
        for code in codes
    ]
    check_outcomes(erp.apply_many(setup))


def check_outcomes(outcomes: Sequence[ActionResult | ErpError]) -> None:
    refused = [o for o in outcomes if isinstance(o, ErpError)]
    if refused:
        raise SystemExit(f"{len(refused)} actions refused; first: {refused[0]!r}")


# --- helpers ---------------------------------------------------------------------------------


@contextmanager
def timer() -> Iterator[list[float]]:
    box: list[float] = []
    start = time.perf_counter()
    yield box
    box.append(time.perf_counter() - start)


def median_ms(fn: Callable[[], object], runs: int) -> float:
    fn()  # warm-up (connection, statement cache)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    index = max(0, min(len(sorted_values) - 1, round(q / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def sqlite_copy(src: Path, dst: Path) -> None:
    """A consistent copy of a live SQLite database (WAL included) via the backup API."""
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    a.close()
    b.close()


def proc_status_kb(key: str) -> int:
    """A memory figure of this process from /proc/self/status (VmRSS, VmHWM), in KiB."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def log(msg: str) -> None:
    print(msg, flush=True)


# --- measurements ----------------------------------------------------------------------------


@dataclass
class Bulk:
    seconds: float
    vouchers: int
    events: int

    @property
    def rate(self) -> float:
        return self.vouchers / self.seconds

    @property
    def events_rate(self) -> float:
        return self.events / self.seconds


@dataclass
class StoreOnly:
    store: Bulk
    catch_up_seconds: float
    catch_up_events: int

    @property
    def total_rate(self) -> float:
        return self.store.vouchers / (self.store.seconds + self.catch_up_seconds)


@dataclass
class Results:
    n: int
    lines: int
    batch_size: int
    seed: int
    pg_version: str | None = None
    sqlite_full: Bulk | None = None
    sqlite_store: StoreOnly | None = None
    pg_full: Bulk | None = None
    pg_store: StoreOnly | None = None
    pg_error: str | None = None
    latency: dict[str, float] = field(default_factory=dict)
    rebuild: dict[str, Any] = field(default_factory=dict)
    rebuild_in_process: dict[str, float] = field(default_factory=dict)
    reports: dict[str, float] = field(default_factory=dict)
    memory: list[dict[str, Any]] = field(default_factory=list)
    beancount: dict[str, Any] = field(default_factory=dict)
    checks: list[str] = field(default_factory=list)
    db_bytes: int = 0


def bulk_full(url: str, actions: Sequence[PostVoucher], batch_size: int) -> Bulk:
    with Erp.open(url, actor="bench") as erp:
        setup_company(erp)
        head = erp.store.last_position()
        with timer() as t:
            outcomes = erp.apply_many(actions, batch_size=batch_size)
        check_outcomes(outcomes)
        events = erp.store.last_position() - head
        lag = max(s.lag for s in erp.projection_status())
        if lag:
            raise SystemExit(f"projections lag by {lag} after apply_many")
    return Bulk(t[0], len(actions), events)


def bulk_store_only(
    url: str,
    actions: Sequence[PostVoucher],
    batch_size: int,
    snapshots: Sequence[tuple[int, Path]] = (),
    sqlite_file: Path | None = None,
) -> StoreOnly:
    """Store only, then catch up. `snapshots` copies the SQLite file after a prefix (untimed)."""
    with Erp.open(url, actor="bench", project=False) as erp:
        setup_company(erp)
        head = erp.store.last_position()
        seconds = 0.0
        done = 0
        for upto, path in [*snapshots, (len(actions), None)]:
            with timer() as t:
                outcomes = erp.apply_many(actions[done:upto], batch_size=batch_size)
            seconds += t[0]
            check_outcomes(outcomes)
            done = upto
            if path is not None and sqlite_file is not None:
                sqlite_copy(sqlite_file, path)
        events = erp.store.last_position() - head
        with timer() as t:
            read = erp.catch_up()
    return StoreOnly(Bulk(seconds, len(actions), events), t[0], read)


def single_latency(url: str, actions: Sequence[PostVoucher]) -> dict[str, float]:
    samples: list[float] = []
    with Erp.open(url, actor="bench") as erp:
        for action in actions:
            start = time.perf_counter()
            erp.apply(action)
            samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {
        "count": len(samples),
        "p50": percentile(samples, 50),
        "p90": percentile(samples, 90),
        "p99": percentile(samples, 99),
        "max": samples[-1],
        "mean": statistics.fmean(samples),
    }


def report_latency(url: str, runs: int) -> tuple[dict[str, float], Any]:
    mid = dt.date(YEAR, 6, 30)
    end = dt.date(YEAR, 12, 31)
    with Erp.open(url, actor="bench") as erp:
        tb = erp.trial_balance()
        if tb.total_debit != tb.total_credit:
            raise SystemExit(f"trial balance does not balance: {tb.total_debit} {tb.total_credit}")
        figures = {
            "trial_balance()": median_ms(erp.trial_balance, runs),
            "trial_balance(as_of=2026-06-30)": median_ms(lambda: erp.trial_balance(mid), runs),
            "balance_sheet(2026-12-31)": median_ms(lambda: erp.balance_sheet(end), runs),
            "income_statement(2026-01-01..2026-12-31)": median_ms(
                lambda: erp.income_statement(YEAR_START, end), runs
            ),
        }
    return figures, tb.model_dump()


def rebuild_in_process(url: str, lines: int) -> tuple[dict[str, float], Any]:
    with Erp.open(url, actor="bench") as erp:
        with timer() as t:
            events = erp.rebuild()
        with erp.reader.connect() as conn:
            stored_lines = conn.exec_driver_sql("SELECT count(*) FROM gl_lines").scalar_one()
        if stored_lines != lines:
            raise SystemExit(f"rebuild produced {stored_lines} journal lines, expected {lines}")
        tb = erp.trial_balance().model_dump()
    return {
        "seconds": t[0],
        "events": events,
        "lines": lines,
        "lines_per_s": lines / t[0],
        "events_per_s": events / t[0],
    }, tb


def rebuild_child(path: Path, use_tracemalloc: bool) -> dict[str, Any]:
    """Run a rebuild in a fresh interpreter; return its timing and memory figures."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--rebuild-child", str(path)]
    if use_tracemalloc:
        cmd.append("--child-tracemalloc")
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def child_main(path: str, use_tracemalloc: bool) -> None:
    erp = Erp.open(sqlite_url(Path(path)), actor="bench")
    before = proc_status_kb("VmRSS")
    if use_tracemalloc:
        tracemalloc.start()
    start = time.perf_counter()
    events = erp.rebuild()
    seconds = time.perf_counter() - start
    peak_traced = tracemalloc.get_traced_memory()[1] if use_tracemalloc else None
    if use_tracemalloc:
        tracemalloc.stop()
    with erp.reader.connect() as conn:
        lines = conn.exec_driver_sql("SELECT count(*) FROM gl_lines").scalar_one()
        vouchers = conn.exec_driver_sql("SELECT count(*) FROM vouchers").scalar_one()
    erp.close()
    out = {
        "vouchers": vouchers,
        "lines": lines,
        "events": events,
        "seconds": seconds,
        "rss_before_kb": before,
        # VmHWM, not ru_maxrss: on Linux ru_maxrss survives fork+exec, so a child started by
        # this (large) benchmark process would report the parent's peak instead of its own.
        "peak_rss_kb": proc_status_kb("VmHWM"),
        "ru_maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "tracemalloc_peak_kb": None if peak_traced is None else peak_traced // 1024,
    }
    print(json.dumps(out))


# --- PostgreSQL ------------------------------------------------------------------------------


def pg_schema_url(base: str, schema: str) -> str:
    parts = urlsplit(base)
    return urlunsplit(parts._replace(query=f"schema={schema}"))


def pg_plain(base: str) -> str:
    parts = urlsplit(base)
    return urlunsplit(parts._replace(query="", scheme="postgresql"))


def pg_drop(base: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(pg_plain(base), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def pg_server_version(base: str) -> str:
    import psycopg

    with psycopg.connect(pg_plain(base), connect_timeout=5) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "?"


# --- beancount -------------------------------------------------------------------------------


def bean_account(code: str) -> str:
    return f"{BEANCOUNT_ROOT[ACCOUNT_TYPES[code]]}:A{code}"


def write_beancount(path: Path, vouchers: Sequence[PostVoucher]) -> None:
    used = sorted({line.account for v in vouchers for line in v.lines})
    opened = (min(v.date for v in vouchers) - dt.timedelta(days=1)).isoformat()
    with path.open("w") as fh:
        fh.write('option "title" "Bench Co"\noption "operating_currency" "EUR"\n\n')
        for code in used:
            fh.write(f"{opened} open {bean_account(code)} EUR\n")
        for v in vouchers:
            memo = (v.memo or "").replace('"', "'")
            fh.write(f'\n{v.date.isoformat()} * "{memo}"\n')
            for line in v.lines:
                fh.write(f"  {bean_account(line.account)}  {line.signed_amount} EUR\n")


def bean_check(path: Path) -> dict[str, Any]:
    """Time `bean-check --no-cache` and take its peak RSS from a wrapper process."""
    exe = shutil.which("bean-check", path=str(Path(sys.executable).parent)) or shutil.which(
        "bean-check"
    )
    if exe is None:
        raise SystemExit("bean-check not found: pip install beancount into the venv")
    wrapper = (
        "import json, resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "s = time.perf_counter() - t\n"
        "r = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print(json.dumps({'seconds': s, 'rc': p.returncode, 'peak_rss_kb': r,\n"
        "                  'output': (p.stdout + p.stderr)[-2000:]}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", wrapper, exe, "--no-cache", str(path)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    result: dict[str, Any] = json.loads(done.stdout)
    if result["rc"] != 0:
        raise SystemExit(f"bean-check failed on {path}:\n{result['output']}")
    version = subprocess.run([exe, "--version"], capture_output=True, text=True)
    result["version"] = (version.stdout or version.stderr).strip()
    return result


# --- profiling -------------------------------------------------------------------------------


def profile_main(args: argparse.Namespace, workdir: Path) -> None:
    """cProfile bulk apply (with projections) and rebuild on SQLite; print the top functions."""
    actions = make_vouchers(args.n, args.seed)
    url = sqlite_url(workdir / "profile.sqlite")
    with Erp.open(url, actor="bench") as erp:
        setup_company(erp)
        prof = cProfile.Profile()
        prof.enable()
        outcomes = erp.apply_many(actions, batch_size=args.batch_size)
        prof.disable()
        check_outcomes(outcomes)
        print_profile(f"bulk apply + projections, N={args.n}", prof)
        prof = cProfile.Profile()
        prof.enable()
        erp.rebuild()
        prof.disable()
        print_profile(f"rebuild, N={args.n}", prof)


def print_profile(title: str, prof: cProfile.Profile, top: int = 30) -> None:
    for key in ("tottime", "cumulative"):
        buf = io.StringIO()
        stats = pstats.Stats(prof, stream=buf)
        stats.sort_stats(key).print_stats(top)
        log(f"\n===== {title}: top {top} by {key} =====")
        log(buf.getvalue())


# --- output ----------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = "?"
    try:
        with open("/proc/meminfo") as fh:
            mem = f"{int(fh.readline().split()[1]) / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass

    def version(dist: str) -> str:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return "not installed"

    return {
        "code": code_version(),
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "memory": mem,
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "packages": ", ".join(
            f"{d} {version(d)}"
            for d in ("eventsourcing", "SQLAlchemy", "pydantic", "psycopg", "orjson", "beancount")
        ),
    }


def code_version() -> str:
    """The erp_core code measured: its git commit, and whether the core had uncommitted edits."""
    import erp_core

    root = Path(erp_core.__file__).resolve().parents[2]

    def git(*cmd: str) -> str:
        done = subprocess.run(["git", "-C", str(root), *cmd], capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD")
    if not commit:
        return f"erp_core from {root} (not a git checkout)"
    dirty = git("status", "--porcelain", "--", "src", "projections", "migrations")
    return f"erp_core at commit {commit}" + (
        " with uncommitted changes in src/, projections/ or migrations/" if dirty else ""
    )


def fmt_rate(value: float) -> str:
    return f"{value:,.0f}"


def met(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


def build_section(r: Results, command: str, info: dict[str, str], stamp: str) -> str:
    out: list[str] = [SECTION, ""]
    out.append(
        f"Measured {stamp} with `{command}` (seed {r.seed}, apply_many batch size {r.batch_size})."
    )
    out.append("")
    out.append(
        f"Workload: {r.n:,} journal vouchers with {r.lines:,} lines (2 to 5 per voucher, "
        f"{r.lines / r.n:.2f} on average), generated with `random.Random(seed)` over fiscal year "
        f"{YEAR}, on the {len(ACCOUNTS)} postable non-control accounts of the standard chart, "
        "balanced in EUR, about a quarter of the lines carrying dimensions; built as "
        "`PostVoucher` models before any timing. Company set up with "
        f'`erp.init("Bench Co", "EUR", date({YEAR}, 1, 1))`.'
    )
    out.append("")
    out.append(f"Code: {info['code']}.")
    out.append("")
    out.append(
        f"Machine: {info['nproc']} CPUs ({info['cpu']}), {info['memory']} RAM, {info['os']}; "
        f"Python {info['python']}, SQLite {info['sqlite']}"
        + (f", PostgreSQL {info['postgres']}" if info.get("postgres") else "")
        + f"; {info['packages']}."
    )
    out.append("")
    out.append(
        "Each figure comes from a single run; on a shared or virtual machine, repeat the "
        "command to see the run-to-run spread before comparing two runs."
    )
    out.append("")
    out.append("What each figure is:")
    out.append("")
    out.append(
        "- *bulk apply + projections*: `Erp.open(url).apply_many(vouchers, batch_size=...)` on a "
        "fresh database; every batch is one atomic save followed by a projection catch-up, so "
        "reports are current when it returns."
    )
    out.append(
        "- *store only*: the same with `Erp.open(url, project=False)` (what a writer does when a "
        "separate projection worker follows the log); *catch-up* is the following "
        "`erp.catch_up()` over the whole log, timed apart."
    )
    out.append(
        "- *single action*: `erp.apply(voucher)` one call at a time on the database already "
        "holding the N vouchers; each call is one save plus a projection catch-up."
    )
    out.append(
        "- *rebuild*: `erp.rebuild()` (drop every projection row, replay the whole log) on the "
        "SQLite database holding the N vouchers, in a fresh process (as `erp projections "
        "rebuild` runs) and again inside the benchmark process; each result is checked to equal "
        "the live projections (same trial balance, same number of journal lines). The target "
        "is judged on the fresh process."
    )
    out.append("- *reports*: median of several calls after one warm-up, on that database.")
    out.append(
        "- *rebuild memory*: `erp.rebuild()` in a fresh subprocess on databases holding N/4, "
        "N/2 and N vouchers (prefixes of the same log); peak RSS is the process's high-water "
        "mark `VmHWM` (imports included; `ru_maxrss` is not used because on Linux it carries "
        "the parent's peak across fork+exec); the RSS before the rebuild is shown so the "
        "rebuild's own share is visible; the tracemalloc peak (Python allocations during the "
        "rebuild) is taken in a second run."
    )
    out.append(
        "- *beancount*: the same ledger written as beancount text (one `open` per account, one "
        "transaction per voucher, postings in EUR), checked by `bean-check --no-cache` "
        "(wall time of the whole process, interpreter start included)."
    )
    out.append("")

    out.append("### Throughput")
    out.append("")
    out.append("| measurement | SQLite | PostgreSQL |")
    out.append("| --- | --- | --- |")

    def pair(fn: Callable[[Any], str], a: Any, b: Any) -> str:
        return f"| {fn(a) if a is not None else 'n/a'} | {fn(b) if b is not None else 'n/a'} |"

    def bulk_cell(b: Bulk) -> str:
        return (
            f"{fmt_rate(b.rate)} vouchers/s ({b.seconds:.1f} s; {fmt_rate(b.events_rate)} events/s)"
        )

    def store_cell(s: StoreOnly) -> str:
        return bulk_cell(s.store)

    def catch_cell(s: StoreOnly) -> str:
        return (
            f"{s.catch_up_seconds:.1f} s ({fmt_rate(s.catch_up_events / s.catch_up_seconds)} "
            "events/s)"
        )

    def total_cell(s: StoreOnly) -> str:
        return f"{fmt_rate(s.total_rate)} vouchers/s"

    pg_note = r.pg_error
    out.append("| bulk apply + projections " + pair(bulk_cell, r.sqlite_full, r.pg_full))
    out.append("| bulk apply, store only " + pair(store_cell, r.sqlite_store, r.pg_store))
    out.append(
        "| projection catch-up after store only " + pair(catch_cell, r.sqlite_store, r.pg_store)
    )
    out.append("| store only + catch-up, overall " + pair(total_cell, r.sqlite_store, r.pg_store))
    out.append("")
    if pg_note:
        out.append(f"PostgreSQL: {pg_note}")
        out.append("")

    out.append("### Latency and rebuild (SQLite, database holding the N vouchers)")
    out.append("")
    out.append("| measurement | figure |")
    out.append("| --- | --- |")
    lat = r.latency
    out.append(
        f"| single `erp.apply` ({lat['count']:.0f} calls) | p50 {lat['p50']:.2f} ms, "
        f"p90 {lat['p90']:.2f} ms, p99 {lat['p99']:.2f} ms, max {lat['max']:.2f} ms, "
        f"mean {lat['mean']:.2f} ms |"
    )
    rb = r.rebuild
    out.append(
        f"| `erp.rebuild()`, fresh process | {rb['seconds']:.1f} s: "
        f"{fmt_rate(rb['lines_per_s'])} journal lines/s, {fmt_rate(rb['events_per_s'])} "
        f"events/s ({rb['events']:,.0f} events, {rb['lines']:,.0f} lines) |"
    )
    rbi = r.rebuild_in_process
    out.append(
        f"| `erp.rebuild()`, in the benchmark process (holding the N vouchers as models) | "
        f"{rbi['seconds']:.1f} s: {fmt_rate(rbi['lines_per_s'])} journal lines/s, "
        f"{fmt_rate(rbi['events_per_s'])} events/s |"
    )
    for name, ms in r.reports.items():
        out.append(f"| `erp.{name}` | {ms:.1f} ms |")
    out.append(f"| database file size | {r.db_bytes / 1024 / 1024:.0f} MiB |")
    out.append("")

    out.append("### Rebuild memory (fresh subprocess per size)")
    out.append("")
    has_tm = any(m.get("tracemalloc_peak_kb") is not None for m in r.memory)
    head = "| vouchers | journal lines | rebuild | RSS before | peak RSS (VmHWM) | growth |"
    sep = "| --- | --- | --- | --- | --- | --- |"
    if has_tm:
        head += " tracemalloc peak |"
        sep += " --- |"
    out.append(head)
    out.append(sep)
    for m in r.memory:
        row = (
            f"| {m['vouchers']:,} | {m['lines']:,} | {m['seconds']:.1f} s | "
            f"{m['rss_before_kb'] / 1024:.0f} MiB | {m['peak_rss_kb'] / 1024:.0f} MiB | "
            f"{(m['peak_rss_kb'] - m['rss_before_kb']) / 1024:.0f} MiB |"
        )
        if has_tm:
            tm = m.get("tracemalloc_peak_kb")
            row += f" {tm / 1024:.1f} MiB |" if tm is not None else " |"
        out.append(row)
    out.append("")

    bc = r.beancount
    out.append("### Peer: beancount")
    out.append("")
    out.append("| measurement | figure |")
    out.append("| --- | --- |")
    out.append(
        f"| `bean-check` ({bc['version']}) on the same {r.n:,} transactions | "
        f"{bc['seconds']:.1f} s, "
        f"{fmt_rate(bc['rate'])} transactions/s, peak RSS {bc['peak_rss_kb'] / 1024:.0f} MiB |"
    )
    out.append(
        f"| ratio, bulk apply + projections (SQLite) ÷ bean-check | {bc['ratio_full']:.2f}x |"
    )
    out.append(f"| ratio, store only (SQLite) ÷ bean-check | {bc['ratio_store']:.2f}x |")
    out.append(
        f"| ratio, store only + catch-up (SQLite) ÷ bean-check | {bc['ratio_store_total']:.2f}x |"
    )
    out.append("")

    out.append("### Targets")
    out.append("")
    at_size = r.n >= 100_000
    size_note = "" if at_size else f" (measured at {r.n:,} vouchers, not at the target's 100,000)"
    out.append("| target | figure | status |")
    out.append("| --- | --- | --- |")
    out.append(
        f"| bulk apply on SQLite at least bean-check's rate on the same ledger | "
        f"{bc['ratio_full']:.2f}x with projections, {bc['ratio_store']:.2f}x store only | "
        f"{met(bc['ratio_full'] >= 1)} with projections, {met(bc['ratio_store'] >= 1)} store only |"
    )
    out.append(
        f"| aim: twice bean-check's rate | {bc['ratio_full']:.2f}x / {bc['ratio_store']:.2f}x | "
        f"{met(bc['ratio_full'] >= 2)} with projections, {met(bc['ratio_store'] >= 2)} store only |"
    )
    out.append(
        f"| rebuild at least 100,000 journal lines/s | {fmt_rate(rb['lines_per_s'])} lines/s | "
        f"{met(rb['lines_per_s'] >= 100_000)} |"
    )
    slowest = max(r.reports.items(), key=lambda kv: kv[1])
    out.append(
        f"| reports under 50 ms at 100,000 vouchers | slowest: `{slowest[0]}` "
        f"{slowest[1]:.1f} ms{size_note} | "
        + (met(slowest[1] < 50) if at_size else "not verified (run with --n 100000)")
        + " |"
    )
    growth = memory_growth(r.memory)
    out.append(
        f"| rebuild peak memory does not grow with the log | {growth['text']} | "
        f"{met(growth['ok'])} |"
    )
    out.append("")
    if r.checks:
        out.append("Checks made during the run: " + "; ".join(r.checks) + ".")
        out.append("")
    return "\n".join(out)


def memory_growth(memory: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Compare the rebuild's own memory (peak minus RSS before) at the smallest and largest log.

    Counted as not growing if, on a log four times as long, the rebuild's own RSS and its
    tracemalloc peak are each at most 10% (or 8 MiB of RSS, 2 MiB traced) above the small log's.
    """
    if len(memory) < 2:
        return {"ok": False, "text": "not measured"}
    small, large = memory[0], memory[-1]
    d_small = (small["peak_rss_kb"] - small["rss_before_kb"]) / 1024
    d_large = (large["peak_rss_kb"] - large["rss_before_kb"]) / 1024
    ok = d_large <= max(d_small * 1.10, d_small + 8)
    text = (
        f"peak RSS {small['peak_rss_kb'] / 1024:.0f} MiB at {small['vouchers']:,} vouchers, "
        f"{large['peak_rss_kb'] / 1024:.0f} MiB at {large['vouchers']:,} (rebuild's own share "
        f"{d_small:.0f} → {d_large:.0f} MiB"
    )
    t_small, t_large = small.get("tracemalloc_peak_kb"), large.get("tracemalloc_peak_kb")
    if t_small is not None and t_large is not None:
        ok = ok and t_large / 1024 <= max(t_small / 1024 * 1.10, t_small / 1024 + 2)
        text += f"; tracemalloc peak {t_small / 1024:.1f} → {t_large / 1024:.1f} MiB"
    text += "); criterion: at most 10% (or 8 MiB RSS / 2 MiB traced) more on a 4x longer log"
    return {"ok": ok, "text": text}


DOC_HEADER = """# Performance

Measured figures of erp_core and how to reproduce them. Each benchmark under `bench/` rewrites
its own section below (and leaves the others alone); run it from the repository root, e.g.
`.venv/bin/python bench/bench_ledger.py --n 100000`. Figures depend on the machine: each section
names the one it was measured on and the exact command.
"""


def write_doc(path: Path, section: str) -> None:
    """Replace this benchmark's section in `path` (or append it), keeping every other section."""
    text = path.read_text() if path.exists() else DOC_HEADER
    lines = text.splitlines()
    try:
        start = lines.index(SECTION)
    except ValueError:
        new = text.rstrip("\n") + "\n\n" + section.rstrip("\n") + "\n"
    else:
        end = next(
            (i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines)
        )
        before = "\n".join(lines[:start]).rstrip("\n")
        after = "\n".join(lines[end:]).strip("\n")
        new = before + "\n\n" + section.rstrip("\n") + "\n"
        if after:
            new += "\n" + after + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(new)


# --- main ------------------------------------------------------------------------------------


def run(args: argparse.Namespace, workdir: Path) -> Results:
    n = args.n
    log(f"generating {n:,} vouchers (seed {args.seed}) ...")
    with timer() as t:
        actions = make_vouchers(n, args.seed)
        extra = make_vouchers(min(1000, n), args.seed + 1)
    lines = count_lines(actions)
    log(f"  {lines:,} journal lines, built in {t[0]:.1f} s")
    r = Results(n=n, lines=lines, batch_size=args.batch_size, seed=args.seed)

    # 1. SQLite: bulk apply with projections
    full_db = workdir / "full.sqlite"
    log("SQLite: bulk apply + projections ...")
    r.sqlite_full = bulk_full(sqlite_url(full_db), actions, args.batch_size)
    log(
        f"  {fmt_rate(r.sqlite_full.rate)} vouchers/s ({r.sqlite_full.seconds:.1f} s, "
        f"{r.sqlite_full.events:,} events, {fmt_rate(r.sqlite_full.events_rate)} events/s)"
    )

    # 2. SQLite: store only (+ prefix copies for the memory runs), then catch-up
    store_db = workdir / "store.sqlite"
    quarter, half = workdir / "quarter.sqlite", workdir / "half.sqlite"
    log("SQLite: bulk apply, store only, then catch-up ...")
    r.sqlite_store = bulk_store_only(
        sqlite_url(store_db), actions, args.batch_size,
        snapshots=[(n // 4, quarter), (n // 2, half)], sqlite_file=store_db,
    )  # fmt: skip
    s = r.sqlite_store
    log(
        f"  store only {fmt_rate(s.store.rate)} vouchers/s ({s.store.seconds:.1f} s); catch-up "
        f"{s.catch_up_seconds:.1f} s ({fmt_rate(s.catch_up_events / s.catch_up_seconds)} "
        f"events/s); overall {fmt_rate(s.total_rate)} vouchers/s"
    )

    # 5. reports at size (before anything else is added)
    log(f"reports ({args.report_runs} runs each, median) ...")
    r.reports, tb_live = report_latency(sqlite_url(full_db), args.report_runs)
    for name, ms in r.reports.items():
        log(f"  {name}: {ms:.2f} ms")

    # 4. rebuild in a fresh process (as `erp projections rebuild` runs), then in this one;
    # each must give the same trial balance as the live projections
    log("SQLite: rebuild in a fresh process ...")
    child = rebuild_child(full_db, use_tracemalloc=False)
    if child["lines"] != lines:
        raise SystemExit(f"rebuild produced {child['lines']} journal lines, expected {lines}")
    child["lines_per_s"] = lines / child["seconds"]
    child["events_per_s"] = child["events"] / child["seconds"]
    r.rebuild = child
    log(
        f"  {child['seconds']:.1f} s: {fmt_rate(child['lines_per_s'])} lines/s, "
        f"{fmt_rate(child['events_per_s'])} events/s"
    )
    with Erp.open(sqlite_url(full_db), actor="bench") as erp:
        if erp.trial_balance().model_dump() != tb_live:
            raise SystemExit("the rebuilt trial balance differs from the live one")
    log("SQLite: rebuild in this process (which holds the N vouchers as models) ...")
    r.rebuild_in_process, tb_rebuilt = rebuild_in_process(sqlite_url(full_db), lines)
    rb = r.rebuild_in_process
    log(
        f"  {rb['seconds']:.1f} s: {fmt_rate(rb['lines_per_s'])} lines/s, "
        f"{fmt_rate(rb['events_per_s'])} events/s"
    )
    if tb_rebuilt != tb_live:
        raise SystemExit("the rebuilt trial balance differs from the live one")
    r.checks.append("each rebuild gave the same trial balance as the live projections")
    with Erp.open(sqlite_url(store_db), actor="bench") as erp:
        if erp.trial_balance().model_dump() != tb_live:
            raise SystemExit("store-only + catch-up gives a different trial balance")
    r.checks.append("store only + catch-up gives the same trial balance as apply + projections")
    r.checks.append("no action was refused; projections had no lag after each bulk apply")
    r.db_bytes = full_db.stat().st_size

    # 3. single-action latency (adds min(1000, N) vouchers to the full database)
    log(f"SQLite: {len(extra)} single erp.apply calls ...")
    r.latency = single_latency(sqlite_url(full_db), extra)
    lat = r.latency
    log(f"  p50 {lat['p50']:.2f} ms, p99 {lat['p99']:.2f} ms, max {lat['max']:.2f} ms")

    # 6. rebuild memory in fresh subprocesses
    for path in (quarter, half, store_db):
        log(f"rebuild in a subprocess: {path.name} ...")
        m = rebuild_child(path, use_tracemalloc=False)
        if args.tracemalloc:
            m["tracemalloc_peak_kb"] = rebuild_child(path, True)["tracemalloc_peak_kb"]
        r.memory.append(m)
        log(
            f"  {m['vouchers']:,} vouchers: {m['seconds']:.1f} s, RSS before "
            f"{m['rss_before_kb'] / 1024:.0f} MiB, peak {m['peak_rss_kb'] / 1024:.0f} MiB"
            + (
                f", tracemalloc peak {m['tracemalloc_peak_kb'] / 1024:.1f} MiB"
                if m.get("tracemalloc_peak_kb") is not None
                else ""
            )
        )

    # PostgreSQL
    if not args.skip_postgres:
        run_postgres(args, actions, r)

    # 7. beancount
    ledger = workdir / "bench.beancount"
    write_beancount(ledger, actions)
    log(f"bean-check on {ledger.stat().st_size / 1024 / 1024:.0f} MiB of beancount text ...")
    bc = bean_check(ledger)
    bc["rate"] = n / bc["seconds"]
    bc["ratio_full"] = r.sqlite_full.rate / bc["rate"]
    bc["ratio_store"] = r.sqlite_store.store.rate / bc["rate"]
    bc["ratio_store_total"] = r.sqlite_store.total_rate / bc["rate"]
    r.beancount.update(bc)
    log(
        f"  {bc['seconds']:.1f} s, {fmt_rate(bc['rate'])} transactions/s, peak RSS "
        f"{bc['peak_rss_kb'] / 1024:.0f} MiB"
    )
    log(
        f"  ratio SQLite bulk apply ÷ bean-check: {bc['ratio_full']:.2f}x with projections, "
        f"{bc['ratio_store']:.2f}x store only, {bc['ratio_store_total']:.2f}x store + catch-up"
    )
    return r


def run_postgres(args: argparse.Namespace, actions: Sequence[PostVoucher], r: Results) -> None:
    tag = uuid.uuid4().hex[:8]
    schemas = [f"bench_ledger_{tag}_full", f"bench_ledger_{tag}_store"]
    try:
        r.pg_error = None
        version = pg_server_version(args.pg_url)
        r.pg_version = version
        log(f"PostgreSQL {version}: bulk apply + projections ...")
        r.pg_full = bulk_full(pg_schema_url(args.pg_url, schemas[0]), actions, args.batch_size)
        log(f"  {fmt_rate(r.pg_full.rate)} vouchers/s ({r.pg_full.seconds:.1f} s)")
        log("PostgreSQL: bulk apply, store only, then catch-up ...")
        r.pg_store = bulk_store_only(
            pg_schema_url(args.pg_url, schemas[1]), actions, args.batch_size
        )
        s = r.pg_store
        log(
            f"  store only {fmt_rate(s.store.rate)} vouchers/s ({s.store.seconds:.1f} s); "
            f"catch-up {s.catch_up_seconds:.1f} s; overall {fmt_rate(s.total_rate)} vouchers/s"
        )
    except Exception as exc:  # report and go on: PostgreSQL is optional for the ledger figures
        r.pg_error = f"not measured: {type(exc).__name__}: {exc}"
        log(f"  PostgreSQL {r.pg_error}")
    finally:
        for schema in schemas:
            try:
                pg_drop(args.pg_url, schema)
            except Exception as exc:
                log(f"  could not drop schema {schema}: {exc}")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--n", type=int, default=100_000, help="number of vouchers (default 100000)")
    p.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    p.add_argument("--batch-size", type=int, default=500, help="apply_many batch size (500)")
    p.add_argument("--report-runs", type=int, default=9, help="runs per report (median)")
    p.add_argument("--skip-postgres", action="store_true", help="SQLite and beancount only")
    p.add_argument(
        "--pg-url",
        default=os.environ.get("ERP_TEST_POSTGRES_URL", DEFAULT_PG_URL),
        help="PostgreSQL database; a fresh schema is created and dropped (default %(default)s)",
    )
    p.add_argument(
        "--out", type=Path, default=ROOT / "docs" / "performance.md",
        help="markdown file whose ledger section is (re)written; '-' writes none",
    )  # fmt: skip
    p.add_argument("--workdir", type=Path, help="keep the databases here (default: a temp dir)")
    p.add_argument(
        "--no-tracemalloc", dest="tracemalloc", action="store_false",
        help="skip the second rebuild per size that measures the tracemalloc peak",
    )  # fmt: skip
    p.add_argument("--child-tracemalloc", action="store_true", help=argparse.SUPPRESS)
    p.add_argument(
        "--profile", action="store_true",
        help="only cProfile bulk apply and rebuild on SQLite at --n and print the top functions",
    )  # fmt: skip
    p.add_argument("--rebuild-child", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.n < 8:
        p.error("--n must be at least 8")
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    if args.rebuild_child:
        child_main(args.rebuild_child, args.child_tracemalloc)
        return
    command = shlex.join([".venv/bin/python", "bench/bench_ledger.py", *sys.argv[1:]])
    with tempfile.TemporaryDirectory(prefix="bench_ledger_") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        for stale in workdir.glob("*.sqlite*"):
            stale.unlink()
        if args.profile:
            profile_main(args, workdir)
            return
        started = time.perf_counter()
        r = run(args, workdir)
        log(f"total benchmark time {time.perf_counter() - started:.0f} s")
    info = machine()
    if r.pg_version:
        info["postgres"] = r.pg_version
    stamp = dt.datetime.now().strftime("%Y-%m-%d")
    section = build_section(r, command, info, stamp)
    print()
    print(section)
    if str(args.out) != "-":
        write_doc(args.out, section)
        log(f"wrote {args.out}")


if __name__ == "__main__":
    main()
