"""Payroll benchmark: monthly runs of N employees with leave, attendance and overtime.

Builds a fresh SQLite company in-process through the public API: the issue's salary structure
plus an employer pension and overtime, a monthly tax table, N employees (every fifth in the pay
group EXEC, every third with an approved unpaid leave day, every fourth with attendance and
overtime in each month). Then, for three months, times the run of each pay group, the payment
of net salaries and the remittance of tax and pensions; then `erp check` and a rebuild of every
projection (compared with the live reports). Prints the figures and (re)writes the section
``## Payroll (bench/bench_payroll.py)`` of ``docs/performance.md``, keeping the others.

    .venv/bin/python bench/bench_payroll.py --n 300
    .venv/bin/python bench/bench_payroll.py --n 50 --no-doc      # quick
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## Payroll (bench/bench_payroll.py)"
MONTHS = ("2026-01", "2026-02", "2026-03")
MONTH_END = {"2026-01": "2026-01-31", "2026-02": "2026-02-28", "2026-03": "2026-03-31"}


def build(erp: object, n: int) -> None:
    from erp_core.api import Erp

    assert isinstance(erp, Erp)
    for code, name in [("2410", "Net salaries"), ("2420", "Tax"), ("2430", "Pensions")]:
        erp.open_account(code, name, "liability", parent="2000")
    erp.add_dimension_value(dimension="cost_centre", code="HQ", name="Head office")
    erp.configure_payroll(salaries_payable="2410", tax_payable="2420")
    erp.define_tax_table(effective_from="2026-01-01", basis="monthly", slabs=[
        {"lower": "0", "rate_percent": "0"}, {"lower": "2000", "rate_percent": "15"},
        {"lower": "5000", "rate_percent": "30"}])  # fmt: skip
    erp.define_salary_structure(code="STD", name="Standard", effective_from="2026-01-01",
                                components=[
        {"code": "pension", "type": "deduction", "formula": "basic * 0.04", "pre_tax": True,
         "prorated": True, "payable_account": "2430"},
        {"code": "allowance", "type": "earning", "formula": "basic * 0.10", "taxable": True,
         "prorated": True},
        {"code": "overtime", "type": "earning", "taxable": True,
         "formula": "overtime_hours * basic / 160 * 1.5"},
        {"code": "basic", "type": "earning", "formula": "base", "taxable": True,
         "prorated": True},
        {"code": "er_pension", "type": "employer_contribution", "formula": "basic * 0.05",
         "payable_account": "2430"},
    ])  # fmt: skip
    erp.define_pay_group(code="EXEC", name="Executives")
    erp.define_leave_type(code="UNPAID", name="Unpaid", paid_fraction="0", allow_negative=True)
    for i in range(n):
        emp = erp.hire_employee(
            name=f"Employee {i}",
            joining_date="2026-01-01",
            cost_centre="HQ",
            pay_group="EXEC" if i % 5 == 0 else None,
        ).documents[0]
        erp.assign_salary(employee=emp, effective="2026-01-01", structure="STD",
                          base_pay=f"{2500 + (i * 37) % 4000}.00")  # fmt: skip
        if i % 3 == 0:
            r = erp.request_leave(employee=emp, leave_type="UNPAID", date_from="2026-02-10",
                                  date_to="2026-02-10").documents[0]  # fmt: skip
            erp.approve_leave(employee=emp, request=r)
        if i % 4 == 0:
            erp.record_attendance(employee=emp, days=[
                {"day": f"{m}-05", "hours": "8", "overtime_hours": "2"} for m in MONTHS
            ])  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=300, help="employees")
    parser.add_argument("--no-doc", action="store_true", help="do not rewrite the docs section")
    args = parser.parse_args()

    from erp_core.projections.payroll import payroll_summary, payslips

    from erp_core.api import Erp

    rows: list[tuple[str, float, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        erp = Erp.open(f"sqlite:///{tmp}/bench.sqlite", actor="bench")
        erp.init("Bench Payroll Ltd", "EUR", dt.date(2026, 1, 1))
        t = time.perf_counter()
        build(erp, args.n)
        setup = time.perf_counter() - t
        for month in MONTHS:
            for group in (None, "EXEC"):
                t = time.perf_counter()
                run = erp.run_payroll(month=month, pay_group=group).documents[0]
                rows.append((f"run {month} {group or 'default'}", time.perf_counter() - t, run))
                t = time.perf_counter()
                erp.pay_salaries(month=month, pay_group=group, date=MONTH_END[month],
                                 bank_account="1120")  # fmt: skip
                rows.append((f"pay {month} {group or 'default'}", time.perf_counter() - t, ""))
                t = time.perf_counter()
                erp.remit_payroll_liabilities(
                    month=month,
                    pay_group=group,
                    date=MONTH_END[month],
                    bank_account="1120",
                    authority="Tax office",
                    lines=[{"account": "2420"}, {"account": "2430"}],
                )
                rows.append((f"remit {month} {group or 'default'}", time.perf_counter() - t, ""))
        employees = {r.run: r.employees for r in erp.query(payroll_summary)}
        figures = [(label, secs, employees.get(run, 0)) for label, secs, run in rows]
        t = time.perf_counter()
        problems = [c.message for c in erp.check() if not c.ok]
        check = time.perf_counter() - t
        before = [erp.query(payslips, m) for m in MONTHS]
        t = time.perf_counter()
        erp.rebuild()
        rebuild = time.perf_counter() - t
        same = before == [erp.query(payslips, m) for m in MONTHS]
        erp.close()

    print(f"set-up of {args.n} employees: {setup:.1f} s")
    for label, secs, count in figures:
        extra = f" ({count} payslips, {count / secs:,.0f} slips/s)" if count else ""
        print(f"{label}: {secs:.2f} s{extra}")
    print(f"erp check: {check:.2f} s, problems: {problems or 'none'}")
    print(f"rebuild: {rebuild:.2f} s, equal to live: {same}")
    if args.no_doc:
        return
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True, check=False).stdout.strip()  # fmt: skip
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    runs = [(label, secs, count) for label, secs, count in figures if label.startswith("run")]
    lines = [
        SECTION,
        "",
        f"Measured {now} with `.venv/bin/python bench/bench_payroll.py --n {args.n}` (erp_core "
        f"at commit {commit}; 2 cores shared with other work, Python "
        f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}), in process.",
        "",
        f"Workload: {args.n} employees (a fifth in the pay group EXEC, a third with an approved "
        "unpaid leave day in February, a quarter with overtime every month), the issue's "
        "structure plus overtime and an employer pension, a monthly tax table; three months, "
        "each group run, paid and its tax and pensions remitted. "
        f"Set-up (hires, salaries, leave, attendance): {setup:.1f} s.",
        "",
        "| step | wall time | payslips | payslips/s |",
        "| --- | --- | --- | --- |",
        *(
            f"| {label} | {secs:.2f} s | {count} | {count / secs:,.0f} |"
            for label, secs, count in runs
        ),
        "",
        f"Payments took {max(s for lb, s, _ in figures if lb.startswith('pay')):.2f} s at most, "
        f"remittances {max(s for lb, s, _ in figures if lb.startswith('remit')):.2f} s at most. "
        f"`erp check` {check:.2f} s ({problems or 'clean'}); rebuilding every "
        f"projection {rebuild:.2f} s, payslips equal to the live ones: {same}. No target was set "
        "by the issue.",
        "",
        "Where the time goes (cProfile of one run of 60 employees): about 40% reading each "
        "employee's two streams (the record and the leave account) from the store, 25% "
        "computing the slips, the rest the voucher, the save and the projections. A group's run "
        "reads every employee's record to find its members, so a small group's run costs about "
        "as much per employee of the company as a large one's.",
        "",
    ]
    path = ROOT / "docs" / "performance.md"
    text = path.read_text()
    start = text.find(SECTION)
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + "\n".join(lines)
    else:
        nxt = text.find("\n## ", start + len(SECTION))
        text = text[:start] + "\n".join(lines) + ("" if nxt == -1 else text[nxt:])
    path.write_text(text)
    print(f"wrote {SECTION} in {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
