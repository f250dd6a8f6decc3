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
    # the language of documents to parties without one of their own (None: English);
    # optional, so letterheads stored before it read as English
    language: str | None = None


class DocumentLanguageSet(DomainEvent):
    """From now on, documents to this customer, supplier or employee are in this language
    (None: the company's). On the stream ``document-language:<party>:<code>``."""

    party: str  # customer, supplier or employee
    code: str
    language: str | None
