"""Events of the import area.

An opening payable is recorded with procurement's own events (`SupplierReferenceClaimed`,
`SupplierInvoicePosted`) on procurement's streams, so the supplier ledger, the payables aging,
payments and `erp check` treat it as the open invoice it is; only its voucher kind is new.
"""

from __future__ import annotations

from erp_core.ledger.events import VOUCHER_KINDS

VOUCHER_KINDS.register("opening_payable")
