"""The company: name, base currency and the start of its fiscal year."""

from __future__ import annotations

import datetime as dt

from erp_core.kernel.aggregate import Aggregate
from erp_core.kernel.errors import NotInitialised, ValidationError
from erp_core.kernel.money import check_currency
from erp_core.ledger.events import CompanyCreated

STREAM = "company"


class Company(Aggregate):
    cacheable = True

    def __init__(self, stream_id: str = STREAM) -> None:
        super().__init__(stream_id)
        self.name = ""
        self.base_currency = ""
        self.fiscal_year_start = dt.date.min
        self.created_by = ""  # the actor who created it: the first administrator

    def _on_created(self, e: CompanyCreated) -> None:
        self.created_by = e.actor
        self.name = e.name
        self.base_currency = e.base_currency
        self.fiscal_year_start = e.fiscal_year_start

    handlers = {CompanyCreated: _on_created}

    def check_exists(self) -> None:
        if not self.exists:
            raise NotInitialised("no company in this database yet: run `erp init` first")


def check_company_fields(name: str, currency: str, year_start: dt.date) -> None:
    if not name.strip():
        raise ValidationError("company", "the company name must not be empty")
    if len(name) > 200:
        raise ValidationError("company", "the company name is longer than 200 characters")
    try:
        check_currency(currency)
    except ValueError as exc:
        raise ValidationError("currency", str(exc)) from None
    if year_start.day != 1:
        raise ValidationError("year_start", "a fiscal year must start on the first day of a month")
