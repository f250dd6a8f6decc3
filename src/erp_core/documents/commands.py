"""Actions of the documents area: the company's letterhead."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from erp_core.kernel.commands import Action, Name, Text

# A logo travels inside the event (so a document is exactly what the log holds): a data URI
# of a PNG or JPEG image, at most 96 KiB of image.
MAX_LOGO_BYTES = 96 * 1024
LogoUri = Annotated[str, Field(max_length=4 * MAX_LOGO_BYTES // 3 + 64)]
Language = Annotated[str, Field(min_length=2, max_length=32)]


class ConfigureCompanyDetails(Action):
    """Set the letterhead printed on every document: legal name, address, tax id, logo."""

    action: Literal["configure_company_details"] = "configure_company_details"
    legal_name: Name | None = None  # default: the company's name
    address: Text | None = None  # lines separated by newlines
    tax_id: Annotated[str, Field(max_length=64)] | None = None
    email: Annotated[str, Field(max_length=200)] | None = None
    phone: Annotated[str, Field(max_length=64)] | None = None
    logo: LogoUri | None = None  # data:image/png;base64,... or data:image/jpeg;base64,...
    language: Language | None = None  # documents' default language: en, zh, de, de_AT, ...


class SetDocumentLanguage(Action):
    """Print this customer's, supplier's or employee's documents in a language (a locale such
    as zh, de or en_GB: labels, dates and amounts); none: the company's language."""

    action: Literal["set_document_language"] = "set_document_language"
    party: Literal["customer", "supplier", "employee"]
    code: Annotated[str, Field(min_length=1, max_length=64)]
    language: Language | None = None
