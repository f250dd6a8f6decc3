"""A rendered business document's content: plain, formatted values, the same for every format.

A `Document` is what a template (HTML) or the PDF layout receives. Its `content()` is
canonical JSON whose SHA-256 is the document's fingerprint; with the log position and the chain
hash at that position it forms the verification block printed on every document.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import Any

VERIFICATION_FORMAT = "erp-document/1"
CODE_DIGITS = 16
PERSONAL_MARK = " *"  # a field whose label ends so holds personal data (payslips)
REDACTED = "***"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    numeric: bool = False


@dataclass(frozen=True)
class Table:
    name: str  # "lines", "tax", "open_items", ...
    title: str
    columns: tuple[Column, ...]
    rows: tuple[dict[str, str], ...]


@dataclass(frozen=True)
class Party:
    role: str  # "Supplier", "Customer", "Bill to", "Ship to"
    code: str
    name: str
    address: str | None = None
    contact: str | None = None


@dataclass(frozen=True)
class Letterhead:
    name: str
    address: str | None = None
    tax_id: str | None = None
    email: str | None = None
    phone: str | None = None
    logo: str | None = None  # data URI


@dataclass(frozen=True)
class Document:
    type: str  # purchase_order, goods_receipt, payment_advice, sales_order, ...
    title: str
    number: str
    date: dt.date
    currency: str
    company: Letterhead
    party: Party | None
    fields: tuple[tuple[str, str], ...]  # label, value
    tables: tuple[Table, ...]  # the first is the document's lines
    totals: tuple[tuple[str, str], ...]
    notes: tuple[tuple[str, str], ...] = ()  # terms, contract clauses, reasons
    status: str | None = None
    figures: dict[str, str] = field(default_factory=dict)  # named totals for custom templates
    as_of: dt.date | None = None
    language: str = "en"  # the locale its labels and formats are in (documents/i18n.py)
    redacted: bool = False  # personal data masked (fields marked PERSONAL_MARK)
    # where the document sits in the log: its last event, and the chain hash there
    position: int = 0
    chain_hash: str = ""

    def table(self, name: str) -> Table | None:
        return next((t for t in self.tables if t.name == name), None)

    def content(self) -> bytes:
        """Canonical JSON of everything the document shows (not its verification block)."""
        body = asdict(self)
        body.pop("position")
        body.pop("chain_hash")
        if not self.redacted:  # unchanged content (and fingerprints) for every other document
            body.pop("redacted")
        return json.dumps(body, sort_keys=True, separators=(",", ":"), default=str).encode()

    @cached_property  # the instance is frozen: its content never changes
    def fingerprint(self) -> str:
        return hashlib.sha256(self.content()).hexdigest()

    @property
    def code(self) -> str:
        """The short verification code: number, log position and the fingerprint's start."""
        return f"{self.number}:{self.position}:{self.fingerprint[:CODE_DIGITS]}"

    def verification(self) -> dict[str, Any]:
        block: dict[str, Any] = {
            "format": VERIFICATION_FORMAT,
            "type": self.type,
            "number": self.number,
            "position": self.position,
            "chain_hash": self.chain_hash,
            "fingerprint": self.fingerprint,
            "code": self.code,
        }
        if self.as_of is not None:
            block["as_of"] = self.as_of.isoformat()
        block["language"] = self.language
        if self.redacted:
            block["redacted"] = True
        return block

    @property
    def has_personal_data(self) -> bool:
        return any(label.endswith(PERSONAL_MARK) for label, _ in self.fields)

    def redact(self) -> Document:
        """The document with every personal field (label ending in PERSONAL_MARK) masked."""
        from dataclasses import replace

        fields = tuple(
            (label, REDACTED if label.endswith(PERSONAL_MARK) and value else value)
            for label, value in self.fields
        )
        return replace(self, fields=fields, redacted=True)

    def verification_json(self) -> str:
        return json.dumps(self.verification(), sort_keys=True, separators=(",", ":"))
