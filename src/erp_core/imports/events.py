"""Events of the import area.

An opening payable is recorded with procurement's own events (`SupplierReferenceClaimed`,
`SupplierInvoicePosted`) on procurement's streams, so the supplier ledger, the payables aging,
payments and `erp check` treat it as the open invoice it is; only its voucher kind is new.

An opening receivable likewise is sales' own `SalesInvoicePosted` (on `sinv:<number>`, with no
order: `order` is empty and `lines` is empty) and `CustomerExposureChanged`; the old system's
invoice number is claimed once per customer with `OpeningReceivableClaimed`.
"""

from __future__ import annotations

from erp_core.kernel.events import DomainEvent
from erp_core.ledger.events import VOUCHER_KINDS

VOUCHER_KINDS.register("opening_payable", "opening_receivable")


class OpeningReceivableClaimed(DomainEvent):
    """The old books' invoice `reference` of `customer` was taken over as sales invoice
    `invoice` (stream `oprcv:<customer>/<reference>`), so it cannot be taken over twice."""

    customer: str
    reference: str
    invoice: str
