"""Properties of journal-lines planning: vouchers are balanced before they are planned, and
planning neither loses, adds nor moves a line or a cent."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from erp_core.imports.kinds import KINDS
from erp_core.imports.mapping import MappedRecord, fingerprint
from erp_core.imports.run import _checks

SPEC = KINDS["journal_lines"]
ACCOUNTS = ("1110", "1120", "6200", "6600", "4900")
CENTS = st.integers(min_value=1, max_value=10**9).map(lambda c: Decimal(c).scaleb(-2))


@st.composite
def voucher(draw: st.DrawFn, reference: str, balanced: bool) -> list[dict[str, object]]:
    amounts = draw(st.lists(CENTS, min_size=1, max_size=6))
    debit_side = draw(st.lists(st.booleans(), min_size=len(amounts), max_size=len(amounts)))
    lines = [(a, d) for a, d in zip(amounts, debit_side, strict=True)]
    net = sum((a if d else -a for a, d in lines), Decimal(0))
    if net == 0:
        lines.append((Decimal("0.01"), True))
        net = Decimal("0.01")
    closing = abs(net) + (0 if balanced else draw(CENTS))
    lines.append((closing, net < 0))
    order = draw(st.permutations(range(len(lines))))
    day = dt.date(2026, 1, 1) + dt.timedelta(days=draw(st.integers(0, 364)))
    out = []
    for index in order:
        amount, debit = lines[index]
        out.append(
            {
                "voucher": reference,
                "date": day,
                "account": draw(st.sampled_from(ACCOUNTS)),
                "debit": amount if debit else None,
                "credit": None if debit else amount,
            }
        )
    return out


@st.composite
def files(draw: st.DrawFn) -> tuple[list[MappedRecord], set[str]]:
    count = draw(st.integers(min_value=1, max_value=6))
    unbalanced = set(draw(st.lists(st.integers(0, count - 1), max_size=2)))
    lines = []
    for n in range(count):
        lines += draw(voucher(f"J-{n}", n not in unbalanced))
    if draw(st.booleans()):  # interleaved: a voucher's lines need not be together
        lines = draw(st.permutations(lines))
    records = [
        MappedRecord(
            "journal_lines", row, f"{line['voucher']}/{row}", dict(line), fingerprint(line)
        )
        for row, line in enumerate(lines, start=2)
    ]
    return records, {f"J-{n}" for n in unbalanced}


@settings(max_examples=200, deadline=None)
@given(files())
def test_vouchers_are_planned_only_when_each_balances(
    drawn: tuple[list[MappedRecord], set[str]],
) -> None:
    records, unbalanced = drawn
    existing = {"posting_accounts": {a: a for a in ACCOUNTS}}
    problems = [p for p in _checks(SPEC, records, existing) if p.check == "balance"]
    named = {p.reason.split("'")[1] for p in problems}
    assert named == unbalanced
    planned = SPEC.plan(records)
    assert sorted(row for p in planned for row in p.rows) == [r.row for r in records]
    by_voucher: dict[str, Decimal] = defaultdict(Decimal)
    for record in records:
        values = record.values
        by_voucher[str(values["voucher"])] += Decimal(str(values["debit"] or 0)) - Decimal(
            str(values["credit"] or 0)
        )
    for plan in planned:
        lines = plan.action["lines"]
        net = sum(
            (line.get("debit", Decimal(0)) - line.get("credit", Decimal(0)) for line in lines),
            Decimal(0),
        )
        assert net == by_voucher[plan.external_id]
        assert (net == 0) == (plan.external_id not in unbalanced)
        assert plan.action["idempotency_key"] == f"import:journal_lines:{plan.external_id}"
        assert all(
            isinstance(v, Decimal)
            for line in lines
            for k, v in line.items()
            if k in ("debit", "credit")
        )
