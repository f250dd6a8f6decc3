"""Events of the import area.

An opening payable is recorded with procurement's own events (`SupplierReferenceClaimed`,
`SupplierInvoicePosted`) on procurement's streams, so the supplier ledger, the payables aging,
payments and `erp check` treat it as the open invoice it is; only its voucher kind is new.

An opening receivable likewise is sales' own `SalesInvoicePosted` (on `sinv:<number>`, with no
order: `order` is empty and `lines` is empty) and `CustomerExposureChanged`; the old system's
invoice number is claimed once per customer with `OpeningReceivableClaimed`.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from erp_core.kernel.events import DomainEvent
from erp_core.ledger.events import VOUCHER_KINDS

VOUCHER_KINDS.register("opening_payable", "opening_receivable")


class OpeningReceivableClaimed(DomainEvent):
    """The old books' invoice `reference` of `customer` was taken over as sales invoice
    `invoice` (stream `oprcv:<customer>/<reference>`), so it cannot be taken over twice."""

    customer: str
    reference: str
    invoice: str


class ImportedRow(BaseModel):
    """One action an import stored: the source rows it came from, the row's external id, its
    idempotency key and the documents it created."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    rows: tuple[int, ...]
    external_id: str
    key: str
    documents: tuple[str, ...] = ()


class ImportBatchRecorded(DomainEvent):
    """A run of `erp import` stored `rows` (part `part` of `parts` of the run's list) from the
    source `file` (its name as given, and the SHA-256 of its bytes) read as `kind` with a
    mapping whose text hashes to `mapping_sha256`. Stream ``import:<file_sha256>``: every run
    of the same file that stored something adds an event."""

    kind: str
    file: str
    file_sha256: str
    mapping_sha256: str
    rows_read: int
    part: int = 1
    parts: int = 1
    rows: tuple[ImportedRow, ...]
