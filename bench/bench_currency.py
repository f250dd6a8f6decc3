"""Currency benchmark: what the round-3 foreign-currency pieces cost on a large book.

Builds, on SQLite, a company with a USD bank account and N two-line journal vouchers over
fiscal year 2026 (every tenth in USD on the USD bank account at a varying rate, the others in
EUR), plus 200 USD customer invoices (stocked, ordered, delivered, invoiced) of which half are
paid. Then measures:

1. ``erp.check()`` in full, and the currency area's own checks alone (per-currency sub-ledgers
   and "every voucher balances per currency", a GROUP BY over every journal line);
2. ``revalue_open_items`` on 31 December (open items and the USD bank account: it reads every
   voucher of the log to find the account's balance), and a second, kept run;
3. the reports in the document currency: the customer ledger, the aging and the FX report
   (median of 5, ms).

Prints every figure and (re)writes the section ``## Currency (bench/bench_currency.py)`` of
``docs/performance.md``, keeping the other sections.

    .venv/bin/python bench/bench_currency.py              # N = 100,000 vouchers
    .venv/bin/python bench/bench_currency.py --n 5000     # quick
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## Currency (bench/bench_currency.py)"


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


def vouchers(n: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    start = dt.date(2026, 1, 1)
    for i in range(n):
        day = (start + dt.timedelta(days=i * 364 // max(n, 1))).isoformat()
        if i % 10 == 0:
            rate = f"0.{90 + i % 7}"
            out.append(
                {
                    "action": "post_voucher",
                    "date": day,
                    "lines": [
                        {"account": "1125", "debit": "100.00", "currency": "USD", "rate": rate},
                        {"account": "3100", "credit": f"{100 * float(rate):.2f}"},
                    ],
                }
            )
        else:
            out.append(
                {
                    "action": "post_voucher",
                    "date": day,
                    "lines": [
                        {"account": "1120", "debit": f"{1 + i % 97}.00"},
                        {"account": "4100", "credit": f"{1 + i % 97}.00"},
                    ],
                }
            )
    return out


def sales(count: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [
        {"action": "register_item", "code": "NUT", "name": "Nut", "uom": "pcs"},
        {"action": "register_warehouse", "code": "SHOP", "name": "Shop"},
        {
            "action": "receive_stock",
            "date": "2026-01-01",
            "account": "3100",
            "lines": [
                {"item": "NUT", "warehouse": "SHOP", "quantity": "100000", "unit_cost": "1.00"}
            ],
        },
        {
            "action": "register_customer",
            "code": "ACME",
            "name": "Acme Inc",
            "currency": "USD",
            "credit_level": "A",
            "credit_limit": "100000000.00",
            "payment_terms_days": 30,
        },
    ]
    for i in range(1, count + 1):
        day = (dt.date(2026, 1, 2) + dt.timedelta(days=i % 300)).isoformat()
        so = f"SO-2026-{i:06d}"
        out += [
            {
                "action": "create_sales_order",
                "date": day,
                "customer": "ACME",
                "delivery_date": day,
                "rate": "0.91",
                "lines": [{"item": "NUT", "quantity": "3", "price": "12.34", "warehouse": "SHOP"}],
            },
            {"action": "confirm_sales_order", "document": so},
            {
                "action": "deliver_sales_order",
                "document": so,
                "date": day,
                "lines": [{"line": 1, "quantity": "3"}],
            },
            {"action": "invoice_sales_order", "document": so, "date": day, "rate": "0.92"},
        ]
        if i % 2 == 0:
            out.append(
                {
                    "action": "receive_customer_payment",
                    "customer": "ACME",
                    "date": day,
                    "amount": "37.02",
                    "rate": "0.94",
                    "allocations": [{"invoice": f"SI-2026-{i:06d}", "amount": "37.02"}],
                }
            )
    return out


def median_ms(fn: Callable[[], object], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--out", default=str(ROOT / "docs" / "performance.md"))
    args = parser.parse_args()
    from erp_core.projections.currency import checks, document_aging, fx_differences, party_ledger

    from erp_core import Erp

    out: list[str] = []

    def say(line: str) -> None:
        print(line, flush=True)
        out.append(line)

    with tempfile.TemporaryDirectory(prefix="bench-fx-") as tmp:
        erp = Erp.open(f"sqlite:///{tmp}/books.sqlite", actor="bench")
        erp.init("Bench Co", "EUR", dt.date(2026, 1, 1))
        erp.open_fiscal_year(2027)
        erp.open_account(code="1125", name="Bank USD", type="asset", parent="1100", currency="USD")
        erp.set_exchange_rate(currency="USD", date="2026-01-01", rate="0.90")
        start = time.perf_counter()
        results = erp.apply_many([*vouchers(args.n), *sales(200)], batch_size=1000)
        built = time.perf_counter() - start
        refused = [r for r in results if not hasattr(r, "documents")]
        if refused:
            raise SystemExit(f"refused: {refused[:3]}")
        say(SECTION)
        say("")
        say(
            f"A book of {args.n:,} journal vouchers (every tenth in USD on a USD bank account) "
            f"and 200 USD customer invoices, half paid; SQLite, 2 loaded cores "
            f"(built in {built:.1f} s). Command: `.venv/bin/python bench/bench_currency.py "
            f"--n {args.n}`."
        )
        say("")
        say("| what | time |")
        say("| --- | --- |")

        def row(label: str, ms: float) -> None:
            say(f"| {label} | {ms:,.1f} ms |")

        def once(fn: Callable[[], object]) -> float:
            start = time.perf_counter()
            fn()
            return (time.perf_counter() - start) * 1000

        problems: list[str] = []
        row("`erp.check()`, every check", once(lambda: problems.extend(
            r.message for r in erp.check() if not r.ok
        )))  # fmt: skip
        if problems:
            raise SystemExit(f"erp check found problems: {problems}")
        row("the currency checks alone (median of 5)", median_ms(lambda: erp.query(checks)))
        row(
            "`revalue_open_items`, reversed (reads every voucher)",
            once(lambda: erp.revalue_open_items(date="2026-12-31", rates={"USD": "0.95"})),
        )
        row(
            "`revalue_open_items`, kept",
            once(
                lambda: erp.revalue_open_items(date="2027-01-31", rates={"USD": "0.96"}, keep=True)
            ),
        )
        day = dt.date(2026, 12, 31)
        rows = len(erp.query(party_ledger, "receivables", "ACME"))
        row(
            f"customer ledger in USD, {rows:,} rows (median of 5)",
            median_ms(lambda: erp.query(party_ledger, "receivables", "ACME")),
        )
        row(
            "receivables aging in the document currency (median of 5)",
            median_ms(lambda: erp.query(document_aging, "receivables", day)),
        )
        first, last = dt.date(2026, 1, 1), dt.date(2027, 12, 31)
        row(
            "FX report for 2026-2027 (median of 5)",
            median_ms(lambda: erp.query(fx_differences, first, last)),
        )
        erp.close()
    write_doc(Path(args.out), "\n".join(out) + "\n")


if __name__ == "__main__":
    main()
