"""Inventory benchmark: stock movements applied, stock ledger rebuilt, stock reports, memory.

Generates N stock movements deterministically (``random.Random(seed)``) over 1,000 items (half
FIFO, half moving average) and 5 warehouses, dated in order across fiscal year 2026: mostly
receipts (``receive_stock``) and material issues (``issue_material``), some transfers
(``transfer_stock``); one line per action, so one movement is one action (a transfer writes two
stock-ledger rows, out of one bin and into another). Issues and transfers take only what is on
hand: the generator keeps its own on-hand count per bin. Then, on SQLite:

1. bulk apply ``Erp.apply_many`` in batches with projections kept up to date;
2. the same store-only (``Erp.open(..., project=False)``), then the projection catch-up apart;
3. stock-ledger rebuild ``erp.rebuild(["stock"])`` and the full ``erp.rebuild()``, each in a
   fresh process (movements/s, stock-ledger rows/s, log events/s);
4. report latency: ``erp.stock_balance(date)`` and ``erp.stock_ledger(item)`` (median ms);
5. peak memory (VmHWM) of a stock rebuild in a fresh subprocess at N/4, N/2 and N movements;
6. ``erp.check()`` on the books at the end (every check must be OK, else exit status 1).

Every figure is printed and the section ``## Inventory (bench/bench_inventory.py)`` of
``docs/performance.md`` is (re)written; other sections of that file are kept. Nothing is written
if a check fails (exit status 1) or if the checkout's code changed during the run (exit status 2).

    .venv/bin/python bench/bench_inventory.py                 # N = 100,000
    .venv/bin/python bench/bench_inventory.py --n 5000        # quick
    .venv/bin/python bench/bench_inventory.py --n 20000 --profile   # cProfile only
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import json
import os
import random
import shlex
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench_ledger import (
    DOC_HEADER,
    check_outcomes,
    code_version,
    fmt_rate,
    log,
    machine,
    median_ms,
    print_profile,
    proc_status_kb,
    sqlite_copy,
    sqlite_url,
    timer,
)

from erp_core import Erp
from erp_core.inventory.commands import (
    IssueMaterial,
    ReceiveStock,
    RegisterItem,
    RegisterWarehouse,
    TransferStock,
)
from erp_core.kernel.commands import Action

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## Inventory (bench/bench_inventory.py)"
YEAR = 2026
YEAR_START = dt.date(YEAR, 1, 1)
YEAR_END = dt.date(YEAR, 12, 31)
MID_YEAR = dt.date(YEAR, 6, 30)
N_ITEMS = 1000
WAREHOUSES: tuple[str, ...] = ("WH-NORTH", "WH-SOUTH", "WH-EAST", "WH-WEST", "WH-CENTRAL")
RECEIPT_ACCOUNT = "1120"  # Bank: receipts paid on delivery, credited against inventory
MIX = {"receipt": 0.47, "issue": 0.43, "transfer": 0.10}  # wanted shares of the actions
REQUESTERS = ("Ada", "Brook", "Chen", "Dara", "Eli", "Femi", "Gus", "Hana")
PURPOSES = ("maintenance", "production run", "repairs", "samples", "site work", "spares")
MILLI = Decimal("0.001")


# --- data ------------------------------------------------------------------------------------


def item_code(i: int) -> str:
    return f"ITEM-{i:04d}"


def item_valuation(i: int) -> str:
    return "fifo" if i % 2 == 0 else "moving_average"


def item_uom(i: int) -> str:
    """One item in ten is counted in kg (quantities with up to 3 decimals), the rest in pcs."""
    return "kg" if i % 10 == 3 else "pcs"


def setup_actions() -> list[Action]:
    items: list[Action] = [
        RegisterItem(
            code=item_code(i),
            name=f"Bench item {i}",
            uom=item_uom(i),
            valuation=item_valuation(i),
        )
        for i in range(N_ITEMS)
    ]
    houses: list[Action] = [RegisterWarehouse(code=w, name=w.title()) for w in WAREHOUSES]
    return items + houses


def setup_company(erp: Erp) -> None:
    erp.init("Bench Co", "EUR", YEAR_START)
    check_outcomes(erp.apply_many(setup_actions()))


class StockedBins:
    """The bins holding stock, for O(1) random choice, add and remove."""

    def __init__(self) -> None:
        self.keys: list[tuple[int, int]] = []
        self.index: dict[tuple[int, int], int] = {}

    def __len__(self) -> int:
        return len(self.keys)

    def add(self, key: tuple[int, int]) -> None:
        if key not in self.index:
            self.index[key] = len(self.keys)
            self.keys.append(key)

    def remove(self, key: tuple[int, int]) -> None:
        i = self.index.pop(key)
        last = self.keys.pop()
        if last != key:
            self.keys[i] = last
            self.index[last] = i

    def choice(self, rng: random.Random) -> tuple[int, int]:
        key: tuple[int, int] = self.keys[rng.randrange(len(self.keys))]
        return key


def _qty(milli: int) -> Decimal:
    """Thousandths as a Decimal without trailing zeros (12000 -> 12, 1500 -> 1.5)."""
    d = Decimal(milli) * MILLI
    return d.quantize(Decimal(1)) if d == d.to_integral_value() else d.normalize()


def make_movements(n: int, seed: int) -> list[Action]:
    """N one-line stock actions, dated in order over the fiscal year, never issuing more than
    is on hand (the generator keeps its own count per bin, in thousandths of a unit)."""
    import random

    rng = random.Random(seed)
    days = sorted(rng.randrange(365) for _ in range(n))
    # a base unit cost per item, in ten-thousandths of a euro (0.05 to 500.00)
    base_cost = [rng.randint(500, 10 ** rng.randint(4, 6) * 5) for _ in range(N_ITEMS)]
    on_hand: dict[tuple[int, int], int] = {}
    stocked = StockedBins()
    out: list[Action] = []
    for k, day in enumerate(days):
        date = YEAR_START + dt.timedelta(days=day)
        roll = rng.random()
        kind = (
            "receipt"
            if roll < MIX["receipt"] or not stocked
            else ("issue" if roll < MIX["receipt"] + MIX["issue"] else "transfer")
        )
        if kind == "receipt":
            i, w = rng.randrange(N_ITEMS), rng.randrange(len(WAREHOUSES))
            kg = item_uom(i) == "kg"
            milli = rng.randint(500, 250_000) if kg else rng.randint(1, 200) * 1000
            cost = Decimal(base_cost[i] * rng.randint(90, 110) // 100) * Decimal("0.0001")
            out.append(
                ReceiveStock.model_validate(
                    {
                        "date": date,
                        "account": RECEIPT_ACCOUNT,
                        "memo": f"Bench receipt {k + 1}",
                        "lines": [
                            {
                                "item": item_code(i),
                                "warehouse": WAREHOUSES[w],
                                "quantity": _qty(milli),
                                "unit_cost": cost.normalize(),
                            }
                        ],
                    }
                )
            )
            key = (i, w)
            on_hand[key] = on_hand.get(key, 0) + milli
            stocked.add(key)
            continue
        key = stocked.choice(rng)
        i, w = key
        have = on_hand[key]
        if rng.random() < 0.05:
            milli = have  # empty the bin now and then
        else:
            milli = max(1, int(have * rng.uniform(0.02, 0.6)))
            if item_uom(i) == "pcs":
                milli = max(1000, milli // 1000 * 1000)
            milli = min(milli, have)
        if kind == "issue":
            out.append(
                IssueMaterial.model_validate(
                    {
                        "date": date,
                        "requester": rng.choice(REQUESTERS),
                        "purpose": rng.choice(PURPOSES),
                        "lines": [
                            {
                                "item": item_code(i),
                                "warehouse": WAREHOUSES[w],
                                "quantity": _qty(milli),
                            }
                        ],
                    }
                )
            )
        else:
            to = rng.choice([x for x in range(len(WAREHOUSES)) if x != w])
            out.append(
                TransferStock.model_validate(
                    {
                        "date": date,
                        "from_warehouse": WAREHOUSES[w],
                        "to_warehouse": WAREHOUSES[to],
                        "lines": [{"item": item_code(i), "quantity": _qty(milli)}],
                    }
                )
            )
            dest = (i, to)
            on_hand[dest] = on_hand.get(dest, 0) + milli
            stocked.add(dest)
        on_hand[key] = have - milli
        if on_hand[key] == 0:
            stocked.remove(key)
    return out


def ledger_rows(actions: Sequence[Action]) -> int:
    """Stock-ledger rows the actions write: one per movement, two per transfer (no back-dated
    movement, so no cost adjustment rows)."""
    return sum(2 if isinstance(a, TransferStock) else 1 for a in actions)


def kinds(actions: Sequence[Action]) -> Counter[str]:
    return Counter(a.action for a in actions)


def busiest_item(actions: Sequence[Action]) -> tuple[str, int]:
    count: Counter[str] = Counter()
    for a in actions:
        for line in a.lines:
            count[line.item] += 1
    item, moves = sorted(count.items(), key=lambda kv: (-kv[1], kv[0]))[0]
    return item, moves


# --- measurements ----------------------------------------------------------------------------


@dataclass
class Bulk:
    seconds: float
    movements: int
    events: int

    @property
    def rate(self) -> float:
        return self.movements / self.seconds

    @property
    def events_rate(self) -> float:
        return self.events / self.seconds


@dataclass
class Results:
    n: int
    seed: int
    batch_size: int
    rows: int
    mix: dict[str, int]
    full: Bulk | None = None
    store: Bulk | None = None
    catch_up_seconds: float = 0.0
    catch_up_events: int = 0
    rebuild_stock: dict[str, Any] = field(default_factory=dict)
    rebuild_all: dict[str, Any] = field(default_factory=dict)
    reports: dict[str, float] = field(default_factory=dict)
    report_rows: dict[str, int] = field(default_factory=dict)
    memory: list[dict[str, Any]] = field(default_factory=list)
    checks: list[tuple[str, bool]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    db_bytes: int = 0
    log_events: int = 0


def stock_rows(erp: Erp) -> int:
    with erp.reader.connect() as conn:
        count: int = conn.exec_driver_sql("SELECT count(*) FROM stock_movements").scalar_one()
    return count


def bulk_full(
    url: str,
    actions: Sequence[Action],
    batch_size: int,
    snapshots: Sequence[tuple[int, Path]],
    sqlite_file: Path,
) -> Bulk:
    """Apply with projections; copy the database after each prefix in `snapshots` (untimed)."""
    with Erp.open(url, actor="bench") as erp:
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
            if path is not None:
                sqlite_copy(sqlite_file, path)
        events = erp.store.last_position() - head
        lag = max(s.lag for s in erp.projection_status())
        if lag:
            raise SystemExit(f"projections lag by {lag} after apply_many")
    return Bulk(seconds, len(actions), events)


def bulk_store_only(
    url: str, actions: Sequence[Action], batch_size: int
) -> tuple[Bulk, float, int]:
    with Erp.open(url, actor="bench", project=False) as erp:
        setup_company(erp)
        erp.catch_up()  # the set-up is not part of the figure
        head = erp.store.last_position()
        with timer() as t:
            outcomes = erp.apply_many(actions, batch_size=batch_size)
        check_outcomes(outcomes)
        events = erp.store.last_position() - head
        with timer() as c:
            read = erp.catch_up()
    return Bulk(t[0], len(actions), events), c[0], read


def report_latency(
    url: str, item: str, runs: int
) -> tuple[dict[str, float], dict[str, int], dict[str, Any]]:
    """Median ms of the stock reports; also their row counts and the year-end balance."""
    with Erp.open(url, actor="bench") as erp:
        balance = erp.stock_balance(YEAR_END)
        mid = erp.stock_balance(MID_YEAR)
        ledger = erp.stock_ledger(item)
        first_wh = ledger[0].warehouse
        one_bin = erp.stock_ledger(item, first_wh)
        figures = {
            f"stock_balance({YEAR_END})": median_ms(lambda: erp.stock_balance(YEAR_END), runs),
            f"stock_balance({MID_YEAR})": median_ms(lambda: erp.stock_balance(MID_YEAR), runs),
            f'stock_ledger("{item}")': median_ms(lambda: erp.stock_ledger(item), runs),
            f'stock_ledger("{item}", "{first_wh}")': median_ms(
                lambda: erp.stock_ledger(item, first_wh), runs
            ),
        }
        rows = {
            f"stock_balance({YEAR_END})": len(balance.rows),
            f"stock_balance({MID_YEAR})": len(mid.rows),
            f'stock_ledger("{item}")': len(ledger),
            f'stock_ledger("{item}", "{first_wh}")': len(one_bin),
        }
    return figures, rows, balance.model_dump()


def rebuild_child(path: Path, which: str, use_tracemalloc: bool) -> dict[str, Any]:
    """Run a rebuild ("stock" or "all") in a fresh interpreter; return its figures."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--rebuild-child", str(path)]
    cmd += ["--child-which", which]
    if use_tracemalloc:
        cmd.append("--child-tracemalloc")
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"rebuild child failed ({done.returncode}):\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def child_main(path: str, which: str, use_tracemalloc: bool) -> None:
    erp = Erp.open(sqlite_url(Path(path)), actor="bench")
    before = proc_status_kb("VmRSS")
    if use_tracemalloc:
        tracemalloc.start()
    start = time.perf_counter()
    events = erp.rebuild(["stock"] if which == "stock" else None)
    seconds = time.perf_counter() - start
    peak_traced = tracemalloc.get_traced_memory()[1] if use_tracemalloc else None
    if use_tracemalloc:
        tracemalloc.stop()
    rows = stock_rows(erp)
    balance = erp.stock_balance(YEAR_END).model_dump(mode="json")
    erp.close()
    print(
        json.dumps(
            {
                "which": which,
                "rows": rows,
                "events": events,
                "seconds": seconds,
                "rss_before_kb": before,
                # VmHWM, not ru_maxrss: ru_maxrss survives fork+exec on Linux (see
                # bench_ledger.child_main)
                "peak_rss_kb": proc_status_kb("VmHWM"),
                "tracemalloc_peak_kb": None if peak_traced is None else peak_traced // 1024,
                "balance": balance,
            }
        )
    )


def same_balance(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Two stock balances (model_dump, python or json mode) are equal."""
    return json.dumps(a, default=str, sort_keys=True) == json.dumps(b, default=str, sort_keys=True)


# --- main run --------------------------------------------------------------------------------


def run(args: argparse.Namespace, workdir: Path) -> Results:
    n = args.n
    log(f"generating {n:,} stock movements (seed {args.seed}) ...")
    with timer() as t:
        actions = make_movements(n, args.seed)
    mix = dict(kinds(actions))
    rows = ledger_rows(actions)
    log(f"  {mix}; {rows:,} stock-ledger rows; built in {t[0]:.1f} s")
    r = Results(n=n, seed=args.seed, batch_size=args.batch_size, rows=rows, mix=mix)

    # 1. bulk apply with projections (+ untimed copies of the N/4 and N/2 prefixes)
    full_db = workdir / "full.sqlite"
    quarter, half = workdir / "quarter.sqlite", workdir / "half.sqlite"
    log("SQLite: bulk apply + projections ...")
    r.full = bulk_full(
        sqlite_url(full_db), actions, args.batch_size,
        snapshots=[(n // 4, quarter), (n // 2, half)], sqlite_file=full_db,
    )  # fmt: skip
    log(
        f"  {fmt_rate(r.full.rate)} movements/s ({r.full.seconds:.1f} s, {r.full.events:,} "
        f"events, {fmt_rate(r.full.events_rate)} events/s)"
    )

    # 2. store only, then catch-up
    store_db = workdir / "store.sqlite"
    log("SQLite: bulk apply, store only, then catch-up ...")
    r.store, r.catch_up_seconds, r.catch_up_events = bulk_store_only(
        sqlite_url(store_db), actions, args.batch_size
    )
    log(
        f"  store only {fmt_rate(r.store.rate)} movements/s ({r.store.seconds:.1f} s); "
        f"catch-up {r.catch_up_seconds:.1f} s "
        f"({fmt_rate(r.catch_up_events / r.catch_up_seconds)} events/s); overall "
        f"{fmt_rate(n / (r.store.seconds + r.catch_up_seconds))} movements/s"
    )

    # 3. report latency on the live projections
    item, moves = busiest_item(actions)
    log(
        f"reports ({args.report_runs} runs each, median; ledger item {item}, {moves} movements) ..."
    )
    r.reports, r.report_rows, live_balance = report_latency(
        sqlite_url(full_db), item, args.report_runs
    )
    for name, ms in r.reports.items():
        log(f"  {name}: {ms:.2f} ms ({r.report_rows[name]:,} rows)")
    with Erp.open(sqlite_url(full_db), actor="bench") as erp:
        live_rows = stock_rows(erp)
        r.log_events = erp.store.last_position()
    if live_rows != rows:
        raise SystemExit(f"the stock ledger holds {live_rows} rows, expected {rows}")
    with Erp.open(sqlite_url(store_db), actor="bench") as erp:
        if not same_balance(erp.stock_balance(YEAR_END).model_dump(), live_balance):
            raise SystemExit("store only + catch-up gives a different stock balance")
    r.notes.append(
        f"the stock ledger holds the expected {rows:,} rows; store only + catch-up gives the "
        "same year-end stock balance as apply + projections"
    )
    r.db_bytes = full_db.stat().st_size

    # 4 and 5. stock rebuild in fresh subprocesses at N/4, N/2, N (memory; N also throughput)
    prefixes = [(quarter, n // 4), (half, n // 2), (full_db, n)]
    for path, upto in prefixes:
        log(f"stock rebuild in a subprocess: {path.name} ({upto:,} movements) ...")
        m = rebuild_child(path, "stock", use_tracemalloc=False)
        if m["rows"] != ledger_rows(actions[:upto]):
            raise SystemExit(f"stock rebuild gave {m['rows']} rows on {path.name}")
        if args.tracemalloc:
            m["tracemalloc_peak_kb"] = rebuild_child(path, "stock", True)["tracemalloc_peak_kb"]
        m["movements"] = upto
        r.memory.append(m)
        log(
            f"  {m['seconds']:.1f} s ({fmt_rate(upto / m['seconds'])} movements/s, "
            f"{fmt_rate(m['events'] / m['seconds'])} events/s), RSS before "
            f"{m['rss_before_kb'] / 1024:.0f} MiB, peak {m['peak_rss_kb'] / 1024:.0f} MiB"
            + (
                f", tracemalloc peak {m['tracemalloc_peak_kb'] / 1024:.1f} MiB"
                if m.get("tracemalloc_peak_kb") is not None
                else ""
            )
        )
    r.rebuild_stock = r.memory[-1]
    if not same_balance(r.rebuild_stock["balance"], json_balance(live_balance)):
        raise SystemExit("the rebuilt stock ledger differs from the live one")
    log("full rebuild (every projection) in a subprocess ...")
    r.rebuild_all = rebuild_child(full_db, "all", use_tracemalloc=False)
    ra = r.rebuild_all
    if ra["rows"] != rows or not same_balance(ra["balance"], json_balance(live_balance)):
        raise SystemExit("the fully rebuilt stock ledger differs from the live one")
    log(
        f"  {ra['seconds']:.1f} s ({fmt_rate(n / ra['seconds'])} movements/s, "
        f"{fmt_rate(ra['events'] / ra['seconds'])} events/s), peak {ra['peak_rss_kb'] / 1024:.0f} "
        "MiB"
    )
    r.notes.append(
        "each rebuild at N gave the same year-end stock balance as the live projections, and each "
        "stock rebuild the expected number of stock-ledger rows"
    )

    # 6. reconciliation checks on both databases
    for label, path in (("apply + projections", full_db), ("store only + catch-up", store_db)):
        with Erp.open(sqlite_url(path), actor="bench") as erp:
            for c in erp.check():
                log(f"check ({label}): {c.message}")
                r.checks.append((f"{label}: {c.message}", c.ok))
    return r


def json_balance(balance: dict[str, Any]) -> dict[str, Any]:
    """A python-mode model_dump as the child's json-mode one."""
    out: dict[str, Any] = json.loads(json.dumps(balance, default=str))
    return out


# --- profiling -------------------------------------------------------------------------------


def profile_main(args: argparse.Namespace, workdir: Path) -> None:
    """cProfile bulk apply (with projections) and the stock rebuild; print the top functions."""
    actions = make_movements(args.n, args.seed)
    with Erp.open(sqlite_url(workdir / "profile.sqlite"), actor="bench") as erp:
        setup_company(erp)
        prof = cProfile.Profile()
        prof.enable()
        outcomes = erp.apply_many(actions, batch_size=args.batch_size)
        prof.disable()
        check_outcomes(outcomes)
        print_profile(f"bulk apply + projections, N={args.n}", prof, args.profile_top)
        prof = cProfile.Profile()
        prof.enable()
        erp.rebuild(["stock"])
        prof.disable()
        print_profile(f'rebuild(["stock"]), N={args.n}', prof, args.profile_top)


# --- output ----------------------------------------------------------------------------------


def memory_growth(memory: Sequence[dict[str, Any]]) -> str:
    if len(memory) < 2:
        return "not measured"
    small, large = memory[0], memory[-1]
    d_small = (small["peak_rss_kb"] - small["rss_before_kb"]) / 1024
    d_large = (large["peak_rss_kb"] - large["rss_before_kb"]) / 1024
    ratio = large["movements"] / small["movements"]
    grows = d_large > max(d_small * 1.10, d_small + 8)
    text = (
        f"on a {ratio:.0f}x longer log the rebuild's own share of RSS goes "
        f"{d_small:.0f} → {d_large:.0f} MiB"
    )
    t_small, t_large = small.get("tracemalloc_peak_kb"), large.get("tracemalloc_peak_kb")
    if t_small is not None and t_large is not None:
        grows = grows or t_large / 1024 > max(t_small / 1024 * 1.10, t_small / 1024 + 2)
        text += f" and its tracemalloc peak {t_small / 1024:.1f} → {t_large / 1024:.1f} MiB"
    verdict = "it grows with the log" if grows else "it does not grow with the log"
    return (
        f"{text}: {verdict} (counted as growing if more than 10% (or 8 MiB RSS / 2 MiB traced) "
        "above the smallest log's)"
    )


def build_section(r: Results, command: str, info: dict[str, str], stamp: str) -> str:
    assert r.full is not None and r.store is not None
    out: list[str] = [SECTION, ""]
    out.append(
        f"Measured {stamp} with `{command}` (seed {r.seed}, apply_many batch size {r.batch_size})."
    )
    out.append("")
    mix = ", ".join(f"{v:,} `{k}`" for k, v in sorted(r.mix.items()))
    out.append(
        f"Workload: {r.n:,} stock movements ({mix}), one line each, generated with "
        f"`random.Random(seed)` and dated in order over fiscal year {YEAR}, on {N_ITEMS:,} items "
        f"(half FIFO, half moving average; one in ten counted in kg with fractional quantities) "
        f"and {len(WAREHOUSES)} warehouses. Issues and transfers take only what is on hand (the "
        "generator keeps its own count per bin; about 5% of them empty the bin); receipts are "
        f"credited to account {RECEIPT_ACCOUNT}. A transfer writes two stock-ledger rows, so the "
        f"stock ledger holds {r.rows:,} rows; nothing is back-dated, so there are no cost "
        f"adjustments. The log holds {r.log_events:,} events at the end (set-up included). "
        "Actions are built as models before any timing. Company set up with "
        f'`erp.init("Bench Co", "EUR", date({YEAR}, 1, 1))`, then {N_ITEMS:,} `register_item` '
        f"and {len(WAREHOUSES)} `register_warehouse` (not timed)."
    )
    out.append("")
    out.append(f"Code: {info['code']}.")
    out.append("")
    out.append(
        f"Machine: {info['nproc']} CPUs ({info['cpu']}), {info['memory']} RAM, {info['os']}; "
        f"Python {info['python']}, SQLite {info['sqlite']}; {info['packages']}. "
        f"Machine load: {info['load']}."
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
        "- *bulk apply + projections*: `Erp.open(url).apply_many(movements, batch_size=...)` on "
        "a fresh SQLite database; each batch is one atomic save (stock bins, vouchers, document "
        "numbers) followed by a projection catch-up."
    )
    out.append(
        "- *store only*: the same with `Erp.open(url, project=False)`; *catch-up* is the "
        "following `erp.catch_up()` over the whole log, timed apart."
    )
    out.append(
        '- *rebuild*: `erp.rebuild(["stock"])` (drop the stock projection, replay the log into '
        "it) and `erp.rebuild()` (every projection), each in a fresh process on the database "
        "holding the N movements; each is checked to give the live year-end stock balance. "
        "Movements/s is N over the rebuild's time; events/s counts every log event read."
    )
    out.append(
        "- *reports*: median of several calls after one warm-up, on the live projections; the "
        "stock ledger is shown for the item with the most movements."
    )
    out.append(
        '- *stock rebuild memory*: `erp.rebuild(["stock"])` in a fresh subprocess on databases '
        "holding N/4, N/2 and N movements (prefixes of the same log, copied during the bulk "
        "apply); peak RSS is the process's high-water mark `VmHWM` (imports included), shown "
        "with the RSS before the rebuild so the rebuild's own share is visible"
        + (
            "; the tracemalloc peak (Python allocations during the rebuild) comes from a "
            "second run."
            if any(m.get("tracemalloc_peak_kb") is not None for m in r.memory)
            else "."
        )
    )
    out.append("")

    out.append("### Throughput (SQLite)")
    out.append("")
    out.append("| measurement | figure |")
    out.append("| --- | --- |")
    out.append(
        f"| bulk apply + projections | {fmt_rate(r.full.rate)} movements/s "
        f"({r.full.seconds:.1f} s; {fmt_rate(r.full.events_rate)} events/s) |"
    )
    out.append(
        f"| bulk apply, store only | {fmt_rate(r.store.rate)} movements/s "
        f"({r.store.seconds:.1f} s; {fmt_rate(r.store.events_rate)} events/s) |"
    )
    out.append(
        f"| projection catch-up after store only | {r.catch_up_seconds:.1f} s "
        f"({fmt_rate(r.catch_up_events / r.catch_up_seconds)} events/s) |"
    )
    out.append(
        f"| store only + catch-up, overall | "
        f"{fmt_rate(r.n / (r.store.seconds + r.catch_up_seconds))} movements/s |"
    )
    rs, ra = r.rebuild_stock, r.rebuild_all
    out.append(
        f'| `erp.rebuild(["stock"])`, fresh process | {rs["seconds"]:.1f} s: '
        f"{fmt_rate(r.n / rs['seconds'])} movements/s, {fmt_rate(rs['rows'] / rs['seconds'])} "
        f"stock-ledger rows/s, {fmt_rate(rs['events'] / rs['seconds'])} log events/s |"
    )
    out.append(
        f"| `erp.rebuild()` (every projection), fresh process | {ra['seconds']:.1f} s: "
        f"{fmt_rate(r.n / ra['seconds'])} movements/s, "
        f"{fmt_rate(ra['events'] / ra['seconds'])} log events/s; peak RSS "
        f"{ra['peak_rss_kb'] / 1024:.0f} MiB |"
    )
    out.append(f"| database file size | {r.db_bytes / 1024 / 1024:.0f} MiB |")
    out.append("")

    out.append("### Report latency (SQLite, live projections)")
    out.append("")
    out.append("| report | rows | median |")
    out.append("| --- | --- | --- |")
    for name, ms in r.reports.items():
        out.append(f"| `erp.{name}` | {r.report_rows[name]:,} | {ms:.1f} ms |")
    out.append("")

    out.append("### Stock rebuild memory (fresh subprocess per size)")
    out.append("")
    has_tm = any(m.get("tracemalloc_peak_kb") is not None for m in r.memory)
    head = "| movements | stock-ledger rows | rebuild | RSS before | peak RSS (VmHWM) | growth |"
    sep = "| --- | --- | --- | --- | --- | --- |"
    if has_tm:
        head += " tracemalloc peak |"
        sep += " --- |"
    out.append(head)
    out.append(sep)
    for m in r.memory:
        row = (
            f"| {m['movements']:,} | {m['rows']:,} | {m['seconds']:.1f} s | "
            f"{m['rss_before_kb'] / 1024:.0f} MiB | {m['peak_rss_kb'] / 1024:.0f} MiB | "
            f"{(m['peak_rss_kb'] - m['rss_before_kb']) / 1024:.0f} MiB |"
        )
        if has_tm:
            tm = m.get("tracemalloc_peak_kb")
            row += f" {tm / 1024:.1f} MiB |" if tm is not None else " |"
        out.append(row)
    out.append("")
    out.append(f"Growth: {memory_growth(r.memory)}.")
    out.append("")

    out.append("### Checks")
    out.append("")
    out.append("`erp.check()` at the end of the run:")
    out.append("")
    for message, ok in r.checks:
        out.append(f"- {'OK' if ok else 'FAILED'}: {message}")
    out.append("")
    if r.notes:
        out.append("Also checked during the run: " + "; ".join(r.notes) + ".")
        out.append("")
    return "\n".join(out)


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


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--n", type=int, default=100_000, help="stock movements (default 100000)")
    p.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    p.add_argument("--batch-size", type=int, default=500, help="apply_many batch size (500)")
    p.add_argument("--report-runs", type=int, default=9, help="runs per report (median)")
    p.add_argument(
        "--out", type=Path, default=ROOT / "docs" / "performance.md",
        help="markdown file whose inventory section is (re)written; '-' writes none",
    )  # fmt: skip
    p.add_argument("--workdir", type=Path, help="keep the databases here (default: a temp dir)")
    p.add_argument(
        "--no-tracemalloc", dest="tracemalloc", action="store_false",
        help="skip the second stock rebuild per size that measures the tracemalloc peak",
    )  # fmt: skip
    p.add_argument(
        "--profile", action="store_true",
        help="only cProfile bulk apply and the stock rebuild at --n; print the top functions",
    )  # fmt: skip
    p.add_argument("--profile-top", type=int, default=30, help=argparse.SUPPRESS)
    p.add_argument("--rebuild-child", help=argparse.SUPPRESS)
    p.add_argument("--child-which", default="stock", help=argparse.SUPPRESS)
    p.add_argument("--child-tracemalloc", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.n < 8:
        p.error("--n must be at least 8")
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    if args.rebuild_child:
        child_main(args.rebuild_child, args.child_which, args.child_tracemalloc)
        return
    command = shlex.join([".venv/bin/python", "bench/bench_inventory.py", *sys.argv[1:]])
    with tempfile.TemporaryDirectory(prefix="bench_inventory_") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        for stale in workdir.glob("*.sqlite*"):
            stale.unlink()
        if args.profile:
            profile_main(args, workdir)
            return
        started = time.perf_counter()
        code_before = code_version()
        load_before = os.getloadavg()[0]
        r = run(args, workdir)
        seconds = time.perf_counter() - started
        log(f"total benchmark time {seconds:.0f} s")
    info = machine()
    info["load"] = (
        f"load average (1 min) {load_before:.2f} at the start and {os.getloadavg()[0]:.2f} at "
        f"the end of the {seconds:.0f} s run (this run itself keeps about one CPU busy)"
    )
    code_changed = info["code"] != code_before
    if code_changed:
        # the checkout changed under the run: the figures belong to no one version
        log(f"warning: the code changed during the run ({code_before} -> {info['code']})")
        info["code"] = f"changed during the run, from {code_before} to {info['code']}"
    failed = [message for message, ok in r.checks if not ok]
    section = build_section(r, command, info, dt.datetime.now().strftime("%Y-%m-%d"))
    print()
    print(section)
    if failed:
        log(f"{len(failed)} check(s) failed; {args.out} not written")
        raise SystemExit(1)
    if code_changed:
        log(f"the code changed during the run; {args.out} not written (run again)")
        raise SystemExit(2)
    if str(args.out) != "-":
        write_doc(args.out, section)
        log(f"wrote {args.out}")


if __name__ == "__main__":
    main()
