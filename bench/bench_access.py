"""Access benchmark: what the stock-count approval workflow costs a count.

While a ``stock_count`` workflow exists, the guard values every count (its differences, as the
count would post them) before the count runs, so each count is planned twice. On the memory
store (no I/O: the CPU of the domain), applies N five-line counts to five items without a
workflow and then with one whose threshold no count reaches, and prints wall and CPU seconds.

Prints every figure and (re)writes the section ``## Access: stock-count approval
(bench/bench_access.py)`` of ``docs/performance.md``, keeping the other sections.

    .venv/bin/python bench/bench_access.py             # N = 300 counts
    .venv/bin/python bench/bench_access.py --n 50      # quick
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## Access: stock-count approval (bench/bench_access.py)"
ITEMS = 5


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


def counts(n: int, workflow: bool) -> tuple[float, float]:
    """Wall and CPU seconds of `n` five-line counts, each finding one unit less per item."""
    from erp_core.application import CommandService
    from erp_core.infra.memory import MemoryEventStore
    from erp_core.kernel.registry import action_types

    types = action_types()
    ticks = itertools.count()
    start = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    svc = CommandService(MemoryEventStore(), lambda: start + dt.timedelta(seconds=next(ticks)))

    def do(action: str, **fields: object) -> None:
        svc.apply(types[action](**fields), "bench")

    svc.create_company("Bench Co", "EUR", dt.date(2026, 1, 1), "bench")
    do("register_warehouse", code="MAIN", name="Main")
    on_hand = 100_000
    for i in range(ITEMS):
        do("register_item", code=f"I{i}", name=f"Item {i}", uom="pcs")
        do(
            "receive_stock",
            date="2026-03-01",
            account="3100",
            lines=[
                {"item": f"I{i}", "warehouse": "MAIN", "quantity": on_hand, "unit_cost": "1.00"}
            ],
        )
    if workflow:
        do("define_role", code="checker", name="Checker", permissions=["report:*"])
        do(
            "define_approval_workflow",
            document_type="stock_count",
            levels=[{"above": "1000000", "role": "checker"}],
        )
    wall, cpu = time.perf_counter(), time.process_time()
    for k in range(1, n + 1):
        do(
            "count_stock",
            date="2026-03-05",
            warehouse="MAIN",
            lines=[{"item": f"I{i}", "counted": on_hand - k} for i in range(ITEMS)],
        )
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--out", default=str(ROOT / "docs" / "performance.md"))
    args = parser.parse_args()
    rows = []
    for workflow in (False, True):
        wall, cpu = counts(args.n, workflow)
        label = "with a stock_count workflow" if workflow else "no workflow"
        print(f"{label}: {args.n} counts, wall {wall:.2f} s, CPU {cpu:.2f} s", flush=True)
        rows.append(f"| {label} | {args.n} | {wall:.2f} | {cpu:.2f} | {cpu / args.n * 1000:.1f} |")
    section = "\n".join(
        [
            SECTION,
            "",
            f"{args.n} five-line stock counts on the memory store (2 shared, loaded cores; one",
            "run each). With a workflow the guard values each count before it runs, so each is",
            "planned twice; without one nothing is computed.",
            "",
            "| case | counts | wall s | CPU s | CPU ms per count |",
            "| --- | --- | --- | --- | --- |",
            *rows,
        ]
    )
    write_doc(Path(args.out), section)


if __name__ == "__main__":
    main()
