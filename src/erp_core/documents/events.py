"""Events of the documents area."""

from __future__ import annotations

from erp_core.kernel.events import DomainEvent


class CompanyDetailsConfigured(DomainEvent):
    """The letterhead from now on (each document prints the one in force when it was issued)."""

    legal_name: str
    address: str | None = None
    tax_id: str | None = None
    email: str | None = None
    phone: str | None = None
    logo: str | None = None  # a data URI of a PNG or JPEG image
