"""Production benchmark: N work orders through release, issue, hours, receipt and close.

Generates deterministically (``random.Random(seed)``) 30 bought components (half FIFO, half
moving average), 20 made items, each with a BOM of 2 to 4 components and 1 or 2 operations at
3 work centres, stock of every component received on 2 January, and N work orders spread over
fiscal year 2026 (1 to 8 units each). Every work order is six actions: ``create_work_order``,
``release_work_order``, ``issue_to_work_order`` (every component, what the BOM needs),
``report_progress`` (the planned hours, the good quantity), ``complete_work_order`` (all of it)
and ``close_work_order``. Before them, one ``create_production_plan`` nets demand for every made
item against that stock (timed on its own). Then, on SQLite:

1. ``Erp.apply_many`` in batches with the projections kept up to date (work orders/s,
   actions/s, events/s);
2. ``erp.check()`` (WIP account = work orders' WIP, value in = value out, inventory = stock
   ledger...; every check must be OK, else exit status 1) and ``erp.rebuild(["production"])``;
3. report latency (median ms): ``cost_sheet``, ``work_orders``, ``wip_as_of``,
   ``production_yield``.

Every figure is printed and the section ``## Production (bench/bench_production.py)`` of
``docs/performance.md`` is (re)written at the end; other sections of that file are kept.

    .venv/bin/python bench/bench_production.py               # N = 10,000 work orders
    .venv/bin/python bench/bench_production.py --n 500 --no-doc   # quick
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shlex
import sys
import tempfile
import time
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench_ledger import DOC_HEADER, check_outcomes, code_version, machine, median_ms, sqlite_url

from erp_core import Erp

ROOT = Path(__file__).resolve().parents[1]
SECTION = "## Production (bench/bench_production.py)"
YEAR = 2026
N_BOUGHT, N_MADE, CENTRES = 30, 20, ("CUT", "ASSY", "PAINT")


def wo_number(i: int) -> str:
    return f"WO-{YEAR}-{i:06d}"


def make_workload(n: int, seed: int) -> tuple[list[dict[str, Any]], dict[str, Any], list[Any]]:
    rng = random.Random(seed)
    setup: list[dict[str, Any]] = [
        {
            "action": "open_account",
            "code": "1350",
            "name": "WIP",
            "type": "asset",
            "parent": "1100",
        },
        {
            "action": "open_account",
            "code": "5410",
            "name": "Applied labour",
            "type": "expense",
            "parent": "5000",
        },
        {
            "action": "open_account",
            "code": "5420",
            "name": "Applied overhead",
            "type": "expense",
            "parent": "5000",
        },
        {
            "action": "open_account",
            "code": "5500",
            "name": "Production variance",
            "type": "expense",
            "parent": "5000",
        },
        {"action": "configure_production"},
        {"action": "register_warehouse", "code": "MAIN", "name": "Main"},
    ]
    for c in CENTRES:
        setup.append(
            {
                "action": "register_work_centre",
                "code": c,
                "name": c.title(),
                "labour_rate": f"{rng.randint(25, 45)}.00",
                "overhead_rate": f"{rng.randint(5, 15)}.50",
            }
        )
    bought = [f"RM{i:03d}" for i in range(N_BOUGHT)]
    made = [f"FG{i:03d}" for i in range(N_MADE)]
    for i, code in enumerate(bought):
        valuation = "fifo" if i % 2 == 0 else "moving_average"
        setup.append(
            {
                "action": "register_item",
                "code": code,
                "name": code,
                "uom": "pcs",
                "valuation": valuation,
            }
        )
    boms: dict[str, tuple[list[tuple[str, int]], list[tuple[str, Decimal]]]] = {}
    for code in made:
        setup.append({"action": "register_item", "code": code, "name": code, "uom": "pcs"})
        comps = [(c, rng.randint(1, 4)) for c in rng.sample(bought, rng.randint(2, 4))]
        ops = [(c, Decimal(rng.randint(1, 8)) / 4) for c in rng.sample(CENTRES, rng.randint(1, 2))]
        boms[code] = (comps, ops)
        setup.append(
            {
                "action": "define_bom",
                "item": code,
                "components": [{"item": c, "quantity": str(q)} for c, q in comps],
                "operations": [{"work_centre": c, "hours": str(h)} for c, h in ops],
            }
        )
    orders = []
    need: dict[str, int] = dict.fromkeys(bought, 0)
    for i in range(1, n + 1):
        item = rng.choice(made)
        qty = rng.randint(1, 8)
        day = dt.date(YEAR, 1, 5) + dt.timedelta(days=(i - 1) * 355 // n)
        orders.append((i, item, qty, day))
        for c, q in boms[item][0]:
            need[c] += q * qty
    # stock for everything, received on 2 January in layers (FIFO sees several)
    for layer in range(3):
        setup.append(
            {
                "action": "receive_stock",
                "date": f"{YEAR}-01-02",
                "account": "1120",
                "lines": [
                    {
                        "item": c,
                        "warehouse": "MAIN",
                        "quantity": str(need[c] // 3 + 1),
                        "unit_cost": f"{2 + (k % 7) + layer * 0.25:.2f}",
                    }
                    for k, c in enumerate(bought)
                ],
            }
        )
    plan = {
        "action": "create_production_plan",
        "date": f"{YEAR}-01-03",
        "start": f"{YEAR}-01-01",
        "end": f"{YEAR}-12-31",
        "demand": [
            {"item": c, "quantity": str(rng.randint(50, 500)), "wanted": f"{YEAR}-06-30"}
            for c in made
        ],
    }
    actions: list[Any] = []
    for i, item, qty, day in orders:
        wo, d = wo_number(i), day.isoformat()
        comps, ops = boms[item]
        actions += [
            {
                "action": "create_work_order",
                "date": d,
                "item": item,
                "quantity": str(qty),
                "warehouse": "MAIN",
            },
            {"action": "release_work_order", "work_order": wo, "date": d},
            {
                "action": "issue_to_work_order",
                "work_order": wo,
                "date": d,
                "lines": [
                    {"item": c, "warehouse": "MAIN", "quantity": str(q * qty)} for c, q in comps
                ],
            },
        ]
        for n_op, (centre, hours) in enumerate(ops):
            actions.append(
                {
                    "action": "report_progress",
                    "work_order": wo,
                    "date": d,
                    "work_centre": centre,
                    "hours": str(hours * qty),
                    "good_quantity": str(qty) if n_op == len(ops) - 1 else "0",
                }
            )
        actions += [
            {"action": "complete_work_order", "work_order": wo, "date": d, "quantity": str(qty)},
            {"action": "close_work_order", "work_order": wo, "date": d},
        ]
    return setup, plan, actions


def write_doc(path: Path, section: str) -> None:
    """Replace this benchmark's section in `path` (or append it), keeping every other one."""
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
    path.write_text(new)


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=10_000, help="work orders (10,000)")
    p.add_argument("--seed", type=int, default=12)
    p.add_argument("--batch-size", type=int, default=500)
    p.add_argument("--no-doc", action="store_true", help="do not write docs/performance.md")
    p.add_argument("--no-rebuild", action="store_true", help="skip the projection rebuild")
    args = p.parse_args(argv)
    command = "python bench/bench_production.py " + shlex.join(sys.argv[1:])
    setup, plan, actions = make_workload(args.n, args.seed)
    from erp_core.projections.production import (
        cost_sheet,
        production_yield,
        wip_as_of,
        work_orders,
    )

    with tempfile.TemporaryDirectory() as tmp:
        url = sqlite_url(Path(tmp) / "bench.sqlite")
        erp = Erp.open(url)
        erp.init("Bench Works", "EUR", dt.date(YEAR, 1, 1))
        check_outcomes(erp.apply_many(setup))
        start = time.perf_counter()
        check_outcomes(erp.apply_many([plan]))
        plan_s = time.perf_counter() - start
        head0 = erp.store.last_position()
        print(f"{args.n:,} work orders, {len(actions):,} actions; plan netted in {plan_s:.2f} s")
        start = time.perf_counter()
        outcomes = erp.apply_many(actions, batch_size=args.batch_size)
        apply_s = time.perf_counter() - start
        check_outcomes(outcomes)
        events = erp.store.last_position() - head0
        print(
            f"apply_many: {apply_s:.1f} s: {args.n / apply_s:,.0f} work orders/s, "
            f"{len(actions) / apply_s:,.0f} actions/s, {events / apply_s:,.0f} events/s "
            f"({events:,} events)"
        )
        start = time.perf_counter()
        results = erp.check()
        check_s = time.perf_counter() - start
        bad = [r.message for r in results if not r.ok]
        for r in results:
            print(("ok    " if r.ok else "FAIL  ") + r.message[:150])
        replayed, rebuild_s = 0, 0.0
        if not args.no_rebuild:
            start = time.perf_counter()
            replayed = erp.rebuild(["production"])
            rebuild_s = time.perf_counter() - start
        print(
            f"erp check {check_s:.2f} s; rebuild production {rebuild_s:.1f} s ({replayed:,} events)"
        )
        middle = wo_number(args.n // 2)
        latency = {
            "cost_sheet(WO)": median_ms(lambda: erp.query(cost_sheet, middle), 15),
            "work_orders()": median_ms(lambda: erp.query(work_orders), 3),
            "wip_as_of(30 June)": median_ms(lambda: erp.query(wip_as_of, dt.date(YEAR, 6, 30)), 5),
            "production_yield(year)": median_ms(lambda: erp.query(production_yield), 5),
        }
        for name, ms in latency.items():
            print(f"{name}: {ms:.1f} ms (median)")
        erp.close()
    info = machine()
    stamp = dt.date.today().isoformat()
    section = "\n".join(
        [
            SECTION,
            "",
            f"Measured {stamp} with `{command}` (seed {args.seed}, batch size "
            f"{args.batch_size}) on {info.get('cpu', '?')}, {info.get('nproc', '?')} cores "
            f"(shared with other jobs: load average {os.getloadavg()[0]:.1f} at the end), "
            f"{code_version()}, SQLite.",
            "",
            f"{args.n:,} work orders, each created, released, issued (2 to 4 components from FIFO "
            "and moving-average bins), reported (1 or 2 operations), received in full at actual "
            f"cost and closed: {len(actions):,} actions.",
            "",
            "| step | figure |",
            "| --- | --- |",
            "| production plan (20 made items, 30 bought, netted against stock) | "
            f"{plan_s:.2f} s |",
            f"| apply_many with projections | {apply_s:.1f} s: **{args.n / apply_s:,.0f} work "
            f"orders/s**, {len(actions) / apply_s:,.0f} actions/s, {events / apply_s:,.0f} "
            f"events/s ({events:,} events) |",
            "| `erp check` (WIP = work orders, value in = value out, inventory = stock "
            f"ledger, ...) | {check_s:.2f} s, {'all OK' if not bad else 'FAILED'} |",
            f"| rebuild the production projection | {rebuild_s:.1f} s ({replayed:,} events) |"
            if replayed
            else "| rebuild the production projection | not run (`--no-rebuild`) |",
            *[f"| {name} | {ms:.1f} ms (median) |" for name, ms in latency.items()],
        ]
    )
    if not args.no_doc:
        write_doc(ROOT / "docs" / "performance.md", section)
        print("wrote", SECTION)
    if bad:
        raise SystemExit("erp check failed: " + "; ".join(bad))


if __name__ == "__main__":
    main()
