"""Actions of the import area: what no other area can record, an opening open item."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field

from erp_core.kernel.commands import Action, Code, Line, Text
from erp_core.kernel.money import Dec


class RecordOpeningPayable(Action):
    """Take over an unpaid supplier invoice from the old books: Dr offset / Cr payables.

    Posted on `date` (the opening day, in an open period); aged by the original `invoice_date`
    and `due` date, and paid later like any supplier invoice (`pay_supplier` allocations).
    """

    action: Literal["record_opening_payable"] = "record_opening_payable"
    supplier: Code
    supplier_reference: Annotated[str, Field(min_length=1, max_length=64)]
    date: dt.date
    invoice_date: dt.date | None = None  # default: `date`
    due: dt.date
    amount: Dec
    offset_account: str = "3200"
    memo: Text | None = None


class RecordOpeningReceivable(Action):
    """Take over an unpaid customer invoice from the old books: Dr receivables / Cr offset.

    Posted on `date` (the opening day, in an open period) as an ordinary open sales invoice
    with no sales order behind it: aged by the original `invoice_date` and `due` date, counted
    in the customer's credit exposure, and settled later like any sales invoice
    (`receive_customer_payment` / `allocate_customer_receipt` allocations).
    """

    action: Literal["record_opening_receivable"] = "record_opening_receivable"
    customer: Code
    invoice_reference: Annotated[str, Field(min_length=1, max_length=64)]
    date: dt.date
    invoice_date: dt.date | None = None  # default: `date`
    due: dt.date
    amount: Dec
    offset_account: str = "3200"
    memo: Text | None = None


MAX_BATCH_ROWS = 2_000
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class ImportedRowIn(Line):
    rows: Annotated[tuple[Annotated[int, Field(ge=1)], ...], Field(min_length=1)]
    external_id: Annotated[str, Field(min_length=1, max_length=1000)]
    key: Annotated[str, Field(min_length=1, max_length=200)]
    documents: tuple[str, ...] = ()


class RecordImportBatch(Action):
    """Record where the facts of an import came from: the source file (name and SHA-256 of its
    bytes), the mapping's hash, and for each stored action its source rows, external id,
    idempotency key and documents. `erp import` applies it after the rows it lists."""

    action: Literal["record_import_batch"] = "record_import_batch"
    kind: Annotated[str, Field(min_length=1, max_length=64)]
    file: Annotated[str, Field(min_length=1, max_length=1000)]
    file_sha256: Sha256
    mapping_sha256: Sha256
    rows_read: Annotated[int, Field(ge=0)]
    part: Annotated[int, Field(ge=1)] = 1
    parts: Annotated[int, Field(ge=1)] = 1
    rows: Annotated[list[ImportedRowIn], Field(min_length=1, max_length=MAX_BATCH_ROWS)]
