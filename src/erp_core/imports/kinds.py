"""The import kinds: which action each row becomes, its fields, cleansing, and a template.

A kind turns mapped records into ordinary actions of the areas that own the data (the ledger's
``open_account`` and ``post_voucher``, sales' ``register_customer``, procurement's
``register_supplier``, inventory's ``register_item``, ``register_warehouse`` and
``receive_stock``). Every action carries an idempotency key made of the kind and the row's
external id (`idempotency_key`), so a re-run stores nothing new and a changed row is refused as a
conflict. Opening balances are the exception to one action per row: the whole file is ONE
voucher, keyed by its date (one opening voucher per date).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from erp_core.imports.cleansing import (
    Normaliser,
    normalise_code,
    normalise_name,
    normalise_whitespace,
)
from erp_core.imports.mapping import FieldValue, MappedRecord

KEY_PREFIX = "import"
MAX_KEY = 200


def idempotency_key(kind: str, external_id: str) -> str:
    """``import:<kind>:<external id>``; an id too long for a key is replaced by its hash."""
    key = f"{KEY_PREFIX}:{kind}:{external_id}"
    if len(key) <= MAX_KEY:
        return key
    digest = hashlib.sha256(external_id.encode()).hexdigest()
    return f"{KEY_PREFIX}:{kind}:sha256:{digest}"


@dataclass(frozen=True)
class Planned:
    """One action to apply and the rows it comes from (one row, or every row of a voucher)."""

    rows: tuple[int, ...]
    external_id: str
    action: Mapping[str, Any]


# what one row adds to a control total (`None`: the row has no such figure, e.g. a bad cell);
# the second argument is the base currency's minor unit (stock values are rounded per line, as
# inventory rounds them)
Measure = Callable[[Mapping[str, FieldValue], Decimal], Decimal | None]


def _sum_of(name: str) -> Measure:
    def measure(values: Mapping[str, FieldValue], _unit: Decimal) -> Decimal | None:
        value = values.get(name)
        return value if isinstance(value, Decimal) else None

    return measure


def _debit(values: Mapping[str, FieldValue], _unit: Decimal) -> Decimal | None:
    """The debit side of a line: its debit, or a positive signed amount."""
    debit, amount = values.get("debit"), values.get("amount")
    if isinstance(debit, Decimal):
        return debit
    if isinstance(amount, Decimal):
        return max(amount, Decimal(0))
    return Decimal(0) if debit is None and amount is None else None


def _stock_value(values: Mapping[str, FieldValue], unit: Decimal) -> Decimal | None:
    quantity, cost = values.get("quantity"), values.get("unit_cost")
    if not isinstance(quantity, Decimal) or not isinstance(cost, Decimal):
        return None
    return (quantity * cost).quantize(unit, rounding=ROUND_HALF_UP)


def _one(_values: Mapping[str, FieldValue], _unit: Decimal) -> Decimal:
    return Decimal(1)


@dataclass(frozen=True)
class Control:
    """A control total a mapping (or ``--control``) may state for a kind: what each row adds,
    and, for a per-group total (``[kinds.open_receivables.control.per_customer]``), the field
    that names the group."""

    name: str
    measure: Measure
    label: str
    by: str | None = None


ROWS_CONTROL = Control("rows", _one, "rows")


@dataclass(frozen=True)
class KindSpec:
    """What an import kind accepts and how a record becomes an action."""

    name: str
    action: str
    fields: tuple[str, ...]
    required: tuple[str, ...]
    cleansing: Mapping[str, Normaliser]
    description: str
    sample_header: tuple[str, ...]
    sample_rows: tuple[tuple[str, ...], ...]
    sample_mapping: str
    code_field: str | None = None  # the code each row creates (unique within the file)
    name_field: str | None = None  # names compared for near-duplicates
    existing: str | None = None  # the master data the names are compared with
    links: tuple[tuple[str, str], ...] = ()  # (field, master data it must name)
    defaults: Mapping[str, Any] = field(default_factory=dict)
    whole_file: bool = False  # one action for the whole file (opening balances)
    unique: tuple[str, ...] = ()  # fields that together may appear once (default: code_field)
    group_by: str | None = None  # one action per value of this field (a voucher reference)
    personal: tuple[str, ...] = ()  # personal data: never echoed in the report
    control_refused: tuple[str, ...] = ()  # fields that may not name a sub-ledger control account
    controls: tuple[Control, ...] = ()  # the control totals a mapping may state (and `rows`)

    def control_named(self, name: str) -> Control | None:
        return next((c for c in (ROWS_CONTROL, *self.controls) if c.name == name), None)

    def plan(self, records: Sequence[MappedRecord]) -> list[Planned]:
        if self.whole_file:
            return [_opening_voucher(self, records)] if records else []
        if self.group_by is not None:
            return [_grouped_voucher(self, group) for group in groups(records, self.group_by)]
        return [self.planned_row(record) for record in records]

    def planned_row(self, record: MappedRecord) -> Planned:
        if self.action == "post_voucher":  # a bank statement line: one two-line voucher
            return _statement_voucher(self, record)
        body = _present(record.values)
        if self.action == "set_exchange_rate" and "per_base" in body:
            body["rate"] = inverse_rate(body.pop("per_base"))
        if self.action == "receive_stock":
            line = {
                k: body.pop(k)
                for k in ("item", "warehouse", "quantity", "unit_cost", "batch")
                if k in body
            }
            body["lines"] = [line]
            body.setdefault("memo", f"Opening stock {record.external_id}")
        action = {
            "action": self.action,
            **self.defaults,
            **body,
            "idempotency_key": idempotency_key(self.name, record.external_id),
        }
        return Planned(rows=(record.row,), external_id=record.external_id, action=action)


RATE_PLACES = 10  # the places a stored exchange rate may have (the ledger's MAX_RATE_PLACES)


def inverse_rate(per_base: Decimal) -> Decimal:
    """A rate quoted as units of the currency per one base unit (1 EUR = 1.0856 USD, as
    central banks publish) as the rate we store (base units per unit: 0.9211495947), rounded
    half up to `RATE_PLACES` places, trailing zeros dropped."""
    if per_base <= 0:
        raise ValueError(f"{per_base} is not a positive rate")
    exact = Decimal(1) / per_base
    rounded = exact.quantize(Decimal(1).scaleb(-RATE_PLACES), rounding=ROUND_HALF_UP)
    return rounded.quantize(Decimal(1)) if rounded == rounded.to_integral() else rounded.normalize()


def _present(values: Mapping[str, FieldValue]) -> dict[str, Any]:
    """The fields that have a value (an empty cell leaves the action's default)."""
    return {name: value for name, value in values.items() if value is not None}


def _opening_voucher(spec: KindSpec, records: Sequence[MappedRecord]) -> Planned:
    dates = sorted({str(r.values.get("date")) for r in records})
    date = records[0].values.get("date")
    lines = []
    for record in records:
        values = _present(record.values)
        line: dict[str, Any] = {"account": values.get("account")}
        debit, credit = values.get("debit"), values.get("credit")
        if debit:
            line["debit"] = debit
        if credit:
            line["credit"] = credit
        if "memo" in values:
            line["memo"] = values["memo"]
        if "currency" in values:
            line["currency"] = values["currency"]
        lines.append(line)
    action: dict[str, Any] = {
        "action": "post_voucher",
        "date": date,
        "memo": "Opening balances",
        "lines": lines,
        "idempotency_key": idempotency_key(spec.name, ",".join(dates)),
    }
    return Planned(rows=tuple(r.row for r in records), external_id=",".join(dates), action=action)


def groups(records: Sequence[MappedRecord], by: str) -> list[list[MappedRecord]]:
    """The records grouped by the value of `by`, groups in the order they first appear."""
    found: dict[str, list[MappedRecord]] = {}
    for record in records:
        found.setdefault(str(record.values.get(by) or ""), []).append(record)
    return list(found.values())


def _voucher_line(values: Mapping[str, Any]) -> dict[str, Any]:
    line: dict[str, Any] = {"account": values.get("account")}
    amount = values.get("amount")
    debit, credit = values.get("debit"), values.get("credit")
    if amount is not None and debit is None and credit is None:
        debit, credit = (amount, None) if amount > 0 else (None, -amount)
    if debit:
        line["debit"] = debit
    if credit:
        line["credit"] = credit
    for name in ("memo", "currency"):
        if name in values:
            line[name] = values[name]
    if "cost_centre" in values:
        line["dimensions"] = {"cost_centre": values["cost_centre"]}
    return line


def _grouped_voucher(spec: KindSpec, records: Sequence[MappedRecord]) -> Planned:
    """One voucher from the lines sharing a voucher reference (checked balanced beforehand)."""
    first = _present(records[0].values)
    reference = str(first.get(spec.group_by or ""))
    memo = next(
        (r.values["voucher_memo"] for r in records if r.values.get("voucher_memo")),
        f"Imported voucher {reference}",
    )
    action: dict[str, Any] = {
        "action": "post_voucher",
        "date": first.get("date"),
        "memo": memo,
        "lines": [_voucher_line(_present(r.values)) for r in records],
        "idempotency_key": idempotency_key(spec.name, reference),
    }
    return Planned(rows=tuple(r.row for r in records), external_id=reference, action=action)


def _statement_voucher(spec: KindSpec, record: MappedRecord) -> Planned:
    """A statement line: the bank account against the counter account, by the amount's sign."""
    values = _present(record.values)
    amount = values["amount"]
    memo = " ".join(str(values[k]) for k in ("counterparty", "memo") if values.get(k))
    memo = memo or f"Bank statement {record.external_id}"
    bank: dict[str, Any] = {"account": values["bank_account"], "memo": memo}
    counter: dict[str, Any] = {"account": values["account"], "memo": memo}
    side, other = ("debit", "credit") if amount > 0 else ("credit", "debit")
    bank[side] = abs(amount)
    counter[other] = abs(amount)
    action: dict[str, Any] = {
        "action": "post_voucher",
        "date": values["date"],
        "memo": memo,
        "lines": [bank, counter],
        "idempotency_key": idempotency_key(spec.name, record.external_id),
    }
    return Planned(rows=(record.row,), external_id=record.external_id, action=action)


def kind_named(name: str) -> KindSpec:
    """The kind called `name` (hyphens and underscores alike)."""
    from erp_core.kernel.errors import ValidationError

    key = name.replace("-", "_").lower()
    try:
        return KINDS[key]
    except KeyError:
        known = ", ".join(KINDS)
        raise ValidationError("kind", f"{name!r} is not an import kind ({known})") from None


CODE: Normaliser = normalise_code
NAME: Normaliser = normalise_name
TEXT: Normaliser = normalise_whitespace


_CHART_MAPPING = """\
[kinds.chart]
external_id = "Account"

[kinds.chart.fields.code]
column = "Account"
required = true
transform = ["trim"]

[kinds.chart.fields.name]
column = "Description"
required = true

[kinds.chart.fields.type]
column = "Type"
required = true
transform = ["trim", "lower", { map = { table = { debtor = "asset" }, keep_unmapped = true } }]

[kinds.chart.fields.parent]
column = "Parent"

[kinds.chart.fields.is_group]
column = "Group"
default = "false"
transform = ["boolean"]
"""

_PARTY_MAPPING = """\
[kinds.{kind}]
external_id = "No"

[kinds.{kind}.fields.code]
column = "No"
required = true

[kinds.{kind}.fields.name]
column = "Name"
required = true

[kinds.{kind}.fields.contact]
column = "Contact"

[kinds.{kind}.fields.payment_terms_days]
column = "Terms"
default = "30"
transform = [{{ number = {{ decimal = "." }} }}]
{extra}
[kinds.{kind}.duplicates]   # likely duplicates: "stop" the run (the default), "merge" or "flag"
keys = []                   # columns that identify a party exactly, e.g. ["VAT no"]
near = "stop"
"""

_CUSTOMER_EXTRA = """
[kinds.customers.fields.credit_limit]
column = "Credit limit"
default = "0"
transform = [{ number = { decimal = ",", thousands = "." } }]
"""

_ITEM_MAPPING = """\
[kinds.items]
external_id = "Item"

[kinds.items.fields.code]
column = "Item"
required = true

[kinds.items.fields.name]
column = "Description"
required = true

[kinds.items.fields.uom]
column = "Unit"
required = true
transform = ["trim", "lower"]

[kinds.items.fields.valuation]
column = "Valuation"
default = "fifo"
transform = ["trim", "lower"]

[kinds.items.fields.batch_tracked]
column = "Batches"
default = "no"
transform = ["boolean"]
"""

_WAREHOUSE_MAPPING = """\
[kinds.warehouses]
external_id = "Code"

[kinds.warehouses.fields.code]
column = "Code"
required = true

[kinds.warehouses.fields.name]
column = "Name"
required = true
"""

_OPENING_MAPPING = """\
[kinds.opening_balances]
external_id = "Account"

[kinds.opening_balances.fields.date]
column = "Date"
required = true
transform = [{ date = ["%d.%m.%Y"] }]

[kinds.opening_balances.fields.account]
column = "Account"
required = true

[kinds.opening_balances.fields.debit]
column = "Debit"
transform = [{ number = { decimal = ",", thousands = "." } }]

[kinds.opening_balances.fields.credit]
column = "Credit"
transform = [{ number = { decimal = ",", thousands = "." } }]

[kinds.opening_balances.fields.memo]
column = "Text"

[kinds.opening_balances.control]   # the old trial balance's debit total (= its credit total)
total = "37000.00"
"""

_OPEN_ITEMS_MAPPING = """\
[kinds.{kind}]
external_id = ["{Party}", "Invoice"]

[kinds.{kind}.fields.{party}]
column = "{Party}"
required = true

[kinds.{kind}.fields.{reference}]
column = "Invoice"
required = true

[kinds.{kind}.fields.invoice_date]
column = "Invoice date"
transform = [{{ date = ["%d.%m.%Y"] }}]

[kinds.{kind}.fields.due]
column = "Due"
required = true
transform = [{{ date = ["%d.%m.%Y"] }}]

[kinds.{kind}.fields.amount]
column = "Open amount"
required = true
transform = [{{ number = {{ decimal = ",", thousands = "." }} }}]

[kinds.{kind}.fields.date]      # the opening day the items are posted on (a constant)
default = "2026-01-01"

[kinds.{kind}.fields.offset_account]
column = "Offset"
default = "3200"

{control:35}# the old books' totals: nothing is stored unless they agree
total = "{total}"                  # the {ledger} control account
"""

_STOCK_MAPPING = """\
[kinds.opening_stock]
external_id = "Ref"                      # one stable reference per stock line

[kinds.opening_stock.fields.date]
column = "Date"
required = true

[kinds.opening_stock.fields.item]
column = "Item"
required = true

[kinds.opening_stock.fields.warehouse]
column = "Warehouse"
required = true

[kinds.opening_stock.fields.quantity]
column = "Quantity"
required = true
transform = [{ number = { decimal = "." } }]

[kinds.opening_stock.fields.unit_cost]
column = "Unit cost"
required = true
transform = [{ number = { decimal = "." } }]

[kinds.opening_stock.fields.batch]
column = "Batch"

[kinds.opening_stock.fields.account]   # credited against inventory
column = "Offset"
default = "3200"

[kinds.opening_stock.control]          # the old books' figures: nothing is stored unless they agree
quantity = "1040"
value = "460.00"                       # the inventory account
"""

_ASSET_MAPPING = """\
[kinds.fixed_assets]
external_id = "Asset no"                 # the old system's asset number

[kinds.fixed_assets.fields.category]
column = "Class"
required = true
transform = ["trim", "upper"]

[kinds.fixed_assets.fields.name]
column = "Description"
required = true

[kinds.fixed_assets.fields.available_for_use]
column = "In use since"
required = true
transform = [{ date = ["%d.%m.%Y"] }]

[kinds.fixed_assets.fields.cost]
column = "Cost"
required = true
transform = [{ number = { decimal = ",", thousands = "." } }]

[kinds.fixed_assets.fields.opening_accumulated]
column = "Accumulated depreciation"
required = true
transform = [{ number = { decimal = ",", thousands = "." } }]

[kinds.fixed_assets.fields.opening_month]   # the month the accumulated figure is as of
default = "2025-12"

[kinds.fixed_assets.fields.residual_value]
column = "Residual"
transform = [{ number = { decimal = ",", thousands = "." } }]

[kinds.fixed_assets.fields.useful_life_months]
column = "Life (months)"
transform = [{ number = { decimal = "." } }]

[kinds.fixed_assets.fields.date]             # the opening day the assets are taken over on
default = "2026-01-01"

[kinds.fixed_assets.fields.credit_account]   # the migration offset account
column = "Offset"
default = "3200"
"""

_EMPLOYEE_MAPPING = """\
[kinds.employees]
external_id = "Personnel no"             # the old system's number (ours are EMP-nnnnnn)

[kinds.employees.fields.name]
column = "Name"
required = true
transform = ["collapse_spaces"]

[kinds.employees.fields.joining_date]
column = "Joined"
required = true
transform = [{ date = ["%d.%m.%Y"] }]

[kinds.employees.fields.department]
column = "Dept"
transform = ["trim", "upper"]

[kinds.employees.fields.position]
column = "Position"

[kinds.employees.fields.grade]
column = "Grade"

# personal data: marked by the kind, never echoed in the import report
[kinds.employees.fields.birth_date]
column = "Born"
transform = [{ date = ["%d.%m.%Y"] }]

[kinds.employees.fields.national_id]
column = "National id"
transform = ["trim", "upper"]

[kinds.employees.fields.bank_account]
column = "IBAN"
transform = ["trim", "upper"]
"""

_JOURNAL_MAPPING = """\
[kinds.journal_lines]
external_id = ["Voucher", "Line"]        # each line once; the voucher is the unit stored

[kinds.journal_lines.fields.voucher]
column = "Voucher"
required = true

[kinds.journal_lines.fields.date]
column = "Date"
required = true
transform = [{ date = ["%d.%m.%Y"] }]

[kinds.journal_lines.fields.account]
column = "Account"
required = true

[kinds.journal_lines.fields.debit]
column = "Debit"
transform = [{ number = { decimal = ",", thousands = "." } }]

[kinds.journal_lines.fields.credit]
column = "Credit"
transform = [{ number = { decimal = ",", thousands = "." } }]

[kinds.journal_lines.fields.memo]
column = "Text"

[kinds.journal_lines.fields.voucher_memo]
column = "Voucher text"
"""

_BANK_MAPPING = """\
[kinds.bank_statement]
external_id = "Ref"                      # the bank's reference of each line

[kinds.bank_statement.fields.date]
column = "Booking date"
required = true
transform = [{ date = ["%d.%m.%Y"] }]

[kinds.bank_statement.fields.amount]     # signed: money in is positive
column = "Amount"
required = true
transform = [{ number = { decimal = ",", thousands = "." } }]

[kinds.bank_statement.fields.bank_account]
default = "1120"

[kinds.bank_statement.fields.account]    # the counter account, from the bank's code
column = "Code"
required = true
transform = ["trim", "upper", { map = { table = { FEE = "6600", INT = "4900", RENT = "6200", \
CAP = "3100" } } }]

[kinds.bank_statement.fields.counterparty]
column = "Counterparty"

[kinds.bank_statement.fields.memo]
column = "Purpose"
"""

_RATES_MAPPING = """\
[kinds.exchange_rates]
external_id = ["Currency", "Date"]       # one rate per currency and day

[kinds.exchange_rates.fields.date]
column = "Date"
required = true
transform = [{ date = ["%d.%m.%Y"] }]

[kinds.exchange_rates.fields.currency]
column = "Currency"
required = true
transform = ["trim", "upper"]

[kinds.exchange_rates.fields.per_base]   # central-bank quote: units per 1 base unit
column = "Units per EUR"                 # (map `rate` instead for base units per unit)
required = true
transform = [{ number = { decimal = "," } }]

[kinds.exchange_rates.fields.source]
column = "Source"
default = "ECB"
"""


def _open_items(
    ledger: str,
    *,
    action: str,
    party: str,
    reference: str,
    description: str,
    sample_rows: tuple[tuple[str, ...], ...],
    sample_total: str,
) -> KindSpec:
    """Open invoices of a sub-ledger (payables, receivables): the two kinds mirror each other,
    one row per invoice of a `party`, identified by the party and its `reference`."""
    kind = f"open_{ledger}"
    return KindSpec(
        name=kind,
        action=action,
        fields=(
            party,
            reference,
            "date",
            "invoice_date",
            "due",
            "amount",
            "offset_account",
            "memo",
        ),
        required=(party, reference, "date", "due", "amount"),
        cleansing={party: CODE, reference: TEXT, "offset_account": CODE},
        description=description,
        sample_header=(party.title(), "Invoice", "Invoice date", "Due", "Open amount", "Offset"),
        sample_rows=sample_rows,
        sample_mapping=_OPEN_ITEMS_MAPPING.format(
            kind=kind,
            party=party,
            Party=party.title(),
            reference=reference,
            control=f"[kinds.{kind}.control]",
            total=sample_total,
            ledger=ledger,
        ),
        links=((party, f"{party}s"), ("offset_account", "posting_accounts")),
        unique=(party, reference),
        controls=(
            Control("total", _sum_of("amount"), "open items"),
            Control(f"per_{party}", _sum_of("amount"), "open items", by=party),
        ),
    )


KINDS: dict[str, KindSpec] = {
    "chart": KindSpec(
        name="chart",
        action="open_account",
        fields=("code", "name", "type", "parent", "is_group", "control", "currency"),
        required=("code", "name", "type"),
        cleansing={"code": CODE, "name": NAME, "parent": CODE, "currency": CODE},
        description="chart of accounts (open_account); a parent must exist or come earlier",
        sample_header=("Account", "Description", "Type", "Parent", "Group"),
        sample_rows=(
            ("1700", "Other assets", "Asset", "1000", "yes"),
            ("1710", "Deposits", "debtor", "1700", "no"),
        ),
        sample_mapping=_CHART_MAPPING,
        code_field="code",
        name_field=None,
        existing="accounts",
        links=(("parent", "accounts"),),
    ),
    "customers": KindSpec(
        name="customers",
        action="register_customer",
        fields=(
            "code",
            "name",
            "contact",
            "address",
            "currency",
            "payment_terms_days",
            "credit_level",
            "credit_limit",
            "effective",
        ),
        required=("code", "name", "credit_limit"),
        cleansing={
            "code": CODE,
            "name": NAME,
            "contact": TEXT,
            "address": TEXT,
            "currency": CODE,
            "credit_level": CODE,
        },
        description="customers (register_customer); names compared with existing customers",
        sample_header=("No", "Name", "Contact", "Terms", "Credit limit"),
        sample_rows=(
            ("C100", "Müller GmbH", "orders@mueller.example", "30", "10.000,00"),
            ("C101", "Nordwind AG", "", "14", "2.500,00"),
        ),
        sample_mapping=_PARTY_MAPPING.format(kind="customers", extra=_CUSTOMER_EXTRA),
        code_field="code",
        name_field="name",
        existing="customers",
    ),
    "suppliers": KindSpec(
        name="suppliers",
        action="register_supplier",
        fields=("code", "name", "contact", "currency", "payment_terms_days"),
        required=("code", "name"),
        cleansing={"code": CODE, "name": NAME, "contact": TEXT, "currency": CODE},
        description="suppliers (register_supplier); names compared with existing suppliers",
        sample_header=("No", "Name", "Contact", "Terms"),
        sample_rows=(("S200", "Steel & Co Ltd", "sales@steel.example", "45"),),
        sample_mapping=_PARTY_MAPPING.format(kind="suppliers", extra=""),
        code_field="code",
        name_field="name",
        existing="suppliers",
    ),
    "items": KindSpec(
        name="items",
        action="register_item",
        fields=("code", "name", "uom", "valuation", "batch_tracked", "expense_account"),
        required=("code", "name", "uom"),
        cleansing={"code": CODE, "name": NAME, "expense_account": CODE},
        description="stock items (register_item)",
        sample_header=("Item", "Description", "Unit", "Valuation", "Batches"),
        sample_rows=(
            ("BOLT-M8", "Bolt M8 x 40", "pcs", "fifo", "no"),
            ("GLUE-1", "Epoxy glue 1 kg", "kg", "moving_average", "yes"),
        ),
        sample_mapping=_ITEM_MAPPING,
        code_field="code",
        name_field="name",
        existing="stock_items",
        links=(("expense_account", "accounts"),),
    ),
    "warehouses": KindSpec(
        name="warehouses",
        action="register_warehouse",
        fields=("code", "name"),
        required=("code", "name"),
        cleansing={"code": CODE, "name": NAME},
        description="warehouses (register_warehouse)",
        sample_header=("Code", "Name"),
        sample_rows=(("MAIN", "Main warehouse"), ("EAST", "East depot")),
        sample_mapping=_WAREHOUSE_MAPPING,
        code_field="code",
        name_field=None,
        existing="warehouses",
    ),
    "opening_balances": KindSpec(
        name="opening_balances",
        action="post_voucher",
        fields=("date", "account", "debit", "credit", "memo", "currency"),
        required=("date", "account"),
        cleansing={"account": CODE, "memo": TEXT, "currency": CODE},
        description="opening balances: ONE balanced voucher (Dr = Cr checked before storing)",
        sample_header=("Date", "Account", "Debit", "Credit", "Text"),
        sample_rows=(
            ("01.01.2026", "1120", "25.000,00", "", "Bank"),
            ("01.01.2026", "1610", "12.000,00", "", "Equipment"),
            ("01.01.2026", "2500", "", "15.000,00", "Loan"),
            ("01.01.2026", "3100", "", "22.000,00", "Share capital"),
        ),
        sample_mapping=_OPENING_MAPPING,
        links=(("account", "posting_accounts"),),
        whole_file=True,
        controls=(Control("total", _debit, "the opening debits"),),
    ),
    "open_payables": _open_items(
        "payables",
        action="record_opening_payable",
        party="supplier",
        reference="supplier_reference",
        description="open supplier invoices (record_opening_payable), aged by their due dates",
        sample_rows=(
            ("S200", "INV-8812", "15.11.2025", "30.12.2025", "1.250,00", ""),
            ("S200", "INV-8840", "10.12.2025", "24.01.2026", "480,50", ""),
        ),
        sample_total="1730.50",
    ),
    "open_receivables": _open_items(
        "receivables",
        action="record_opening_receivable",
        party="customer",
        reference="invoice_reference",
        description="open customer invoices (record_opening_receivable), aged by their due dates",
        sample_rows=(
            ("C100", "R-2025-311", "20.11.2025", "20.12.2025", "2.400,00", ""),
            ("C100", "R-2025-342", "15.12.2025", "14.01.2026", "310,75", ""),
        ),
        sample_total="2710.75",
    ),
    "opening_stock": KindSpec(
        name="opening_stock",
        action="receive_stock",
        fields=("date", "item", "warehouse", "quantity", "unit_cost", "batch", "account", "memo"),
        required=("date", "item", "warehouse", "quantity", "unit_cost", "account"),
        cleansing={"item": CODE, "warehouse": CODE, "batch": CODE, "account": CODE},
        description="opening stock (receive_stock, one per row): quantity, unit cost, batch",
        sample_header=(
            "Ref",
            "Date",
            "Item",
            "Warehouse",
            "Batch",
            "Quantity",
            "Unit cost",
            "Offset",
        ),
        sample_rows=(
            ("OS-1", "2026-01-01", "BOLT-M8", "MAIN", "", "1000", "0.12", ""),
            ("OS-2", "2026-01-01", "GLUE-1", "MAIN", "L2025-11", "40", "8.50", ""),
        ),
        sample_mapping=_STOCK_MAPPING,
        links=(("item", "stock_items"), ("warehouse", "warehouses"), ("account", "accounts")),
        controls=(
            Control("quantity", _sum_of("quantity"), "stock quantity"),
            Control("value", _stock_value, "stock value"),
            Control("quantity_per_item", _sum_of("quantity"), "stock quantity", by="item"),
            Control("value_per_item", _stock_value, "stock value", by="item"),
        ),
    ),
    "fixed_assets": KindSpec(
        name="fixed_assets",
        action="capitalise_asset",
        fields=(
            "category",
            "name",
            "date",
            "available_for_use",
            "cost",
            "opening_accumulated",
            "opening_month",
            "credit_account",
            "residual_value",
            "useful_life_months",
            "method",
            "convention",
            "cost_centre",
            "memo",
        ),
        required=("category", "name", "date", "available_for_use", "cost", "credit_account"),
        cleansing={"category": CODE, "name": NAME, "credit_account": CODE, "cost_centre": CODE},
        description="fixed assets with depreciation to date (capitalise_asset, one per row)",
        sample_header=(
            "Asset no",
            "Class",
            "Description",
            "In use since",
            "Cost",
            "Accumulated depreciation",
            "Residual",
            "Life (months)",
            "Offset",
        ),
        sample_rows=(
            ("A-17", "EQ", "CNC lathe", "01.01.2024", "12.000,00", "4.800,00", "0,00", "", ""),
            ("A-23", "EQ", "Forklift", "01.07.2025", "30.000,00", "1.500,00", "", "120", ""),
        ),
        sample_mapping=_ASSET_MAPPING,
        links=(
            ("category", "asset_categories"),
            ("credit_account", "posting_accounts"),
            ("cost_centre", "cost_centres"),
        ),
        control_refused=("credit_account",),
        unique=(),
        controls=(
            Control("cost", _sum_of("cost"), "asset cost"),
            Control("accumulated", _sum_of("opening_accumulated"), "accumulated depreciation"),
        ),
    ),
    "employees": KindSpec(
        name="employees",
        action="hire_employee",
        fields=(
            "name",
            "joining_date",
            "department",
            "position",
            "grade",
            "manager",
            "cost_centre",
            "working_pattern",
            "birth_date",
            "national_id",
            "bank_account",
        ),
        required=("name", "joining_date"),
        cleansing={
            "name": NAME,
            "department": CODE,
            "cost_centre": CODE,
            "manager": CODE,
            "position": TEXT,
            "grade": TEXT,
            "national_id": TEXT,
            "bank_account": TEXT,
        },
        description="employees (hire_employee); birth date, national id and bank account are "
        "personal data",
        sample_header=(
            "Personnel no",
            "Name",
            "Joined",
            "Dept",
            "Position",
            "Grade",
            "Born",
            "National id",
            "IBAN",
        ),
        sample_rows=(
            (
                "P-0042",
                "Ada  Lovelace",
                "01.03.2019",
                "eng",
                "Engineer",
                "G3",
                "10.12.1985",
                "ab-123456",
                "DE89 3704 0044 0532 0130 00",
            ),
            ("P-0057", "Grace Hopper", "15.09.2021", "OPS", "Planner", "G2", "", "", ""),
        ),
        sample_mapping=_EMPLOYEE_MAPPING,
        name_field="name",
        existing="employees",
        links=(("department", "departments"), ("cost_centre", "cost_centres")),
        personal=("birth_date", "national_id", "bank_account"),
    ),
    "journal_lines": KindSpec(
        name="journal_lines",
        action="post_voucher",
        fields=(
            "voucher",
            "date",
            "account",
            "debit",
            "credit",
            "amount",
            "memo",
            "voucher_memo",
            "currency",
            "cost_centre",
        ),
        required=("voucher", "date", "account"),
        cleansing={
            "voucher": TEXT,
            "account": CODE,
            "memo": TEXT,
            "currency": CODE,
            "cost_centre": CODE,
        },
        description="journal lines: one balanced voucher per voucher reference (post_voucher)",
        sample_header=(
            "Voucher",
            "Line",
            "Date",
            "Account",
            "Debit",
            "Credit",
            "Text",
            "Voucher text",
        ),
        sample_rows=(
            ("J-1001", "1", "05.01.2026", "6200", "1.500,00", "", "January rent", "Rent"),
            ("J-1001", "2", "05.01.2026", "1120", "", "1.500,00", "", ""),
            ("J-1002", "1", "07.01.2026", "6600", "40,00", "", "Fees", "Bank fees"),
            ("J-1002", "2", "07.01.2026", "6200", "60,00", "", "Key deposit", ""),
            ("J-1002", "3", "07.01.2026", "1110", "", "100,00", "", ""),
        ),
        sample_mapping=_JOURNAL_MAPPING,
        links=(("account", "posting_accounts"), ("cost_centre", "cost_centres")),
        group_by="voucher",
        control_refused=("account",),
        unique=(),
        controls=(Control("total", _debit, "the debits"),),
    ),
    "bank_statement": KindSpec(
        name="bank_statement",
        action="post_voucher",
        fields=("date", "amount", "bank_account", "account", "counterparty", "memo"),
        required=("date", "amount", "bank_account", "account"),
        cleansing={"bank_account": CODE, "account": CODE, "counterparty": TEXT, "memo": TEXT},
        description="bank statement lines: the bank account against a counter account from a "
        "code map (post_voucher, one per line)",
        sample_header=("Ref", "Booking date", "Amount", "Code", "Counterparty", "Purpose"),
        sample_rows=(
            ("ST-26-001", "02.01.2026", "10.000,00", "CAP", "Owner", "Capital increase"),
            ("ST-26-002", "05.01.2026", "-1.500,00", "RENT", "Landlord Ltd", "Rent January"),
            ("ST-26-003", "31.01.2026", "-12,50", "FEE", "", "Account fee"),
            ("ST-26-004", "31.01.2026", "3,20", "int", "", "Interest"),
        ),
        sample_mapping=_BANK_MAPPING,
        links=(("bank_account", "posting_accounts"), ("account", "posting_accounts")),
        control_refused=("bank_account", "account"),
        unique=(),
        controls=(Control("total", _sum_of("amount"), "the statement's net amount"),),
    ),
    "exchange_rates": KindSpec(
        name="exchange_rates",
        action="set_exchange_rate",
        fields=("currency", "date", "rate", "per_base", "source"),
        required=("currency", "date"),
        cleansing={"currency": CODE, "source": TEXT},
        description="exchange rates (set_exchange_rate, one per currency and day): `rate` in "
        "base units per unit, or `per_base` as central banks quote (units per base unit)",
        sample_header=("Date", "Currency", "Units per EUR", "Source"),
        sample_rows=(
            ("02.01.2026", "USD", "1,0856", "ECB"),
            ("02.01.2026", "CHF", "0,9312", "ECB"),
            ("05.01.2026", "USD", "1,0921", ""),
        ),
        sample_mapping=_RATES_MAPPING,
        unique=("currency", "date"),
    ),
}

SCHEMA: Mapping[str, tuple[str, ...]] = {name: spec.fields for name, spec in KINDS.items()}
