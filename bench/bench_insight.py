"""Insight benchmark: the OCEL export and the process report over a book of 50,000 events.

Builds a real book on SQLite through actions (``Erp.apply_many`` without the read models, as
``erp apply --no-project`` does, then the read models caught up from the log in one pass):
``--orders`` purchase orders (default 50,000) over ``--items`` items (default 1,000), each
created, received, invoiced and paid with its allocation, which the OCEL log tells as five
events per order (250,000 events at the default). Then measures, on that book:

1. reading the log into the OCEL model (``load_log``: read, decode and map every event);
2. writing it as OCEL 2.0 JSON and as OCEL 2.0 SQLite;
3. the purchase-to-pay process report on the loaded log (cycle times, waits, bottlenecks,
   rework, variants, throughput, work in progress, hand-overs);
4. ``erp report process purchase-to-pay`` end to end as a user runs it (a fresh process:
   start-up, read, map, report, print).

Prints every figure and (re)writes the section ``## Insight (bench/bench_insight.py)`` of
``docs/performance.md``, keeping the other sections.

    .venv/bin/python bench/bench_insight.py                  # 50,000 orders, 250,000 events
    .venv/bin/python bench/bench_insight.py --orders 500 --no-doc   # quick
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import resource
import shlex
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## Insight (bench/bench_insight.py)"

from erp_core.api import Erp  # noqa: E402
from erp_core.insight.reports import export_ocel, load_log, process_report_of  # noqa: E402


def actions(orders: int, items: int = 1) -> list[dict[str, Any]]:
    """Per order i (numbers are gapless, so PO i is invoiced as PI i): create, receive,
    invoice, pay with its allocation. Orders take the items in turn (``W0``, ``W1``, ...)."""
    out: list[dict[str, Any]] = []
    start = dt.date(2026, 1, 5)
    for i in range(1, orders + 1):
        day = start + dt.timedelta(days=(i * 7) // max(orders, 1) * 50)
        d = day.isoformat()
        later = (day + dt.timedelta(days=1 + i % 5)).isoformat()
        po, pi = f"PO-2026-{i:06d}", f"PI-2026-{i:06d}"
        qty = str(1 + i % 9)
        item = f"W{i % items}"
        out += [
            {
                "action": "create_purchase_order",
                "date": d,
                "supplier": f"S{i % 20}",
                "expected_delivery": later,
                "lines": [{"item": item, "quantity": qty, "price": "10", "warehouse": "MAIN"}],
            },
            {
                "action": "receive_purchase_order",
                "document": po,
                "date": later,
                "lines": [{"line": 1, "accepted": qty}],
            },
            {
                "action": "post_supplier_invoice",
                "supplier": f"S{i % 20}",
                "supplier_reference": f"R{i}",
                "date": later,
                "lines": [
                    {"order": po, "line": 1, "quantity": qty, "price": "10", "tax_rate": "0"}
                ],
            },
            {
                "action": "pay_supplier",
                "supplier": f"S{i % 20}",
                "date": later,
                "amount": str(int(qty) * 10),
                "allocations": [{"invoice": pi, "amount": str(int(qty) * 10)}],
            },
        ]
    return out


def build(url: str, orders: int, items: int) -> dict[str, float]:
    """The book through the real actions, stored without the read models (as `erp apply
    --no-project` does, in atomic batches of 500), then the read models caught up from the
    log in one pass (as a projection worker or `erp projections catch-up` does). Returns the
    wall and CPU seconds of both steps and the number of actions."""
    erp = Erp.open(url, actor="bench", project=False)
    erp.init("Bench Ltd", "EUR", dt.date(2026, 1, 1))
    erp.configure_procurement(approval_threshold="100000000")
    for n in range(items):
        erp.register_item(code=f"W{n}", name=f"Widget {n}", uom="pcs")
    erp.register_warehouse(code="MAIN", name="Main")
    for s in range(20):
        erp.register_supplier(code=f"S{s}", name=f"Supplier {s}")
    batch = actions(orders, items)
    t, c = time.perf_counter(), time.process_time()
    outcomes = erp.apply_many(batch, batch_size=500)
    apply_s, apply_cpu = time.perf_counter() - t, time.process_time() - c
    refused = [o for o in outcomes if isinstance(o, Exception)]
    if refused:
        raise SystemExit(f"{len(refused)} actions refused, first: {refused[0]}")
    t, c = time.perf_counter(), time.process_time()
    erp.catch_up()
    project_s, project_cpu = time.perf_counter() - t, time.process_time() - c
    erp.close()
    return {
        "actions": len(batch),
        "apply_s": apply_s,
        "apply_cpu": apply_cpu,
        "project_s": project_s,
        "project_cpu": project_cpu,
    }


CPU: list[float] = []  # CPU seconds of the last timed call


def timed(fn: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    """(result, wall seconds); the CPU seconds go to CPU[-1] (the machine may be shared)."""
    t, c = time.perf_counter(), time.process_time()
    result = fn(*args, **kwargs)
    CPU.append(time.process_time() - c)
    return result, time.perf_counter() - t


def write_doc(path: Path, section: str) -> None:
    text = path.read_text() if path.exists() else "# Performance\n"
    lines = text.splitlines()
    if SECTION in lines:
        start = lines.index(SECTION)
        end = next(
            (i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines)
        )
        lines[start:end] = [*section.rstrip("\n").splitlines(), ""]
        path.write_text("\n".join(lines).rstrip("\n") + "\n")
    else:
        path.write_text(text.rstrip("\n") + "\n\n" + section.rstrip("\n") + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=50_000)
    parser.add_argument(
        "--items", type=int, default=1_000, help="items the orders take in turn (default 1,000)"
    )
    parser.add_argument("--no-doc", action="store_true", help="do not write docs/performance.md")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "performance.md")
    args = parser.parse_args()
    command = ".venv/bin/python bench/bench_insight.py " + shlex.join(sys.argv[1:])
    rows: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory(prefix="erp-bench-insight-") as tmp:
        url = f"sqlite:///{tmp}/book.sqlite"
        b = build(url, args.orders, args.items)
        n_actions = int(b["actions"])
        print(
            f"built {args.orders:,} orders ({n_actions:,} actions): stored in "
            f"{b['apply_s']:.1f} s (CPU {b['apply_cpu']:.1f} s), read models caught up in "
            f"{b['project_s']:.1f} s (CPU {b['project_cpu']:.1f} s)",
            flush=True,
        )
        rows.append(
            (
                f"build the book: {n_actions:,} actions through `apply_many` without the read "
                "models (batches of 500)",
                f"{b['apply_s']:.0f} s ({n_actions / b['apply_s']:,.0f} actions/s; "
                f"CPU {b['apply_cpu']:.0f} s)",
            )
        )
        rows.append(
            (
                "then every read model caught up from the log (`catch_up`)",
                f"{b['project_s']:.0f} s (CPU {b['project_cpu']:.0f} s)",
            )
        )
        erp = Erp.open(url, actor="bench", project=False)
        log, load_s = timed(load_log, erp)
        events = len(log.events)
        print(f"load_log: {events:,} events, {len(log.objects):,} objects in {load_s:.2f} s")
        rows.append(
            (
                f"read and map the log (`load_log`): {events:,} events, "
                f"{len(log.objects):,} objects, {log.e2o_count:,} E2O",
                f"{load_s:.2f} s ({events / load_s:,.0f} events/s; CPU {CPU[-1]:.2f} s)",
            )
        )
        for fmt in ("json", "sqlite"):
            path = Path(tmp) / f"out.{fmt}"
            _, s = timed(export_ocel, erp, path, fmt)
            size = path.stat().st_size / 1e6
            print(f"export {fmt}: {s:.2f} s, {size:.1f} MB")
            rows.append(
                (
                    f"`erp export ocel --format {fmt}` in the library (read, map, write)",
                    f"{s:.2f} s ({events / s:,.0f} events/s; CPU {CPU[-1]:.2f} s), {size:.1f} MB",
                )
            )
        with sqlite3.connect(Path(tmp) / "out.sqlite") as conn:
            assert conn.execute("SELECT count(*) FROM event").fetchone()[0] == events
        rep, s = timed(process_report_of, log, "purchase-to-pay")
        assert rep.cases == args.orders and rep.finished == args.orders
        print(f"process report: {s:.2f} s over {rep.cases:,} cases")
        rows.append(
            (
                f"purchase-to-pay report on the loaded log ({rep.cases:,} cases, "
                f"{len(rep.variants)} variant(s))",
                f"{s:.2f} s ({rep.cases / s:,.0f} cases/s; CPU {CPU[-1]:.2f} s)",
            )
        )
        erp.close()
        erp_bin = str(Path(sys.executable).with_name("erp"))
        t = time.perf_counter()
        subprocess.run(
            [erp_bin, "--db", url, "report", "process", "purchase-to-pay", "--format", "json"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        cli_s = time.perf_counter() - t
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        cli_cpu = used.ru_utime + used.ru_stime
        print(f"erp report process purchase-to-pay: {cli_s:.2f} s (CPU {cli_cpu:.2f} s)")
        rows.append(
            (
                "`erp report process purchase-to-pay --format json` (a fresh process)",
                f"{cli_s:.2f} s (CPU {cli_cpu:.2f} s)",
            )
        )
    section = "\n".join(
        [
            SECTION,
            "",
            f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC with `{command}` "
            f"(2 cores shared with other runs, Python {platform.python_version()}, SQLite "
            f"{sqlite3.sqlite_version}). The book: {args.orders:,} purchase orders of "
            f"{args.items:,} items from 20 suppliers, each created, received, invoiced and "
            f"paid with its allocation ({n_actions:,} actions), {events:,} OCEL events.",
            "",
            "| figure | value |",
            "| --- | --- |",
            *(f"| {a} | {b} |" for a, b in rows),
            "",
            "Wall time is shared with other runs on the same 2 cores; CPU time is this run's "
            "own. The process report itself is linear in events; most of the time is reading "
            "and decoding the stored events (the same reader `erp audit verify` uses) and "
            "mapping them. The issue sets no target for these figures. The book is built "
            "through the real actions, but stored without the read models and projected "
            "afterwards in one pass: applying 200,000 actions with the read models kept "
            "current after every batch took too long here (10,000 orders took 2,216 s). The "
            "orders rotate over many items: one item bought 50,000 times keeps 50,000 FIFO "
            "layers in one bin, which every receipt re-folds (quadratic; a stock pattern no "
            "real buyer has, and an inventory matter, not the process report's).",
        ]
    )
    print()
    print(section)
    if not args.no_doc:
        write_doc(args.out, section)


if __name__ == "__main__":
    main()
