"""Import benchmark: a file of N journal lines through `erp import journal_lines`.

Generates a CSV of N lines (default 100,000) in the journal-lines template's format (decimal
comma, thousands points, dates as DD.MM.YYYY), grouped into balanced vouchers of 2 to 6 lines
over fiscal year 2026 on the postable non-control accounts of the standard chart, with
`random.Random(seed)`. Then, each in a fresh `erp` process on a fresh SQLite company, as a user
would run it:

1. ``--dry-run`` (read, map, cleanse, check, and every voucher checked by the ledger; nothing
   stored);
2. the import itself;
3. the same file again (every voucher skipped, nothing stored).

Wall time and peak resident memory (the child's ``ru_maxrss``) of each; the trial balance after
the import is compared with the file's totals per account, and the event log must not grow on
the re-run. Prints the figures and (re)writes the section ``## Import (bench/bench_import.py)``
of ``docs/performance.md``, keeping the other sections.

    .venv/bin/python bench/bench_import.py --n 100000
    .venv/bin/python bench/bench_import.py --n 5000 --no-doc      # quick
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import platform
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ERP = Path(sys.executable).parent / "erp"
SECTION = "## Import (bench/bench_import.py)"
YEAR_START = dt.date(2026, 1, 1)


def accounts() -> tuple[str, ...]:
    from erp_core.ledger.accounts import STANDARD_CHART

    return tuple(
        sorted(
            code for code, _n, _t, _p, group, control in STANDARD_CHART if not group and not control
        )
    )


def money_text(value: Decimal) -> str:
    """1234.50 -> 1.234,50 (the template's format)."""
    whole, cents = f"{value:.2f}".split(".")
    return f"{int(whole):,}".replace(",", ".") + "," + cents


def generate(path: Path, n: int, seed: int) -> tuple[int, dict[str, Decimal]]:
    """Write N lines in balanced vouchers; return the voucher count and the net per account."""
    rng = random.Random(seed)
    codes = accounts()
    net: dict[str, Decimal] = defaultdict(Decimal)
    vouchers = 0
    written = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(
            ("Voucher", "Line", "Date", "Account", "Debit", "Credit", "Text", "Voucher text")
        )
        while written < n:
            size = min(rng.randint(2, 6), n - written)
            if n - written - size == 1:  # never leave a one-line voucher at the end
                size += 1
            vouchers += 1
            reference = f"J-{vouchers:07d}"
            day = YEAR_START + dt.timedelta(days=rng.randrange(365))
            amounts = [Decimal(rng.randint(1, 500_000)) / 100 for _ in range(size - 1)]
            sides = [(a, rng.random() < 0.5) for a in amounts]  # (amount, is_debit)
            balance = sum((a if d else -a for a, d in sides), Decimal(0))
            if balance == 0:
                sides[0] = (sides[0][0], not sides[0][1])
                balance = sum((a if d else -a for a, d in sides), Decimal(0))
            sides.append((abs(balance), balance < 0))
            for index, (amount, debit) in enumerate(sides, start=1):
                account = rng.choice(codes)
                net[account] += amount if debit else -amount
                writer.writerow(
                    (
                        reference,
                        index,
                        day.strftime("%d.%m.%Y"),
                        account,
                        money_text(amount) if debit else "",
                        "" if debit else money_text(amount),
                        f"line {index}",
                        f"Voucher {reference}" if index == 1 else "",
                    )
                )
            written += size
    return vouchers, dict(net)


def run_child(args: list[str]) -> tuple[float, int, int, str]:
    """Wall seconds, peak RSS in MB, exit status and the last line of output of one erp run."""
    start = time.perf_counter()
    child = subprocess.Popen(
        [str(ERP), *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert child.stdout is not None
    output = child.stdout.read()
    _pid, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    last = output.strip().splitlines()[-1] if output.strip() else ""
    return elapsed, usage.ru_maxrss // 1024, child.returncode, last


def events(db: Path) -> int:
    """The log's last position."""
    from erp_core import Erp

    erp = Erp.open(f"sqlite:///{db}", actor="bench")
    try:
        return erp.store.last_position()
    finally:
        erp.close()


def trial_balance(url: str) -> dict[str, Decimal]:
    """Debit-positive balance per account."""
    from erp_core import Erp

    erp = Erp.open(url, actor="bench")
    try:
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for row in erp.trial_balance().rows:
            totals[row.account] += row.debit - row.credit
        return dict(totals)
    finally:
        erp.close()


def fresh_company(url: str) -> None:
    from erp_core import Erp

    erp = Erp.open(url, actor="bench")
    erp.init("Bench Co", "EUR", YEAR_START)
    erp.close()


def commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        return "?"


def write_doc(section: str) -> None:
    path = ROOT / "docs" / "performance.md"
    lines = path.read_text().splitlines()
    try:
        start = lines.index(SECTION)
    except ValueError:
        text = "\n".join(lines).rstrip("\n") + "\n\n" + section.rstrip("\n") + "\n"
    else:
        end = next(
            (i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines)
        )
        text = "\n".join(lines[:start]).rstrip("\n") + "\n\n" + section.rstrip("\n") + "\n"
        after = "\n".join(lines[end:]).strip("\n")
        if after:
            text += "\n" + after + "\n"
    path.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="journal lines in the file")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--no-doc", action="store_true", help="do not write docs/performance.md")
    opts = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    from erp_core.imports.run import template

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        data, mapping = work / "lines.csv", work / "lines.toml"
        mapping.write_text(template("journal_lines")[1], encoding="utf-8")
        started = time.perf_counter()
        vouchers, net = generate(data, opts.n, opts.seed)
        gen_seconds = time.perf_counter() - started
        size_mb = data.stat().st_size / 1e6
        print(f"{opts.n:,} lines in {vouchers:,} vouchers, {size_mb:.1f} MB ({gen_seconds:.1f} s)")
        common = ["import", "journal_lines", str(data), "--mapping", str(mapping)]
        common += ["--format", "json"]
        figures: dict[str, tuple[float, int]] = {}

        dry_db = work / "dry.sqlite"
        fresh_company(f"sqlite:///{dry_db}")
        before = events(dry_db)
        seconds, rss, code, last = run_child(["--db", f"sqlite:///{dry_db}", *common, "--dry-run"])
        assert code == 0, last
        assert events(dry_db) == before, "a dry run stored something"
        figures["dry run"] = (seconds, rss)
        print(f"dry run: {seconds:.1f} s, {rss} MB")

        db = work / "books.sqlite"
        url = f"sqlite:///{db}"
        fresh_company(url)
        seconds, rss, code, last = run_child(["--db", url, *common])
        assert code == 0, last
        figures["import"] = (seconds, rss)
        print(f"import: {seconds:.1f} s, {rss} MB")
        tb = trial_balance(url)
        wanted = {a: v for a, v in net.items() if v}
        got = {a: v for a, v in tb.items() if v}
        assert got == wanted, "the trial balance differs from the file's totals"
        stored = events(db)

        seconds, rss, code, last = run_child(["--db", url, *common])
        assert code == 0, last
        assert events(db) == stored, "the re-run stored something"
        figures["re-run"] = (seconds, rss)
        print(f"re-run (all skipped): {seconds:.1f} s, {rss} MB")

    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = f".venv/bin/python bench/bench_import.py --n {opts.n}"
    if opts.seed != 16:
        command += f" --seed {opts.seed}"
    rows = [
        f"| {name} | {seconds:.1f} s | {opts.n / seconds:,.0f} lines/s | {rss:,} MB |"
        for name, (seconds, rss) in figures.items()
    ]
    section = "\n".join(
        [
            SECTION,
            "",
            f"Measured {stamp} with `{command}` (erp_core at commit {commit()}; "
            f"{os.cpu_count()} cores shared with other work, Python {platform.python_version()}, "
            f"SQLite {sqlite3.sqlite_version}).",
            "",
            f"Workload: one CSV of {opts.n:,} journal lines ({size_mb:.1f} MB) in {vouchers:,} "
            "balanced vouchers of 2 to 6 lines over 2026, in the journal-lines template's "
            "format (decimal comma, thousands points, DD.MM.YYYY), imported with the template's "
            "mapping by `erp import journal_lines FILE --mapping MAP --format json` into a fresh "
            "SQLite company. Each figure is one fresh `erp` process: wall time from start to "
            "exit, peak memory its `ru_maxrss`.",
            "",
            "| run | wall time | rate | peak memory (RSS) |",
            "| --- | --- | --- | --- |",
            *rows,
            "",
            "After the import the trial balance equals the file's net per account (checked by "
            "the script), and the re-run stores no event (every voucher `skipped`). The whole "
            "file is read, mapped and checked in memory before anything is applied (every "
            "voucher balanced first), so peak memory grows with the file; vouchers are applied "
            "through `apply_many` in batches of 500.",
        ]
    )
    print()
    print(section)
    if not opts.no_doc:
        write_doc(section)


if __name__ == "__main__":
    main()
