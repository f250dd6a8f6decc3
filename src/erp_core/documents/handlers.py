"""Handlers of the documents area (importing this module registers them)."""

from __future__ import annotations

import erp_core.documents.payslip  # noqa: F401  (registers the payslip document type)
from erp_core.documents.commands import ConfigureCompanyDetails, SetDocumentLanguage
from erp_core.documents.details import (
    STREAM,
    CompanyDetails,
    PartyLanguage,
    language_stream,
    logo_bytes,
)
from erp_core.documents.events import CompanyDetailsConfigured, DocumentLanguageSet
from erp_core.documents.i18n import check_language
from erp_core.hr.employees import Employee, employee_stream
from erp_core.kernel.context import Context
from erp_core.kernel.errors import ValidationError
from erp_core.kernel.registry import handles
from erp_core.ledger.posting import company_of
from erp_core.procurement.documents import Supplier
from erp_core.sales.documents import Customer, customer_stream


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


@handles(ConfigureCompanyDetails)
def configure_company_details(cmd: ConfigureCompanyDetails, ctx: Context) -> list[str]:
    company = company_of(ctx.uow)
    if cmd.logo is not None:
        logo_bytes(cmd.logo)
    if cmd.email is not None and cmd.email.strip() and "@" not in cmd.email:
        raise ValidationError("email", f"{cmd.email!r} is not an e-mail address")
    if "\n" in (cmd.legal_name or ""):
        raise ValidationError("legal_name", "a name is one line")
    details = ctx.uow.get(CompanyDetails, STREAM)
    details.trigger(
        ctx.event(
            CompanyDetailsConfigured,
            legal_name=_clean(cmd.legal_name) or company.name,
            address=_clean(cmd.address),
            tax_id=_clean(cmd.tax_id),
            email=_clean(cmd.email),
            phone=_clean(cmd.phone),
            logo=cmd.logo,
            language=None if cmd.language is None else check_language(cmd.language),
        )
    )
    return []


@handles(SetDocumentLanguage)
def set_document_language(cmd: SetDocumentLanguage, ctx: Context) -> list[str]:
    language = None if cmd.language is None else check_language(cmd.language)
    if cmd.party == "customer":
        ctx.uow.get(Customer, customer_stream(cmd.code)).info("code")
    elif cmd.party == "supplier":
        ctx.uow.get(Supplier, f"supplier:{cmd.code}").info("code")
    else:
        ctx.uow.get(Employee, employee_stream(cmd.code)).check_exists()
    setting = ctx.uow.get(PartyLanguage, language_stream(cmd.party, cmd.code))
    setting.trigger(
        ctx.event(DocumentLanguageSet, party=cmd.party, code=cmd.code, language=language)
    )
    return []
