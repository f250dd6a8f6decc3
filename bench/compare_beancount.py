"""erp_core against beancount, end to end, as a new user runs them (issue 9).

The same seeded ledger of N two-line transactions over one fiscal year is written once as a
beancount file and once as `erp apply` JSON Lines. Each run is a pair of separate processes,
alternating: `bean-check --no-cache ledger.beancount`, and `erp init` + `erp apply ledger.jsonl`
on a fresh SQLite file (projections current when `apply` returns). CPU seconds (user + system)
and peak RSS come from `os.wait4` of each child. Medians of `--runs` runs per size.

    .venv/bin/python bench/compare_beancount.py 10000 100000 --runs 3 --write-doc

With ``--write-doc`` it rewrites its section of docs/performance.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## End to end against beancount (bench/compare_beancount.py)"
YEAR_START = dt.date(2026, 1, 1)
BIN = Path(sys.executable).parent

# (code, beancount account) pairs: postable non-control accounts of the standard chart
ACCOUNTS = (
    ("1110", "Assets:Cash"),
    ("1120", "Assets:Bank"),
    ("1500", "Assets:Prepayments"),
    ("4100", "Income:Sales"),
    ("4200", "Income:Services"),
    ("6200", "Expenses:Rent"),
    ("6400", "Expenses:Office"),
    ("6700", "Expenses:Travel"),
)


def transactions(n: int, seed: int) -> list[tuple[str, str, str, str, str]]:
    """(date, memo, debit account, credit account, amount) for N two-line transactions."""
    rng = random.Random(seed)
    days = sorted(rng.randrange(365) for _ in range(n))
    out = []
    for i, day in enumerate(days):
        debit, credit = rng.sample(range(len(ACCOUNTS)), 2)
        cents = rng.randint(100, 10 ** rng.randint(3, 8))
        amount = f"{cents // 100}.{cents % 100:02d}"
        date = (YEAR_START + dt.timedelta(days=day)).isoformat()
        out.append((date, f"Transaction {i + 1}", ACCOUNTS[debit][0], ACCOUNTS[credit][0], amount))
    return out


def write_files(n: int, seed: int, folder: Path, beancount: bool = True) -> tuple[Path, Path]:
    """Write the two files from a child process: on Linux a child's peak RSS (`ru_maxrss`)
    starts from its parent's at fork, so the parent must never hold N transactions."""
    argv = [sys.executable, __file__, "--write-only", str(n), str(seed), str(folder)]
    subprocess.run([*argv, "--beancount" if beancount else "--no-beancount"], check=True)
    return folder / f"ledger-{n}.beancount", folder / f"ledger-{n}.jsonl"


def _write_files(n: int, seed: int, folder: Path, beancount: bool) -> None:
    txs = transactions(n, seed)
    names = dict(ACCOUNTS)
    bean = folder / f"ledger-{n}.beancount"
    with bean.open("w") if beancount else open(os.devnull, "w") as fh:
        fh.write('option "title" "Bench Co"\noption "operating_currency" "EUR"\n\n')
        for _code, name in ACCOUNTS:
            fh.write(f"2025-12-31 open {name} EUR\n")
        for date, memo, debit, credit, amount in txs:
            fh.write(f'\n{date} * "{memo}"\n')
            fh.write(f"  {names[debit]}  {amount} EUR\n  {names[credit]}  -{amount} EUR\n")
    jsonl = folder / f"ledger-{n}.jsonl"
    with jsonl.open("w") as fh:
        for date, memo, debit, credit, amount in txs:
            line = {
                "action": "post_voucher",
                "date": date,
                "memo": memo,
                "lines": [
                    {"account": debit, "debit": amount},
                    {"account": credit, "credit": amount},
                ],
            }
            fh.write(json.dumps(line) + "\n")


def run_child(argv: Sequence[str], env: dict[str, str] | None = None) -> tuple[float, int, str]:
    """(CPU seconds user+system, peak RSS in KiB, output) of one child process."""
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env)
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode(errors="replace")
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n{text[-2000:]}")
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss, text


def bean_run(bean: Path) -> dict[str, float]:
    exe = shutil.which("bean-check", path=str(BIN)) or "bean-check"
    start = time.perf_counter()
    cpu, rss, _ = run_child([exe, "--no-cache", str(bean)])
    return {"cpu": cpu, "wall": time.perf_counter() - start, "rss_mb": rss / 1024}


def erp_run(jsonl: Path, folder: Path, extra: Sequence[str] = ()) -> dict[str, float]:
    db = folder / "erp.sqlite"
    for leftover in folder.glob("erp.sqlite*"):
        leftover.unlink()
    erp = str(BIN / "erp")
    env = {**os.environ, "ERP_ACTOR": "bench"}
    start = time.perf_counter()
    url = f"sqlite:///{db}"
    cpu1, rss1, _ = run_child(
        [erp, "--db", url, "init", "--company", "Bench Co", "--currency", "EUR",
         "--year-start", YEAR_START.isoformat()],
        env,
    )  # fmt: skip
    cpu2, rss2, text = run_child([erp, "--db", url, "apply", *extra, str(jsonl)], env)
    wall = time.perf_counter() - start
    if "rejected 0" not in text:
        raise SystemExit(f"erp apply rejected lines:\n{text[-2000:]}")
    return {
        "cpu": cpu1 + cpu2,
        "wall": wall,
        "rss_mb": max(rss1, rss2) / 1024,
        "apply_cpu": cpu2,
    }


def median(runs: list[dict[str, float]], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def measure(n: int, runs: int, seed: int, folder: Path) -> dict[str, Any]:
    bean, jsonl = write_files(n, seed, folder)
    bean_runs: list[dict[str, float]] = []
    erp_runs: list[dict[str, float]] = []
    for i in range(runs):
        # alternate which goes first, so neither always meets a warmer cache
        order = (bean_run, erp_run) if i % 2 == 0 else (erp_run, bean_run)
        for fn in order:
            if fn is bean_run:
                bean_runs.append(bean_run(bean))
            else:
                erp_runs.append(erp_run(jsonl, folder))
        print(f"  n={n} run {i + 1}: bean {bean_runs[-1]} erp {erp_runs[-1]}", flush=True)
    result = {
        "n": n,
        "runs": runs,
        "bean_cpu": median(bean_runs, "cpu"),
        "bean_rss": median(bean_runs, "rss_mb"),
        "erp_cpu": median(erp_runs, "cpu"),
        "erp_rss": median(erp_runs, "rss_mb"),
        "erp_wall": median(erp_runs, "wall"),
        "bean_wall": median(bean_runs, "wall"),
    }
    result["ratio"] = result["erp_cpu"] / result["bean_cpu"]
    result.update(after_apply(folder, n))
    return result


def erp_cmd(folder: Path, *args: str) -> tuple[float, float, str]:
    """CPU seconds, peak RSS (MB) and output of one `erp` command on the bench database."""
    env = {**os.environ, "ERP_ACTOR": "bench"}
    cpu, rss, text = run_child(
        [str(BIN / "erp"), "--db", f"sqlite:///{folder / 'erp.sqlite'}", *args], env
    )
    return cpu, rss / 1024, text


def after_apply(folder: Path, n: int) -> dict[str, float]:
    """On the book `erp apply` just made: start-up, rebuild and general-ledger figures."""
    base_cpu, _, _ = erp_cmd(folder, "projections", "status")  # opening the book, no work
    rebuild_cpu, rebuild_rss, text = erp_cmd(folder, "projections", "rebuild")
    assert "Rebuilt all projections" in text, text
    out: dict[str, float] = {
        "status_cpu": base_cpu,
        "rebuild_cpu": rebuild_cpu,
        "rebuild_rss": rebuild_rss,
        "rebuild_lines_per_cpu_s": 2 * n / max(rebuild_cpu - base_cpu, 1e-9),
    }
    gl_cpu, _, text = erp_cmd(folder, "report", "general-ledger", "--limit", "10000")
    assert text.count("JV-") == 10_000 or n < 5000, text[-500:]
    out["gl_table_10k_cpu"] = gl_cpu
    return out


def memory_run(n: int, seed: int, folder: Path) -> dict[str, Any]:
    """`erp apply` alone (and a rebuild) at size N: peak RSS must not grow with the file."""
    _bean, jsonl = write_files(n, seed, folder, beancount=False)
    run = erp_run(jsonl, folder)
    jsonl.unlink()
    result: dict[str, Any] = {"n": n, "erp_cpu": run["cpu"], "erp_rss": run["rss_mb"]}
    result.update(after_apply(folder, n))
    print(json.dumps(result), flush=True)
    return result


def section(results: list[dict[str, Any]], memory: list[dict[str, Any]], command: str) -> str:
    targets = {100_000: 0.5, 10_000: 0.8}
    lines = [
        SECTION,
        "",
        f"Measured {dt.date.today()} with `{command}` on {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, {platform.platform()}. The machine was shared "
        "with other runs; figures are medians of alternating runs.",
        "",
        "Workload: N two-line transactions (one debit, one credit, on 8 accounts) over fiscal "
        "year 2026, seeded, written once as beancount and once as `erp apply` JSON Lines. "
        "erp: `erp init` then `erp apply ledger.jsonl` on a fresh SQLite file, two processes, "
        "projections current when `apply` returns; beancount: `bean-check --no-cache`. CPU is "
        "user + system seconds of the child processes (`os.wait4`); peak RSS is the larger of "
        "the two erp processes.",
        "",
        "| N | bean-check CPU | erp CPU | erp ÷ bean-check | target | status | "
        "bean-check peak RSS | erp peak RSS |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        target = targets.get(r["n"])
        status = "-" if target is None else ("**met**" if r["ratio"] <= target else "**not met**")
        lines.append(
            f"| {r['n']:,} | {r['bean_cpu']:.2f} s | {r['erp_cpu']:.2f} s | {r['ratio']:.2f}x | "
            f"{'-' if target is None else f'≤ {target}x'} | {status} | {r['bean_rss']:.0f} MB | "
            f"{r['erp_rss']:.0f} MB |"
        )
    lines += [
        "",
        "On the book each erp run made (the last run of each size; `erp projections rebuild` "
        "replays the whole log in one transaction; lines per CPU second take off the CPU of "
        "`erp projections status` on the same book, i.e. start-up and opening it):",
        "",
        "| N | journal lines | `erp projections status` | `erp projections rebuild` | "
        "rebuild lines per CPU s | target | rebuild peak RSS | "
        "`erp report general-ledger --limit 10000` (table) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in [*results, *memory]:
        rate = r["rebuild_lines_per_cpu_s"]
        lines.append(
            f"| {r['n']:,} | {2 * r['n']:,} | {r['status_cpu']:.2f} s | {r['rebuild_cpu']:.2f} s "
            f"| {rate:,.0f} | ≥ 200,000 (issue), ≥ 100,000 (brief) | "
            f"{r['rebuild_rss']:.0f} MB | {r['gl_table_10k_cpu']:.2f} s |"
        )
    if memory:
        lines += [
            "",
            "Peak memory of `erp apply` as the file grows (one run each; target at most 150 MB "
            "whatever the size):",
            "",
            "| N | `erp init` + `erp apply` CPU | peak RSS | status |",
            "| --- | --- | --- | --- |",
        ]
        for r in [*results, *memory]:
            ok = "**met**" if r["erp_rss"] <= 150 else "**not met**"
            lines.append(f"| {r['n']:,} | {r['erp_cpu']:.2f} s | {r['erp_rss']:.0f} MB | {ok} |")
    lines.append("")
    return "\n".join(lines)


def write_doc(text: str, title: str = SECTION) -> None:
    """Replace the section headed `title` of docs/performance.md (or add it at the end)."""
    path = ROOT / "docs" / "performance.md"
    doc = path.read_text()
    start = doc.find(title)
    if start == -1:
        doc = doc.rstrip("\n") + "\n\n" + text
    else:
        end = doc.find("\n## ", start + len(title))
        doc = doc[:start] + text + ("" if end == -1 else doc[end:])
    path.write_text(doc.rstrip("\n") + "\n")


def main(argv: Sequence[str] | None = None) -> None:
    args_in = list(sys.argv[1:] if argv is None else argv)
    if args_in[:1] == ["--write-only"]:
        n, seed, folder, kind = args_in[1:5]
        _write_files(int(n), int(seed), Path(folder), kind == "--beancount")
        return
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("sizes", nargs="*", type=int, default=[10_000, 100_000])
    p.add_argument("--json-out", type=Path, help="also write the results here as JSON")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument(
        "--memory", type=int, nargs="*", default=[], help="extra sizes: erp apply alone (RSS)"
    )
    p.add_argument("--write-doc", action="store_true")
    args = p.parse_args(args_in)
    results = []
    memory = []
    with tempfile.TemporaryDirectory(prefix="erp-cmp-") as tmp:
        for n in [n for n in args.sizes if n > 0]:  # 0: no comparison, --memory only
            results.append(measure(n, args.runs, args.seed, Path(tmp)))
            print(json.dumps(results[-1]), flush=True)
        for n in args.memory:
            memory.append(memory_run(n, args.seed, Path(tmp)))
    command = "python bench/compare_beancount.py " + " ".join(
        [*map(str, args.sizes), "--runs", str(args.runs)]
        + (["--memory", *map(str, args.memory)] if args.memory else [])
    )
    if args.json_out:
        args.json_out.write_text(json.dumps({"results": results, "memory": memory}))
    text = section(results, memory, command)
    print(text)
    if args.write_doc:
        write_doc(text)


if __name__ == "__main__":
    main()
