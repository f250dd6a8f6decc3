"""Properties of the pure rules: control totals and merging likely duplicates."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from erp_core.imports.kinds import KINDS
from erp_core.imports.mapping import MappedRecord, fingerprint
from erp_core.imports.run import DuplicatePair, control_problems, merge_groups

AMOUNTS = st.decimals(min_value=Decimal("-9999.99"), max_value=Decimal("9999.99"), places=2)
CENT = Decimal("0.01")


def item(row: int, customer: str, amount: Decimal) -> MappedRecord:
    values = {"customer": customer, "amount": amount}
    return MappedRecord("open_receivables", row, f"X{row}", values, fingerprint(values))


@given(
    st.lists(st.tuples(st.sampled_from(["A", "B", "C"]), AMOUNTS), max_size=12),
    AMOUNTS,
)
def test_a_control_total_passes_exactly_when_the_items_add_up_to_it(
    items: list[tuple[str, Decimal]], stated: Decimal
) -> None:
    spec = KINDS["open_receivables"]
    records = [item(row, customer, amount) for row, (customer, amount) in enumerate(items, 2)]
    total = sum((amount for _, amount in items), Decimal(0))
    assert control_problems(spec, records, {"total": total}, CENT) == []
    problems = control_problems(spec, records, {"total": stated}, CENT)
    assert (problems == []) == (stated == total)
    if problems:
        assert problems[0].reason.endswith(f"difference {total - stated}")
    per_customer: dict[str, Decimal] = {}
    for customer, amount in items:
        per_customer[customer] = per_customer.get(customer, Decimal(0)) + amount
    assert control_problems(spec, records, {"per_customer": per_customer}, CENT) == []


@given(
    st.integers(min_value=2, max_value=9).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.lists(
                st.tuples(st.integers(2, n + 1), st.integers(2, n + 1)).filter(
                    lambda p: p[0] < p[1]
                ),
                max_size=12,
            ),
        )
    )
)
def test_merging_keeps_exactly_the_first_row_of_each_group(
    case: tuple[int, list[tuple[int, int]]],
) -> None:
    count, links = case
    spec = KINDS["customers"]
    records = []
    for row in range(2, count + 2):
        values = {"code": f"C{row}", "name": f"Name {row}"}
        records.append(MappedRecord("customers", row, f"C{row}", values, fingerprint(values)))
    pairs = [DuplicatePair(a, b, None, Decimal("0.95"), "") for a, b in links]
    merged, ambiguous = merge_groups(pairs, records, spec, {})
    assert ambiguous == {}
    # the groups, by hand: rows joined by any chain of pairs
    group = {row: {row} for row in range(2, count + 2)}
    for a, b in links:
        joined = group[a] | group[b]
        for row in joined:
            group[row] = joined
    kept = {min(members) for members in group.values()}
    assert set(merged) == set(group) - kept
    for row, line in merged.items():
        assert line.document == f"C{min(group[row])}"
