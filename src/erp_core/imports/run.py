"""Running an import: read, map, cleanse, check, turn into actions, apply (or dry-run), report.

Every step before applying is pure (the core modules); the only writes go through the facade's
`Erp.apply_many` / `Erp.apply_all_or_nothing`, so every imported fact is an ordinary event with
its actor, and its idempotency key (``import:<kind>:<external id>``) names the row it came from.

What stops what:

* a file or mapping that cannot be used raises (`SourceFileError`, `MappingFileError`);
* problems of the whole file (a mapped column missing, an external id used twice, opening
  balances that do not balance or carry two dates, a row of a one-voucher kind refused) refuse
  every row: nothing is stored;
* a refused row (a bad cell, an unknown link, a code twice in the file, a rule of the action)
  is reported; the other rows are stored, unless ``all_or_nothing``, which stores nothing when any
  row is refused.

* likely duplicates (names alike, or a shared key column) stop the run unless the mapping's
  rule (``[kinds.<kind>.duplicates]``) merges them into the first row of their group or a
  stored record, or only flags them; control totals stated by the mapping or the caller refuse
  a file that does not add up to them.

Outcomes per row: ``applied`` (or ``would apply`` in a dry run), ``skipped`` (already imported:
the same key with the same content; or a code already in the books that the rule leaves alone),
``merged`` (folded into another row or a stored record: not stored), ``conflict`` (already
imported with different content: the row changed since; nothing is stored for it),
``refused``. Cleansing changes (``cleansed``) and likely duplicates (``near-duplicate``) are
listed too. After storing, the run records the source file and rows of what it stored
(``record_import_batch``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from erp_core.imports.checks import (
    Problem,
    check_balanced,
    check_links,
    check_required,
    check_unique_external_ids,
)
from erp_core.imports.cleansing import (
    cleanse,
    find_duplicates,
    find_near_duplicates,
    normalise_identifier,
)
from erp_core.imports.kinds import ROWS_CONTROL, KindSpec, Planned, groups, kind_named
from erp_core.imports.mapping import (
    DuplicateRule,
    ImportMapping,
    MappedRecord,
    apply_mapping,
    load_mapping,
)
from erp_core.imports.reader import read_table
from erp_core.kernel.errors import (
    BatchRefused,
    ErpError,
    IdempotencyConflict,
    ValidationError,
)
from erp_core.kernel.money import quantum

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from erp_core.api import Erp
    from erp_core.kernel.commands import ActionResult

APPLIED, WOULD_APPLY, SKIPPED, CONFLICT, REFUSED = (
    "applied",
    "would apply",
    "skipped",
    "conflict",
    "refused",
)
CLEANSED, NEAR_DUPLICATE, CHECKED, MERGED = "cleansed", "near-duplicate", "checked", "merged"
# control accounts whose balance only their sub-ledger may post (the ledger refuses the rest)
SUB_LEDGER_ROLES = ("receivables", "payables", "inventory", "grni")
REPORT_COLUMNS = ("row", "external_id", "status", "column", "message", "document")


@dataclass(frozen=True)
class ReportLine:
    """One line of the run's report: a row's outcome, a cleansing change or a warning."""

    row: int | None
    status: str
    message: str = ""
    external_id: str = ""
    column: str | None = None
    document: str = ""

    def __str__(self) -> str:
        where = "file" if self.row is None else f"row {self.row}"
        if self.column:
            where += f", column {self.column!r}"
        return f"{where}: {self.status}" + (f": {self.message}" if self.message else "")

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "external_id": self.external_id,
            "status": self.status,
            "column": self.column or "",
            "message": self.message,
            "document": self.document,
        }


@dataclass
class ImportReport:
    """What a run read, did and refused."""

    kind: str
    file: str
    dry_run: bool
    rows_read: int = 0
    lines: list[ReportLine] = field(default_factory=list)
    source: str = ""  # the stream recording where the stored facts came from (import:<sha256>)

    def count(self, status: str) -> int:
        return sum(1 for line in self.lines if line.status == status)

    @property
    def stored(self) -> int:
        return 0 if self.dry_run else self.count(APPLIED)

    @property
    def ok(self) -> bool:
        return not (self.count(REFUSED) or self.count(CONFLICT))

    def summary(self) -> str:
        parts = [f"{self.rows_read} rows read"]
        for status in (
            APPLIED,
            WOULD_APPLY,
            SKIPPED,
            MERGED,
            CONFLICT,
            REFUSED,
            CLEANSED,
            NEAR_DUPLICATE,
            CHECKED,
        ):
            n = self.count(status)
            if n:
                parts.append(f"{n} {status}")
        text = f"{self.kind} from {self.file}: " + ", ".join(parts)
        if self.dry_run:
            text += "; dry run: nothing stored"
        elif self.stored == 0:
            text += "; nothing new stored"
        if self.source:
            text += f"; source recorded in {self.source}"
        return text


def run_import(
    erp: Erp,
    kind: str,
    source: str,
    mapping: ImportMapping | str,
    *,
    dry_run: bool = False,
    all_or_nothing: bool = False,
    name: str | None = None,
    control: Mapping[str, Decimal | Mapping[str, Decimal]] | None = None,
) -> ImportReport:
    """Import `source` (a CSV or XLSX path) as `kind` with `mapping` (parsed, or TOML text).

    `control` states control totals from the old books (added to, and overriding, the
    mapping's ``[kinds.<kind>.control]``): a run whose figures do not add up stores nothing.
    """
    spec = kind_named(kind)
    parsed = (
        load_mapping(mapping, schema={spec.name: spec.fields})
        if isinstance(mapping, str)
        else mapping
    )
    kind_map = parsed.kind(spec.name)
    for wanted in spec.required:
        if wanted not in {f.name for f in kind_map.fields}:
            from erp_core.imports.errors import MappingFileError

            raise MappingFileError(
                f"kinds.{spec.name}.fields", f"{wanted!r} is required by {spec.name}", parsed.file
            )
    table = read_table(
        source,
        name=name,
        sheet=kind_map.sheet,
        encoding=kind_map.encoding,
        delimiter=kind_map.delimiter,
    )
    report = ImportReport(kind=spec.name, file=name or str(source), dry_run=dry_run)
    report.rows_read = len(table.rows)
    columns = {f.name: f.column for f in kind_map.fields}

    mapped = apply_mapping(kind_map, table)
    refused: dict[int, list[ReportLine]] = {}
    file_problems: list[ReportLine] = []
    for error in mapped.errors:
        line = ReportLine(error.row, REFUSED, error.reason, column=error.column)
        if error.row == table.header_row and not mapped.records:
            file_problems.append(line)
        else:
            refused.setdefault(error.row, []).append(line)

    cleansed = cleanse(mapped.records, spec.cleansing)
    records = list(cleansed.records)
    ids = {r.row: r.external_id for r in records}
    for change in cleansed.changes:
        personal = change.field in spec.personal
        report.lines.append(
            ReportLine(
                change.row,
                CLEANSED,
                f"{change.field} (personal data): cleansed"
                if personal
                else f"{change.field}: {change.before!r} -> {change.after!r}",
                external_id=change.external_id,
                column=columns.get(change.field),
            )
        )

    existing = erp.query(master_data) if _needs_master_data(spec) else {}
    problems = _checks(spec, records, existing)
    controls = {**kind_map.control, **(control or {})}
    if controls:
        from erp_core.projections import queries

        unit = quantum(erp.query(queries.company)[1])
        problems += control_problems(spec, records, controls, unit, bad_rows=set(refused))
    for problem in problems:
        line = ReportLine(
            problem.row,
            REFUSED,
            problem.reason,
            external_id=ids.get(problem.row or -1, ""),
            column=columns.get(problem.field or "") or problem.field,
        )
        if problem.row is None or problem.check in ("external_id", "balance", "control_total"):
            file_problems.append(line)
        else:
            refused.setdefault(problem.row, []).append(line)
    rule = kind_map.duplicates
    before = _imported_before(erp, spec, records)
    pairs = _likely_duplicates(spec, records, existing, rule, before)
    merged: dict[int, ReportLine] = {}
    if rule.near == "merge":
        merged, ambiguous = merge_groups(pairs, records, spec, columns)
        for row, line in ambiguous.items():
            refused.setdefault(row, []).append(line)
    else:
        report.lines.extend(_pair_lines(pairs, records, columns, spec))
        if pairs and rule.near == "stop":
            file_problems.append(
                ReportLine(
                    None,
                    REFUSED,
                    f"{len(pairs)} likely duplicate pair(s), listed above: nothing is stored; "
                    "correct the file, or set a rule in the mapping "
                    f'([kinds.{spec.name}.duplicates] near = "merge" or "flag")',
                )
            )
    for record in records:
        if record.row in merged or record.row in before or spec.code_field is None:
            continue
        code = record.values.get(spec.code_field)
        known = existing.get(spec.existing or "", {})
        if not isinstance(code, str) or code not in known:
            continue
        noun = _NOUNS.get(spec.existing or "", spec.existing or "record")
        noun = ("an " if noun[0] in "aeiou" else "a ") + noun
        if rule.existing == "skip":
            merged[record.row] = ReportLine(
                record.row,
                SKIPPED,
                f"{code!r} is already {noun} (not from this import): left as it is",
                record.external_id,
                columns.get(spec.code_field),
                code,
            )
        else:
            refused.setdefault(record.row, []).append(
                ReportLine(
                    record.row,
                    REFUSED,
                    f"{code!r} is already {noun} (not from this import); "
                    f'[kinds.{spec.name}.duplicates] existing = "skip" leaves it as it is',
                    record.external_id,
                    columns.get(spec.code_field),
                )
            )
    report.lines.extend(merged.values())

    if spec.group_by is not None and refused:
        for group in groups(records, spec.group_by):
            bad = [r.row for r in group if r.row in refused]
            if not bad:
                continue
            reference = group[0].values.get(spec.group_by)
            for record in group:
                if record.row not in refused:
                    refused[record.row] = [
                        ReportLine(
                            record.row,
                            REFUSED,
                            f"not stored: voucher {reference!r} is refused at row {bad[0]}",
                            external_id=record.external_id,
                        )
                    ]
    if spec.whole_file and refused:
        file_problems.append(
            ReportLine(None, REFUSED, "the opening voucher is refused: a row of it is refused")
        )
    if file_problems or (all_or_nothing and refused):
        report.lines.extend(file_problems)
        for lines in refused.values():
            report.lines.extend(lines)
        if not file_problems:
            report.lines.append(
                ReportLine(None, REFUSED, "all or nothing: a row is refused, nothing is stored")
            )
        _finish(report, spec, columns)
        return report

    accepted = [r for r in records if r.row not in refused and r.row not in merged]
    planned = spec.plan(accepted)
    outcomes = _apply(erp, planned, dry_run=dry_run, all_or_nothing=all_or_nothing)
    for lines in refused.values():
        report.lines.extend(lines)
    for plan, outcome in zip(planned, outcomes, strict=True):
        report.lines.extend(_outcome_lines(plan, outcome, columns, dry_run))
    if spec.name == "fixed_assets" and not dry_run:
        report.lines.extend(_check_register(erp, accepted, planned, outcomes))
    if not dry_run:
        try:
            report.source = _record_batch(erp, spec, source, report, parsed, planned, outcomes)
        except ErpError as refused_batch:
            report.lines.append(
                ReportLine(
                    None,
                    REFUSED,
                    f"the rows are stored, but the record of their source is refused: "
                    f"{refused_batch}",
                )
            )
    # a row imported before was compared when it was imported; it resembles itself now
    skipped = {line.row for line in report.lines if line.status == SKIPPED}
    report.lines = [
        line for line in report.lines if not (line.status == NEAR_DUPLICATE and line.row in skipped)
    ]
    _finish(report, spec, columns)
    return report


def file_sha256(path: str) -> str:
    """SHA-256 of a file's bytes (what the audit trail records as the source)."""
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _record_batch(
    erp: Erp,
    spec: KindSpec,
    source: str,
    report: ImportReport,
    mapping: ImportMapping,
    planned: Sequence[Planned],
    outcomes: Sequence[ActionResult | ErpError],
) -> str:
    """Record the source file and rows of the actions this run stored (`record_import_batch`,
    in parts of at most `MAX_BATCH_ROWS`); returns the stream, or "" when nothing was stored."""
    import hashlib

    from erp_core.imports.commands import MAX_BATCH_ROWS

    stored = [
        {
            "rows": list(plan.rows),
            "external_id": plan.external_id,
            "key": str(plan.action.get("idempotency_key")),
            "documents": list(outcome.documents),
        }
        for plan, outcome in zip(planned, outcomes, strict=True)
        if not isinstance(outcome, ErpError) and not outcome.duplicate
    ]
    if not stored:
        return ""
    digest = file_sha256(source)
    mapping_digest = mapping.sha256 or hashlib.sha256(repr(mapping).encode()).hexdigest()
    chunks = [stored[i : i + MAX_BATCH_ROWS] for i in range(0, len(stored), MAX_BATCH_ROWS)]
    actions = [
        {
            "action": "record_import_batch",
            "kind": spec.name,
            "file": report.file[-1000:],
            "file_sha256": digest,
            "mapping_sha256": mapping_digest,
            "rows_read": report.rows_read,
            "part": index,
            "parts": len(chunks),
            "rows": chunk,
        }
        for index, chunk in enumerate(chunks, start=1)
    ]
    erp.apply_all_or_nothing(actions)
    return f"import:{digest}"


def _check_register(
    erp: Erp,
    records: Sequence[MappedRecord],
    planned: Sequence[Planned],
    outcomes: Sequence[ActionResult | ErpError],
) -> list[ReportLine]:
    """The asset register holds, for the assets this run created, the file's cost and
    accumulated depreciation (a line ``checked``, or ``refused`` naming the difference)."""
    from erp_core.assets.reports import asset_register

    by_row = {r.row: r for r in records}
    wanted_cost = wanted_dep = Decimal(0)
    numbers: set[str] = set()
    dates: list[dt.date] = []
    for plan, outcome in zip(planned, outcomes, strict=True):
        if isinstance(outcome, ErpError) or outcome.duplicate:
            continue
        values = by_row[plan.rows[0]].values
        wanted_cost += values.get("cost") or Decimal(0)  # type: ignore[operator]
        wanted_dep += values.get("opening_accumulated") or Decimal(0)  # type: ignore[operator]
        numbers.update(d for d in outcome.documents if d.startswith("FA-"))
        dates.append(dt.date.fromisoformat(str(plan.action["date"])))
    if not numbers:
        return []
    register = erp.query(asset_register, max(dates))
    rows = [r for r in register.rows if r.asset in numbers]
    cost = sum((r.cost for r in rows), Decimal(0))
    dep = sum((r.accumulated_depreciation for r in rows), Decimal(0))
    message = (
        f"asset register for the {len(numbers)} assets imported: cost {cost}, accumulated "
        f"depreciation {dep}; the file: cost {wanted_cost}, accumulated depreciation {wanted_dep}"
    )
    ok = (cost, dep) == (wanted_cost, wanted_dep) and len(rows) == len(numbers)
    return [ReportLine(None, CHECKED if ok else REFUSED, message)]


def _finish(report: ImportReport, spec: KindSpec, columns: Mapping[str, str | None]) -> None:
    """Sort the lines; mask quoted values in lines about personal data (never echoed)."""
    if spec.personal:
        import re

        marked = {columns.get(name) or name for name in spec.personal} | set(spec.personal)
        for index, line in enumerate(report.lines):
            if line.column in marked and line.status != CLEANSED:
                message = re.sub(r"'[^']*'|\"[^\"]*\"", "'***'", line.message)
                report.lines[index] = ReportLine(
                    line.row,
                    line.status,
                    f"{message} (personal data)",
                    line.external_id,
                    line.column,
                    line.document,
                )
    _sort(report)


def _sort(report: ImportReport) -> None:
    order = {CLEANSED: 0, NEAR_DUPLICATE: 1}
    report.lines.sort(
        key=lambda ln: (ln.row if ln.row is not None else 10**12, order.get(ln.status, 2))
    )


# --------------------------------------------------------------------------------------------
# checks


_NOUNS = {
    "posting_accounts": "posting account",
    "accounts": "account",
    "customers": "customer",
    "suppliers": "supplier",
    "warehouses": "warehouse",
    "stock_items": "item",
    "asset_categories": "asset category",
    "departments": "department",
    "cost_centres": "cost centre",
    "employees": "employee",
}


def _needs_master_data(spec: KindSpec) -> bool:
    return bool(spec.links or spec.existing)


def master_data(conn: Connection) -> dict[str, dict[str, str]]:
    """Existing codes and names from the read models: accounts, parties, items, warehouses."""
    from sqlalchemy import select

    from erp_core.projections import schema

    found: dict[str, dict[str, str]] = {}
    for key, table in (
        ("accounts", schema.accounts),
        ("customers", schema.customers),
        ("suppliers", schema.suppliers),
        ("stock_items", schema.stock_items),
        ("warehouses", schema.warehouses),
    ):
        found[key] = {code: name for code, name in conn.execute(select(table.c.code, table.c.name))}
    posting = select(schema.accounts.c.code, schema.accounts.c.name).where(
        schema.accounts.c.is_group.is_(False), schema.accounts.c.closed.is_(False)
    )
    found["posting_accounts"] = {code: name for code, name in conn.execute(posting)}
    control = select(schema.accounts.c.code, schema.accounts.c.control).where(
        schema.accounts.c.control.in_(SUB_LEDGER_ROLES)
    )
    found["control_accounts"] = {code: role for code, role in conn.execute(control)}
    from erp_core.projections.assets import asset_categories
    from erp_core.projections.hr import hr_employees

    categories = select(asset_categories.c.code, asset_categories.c.name)
    found["asset_categories"] = {code: name for code, name in conn.execute(categories)}
    people = select(hr_employees.c.employee, hr_employees.c.name)
    found["employees"] = {number: name for number, name in conn.execute(people)}
    for key, dimension in (("departments", "department"), ("cost_centres", "cost_centre")):
        values = select(schema.dimension_values.c.code, schema.dimension_values.c.name).where(
            schema.dimension_values.c.dimension == dimension
        )
        found[key] = {code: name for code, name in conn.execute(values)}
    return found


def _checks(
    spec: KindSpec, records: Sequence[MappedRecord], existing: Mapping[str, Mapping[str, str]]
) -> list[Problem]:
    problems = check_required(records, spec.required)
    problems += check_unique_external_ids(records)
    for link_field, target in spec.links:
        creates = spec.code_field if target == spec.existing else None
        noun = _NOUNS.get(target, target.rstrip("s"))
        problems += check_links(
            records, link_field, known=existing.get(target, {}), creates=creates, target=noun
        )
    unique = spec.unique or ((spec.code_field,) if spec.code_field else ())
    if unique:
        for group in find_duplicates(records, list(unique)):
            for row in group.rows[1:]:
                problems.append(Problem("duplicate", f"{group} (once only)", row, unique[-1]))
    controls = existing.get("control_accounts", {})
    for name in spec.control_refused:
        for record in records:
            account = record.values.get(name)
            if isinstance(account, str) and account in controls:
                problems.append(
                    Problem(
                        "link",
                        f"{account!r} is the {controls[account]} control account: only its "
                        "sub-ledger posts to it (open items, receipts and payments, stock)",
                        record.row,
                        name,
                    )
                )
    if spec.group_by is not None:
        problems += _voucher_checks(spec, records)
    if spec.action == "set_exchange_rate":
        problems += _rate_checks(records)
    if spec.action == "post_voucher" and not spec.whole_file and spec.group_by is None:
        for record in records:
            amount = record.values.get("amount")
            if isinstance(amount, Decimal) and amount == 0:
                problems.append(
                    Problem("required", "is zero: nothing to post", record.row, "amount")
                )
            elif amount is not None and not isinstance(amount, Decimal):
                reason = f"{amount!r} is not an amount (map the field with a number step)"
                problems.append(Problem("required", reason, record.row, "amount"))
            bank, counter = record.values.get("bank_account"), record.values.get("account")
            if bank is not None and bank == counter:
                reason = f"{counter!r} is the bank account itself; the counter account must differ"
                problems.append(Problem("link", reason, record.row, "account"))
    if spec.whole_file:
        problems += check_balanced(records, debit="debit", credit="credit")
        for record in records:
            account = record.values.get("account")
            if isinstance(account, str) and account in controls:
                problems.append(
                    Problem(
                        "link",
                        f"{account!r} is the {controls[account]} control account: its opening "
                        "balance comes from its sub-ledger (open items, opening stock), not from "
                        "the opening voucher",
                        record.row,
                        "account",
                    )
                )
        dates = sorted({str(r.values.get("date")) for r in records if r.values.get("date")})
        if len(dates) > 1:
            problems.append(
                Problem("balance", f"one opening voucher has one date, not {', '.join(dates)}")
            )
        for record in records:
            if not record.values.get("debit") and not record.values.get("credit"):
                problems.append(
                    Problem("required", "needs a debit or a credit", record.row, "debit")
                )
    return problems


def _rate_checks(records: Sequence[MappedRecord]) -> list[Problem]:
    """Each rate row has exactly one of `rate` and `per_base`, a number above zero."""
    problems = []
    for record in records:
        given = {
            name: record.values.get(name)
            for name in ("rate", "per_base")
            if record.values.get(name) is not None
        }
        if len(given) != 1:
            reason = "needs a rate or a per_base quote" if not given else "has both"
            problems.append(
                Problem("required", f"{reason} (one of rate, per_base)", record.row, "rate")
            )
            continue
        ((name, value),) = given.items()
        if not isinstance(value, Decimal):
            reason = f"{value!r} is not a number (map the field with a number step)"
            problems.append(Problem("required", reason, record.row, name))
        elif value <= 0:
            problems.append(Problem("required", f"{value} is not above zero", record.row, name))
    return problems


def _voucher_checks(spec: KindSpec, records: Sequence[MappedRecord]) -> list[Problem]:
    """Per voucher reference: Dr = Cr, one date, at least two lines, each line one side."""
    from erp_core.kernel.commands import MAX_LINES

    by = spec.group_by or ""
    problems = check_balanced(
        [r for r in records if r.values.get("amount") is None],
        debit="debit",
        credit="credit",
        by=by,
        label="the voucher",
    )
    problems += check_balanced(
        [r for r in records if r.values.get("amount") is not None],
        amount="amount",
        by=by,
        label="the voucher",
    )
    for group in groups(records, by):
        reference = group[0].values.get(by)
        dates = sorted({str(r.values.get("date")) for r in group if r.values.get("date")})
        if len(dates) > 1:
            problems.append(
                Problem(
                    "balance",
                    f"voucher {reference!r} has one date, not {', '.join(dates)}",
                    group[0].row,
                    "date",
                )
            )
        if len(group) < 2:
            problems.append(
                Problem("balance", f"voucher {reference!r} has one line; it needs two or more")
            )
        if len(group) > MAX_LINES:
            problems.append(
                Problem(
                    "balance", f"voucher {reference!r} has {len(group)} lines (max {MAX_LINES})"
                )
            )
        for record in group:
            values = record.values
            if not values.get("debit") and not values.get("credit") and not values.get("amount"):
                problems.append(
                    Problem("required", "needs a debit, a credit or an amount", record.row, "debit")
                )
    return problems


@dataclass(frozen=True)
class DuplicatePair:
    """Two rows, or a row and a stored record, that look like one party (or item, person)."""

    row: int
    other_row: int | None
    other_id: str | None
    similarity: Decimal
    message: str
    key: str = ""  # the key column the two rows share (a pair by key, not by name)


def _imported_before(erp: Erp, spec: KindSpec, records: Sequence[MappedRecord]) -> set[int]:
    """Rows whose key an earlier run used (they are compared and checked when first imported;
    now they resemble the records they created)."""
    if spec.name_field is None and spec.code_field is None:
        return set()
    from erp_core.imports.kinds import idempotency_key

    return {
        r.row
        for r in records
        if erp.store.stream_version(f"idem:{idempotency_key(spec.name, r.external_id)}") > 0
    }


def _likely_duplicates(
    spec: KindSpec,
    records: Sequence[MappedRecord],
    existing: Mapping[str, Mapping[str, str]],
    rule: DuplicateRule,
    before: set[int],
) -> list[DuplicatePair]:
    """Pairs by name similarity (within the file and against stored names) and by exact keys
    (source columns such as a tax id, compared as identifiers); each pair once, in row order.
    A pair of rows both imported before (`before`), or of such a row and a stored record, was
    decided when they were imported and is left out."""
    pairs: dict[tuple[int, int | None, str | None], DuplicatePair] = {}
    for column in rule.keys:
        seen: dict[str, MappedRecord] = {}
        for record in records:
            key = normalise_identifier(record.match.get(column, ""))
            if not key:
                continue
            first = seen.setdefault(key, record)
            if first is not record and not {first.row, record.row} <= before:
                message = f"row {first.row} has the same {column!r} ({key}) as row {record.row}"
                pairs[(first.row, record.row, None)] = DuplicatePair(
                    first.row, record.row, None, Decimal(1), message, column
                )
    if spec.name_field is not None:
        own = {r.values.get(spec.code_field or "") for r in records}
        stored = {
            code: name
            for code, name in existing.get(spec.existing or "", {}).items()
            if code not in own
        }
        for near in find_near_duplicates(
            records, spec.name_field, threshold=rule.threshold, existing=stored
        ):
            if near.row in before and (near.other_row is None or near.other_row in before):
                continue  # decided when the rows were imported; now they resemble themselves
            where = (near.row, near.other_row, near.other_id)
            if where not in pairs:
                pairs[where] = DuplicatePair(
                    near.row, near.other_row, near.other_id, near.similarity, str(near)
                )
    return sorted(pairs.values(), key=lambda p: (p.row, p.other_row or 0, p.other_id or ""))


def _pair_lines(
    pairs: Sequence[DuplicatePair],
    records: Sequence[MappedRecord],
    columns: Mapping[str, str | None],
    spec: KindSpec,
) -> list[ReportLine]:
    ids = {r.row: r.external_id for r in records}
    column = columns.get(spec.name_field or "")
    return [
        ReportLine(
            pair.row,
            NEAR_DUPLICATE,
            pair.message.split(" ", 2)[2],
            external_id=ids.get(pair.row, ""),
            column=column,
        )
        for pair in pairs
    ]


def merge_groups(
    pairs: Sequence[DuplicatePair],
    records: Sequence[MappedRecord],
    spec: KindSpec,
    columns: Mapping[str, str | None],
) -> tuple[dict[int, ReportLine], dict[int, ReportLine]]:
    """Groups of rows that pair (directly or through each other) become one: the stored
    record they resemble, else the group's first row. Returns the merged rows' report lines
    and the rows refused because their group resembles two or more stored records."""
    parent: dict[str, str] = {}

    def find(node: str) -> str:
        while parent.setdefault(node, node) != node:
            node = parent[node]
        return node

    similarity: dict[int, Decimal] = {}
    by_key: dict[int, str] = {}
    for pair in pairs:
        other = f"r{pair.other_row}" if pair.other_row is not None else f"x{pair.other_id}"
        a, b = find(f"r{pair.row}"), find(other)
        if a != b:
            parent[max(a, b, key=_node_order)] = min(a, b, key=_node_order)
        for row in (pair.row, pair.other_row):
            if row is not None:
                if pair.key:
                    by_key.setdefault(row, pair.key)
                else:
                    similarity[row] = max(similarity.get(row, Decimal(0)), pair.similarity)
    members: dict[str, list[str]] = {}
    for node in list(parent):
        members.setdefault(find(node), []).append(node)
    by_row = {r.row: r for r in records}
    code_field, name_field = spec.code_field, spec.name_field or ""
    merged: dict[int, ReportLine] = {}
    ambiguous: dict[int, ReportLine] = {}
    for nodes in members.values():
        stored = sorted(n[1:] for n in nodes if n.startswith("x"))
        rows = sorted(int(n[1:]) for n in nodes if n.startswith("r"))
        if len(stored) > 1:
            for row in rows:
                ambiguous[row] = ReportLine(
                    row,
                    REFUSED,
                    "resembles more than one stored record ("
                    + ", ".join(repr(s) for s in stored)
                    + "): cannot merge; correct the row",
                    by_row[row].external_id,
                    columns.get(name_field),
                )
            continue
        if stored:
            into, target, document = stored[0], f"the stored {stored[0]!r}", stored[0]
            keep: int | None = None
        else:
            keep = rows[0]
            kept = by_row[keep].values
            code = kept.get(code_field) if code_field else None
            name = kept.get(name_field)
            into = str(code or keep)
            target = f"row {keep}" + (f" ({code})" if code else "") + f" {name!r}"
            document = str(code or "")
        for row in rows:
            if row == keep:
                continue
            record = by_row[row]
            merged[row] = ReportLine(
                row,
                MERGED,
                f"{record.values.get(name_field)!r} merged into {target} "
                + (
                    f"(similarity {similarity[row]})"
                    if row in similarity
                    else f"(the same {by_key.get(row, 'key')!r})"
                )
                + "; not stored",
                record.external_id,
                columns.get(name_field),
                document or into,
            )
    return merged, ambiguous


def _node_order(node: str) -> tuple[int, int, str]:
    """Stored records first, then rows in file order."""
    return (0, 0, node[1:]) if node.startswith("x") else (1, int(node[1:]), "")


def control_problems(
    spec: KindSpec,
    records: Sequence[MappedRecord],
    controls: Mapping[str, Decimal | Mapping[str, Decimal]],
    unit: Decimal,
    bad_rows: Collection[int] = (),
) -> list[Problem]:
    """The file's totals against the control totals stated for it: every difference, with the
    rows that could not be read (their figures are not in the totals) named."""
    problems: list[Problem] = []
    unread = sorted(set(bad_rows))
    note = (
        f" (rows {', '.join(map(str, unread))} could not be read and are not counted)"
        if unread
        else ""
    )
    for name, wanted in controls.items():
        control = spec.control_named(name)
        if control is None:
            known = ", ".join(c.name for c in (ROWS_CONTROL, *spec.controls))
            reason = f"{name!r} is not a control total of {spec.name} ({known})"
            problems.append(Problem("control_total", reason))
            continue
        if (control.by is None) != isinstance(wanted, Decimal):
            shape = "a table of amounts per " + control.by if control.by else "one amount"
            problems.append(Problem("control_total", f"control {name!r} must be {shape}"))
            continue
        totals: dict[str, Decimal] = {}
        unknown: list[int] = []
        for record in records:
            value = control.measure(record.values, unit)
            if value is None:
                unknown.append(record.row)
                continue
            group = "" if control.by is None else str(record.values.get(control.by) or "")
            totals[group] = totals.get(group, Decimal(0)) + value
        if unknown:
            rows = ", ".join(map(str, unknown))
            problems.append(
                Problem("control_total", f"{control.label}: rows {rows} have no figure to add")
            )
        expected = {"": wanted} if isinstance(wanted, Decimal) else dict(wanted)
        for group in sorted(set(totals) | set(expected)):
            total = totals.get(group, Decimal(0))
            want = expected.get(group)
            where = control.label + (f" of {control.by} {group!r}" if control.by else "")
            if want is None:
                problems.append(
                    Problem(
                        "control_total",
                        f"{where} total {total}, but the control {name!r} states none for it",
                    )
                )
            elif total != want:
                problems.append(
                    Problem(
                        "control_total",
                        f"{where} total {total}, but the control total is {want}: "
                        f"difference {total - want}{note}",
                    )
                )
    return problems


# --------------------------------------------------------------------------------------------
# applying


def _apply(
    erp: Erp, planned: Sequence[Planned], *, dry_run: bool, all_or_nothing: bool
) -> list[ActionResult | ErpError]:
    actions = [p.action for p in planned]
    if not actions:
        return []
    if not all_or_nothing:
        return erp.apply_many(actions, dry_run=dry_run)
    try:
        return list(erp.apply_all_or_nothing(actions, dry_run=dry_run))
    except BatchRefused as refused:
        outcomes: list[ActionResult | ErpError] = []
        for index in range(len(actions)):
            if index == refused.index:
                outcomes.append(refused.error)
            else:
                outcomes.append(ErpError("not stored: another row of the file is refused"))
        return outcomes


def _outcome_lines(
    plan: Planned,
    outcome: ActionResult | ErpError,
    columns: Mapping[str, str | None],
    dry_run: bool,
) -> list[ReportLine]:
    if isinstance(outcome, ErpError):
        status = CONFLICT if isinstance(outcome, IdempotencyConflict) else REFUSED
        if status == CONFLICT:
            message = "already imported with different content; the change is not stored"
        else:
            message = outcome.message
        column = None
        row = plan.rows[0]
        if isinstance(outcome, ValidationError):
            column, row, message = _locate(outcome, plan, columns)
        lines = [ReportLine(row, status, message, plan.external_id, column)]
        lines += [
            ReportLine(other, REFUSED, f"not stored: the voucher is refused at row {row}")
            for other in plan.rows
            if other != row
        ]
        return lines
    if outcome.duplicate:
        status, message = SKIPPED, "already imported"
    else:
        status, message = (WOULD_APPLY if dry_run else APPLIED), ""
    document = ", ".join(outcome.documents)
    return [ReportLine(row, status, message, plan.external_id, None, document) for row in plan.rows]


def _locate(
    error: ValidationError, plan: Planned, columns: Mapping[str, str | None]
) -> tuple[str | None, int, str]:
    """The column (and, in a voucher, the row) a refusal names: ``lines.2.account`` -> row 3."""
    parts = error.field.split(".") if error.field else []
    row = plan.rows[0]
    if len(parts) >= 2 and parts[0] == "lines" and parts[1].isdigit():
        index = int(parts[1])
        if len(plan.rows) > 1 and index < len(plan.rows):
            row = plan.rows[index]
        parts = parts[2:]
    name = parts[-1] if parts else ""
    column = columns.get(name) or (name or None)
    return column, row, error.reason


def report_csv(report: ImportReport) -> str:
    """The report as CSV, one line per row outcome, change or warning."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=REPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for line in report.lines:
        writer.writerow(line.as_dict())
    return out.getvalue()


def template(kind: str) -> tuple[str, str]:
    """A sample CSV (header and rows) and the mapping that reads it."""
    import csv
    import io

    spec = kind_named(kind)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(spec.sample_header)
    writer.writerows(spec.sample_rows)
    return out.getvalue(), spec.sample_mapping
