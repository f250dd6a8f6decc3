"""Verify throughput alone: store N vouchers (no projections), then time `erp.verify()` three
times (the first run reads the database cold, the later ones from the OS cache).

    .venv/bin/python bench/bench_verify.py --n 100000
"""

from __future__ import annotations

import argparse
import tempfile
import time

from bench_ledger import check_outcomes, make_vouchers, setup_company  # type: ignore[import-not-found]

from erp_core import Erp


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="erp-bench-verify-") as tmp:
        erp = Erp.open(f"sqlite:///{tmp}/v.sqlite", actor="bench", project=False)
        setup_company(erp)
        actions = make_vouchers(args.n, args.seed)
        start = time.perf_counter()
        check_outcomes(erp.apply_many(actions, batch_size=500))
        print(f"stored {args.n:,} vouchers: {args.n / (time.perf_counter() - start):,.0f}/s")
        for run in range(1, 4):
            start = time.perf_counter()
            report = erp.verify()
            elapsed = time.perf_counter() - start
            if not report.ok:
                raise SystemExit(f"verify failed: {report.problems[0].message}")
            print(f"verify run {run}: {report.events:,} events, {report.events / elapsed:,.0f}/s")
        erp.close()


if __name__ == "__main__":
    main()
