"""Actions of the import area: what no other area can record, an opening open item."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field

from erp_core.kernel.commands import Action, Code, Text
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
