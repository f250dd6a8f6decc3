"""The company's letterhead: an aggregate on the stream ``company-details``."""

from __future__ import annotations

import base64
import binascii

from erp_core.documents.commands import MAX_LOGO_BYTES
from erp_core.documents.events import CompanyDetailsConfigured, DocumentLanguageSet
from erp_core.kernel.aggregate import Aggregate
from erp_core.kernel.errors import ValidationError

STREAM = "company-details"
LOGO_TYPES = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}


class CompanyDetails(Aggregate):
    cacheable = True

    def __init__(self, stream_id: str = STREAM) -> None:
        super().__init__(stream_id)
        self.details: CompanyDetailsConfigured | None = None

    def _on_configured(self, e: CompanyDetailsConfigured) -> None:
        self.details = e

    handlers = {CompanyDetailsConfigured: _on_configured}


def language_stream(party: str, code: str) -> str:
    return f"document-language:{party}:{code}"


class PartyLanguage(Aggregate):
    """The document language of one customer, supplier or employee."""

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.language: str | None = None

    def _on_set(self, e: DocumentLanguageSet) -> None:
        self.language = e.language

    handlers = {DocumentLanguageSet: _on_set}


def logo_bytes(uri: str, field: str = "logo") -> tuple[str, bytes]:
    """The media type and image bytes of a logo data URI; refuses anything but PNG or JPEG."""
    head, sep, payload = uri.partition(",")
    media = head.removeprefix("data:").removesuffix(";base64")
    if not sep or not head.startswith("data:") or not head.endswith(";base64"):
        raise ValidationError(field, "give the logo as data:image/png;base64,... (or image/jpeg)")
    if media not in LOGO_TYPES:
        raise ValidationError(field, f"a logo is a PNG or JPEG image, not {media or 'unknown'}")
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError(field, "the logo's base64 data does not decode") from None
    if len(data) > MAX_LOGO_BYTES:
        raise ValidationError(field, f"the logo is {len(data)} bytes; at most {MAX_LOGO_BYTES}")
    if not data.startswith(LOGO_TYPES[media]):
        raise ValidationError(field, f"the logo's bytes are not a {media} image")
    return media, data
