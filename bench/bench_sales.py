"""Sales benchmark: the order-to-cash chain applied in bulk, receivables rebuilt, sales reports.

Generates N sales orders deterministically (``random.Random(seed)``) over 500 customers and 200
items (half FIFO, half moving average) in 2 warehouses, dated in order across fiscal year 2026.
Every order goes the whole way: ``create_sales_order`` (1 to 4 lines), ``confirm_sales_order``,
``deliver_sales_order`` (every line, in full), ``invoice_sales_order`` (all delivered) and
``receive_customer_payment`` (the invoice total, allocated to that invoice), so one order is five
actions. The actions of all orders are interleaved on one time line (by date, then by step) and
applied in that order; order numbers (``SO-2026-NNNNNN``) and invoice numbers (``SI-...``) are
issued in order, so the generator knows each invoice's number before the payment that settles it
(checked against what the core returns). Stock for every delivery is received on 1 January and
the credit limits are high enough, so nothing is refused. Then, on SQLite:

1. bulk apply ``Erp.apply_many`` in batches with projections kept up to date;
2. the same store-only (``Erp.open(..., project=False)``), then the projection catch-up apart;
3. ``erp.rebuild(["receivables"])`` and ``erp.rebuild()`` in a fresh process (events/s);
4. report latency: ``erp.receivables_aging(date)``, ``erp.margin("item" | "customer", ...)``
   and ``erp.customer_ledger(customer)`` (median ms), in a fresh process and in this one;
5. ``erp.check()`` on both databases (every check must be OK, else exit status 1).

Every figure is printed and the section ``## Sales (bench/bench_sales.py)`` of
``docs/performance.md`` is (re)written at the very end; other sections of that file are kept.

    .venv/bin/python bench/bench_sales.py                   # N = 50,000 orders
    .venv/bin/python bench/bench_sales.py --n 2000          # quick
    .venv/bin/python bench/bench_sales.py --n 5000 --profile   # cProfile only
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
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
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
    sqlite_url,
    timer,
)

from erp_core import Erp
from erp_core.inventory.commands import ReceiveStock, RegisterItem, RegisterWarehouse
from erp_core.kernel.commands import Action, ActionResult
from erp_core.kernel.errors import ErpError
from erp_core.sales.commands import (
    ConfigureSales,
    ConfirmSalesOrder,
    CreateSalesOrder,
    DeliverSalesOrder,
    InvoiceSalesOrder,
    ReceiveCustomerPayment,
    RegisterCustomer,
)

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## Sales (bench/bench_sales.py)"
YEAR = 2026
YEAR_START = dt.date(YEAR, 1, 1)
YEAR_END = dt.date(YEAR, 12, 31)
MID_YEAR = dt.date(YEAR, 6, 30)
N_CUSTOMERS = 500
N_ITEMS = 200
WAREHOUSES: tuple[str, ...] = ("WH-MAIN", "WH-EAST")
STOCK_ACCOUNT = "3100"  # opening stock brought in as share capital
STEPS = ("create", "confirm", "deliver", "invoice", "pay")
STEP_ACTIONS = {
    "create": "create_sales_order",
    "confirm": "confirm_sales_order",
    "deliver": "deliver_sales_order",
    "invoice": "invoice_sales_order",
    "pay": "receive_customer_payment",
}
TERMS = (14, 30, 30, 45, 60)
TAX_RATES = (Decimal("0.2"), Decimal("0.2"), Decimal("0.1"), Decimal("0"))
DISCOUNTS = (Decimal(0), Decimal(0), Decimal(0), Decimal("0.05"), Decimal("0.1"))
CENT = Decimal("0.01")
CREDIT_LIMIT = Decimal("50000000.00")  # far above any customer's exposure at any time


# --- data ------------------------------------------------------------------------------------


def item_code(i: int) -> str:
    return f"ITEM-{i:03d}"


def customer_code(i: int) -> str:
    return f"CUST-{i:03d}"


def doc(series: str, number: int) -> str:
    return f"{series}-{YEAR}-{number:06d}"


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Workload:
    setup: list[Action]  # master data and opening stock (not timed)
    actions: list[Action]  # the order-to-cash time line (timed)
    orders: list[str]  # SO numbers, in creation order
    invoices: dict[str, str]  # SO number -> SI number the generator expects
    lines: int  # order lines
    revenue: Decimal  # net invoiced
    received: Decimal  # paid by customers (= invoiced, tax included)
    stock_receipt_lines: int
    customers_used: int
    busiest_customer: str


def make_workload(n: int, seed: int, n_customers: int, n_items: int) -> Workload:
    rng = random.Random(seed)
    # a unit cost per item (0.50 to 400.00) and a list price with a 15% to 90% mark-up
    cost = [money(Decimal(rng.randint(50, 40_000)) / 100) for _ in range(n_items)]
    price = [money(c * Decimal(rng.randint(115, 190)) / 100) for c in cost]
    terms = [rng.choice(TERMS) for _ in range(n_customers)]
    # mildly skewed popularity: a few big customers and best-selling items
    cust_weights = [1 / (1 + i / 40) for i in range(n_customers)]
    item_weights = [1 / (1 + i / 25) for i in range(n_items)]
    cust_order = list(range(n_customers))
    item_order = list(range(n_items))
    rng.shuffle(cust_order)
    rng.shuffle(item_order)

    days = sorted(rng.randrange(365) for _ in range(n))
    needed: Counter[tuple[int, int]] = Counter()
    # (date, step rank, order index, step) for every action of every order
    timeline: list[tuple[dt.date, int, int, str]] = []
    creates: list[CreateSalesOrder] = []
    totals: list[Decimal] = []
    customers: list[int] = []
    pay_dates: list[dt.date] = []
    line_count = 0
    revenue = Decimal(0)
    for k, day in enumerate(days):
        date = YEAR_START + dt.timedelta(days=day)
        c = cust_order[rng.choices(range(n_customers), weights=cust_weights)[0]]
        picked: list[int] = []
        for _ in range(rng.choices((1, 2, 3, 4), weights=(40, 30, 20, 10))[0]):
            i = item_order[rng.choices(range(n_items), weights=item_weights)[0]]
            if i not in picked:
                picked.append(i)
        lines = []
        total = Decimal(0)
        for i in picked:
            qty = rng.randint(1, 20)
            w = rng.randrange(len(WAREHOUSES))
            discount = rng.choice(DISCOUNTS)
            tax_rate = rng.choice(TAX_RATES)
            net = money(qty * price[i] * (1 - discount))
            total += net + money(net * tax_rate)
            revenue += net
            needed[(i, w)] += qty
            lines.append(
                {
                    "item": item_code(i),
                    "quantity": Decimal(qty),
                    "price": price[i],
                    "discount": discount,
                    "tax_rate": tax_rate,
                    "warehouse": WAREHOUSES[w],
                }
            )
        line_count += len(lines)
        deliver = min(YEAR_END, date + dt.timedelta(days=rng.randint(0, 6)))
        invoice = min(YEAR_END, deliver + dt.timedelta(days=rng.choice((0, 0, 1, 2))))
        # most pay around their terms, some early, some late
        pay_after = max(0, terms[c] + rng.randint(-10, 25))
        pay = min(YEAR_END, invoice + dt.timedelta(days=pay_after))
        creates.append(
            CreateSalesOrder.model_validate(
                {
                    "date": date,
                    "customer": customer_code(c),
                    "delivery_date": deliver,
                    "lines": lines,
                }
            )
        )
        totals.append(total)
        customers.append(c)
        pay_dates.append(pay)
        for rank, (step, when) in enumerate(
            (("create", date), ("confirm", date), ("deliver", deliver), ("invoice", invoice))
        ):
            timeline.append((when, rank, k, step))
        timeline.append((pay, 4, k, "pay"))
    timeline.sort()

    # walk the time line in apply order: SO numbers follow creation, SI numbers invoicing
    orders = [doc("SO", k + 1) for k in range(n)]
    invoices: dict[str, str] = {}
    actions: list[Action] = []
    for _when, _rank, k, step in timeline:
        so = orders[k]
        if step == "create":
            actions.append(creates[k])
        elif step == "confirm":
            actions.append(ConfirmSalesOrder(document=so))
        elif step == "deliver":
            order = creates[k]
            actions.append(
                DeliverSalesOrder.model_validate(
                    {
                        "document": so,
                        "date": order.delivery_date,
                        "lines": [
                            {"line": j, "quantity": line.quantity}
                            for j, line in enumerate(order.lines, start=1)
                        ],
                    }
                )
            )
        elif step == "invoice":
            invoices[so] = doc("SI", len(invoices) + 1)
            actions.append(InvoiceSalesOrder(document=so, date=_when))
        else:
            actions.append(
                ReceiveCustomerPayment.model_validate(
                    {
                        "customer": customer_code(customers[k]),
                        "date": pay_dates[k],
                        "amount": totals[k],
                        "allocations": [{"invoice": invoices[so], "amount": totals[k]}],
                    }
                )
            )

    setup: list[Action] = [ConfigureSales(credit_approvers=["bench-credit"])]
    setup += [
        RegisterItem(
            code=item_code(i),
            name=f"Bench item {i}",
            uom="pcs",
            valuation="fifo" if i % 2 == 0 else "moving_average",
        )
        for i in range(n_items)
    ]
    setup += [RegisterWarehouse(code=w, name=w.title()) for w in WAREHOUSES]
    setup += [
        RegisterCustomer(
            code=customer_code(c),
            name=f"Bench customer {c}",
            payment_terms_days=terms[c],
            credit_level="A",
            credit_limit=CREDIT_LIMIT,
            effective=YEAR_START,
        )
        for c in range(n_customers)
    ]
    # opening stock on 1 January, in two cost layers per bin (the second 5% dearer), with a
    # margin over what the orders take; 50 lines per receipt
    receipt_lines: list[dict[str, Any]] = []
    for (i, w), qty in sorted(needed.items()):
        first = qty // 2 + 1
        second = qty - qty // 2 + max(5, qty // 10)
        for q, unit in ((first, cost[i]), (second, money(cost[i] * Decimal("1.05")))):
            receipt_lines.append(
                {"item": item_code(i), "warehouse": WAREHOUSES[w], "quantity": q, "unit_cost": unit}
            )
    for start in range(0, len(receipt_lines), 50):
        setup.append(
            ReceiveStock.model_validate(
                {
                    "date": YEAR_START,
                    "account": STOCK_ACCOUNT,
                    "memo": f"Opening stock {start // 50 + 1}",
                    "lines": receipt_lines[start : start + 50],
                }
            )
        )
    by_customer = Counter(customers)
    busiest = customer_code(sorted(by_customer.items(), key=lambda kv: (-kv[1], kv[0]))[0][0])
    return Workload(
        setup=setup,
        actions=actions,
        orders=orders,
        invoices=invoices,
        lines=line_count,
        revenue=revenue,
        received=sum(totals, Decimal(0)),
        stock_receipt_lines=len(receipt_lines),
        customers_used=len(by_customer),
        busiest_customer=busiest,
    )


def check_numbers(w: Workload, outcomes: Sequence[ActionResult | ErpError]) -> None:
    """Every action accepted, and the order and invoice numbers the ones the generator used."""
    check_outcomes(outcomes)
    created = [
        o.documents[0]
        for o in outcomes
        if isinstance(o, ActionResult) and o.action == "create_sales_order"
    ]
    if created != w.orders:
        raise SystemExit("sales order numbers differ from the generator's")
    invoiced = {
        a.document: o.documents[0]
        for a, o in zip(w.actions, outcomes, strict=True)
        if isinstance(a, InvoiceSalesOrder) and isinstance(o, ActionResult)
    }
    if invoiced != w.invoices:
        raise SystemExit("sales invoice numbers differ from the generator's")


def setup_company(erp: Erp, w: Workload) -> None:
    erp.init("Bench Co", "EUR", YEAR_START)
    check_outcomes(erp.apply_many(w.setup))


# --- measurements ----------------------------------------------------------------------------


@dataclass
class Bulk:
    seconds: float
    orders: int
    actions: int
    events: int

    @property
    def rate(self) -> float:
        return self.orders / self.seconds

    @property
    def actions_rate(self) -> float:
        return self.actions / self.seconds

    @property
    def events_rate(self) -> float:
        return self.events / self.seconds


@dataclass
class Results:
    n: int
    seed: int
    batch_size: int
    workload: dict[str, Any]
    full: Bulk | None = None
    store: Bulk | None = None
    catch_up_seconds: float = 0.0
    catch_up_events: int = 0
    rebuild_receivables: dict[str, Any] = field(default_factory=dict)
    rebuild_all: dict[str, Any] = field(default_factory=dict)
    reports: dict[str, float] = field(default_factory=dict)
    reports_in_process: dict[str, float] = field(default_factory=dict)
    report_rows: dict[str, int] = field(default_factory=dict)
    checks: list[tuple[str, bool]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    db_bytes: int = 0
    log_events: int = 0
    table_rows: dict[str, int] = field(default_factory=dict)


SALES_TABLES = (
    "sales_orders",
    "sales_order_lines",
    "sales_movements",
    "sales_invoices",
    "sales_billing",
    "customer_credits",
    "customer_allocations",
    "gl_lines",
)


def table_rows(erp: Erp) -> dict[str, int]:
    with erp.reader.connect() as conn:
        return {
            t: int(conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar_one())
            for t in SALES_TABLES
        }


def bulk_full(url: str, w: Workload, batch_size: int) -> Bulk:
    with Erp.open(url, actor="bench") as erp:
        setup_company(erp, w)
        head = erp.store.last_position()
        with timer() as t:
            outcomes = erp.apply_many(w.actions, batch_size=batch_size)
        check_numbers(w, outcomes)
        events = erp.store.last_position() - head
        lag = max(s.lag for s in erp.projection_status())
        if lag:
            raise SystemExit(f"projections lag by {lag} after apply_many")
    return Bulk(t[0], len(w.orders), len(w.actions), events)


def bulk_store_only(url: str, w: Workload, batch_size: int) -> tuple[Bulk, float, int]:
    with Erp.open(url, actor="bench", project=False) as erp:
        setup_company(erp, w)
        erp.catch_up()  # the set-up is not part of the figure
        head = erp.store.last_position()
        with timer() as t:
            outcomes = erp.apply_many(w.actions, batch_size=batch_size)
        check_numbers(w, outcomes)
        events = erp.store.last_position() - head
        with timer() as c:
            read = erp.catch_up()
    return Bulk(t[0], len(w.orders), len(w.actions), events), c[0], read


def report_fingerprint(erp: Erp) -> dict[str, Any]:
    """The sales reports a rebuild must reproduce, as JSON-ready dicts."""
    return {
        "aging_mid": erp.receivables_aging(MID_YEAR).model_dump(mode="json"),
        "aging_end": erp.receivables_aging(YEAR_END).model_dump(mode="json"),
        "margin_item": erp.margin("item", YEAR_START, YEAR_END).model_dump(mode="json"),
        "margin_customer": erp.margin("customer", YEAR_START, YEAR_END).model_dump(mode="json"),
        "trial_balance": erp.trial_balance().model_dump(mode="json"),
    }


def report_latency(
    url: str, customer: str, runs: int
) -> tuple[dict[str, float], dict[str, int], dict[str, Any]]:
    """Median ms of the sales reports; also their row counts and a fingerprint of them."""
    with Erp.open(url, actor="bench") as erp:
        calls = {
            f"receivables_aging({MID_YEAR})": lambda: erp.receivables_aging(MID_YEAR),
            f"receivables_aging({YEAR_END})": lambda: erp.receivables_aging(YEAR_END),
            f'margin("item", {YEAR_START}, {YEAR_END})': lambda: erp.margin(
                "item", YEAR_START, YEAR_END
            ),
            f'margin("customer", {YEAR_START}, {YEAR_END})': lambda: erp.margin(
                "customer", YEAR_START, YEAR_END
            ),
            f'customer_ledger("{customer}")': lambda: erp.customer_ledger(customer),
        }
        rows: dict[str, int] = {}
        for name, fn in calls.items():
            out: Any = fn()
            rows[name] = len(out) if isinstance(out, list) else len(out.rows)
        figures = {name: median_ms(fn, runs) for name, fn in calls.items()}
        fingerprint = report_fingerprint(erp)
    return figures, rows, fingerprint


def run_child(path: Path, which: str, *extra: str) -> dict[str, Any]:
    """Run a rebuild ("receivables" or "all") or the reports ("reports") in a fresh
    interpreter on the database at `path`; return its figures."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(path)]
    cmd += ["--child-which", which, *extra]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{which} child failed ({done.returncode}):\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def child_main(args: argparse.Namespace) -> None:
    url = sqlite_url(Path(args.child))
    if args.child_which == "reports":
        figures, rows, fingerprint = report_latency(url, args.child_customer, args.report_runs)
        print(json.dumps({"figures": figures, "rows": rows, "fingerprint": fingerprint}))
        return
    erp = Erp.open(url, actor="bench")
    before = proc_status_kb("VmRSS")
    start = time.perf_counter()
    events = erp.rebuild(["receivables"] if args.child_which == "receivables" else None)
    seconds = time.perf_counter() - start
    out = {
        "which": args.child_which,
        "events": events,
        "seconds": seconds,
        "rss_before_kb": before,
        "peak_rss_kb": proc_status_kb("VmHWM"),  # not ru_maxrss: see bench_ledger.child_main
        "rows": table_rows(erp),
        "fingerprint": report_fingerprint(erp),
    }
    erp.close()
    print(json.dumps(out))


# --- main run --------------------------------------------------------------------------------


def run(args: argparse.Namespace, workdir: Path) -> Results:
    n = args.n
    log(
        f"generating {n:,} orders over {args.customers} customers and {args.items} items "
        f"(seed {args.seed}) ..."
    )
    with timer() as t:
        w = make_workload(n, args.seed, args.customers, args.items)
    kinds = Counter(a.action for a in w.actions)
    log(
        f"  {len(w.actions):,} actions ({dict(kinds)}), {w.lines:,} order lines, "
        f"{len(w.setup):,} set-up actions; built in {t[0]:.1f} s"
    )
    r = Results(
        n=n,
        seed=args.seed,
        batch_size=args.batch_size,
        workload={
            "actions": len(w.actions),
            "lines": w.lines,
            "setup": len(w.setup),
            "stock_receipt_lines": w.stock_receipt_lines,
            "customers": args.customers,
            "customers_used": w.customers_used,
            "items": args.items,
            "revenue": w.revenue,
            "received": w.received,
        },
    )

    # 1. bulk apply with projections
    full_db = workdir / "full.sqlite"
    log("SQLite: bulk apply + projections ...")
    r.full = bulk_full(sqlite_url(full_db), w, args.batch_size)
    log(
        f"  {fmt_rate(r.full.rate)} orders/s, {fmt_rate(r.full.actions_rate)} actions/s "
        f"({r.full.seconds:.1f} s, {r.full.events:,} events, {fmt_rate(r.full.events_rate)} "
        "events/s)"
    )

    # 2. store only, then catch-up
    store_db = workdir / "store.sqlite"
    log("SQLite: bulk apply, store only, then catch-up ...")
    r.store, r.catch_up_seconds, r.catch_up_events = bulk_store_only(
        sqlite_url(store_db), w, args.batch_size
    )
    log(
        f"  store only {fmt_rate(r.store.rate)} orders/s, {fmt_rate(r.store.actions_rate)} "
        f"actions/s ({r.store.seconds:.1f} s); catch-up {r.catch_up_seconds:.1f} s "
        f"({fmt_rate(r.catch_up_events / r.catch_up_seconds)} events/s); overall "
        f"{fmt_rate(n / (r.store.seconds + r.catch_up_seconds))} orders/s"
    )

    # 3. report latency on the live projections: in a fresh process (as a user's report call
    # runs), then in this one, which holds the N orders' actions as models
    log(f"reports in a fresh process ({args.report_runs} runs each, median) ...")
    child = run_child(
        full_db, "reports", "--child-customer", w.busiest_customer,
        "--report-runs", str(args.report_runs),
    )  # fmt: skip
    r.reports, r.report_rows, live = child["figures"], child["rows"], child["fingerprint"]
    log(f"reports in this process ({args.report_runs} runs each, median) ...")
    r.reports_in_process, _, in_process = report_latency(
        sqlite_url(full_db), w.busiest_customer, args.report_runs
    )
    if in_process != live:
        raise SystemExit("the reports differ between a fresh process and this one")
    for name, ms in r.reports.items():
        log(
            f"  {name}: {ms:.2f} ms fresh, {r.reports_in_process[name]:.2f} ms in this process "
            f"({r.report_rows[name]:,} rows)"
        )
    with Erp.open(sqlite_url(full_db), actor="bench") as erp:
        r.table_rows = table_rows(erp)
        r.log_events = erp.store.last_position()
    with Erp.open(sqlite_url(store_db), actor="bench") as erp:
        if report_fingerprint(erp) != live:
            raise SystemExit("store only + catch-up gives different sales reports")
    expected = {
        "sales_orders": n,
        "sales_order_lines": w.lines,
        "sales_movements": w.lines,
        "sales_invoices": n,
        "sales_billing": w.lines,
        "customer_allocations": n,
    }
    wrong = {k: (r.table_rows[k], v) for k, v in expected.items() if r.table_rows[k] != v}
    if wrong:
        raise SystemExit(f"unexpected projection row counts (found, expected): {wrong}")
    end_total = Decimal(live["aging_end"]["total"])
    revenue = Decimal(live["margin_item"]["total"]["revenue"])
    if end_total != 0 or revenue != w.revenue:
        raise SystemExit(
            f"year-end receivables {end_total} (expected 0), revenue {revenue} "
            f"(expected {w.revenue})"
        )
    r.notes.append(
        "every action was accepted and the order and invoice numbers were the ones the "
        "generator predicted; projections had no lag after the bulk apply"
    )
    r.notes.append(
        f"the receivables projection holds one row per order, invoice and allocation and one "
        f"per order line in orders, deliveries and billing; revenue by the margin report equals "
        f"the generator's {w.revenue:,.2f} and the year-end receivables aging is 0.00"
    )
    r.notes.append(
        "store only + catch-up gives the same aging, margin reports and trial balance as "
        "apply + projections"
    )
    r.db_bytes = full_db.stat().st_size

    # 4. rebuilds in a fresh process, each checked against the live reports
    for which in ("receivables", "all"):
        log(f"rebuild {which!r} in a subprocess ...")
        m = run_child(full_db, which)
        if m["fingerprint"] != live or m["rows"] != r.table_rows:
            raise SystemExit(f"the {which} rebuild differs from the live projections")
        log(
            f"  {m['seconds']:.1f} s ({fmt_rate(n / m['seconds'])} orders/s, "
            f"{fmt_rate(m['events'] / m['seconds'])} events/s over {m['events']:,} events), "
            f"peak RSS {m['peak_rss_kb'] / 1024:.0f} MiB"
        )
        if which == "receivables":
            r.rebuild_receivables = m
        else:
            r.rebuild_all = m
    r.notes.append(
        "each rebuild gave the same aging, margin reports, trial balance and row counts as "
        "the live projections"
    )

    # 5. reconciliation checks on both databases
    for label, path in (("apply + projections", full_db), ("store only + catch-up", store_db)):
        with Erp.open(sqlite_url(path), actor="bench") as erp:
            for c in erp.check():
                log(f"check ({label}): {'OK' if c.ok else 'FAILED'}: {c.message}")
                r.checks.append((f"{label}: {c.message}", c.ok))
    return r


# --- profiling -------------------------------------------------------------------------------


def profile_main(args: argparse.Namespace, workdir: Path) -> None:
    """cProfile bulk apply (with projections), the store-only apply and the receivables
    rebuild; print the top functions."""
    w = make_workload(args.n, args.seed, args.customers, args.items)
    with Erp.open(sqlite_url(workdir / "profile.sqlite"), actor="bench") as erp:
        setup_company(erp, w)
        prof = cProfile.Profile()
        prof.enable()
        outcomes = erp.apply_many(w.actions, batch_size=args.batch_size)
        prof.disable()
        check_numbers(w, outcomes)
        print_profile(f"bulk apply + projections, N={args.n}", prof, args.profile_top)
        prof = cProfile.Profile()
        prof.enable()
        erp.rebuild(["receivables"])
        prof.disable()
        print_profile(f'rebuild(["receivables"]), N={args.n}', prof, args.profile_top)
    store_url = sqlite_url(workdir / "profile-store.sqlite")
    with Erp.open(store_url, actor="bench", project=False) as erp:
        setup_company(erp, w)
        erp.catch_up()
        prof = cProfile.Profile()
        prof.enable()
        check_numbers(w, erp.apply_many(w.actions, batch_size=args.batch_size))
        prof.disable()
        print_profile(f"bulk apply, store only, N={args.n}", prof, args.profile_top)


# --- output ----------------------------------------------------------------------------------


def build_section(r: Results, command: str, info: dict[str, str], stamp: str) -> str:
    assert r.full is not None and r.store is not None
    wl = r.workload
    out: list[str] = [SECTION, ""]
    out.append(
        f"Measured {stamp} with `{command}` (seed {r.seed}, apply_many batch size {r.batch_size} "
        "actions)."
    )
    out.append("")
    out.append(
        f"Workload: {r.n:,} sales orders with {wl['lines']:,} lines (1 to 4 per order, "
        f"{wl['lines'] / r.n:.2f} on average; quantities 1 to 20, some with a 5% or 10% "
        "discount, tax at 0%, 10% or 20%), generated with `random.Random(seed)` and dated in "
        f"order over fiscal year {YEAR}, for {wl['customers_used']:,} of {wl['customers']:,} "
        f"customers and {wl['items']:,} items (half FIFO, half moving average) in "
        f"{len(WAREHOUSES)} warehouses, both mildly skewed (a few big customers and "
        "best-selling items). Each order goes the whole order-to-cash chain, five actions: "
        "`create_sales_order`, `confirm_sales_order` (same day), `deliver_sales_order` (every "
        "line in full, 0 to 6 days later), `invoice_sales_order` (0 to 2 days after delivery) "
        "and `receive_customer_payment` of the invoice total allocated to that invoice (around "
        "the customer's 14 to 60 days' terms, some early, some late, at the latest on 31 "
        f"December), so {wl['actions']:,} actions in all, applied in date order (orders of "
        "different days interleave). Order and invoice numbers are issued in order, so the "
        "generator knows the invoice a payment settles; the run checks that the core issued "
        f"the same numbers. Net revenue {wl['revenue']:,.2f} EUR, received "
        f"{wl['received']:,.2f} EUR with tax. The log holds {r.log_events:,} events at the end "
        "(set-up included). Set-up (not timed): "
        f'`erp.init("Bench Co", "EUR", date({YEAR}, 1, 1))`, `configure_sales`, '
        f"{wl['items']:,} `register_item`, {len(WAREHOUSES)} `register_warehouse`, "
        f"{wl['customers']:,} `register_customer` (credit limit {CREDIT_LIMIT:,.2f}, far above "
        "any exposure, so no order needs a credit approval) and opening stock received on 1 "
        f"January ({wl['stock_receipt_lines']:,} receipt lines in two cost layers per bin, "
        "more than the deliveries take). Actions are built as models before any timing."
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
        "- *orders/s* counts whole order-to-cash chains (five actions each) per second; "
        "*actions/s* counts the actions."
    )
    out.append(
        "- *bulk apply + projections*: `Erp.open(url).apply_many(actions, batch_size=...)` on "
        "a fresh SQLite database; each batch is one atomic save followed by a projection "
        "catch-up, so reports are current when it returns."
    )
    out.append(
        "- *store only*: the same with `Erp.open(url, project=False)`; *catch-up* is the "
        "following `erp.catch_up()` over the whole log, timed apart."
    )
    out.append(
        '- *rebuild*: `erp.rebuild(["receivables"])` (drop the receivables projection, replay '
        "the log into it) and `erp.rebuild()` (every projection), each in a fresh process on "
        "the database holding the N orders, as `erp projections rebuild` runs; orders/s is N "
        "over the rebuild's time, events/s the log events it read (the count `rebuild` "
        "returns: the event types the rebuilt projections need), so compare orders/s across "
        "versions; each is checked to give the live aging, margin reports, trial balance and "
        "row counts."
    )
    out.append(
        "- *reports*: median of several calls after one warm-up, on the live projections, in a "
        "fresh process (as a caller that does not hold a large heap sees them) and again in "
        "the benchmark process, which holds the N orders' actions as models (a report that "
        "builds many Python rows there pays for the garbage collector walking that heap); the "
        "customer ledger is shown for the customer with the most orders."
    )
    out.append("")

    out.append("### Throughput (SQLite)")
    out.append("")
    out.append("| measurement | figure |")
    out.append("| --- | --- |")

    def bulk(b: Bulk) -> str:
        return (
            f"{fmt_rate(b.rate)} orders/s, {fmt_rate(b.actions_rate)} actions/s "
            f"({b.seconds:.1f} s; {fmt_rate(b.events_rate)} events/s)"
        )

    out.append(f"| bulk apply + projections | {bulk(r.full)} |")
    out.append(f"| bulk apply, store only | {bulk(r.store)} |")
    out.append(
        f"| projection catch-up after store only | {r.catch_up_seconds:.1f} s "
        f"({fmt_rate(r.catch_up_events / r.catch_up_seconds)} events/s) |"
    )
    total_s = r.store.seconds + r.catch_up_seconds
    out.append(
        f"| store only + catch-up, overall | {fmt_rate(r.n / total_s)} orders/s, "
        f"{fmt_rate(r.store.actions / total_s)} actions/s |"
    )
    for label, m in (
        ('`erp.rebuild(["receivables"])`, fresh process', r.rebuild_receivables),
        ("`erp.rebuild()` (every projection), fresh process", r.rebuild_all),
    ):
        out.append(
            f"| {label} | {m['seconds']:.1f} s: {fmt_rate(r.n / m['seconds'])} orders/s, "
            f"{fmt_rate(m['events'] / m['seconds'])} log events/s ({m['events']:,} events); "
            f"peak RSS {m['peak_rss_kb'] / 1024:.0f} MiB |"
        )
    out.append(f"| database file size | {r.db_bytes / 1024 / 1024:.0f} MiB |")
    out.append("")
    rows = ", ".join(f"{k} {v:,}" for k, v in r.table_rows.items())
    out.append(f"Projection rows at the end: {rows}.")
    out.append("")

    out.append("### Report latency (SQLite, live projections)")
    out.append("")
    out.append("| report | rows | median, fresh process | median, in the benchmark process |")
    out.append("| --- | --- | --- | --- |")
    for name, ms in r.reports.items():
        out.append(
            f"| `erp.{name}` | {r.report_rows[name]:,} | {ms:.1f} ms | "
            f"{r.reports_in_process[name]:.1f} ms |"
        )
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
    """Replace this benchmark's section in `path` (or append it), keeping every other section.

    Read, modified and written in one go at the very end of the run, so a section another
    benchmark wrote in the meantime is kept."""
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
    p.add_argument("--n", type=int, default=50_000, help="sales orders (default 50000)")
    p.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    p.add_argument("--batch-size", type=int, default=500, help="apply_many batch size (500)")
    p.add_argument("--report-runs", type=int, default=9, help="runs per report (median)")
    p.add_argument("--customers", type=int, default=N_CUSTOMERS, help=argparse.SUPPRESS)
    p.add_argument("--items", type=int, default=N_ITEMS, help=argparse.SUPPRESS)
    p.add_argument(
        "--out", type=Path, default=ROOT / "docs" / "performance.md",
        help="markdown file whose sales section is (re)written; '-' writes none",
    )  # fmt: skip
    p.add_argument("--workdir", type=Path, help="keep the databases here (default: a temp dir)")
    p.add_argument(
        "--profile", action="store_true",
        help="only cProfile bulk apply and the receivables rebuild at --n; print the top "
        "functions",
    )  # fmt: skip
    p.add_argument("--profile-top", type=int, default=30, help=argparse.SUPPRESS)
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--child-which", default="receivables", help=argparse.SUPPRESS)
    p.add_argument("--child-customer", default="", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.n < 1:
        p.error("--n must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    if args.child:
        child_main(args)
        return
    command = shlex.join([".venv/bin/python", "bench/bench_sales.py", *sys.argv[1:]])
    with tempfile.TemporaryDirectory(prefix="bench_sales_") as tmp:
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
    if info["code"] != code_before:
        log(f"warning: the code changed during the run ({code_before} -> {info['code']})")
        info["code"] = f"changed during the run, from {code_before} to {info['code']}"
    failed = [message for message, ok in r.checks if not ok]
    section = build_section(r, command, info, dt.datetime.now().strftime("%Y-%m-%d"))
    print()
    print(section)
    if failed:
        log(f"{len(failed)} check(s) failed; {args.out} not written")
        raise SystemExit(1)
    if str(args.out) != "-":
        write_doc(args.out, section)
        log(f"wrote {args.out}")


if __name__ == "__main__":
    main()
