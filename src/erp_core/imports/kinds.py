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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
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

    def plan(self, records: Sequence[MappedRecord]) -> list[Planned]:
        if self.whole_file:
            return [_opening_voucher(self, records)] if records else []
        return [self.planned_row(record) for record in records]

    def planned_row(self, record: MappedRecord) -> Planned:
        body = _present(record.values)
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


def _spec(**kwargs: Any) -> KindSpec:
    return KindSpec(**kwargs)


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
{extra}"""

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
"""

_PAYABLES_MAPPING = """\
[kinds.open_payables]
external_id = ["Supplier", "Invoice"]

[kinds.open_payables.fields.supplier]
column = "Supplier"
required = true

[kinds.open_payables.fields.supplier_reference]
column = "Invoice"
required = true

[kinds.open_payables.fields.invoice_date]
column = "Invoice date"
transform = [{ date = ["%d.%m.%Y"] }]

[kinds.open_payables.fields.due]
column = "Due"
required = true
transform = [{ date = ["%d.%m.%Y"] }]

[kinds.open_payables.fields.amount]
column = "Open amount"
required = true
transform = [{ number = { decimal = ",", thousands = "." } }]

[kinds.open_payables.fields.date]      # the opening day the items are posted on (a constant)
default = "2026-01-01"

[kinds.open_payables.fields.offset_account]
column = "Offset"
default = "3200"
"""

_RECEIVABLES_MAPPING = """\
[kinds.open_receivables]
external_id = ["Customer", "Invoice"]

[kinds.open_receivables.fields.customer]
column = "Customer"
required = true

[kinds.open_receivables.fields.invoice_reference]
column = "Invoice"
required = true

[kinds.open_receivables.fields.invoice_date]
column = "Invoice date"
transform = [{ date = ["%d.%m.%Y"] }]

[kinds.open_receivables.fields.due]
column = "Due"
required = true
transform = [{ date = ["%d.%m.%Y"] }]

[kinds.open_receivables.fields.amount]
column = "Open amount"
required = true
transform = [{ number = { decimal = ",", thousands = "." } }]

[kinds.open_receivables.fields.date]      # the opening day the items are posted on (a constant)
default = "2026-01-01"

[kinds.open_receivables.fields.offset_account]
column = "Offset"
default = "3200"
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
"""

KINDS: dict[str, KindSpec] = {
    "chart": _spec(
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
    "customers": _spec(
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
    "suppliers": _spec(
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
    "items": _spec(
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
    "warehouses": _spec(
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
    "opening_balances": _spec(
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
    ),
    "open_payables": _spec(
        name="open_payables",
        action="record_opening_payable",
        fields=(
            "supplier",
            "supplier_reference",
            "date",
            "invoice_date",
            "due",
            "amount",
            "offset_account",
            "memo",
        ),
        required=("supplier", "supplier_reference", "date", "due", "amount"),
        cleansing={"supplier": CODE, "supplier_reference": TEXT, "offset_account": CODE},
        description="open supplier invoices (record_opening_payable), aged by their due dates",
        sample_header=("Supplier", "Invoice", "Invoice date", "Due", "Open amount", "Offset"),
        sample_rows=(
            ("S200", "INV-8812", "15.11.2025", "30.12.2025", "1.250,00", ""),
            ("S200", "INV-8840", "10.12.2025", "24.01.2026", "480,50", ""),
        ),
        sample_mapping=_PAYABLES_MAPPING,
        links=(("supplier", "suppliers"), ("offset_account", "posting_accounts")),
        unique=("supplier", "supplier_reference"),
    ),
    "open_receivables": _spec(
        name="open_receivables",
        action="record_opening_receivable",
        fields=(
            "customer",
            "invoice_reference",
            "date",
            "invoice_date",
            "due",
            "amount",
            "offset_account",
            "memo",
        ),
        required=("customer", "invoice_reference", "date", "due", "amount"),
        cleansing={"customer": CODE, "invoice_reference": TEXT, "offset_account": CODE},
        description="open customer invoices (record_opening_receivable), aged by their due dates",
        sample_header=("Customer", "Invoice", "Invoice date", "Due", "Open amount", "Offset"),
        sample_rows=(
            ("C100", "R-2025-311", "20.11.2025", "20.12.2025", "2.400,00", ""),
            ("C100", "R-2025-342", "15.12.2025", "14.01.2026", "310,75", ""),
        ),
        sample_mapping=_RECEIVABLES_MAPPING,
        links=(("customer", "customers"), ("offset_account", "posting_accounts")),
        unique=("customer", "invoice_reference"),
    ),
    "opening_stock": _spec(
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
    ),
}

SCHEMA: Mapping[str, tuple[str, ...]] = {name: spec.fields for name, spec in KINDS.items()}
