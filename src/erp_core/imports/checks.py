"""Checks over mapped records, run before anything is stored.

Each check is a pure function ``records -> list[Problem]`` (an empty list means it passed), so a
dry run can run them all and show every problem at once. Amounts are compared exactly: they were
read as exact Decimals and nothing here rounds. A value that should be an amount but is not a
`Decimal` (the mapping lacks a ``number`` step) is a problem on that row; a float is a programming
error and raises `TypeError`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from erp_core.imports.mapping import FieldValue, MappedRecord

Check = Callable[[Sequence[MappedRecord]], list["Problem"]]


@dataclass(frozen=True)
class Problem:
    """One failed check; `row` and `field` say where when the problem belongs to one row."""

    check: str
    reason: str
    row: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field is not None:
            where.append(f"field {self.field!r}")
        return f"{', '.join(where)}: {self.reason}" if where else self.reason


def run_checks(records: Sequence[MappedRecord], checks: Iterable[Check]) -> list[Problem]:
    """Run every check and return all problems, in the order the checks are given."""
    problems: list[Problem] = []
    for check in checks:
        problems.extend(check(records))
    return problems


# --------------------------------------------------------------------------------------------
# mandatory fields, unique ids


def check_required(records: Iterable[MappedRecord], fields: Iterable[str]) -> list[Problem]:
    """Each of `fields` holds a value: not missing, None, blank text or an empty list."""
    names = tuple(fields)
    return [
        Problem("required", "is required but empty", row=record.row, field=name)
        for record in records
        for name in names
        if _is_empty(record.values.get(name))
    ]


def check_unique_external_ids(records: Iterable[MappedRecord]) -> list[Problem]:
    """No external id appears twice within a kind (a re-run could not tell the rows apart)."""
    seen: dict[tuple[str, str], list[int]] = {}
    for record in records:
        seen.setdefault((record.kind, record.external_id), []).append(record.row)
    problems = []
    for (_kind, external_id), rows in seen.items():
        if len(rows) > 1:
            listed = ", ".join(str(r) for r in rows)
            problems.append(
                Problem(
                    "external_id",
                    f"external id {external_id!r} appears at rows {listed}",
                    row=rows[1],
                )
            )
    return problems


# --------------------------------------------------------------------------------------------
# links


def check_links(
    records: Iterable[MappedRecord],
    field: str,
    *,
    known: Collection[str],
    creates: str | None = None,
    target: str = "code",
) -> list[Problem]:
    """Each code in `field` exists: among `known`, or created by an earlier row of this file.

    `creates` names the field holding the code each record creates (e.g. an account's own code,
    when `field` is its parent). A link to a code created only at a later row is refused with
    that row named, so the file can be reordered; so is a record that links to itself. Empty
    links are not checked here (that is `check_required`). A list value is checked element-wise.
    """
    rows = list(records)
    created_at: dict[str, int] = {}
    if creates is not None:
        for record in rows:
            code = record.values.get(creates)
            if isinstance(code, str) and code and code not in created_at:
                created_at[code] = record.row
    problems = []
    for record in rows:
        value = record.values.get(field)
        links = value if isinstance(value, tuple) else (value,)
        own = record.values.get(creates) if creates is not None else None
        for link in links:
            if link is None or (isinstance(link, str) and not link.strip()):
                continue
            if not isinstance(link, str):
                problems.append(
                    Problem("link", f"{link!r} is not a {target} (text)", record.row, field)
                )
                continue
            if link in known:
                continue
            if own is not None and link == own:
                problems.append(Problem("link", f"{link!r} refers to itself", record.row, field))
                continue
            at = created_at.get(link)
            if at is None:
                problems.append(
                    Problem("link", f"{link!r} is not a known {target}", record.row, field)
                )
            elif at > record.row:
                problems.append(
                    Problem(
                        "link",
                        f"{link!r} is created only later, at row {at}; put that row first",
                        record.row,
                        field,
                    )
                )
    return problems


# --------------------------------------------------------------------------------------------
# balances


def check_balanced(
    records: Iterable[MappedRecord],
    *,
    debit: str = "debit",
    credit: str = "credit",
    amount: str | None = None,
    by: str | None = None,
    label: str = "the opening balance",
) -> list[Problem]:
    """Debits equal credits, in total or per value of `by` (a voucher number, a currency).

    Amounts come either as two fields, `debit` and `credit` (each zero or positive, not both
    non-zero on one line; empty counts as zero), or as one signed field, `amount` (positive is a
    debit). The difference is stated with its side.
    """
    problems: list[Problem] = []
    totals: dict[str, list[Decimal]] = {}
    for record in records:
        group = _group_name(record, by)
        sums = totals.setdefault(group, [Decimal(0), Decimal(0)])
        if amount is not None:
            value = _amount(record, amount, problems, "balance")
            if value is None:
                continue
            sums[0 if value >= 0 else 1] += abs(value)
            continue
        dr = _amount(record, debit, problems, "balance")
        cr = _amount(record, credit, problems, "balance")
        for name, value in ((debit, dr), (credit, cr)):
            if value is not None and value < 0:
                problems.append(
                    Problem(
                        "balance", f"is negative ({value}); use the other side", record.row, name
                    )
                )
        if dr and cr:
            problems.append(
                Problem(
                    "balance",
                    f"has both a debit ({dr}) and a credit ({cr}); split it into two lines",
                    record.row,
                )
            )
        sums[0] += dr or Decimal(0)
        sums[1] += cr or Decimal(0)
    for group, (dr_total, cr_total) in totals.items():
        if dr_total != cr_total:
            where = f"{label} ({by} {group!r})" if by is not None else label
            side = "debits" if dr_total > cr_total else "credits"
            problems.append(
                Problem(
                    "balance",
                    f"{where} does not balance: debits {dr_total}, credits {cr_total}, "
                    f"{side} exceed by {abs(dr_total - cr_total)}",
                )
            )
    return problems


def check_control_total(
    records: Iterable[MappedRecord],
    amount: str,
    control: Decimal | Mapping[str, Decimal],
    *,
    by: str | None = None,
    label: str = "open items",
) -> list[Problem]:
    """Open items (or stock values) add up to their control balance.

    With `by` (e.g. the control account of each item), `control` maps each group to its balance;
    a group with items but no control balance is a problem, and so is a non-zero control balance
    with no items. The difference is stated as items minus control.
    """
    if by is None and not isinstance(control, Decimal):
        raise TypeError("control must be a Decimal when no 'by' field groups the items")
    if by is not None and isinstance(control, Decimal):
        raise TypeError("control must map each group to a Decimal when 'by' is given")
    for balance in [control] if isinstance(control, Decimal) else control.values():
        _refuse_float(balance, "control")
    problems: list[Problem] = []
    totals: dict[str, Decimal] = {}
    for record in records:
        item = _amount(record, amount, problems, "control_total")
        group = _group_name(record, by)
        totals[group] = totals.get(group, Decimal(0)) + (item or Decimal(0))
    if isinstance(control, Decimal):
        wanted = {"": control}
        totals.setdefault("", Decimal(0))
    else:
        wanted = dict(control)
    for group in sorted(set(totals) | set(wanted)):
        where = f"{label} of {by} {group!r}" if by is not None else label
        total = totals.get(group)
        expected = wanted.get(group)
        if expected is None:
            problems.append(
                Problem("control_total", f"{where} total {total}, but there is no control balance")
            )
        elif total is None:
            if expected != 0:
                reason = f"{where}: none, but the control balance is {expected}"
                problems.append(Problem("control_total", reason))
        elif total != expected:
            problems.append(
                Problem(
                    "control_total",
                    f"{where} total {total}, but the control balance is {expected}: "
                    f"difference {total - expected}",
                )
            )
    return problems


# --------------------------------------------------------------------------------------------
# helpers


def _is_empty(value: FieldValue) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, tuple) and not value


def _group_name(record: MappedRecord, by: str | None) -> str:
    if by is None:
        return ""
    value = record.values.get(by)
    return "" if value is None else str(value)


def _amount(
    record: MappedRecord, field: str, problems: list[Problem], check: str
) -> Decimal | None:
    value = record.values.get(field)
    _refuse_float(value, field)
    if value is None or isinstance(value, Decimal):
        return value
    problems.append(
        Problem(
            check,
            f"{value!r} is not an amount (map the field with a number step)",
            record.row,
            field,
        )
    )
    return None


def _refuse_float(value: object, name: str) -> None:
    if isinstance(value, float):
        raise TypeError(f"{name} is a float ({value!r}); amounts must be Decimal")
