"""Start-up and footprint: what every `erp` command pays before doing anything.

Measures, as a new user would, in fresh processes (CPU seconds = user + system, median of
several runs):
- `erp --version` and `erp --help`;
- `erp report trial-balance` on a SQLite book of N two-line vouchers (built once with the
  public API, then reported from the command line);
- the install footprint: a fresh virtual environment with `pip install .` (no extras), then
  with the `postgres` and `plot` extras, in MB on disk and packages.

Prints the figures and writes them to the "Start-up" section of docs/performance.md.

    .venv/bin/python bench/bench_startup.py --vouchers 100000
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ERP = Path(sys.executable).parent / "erp"
sys.path.insert(0, str(ROOT / "bench"))


def cpu_of(cmd: list[str], runs: int) -> float:
    """Median CPU seconds (user + system of the child) of running `cmd`."""
    samples = []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        samples.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    return statistics.median(samples)


def build_book(path: Path, vouchers: int) -> float:
    from bench_ledger import make_vouchers, setup_company

    from erp_core import Erp

    started = time.process_time()
    with Erp.open(f"sqlite:///{path}", actor="bench") as erp:
        setup_company(erp)
        erp.apply_many(make_vouchers(vouchers, seed=7), batch_size=1000)
    return time.process_time() - started


def footprint(extras: str) -> tuple[float, int]:
    """(MB, packages) of a fresh venv with this project installed (with `extras`)."""
    with tempfile.TemporaryDirectory(prefix="erp-footprint-") as tmp:
        venv = Path(tmp) / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        base = dir_mb(venv)
        pip = venv / "bin" / "pip"
        target = f"{ROOT}{extras}"
        subprocess.run(
            [str(pip), "install", "--quiet", "--disable-pip-version-check", target],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        frozen = subprocess.run(
            [str(pip), "freeze", "--disable-pip-version-check"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.splitlines()
        return dir_mb(venv) - base, len(frozen)


def dir_mb(path: Path) -> float:
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            file = Path(root) / name
            if not file.is_symlink():
                total += file.stat().st_size
    return total / 1e6


def write_section(text: str) -> None:
    doc = ROOT / "docs" / "performance.md"
    current = doc.read_text(encoding="utf-8")
    start = current.find("## Start-up (bench/bench_startup.py)")
    if start >= 0:
        end = current.find("\n## ", start + 5)
        current = current[:start] + (current[end + 1 :] if end >= 0 else "")
    doc.write_text(current.rstrip("\n") + "\n\n" + text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--vouchers", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-footprint", action="store_true")
    args = parser.parse_args()
    rows: list[tuple[str, str, str]] = []
    version = cpu_of([str(ERP), "--version"], args.runs)
    rows.append(("`erp --version`", f"{version:.2f} s CPU", "< 0.3 s"))
    helptext = cpu_of([str(ERP), "--help"], args.runs)
    rows.append(("`erp --help`", f"{helptext:.2f} s CPU", "< 0.3 s"))
    with tempfile.TemporaryDirectory(prefix="erp-startup-") as tmp:
        book = Path(tmp) / "book.sqlite"
        built = build_book(book, args.vouchers)
        print(f"built a book of {args.vouchers:,} vouchers in {built:.1f} s CPU", flush=True)
        report = cpu_of(
            [str(ERP), "--db", f"sqlite:///{book}", "report", "trial-balance", "--format", "json"],
            args.runs,
        )
        rows.append(
            (
                f"`erp report trial-balance` ({args.vouchers:,} vouchers, SQLite)",
                f"{report:.2f} s CPU",
                "< 0.6 s",
            )
        )
    if not args.no_footprint:
        slim, slim_count = footprint("")
        full, full_count = footprint("[postgres,plot]")
        rows.append(("install without extras", f"{slim:.0f} MB, {slim_count} packages", "< 120 MB"))
        rows.append(("install with `[postgres,plot]`", f"{full:.0f} MB, {full_count} packages", ""))
    table = ["| measure | figure | target |", "| --- | --- | --- |"]
    table += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    for line in table:
        print(line)
    write_section(
        "## Start-up (bench/bench_startup.py)\n\n"
        f"`.venv/bin/python bench/bench_startup.py --vouchers {args.vouchers}` on "
        f"{platform.machine()}, Python {platform.python_version()}, {os.cpu_count()} cores; "
        f"CPU seconds of fresh processes, median of {args.runs} runs. Before the package-per-"
        "area reorganisation (issue 8), `erp --version` cost about 2 s of CPU and "
        "`erp report trial-balance` on 100,000 vouchers about 2.2 s; the install was 33 "
        "packages, about 290 MB.\n\n" + "\n".join(table) + "\n"
    )


if __name__ == "__main__":
    if shutil.which("erp") is None and not ERP.exists():
        sys.exit("run with the project's virtual environment (erp not found)")
    main()
