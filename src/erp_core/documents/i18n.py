"""The language of a document: its labels (translated here) and its formats (through Babel).

A document is printed in the language of its party (a customer's, supplier's or employee's
document language, `set_document_language`), else of the company (`configure_company_details
language=...`), else English. The language is a locale such as ``zh``, ``de``, ``de_AT`` or
``en_GB``: the labels come from the catalogue of its language (``zh``, ``de``; English is the
key), the formats of dates, amounts, quantities and percentages from Babel's data for the
whole locale (``de``: ``1.234,50`` and ``08.03.2026``; ``de_AT``: Austrian dates).

Babel is imported lazily (the command line starts without it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from erp_core.documents.catalog import CATALOG
from erp_core.kernel.errors import ValidationError
from erp_core.kernel.money import minor_units, round_to

DEFAULT_LANGUAGE = "en"
LANGUAGES = ("en", *sorted(CATALOG))  # the languages documents are translated into
TRADITIONAL = ("TW", "HK", "MO")  # where Chinese is written in Traditional characters


@lru_cache(maxsize=64)
def _locale(language: str) -> Any:
    from babel import Locale

    return Locale.parse(language)


def check_language(value: str, field: str = "language") -> str:
    """The canonical form of a document language (``zh-CN`` -> ``zh_Hans_CN``... as Babel
    names it), refusing an unknown locale or one whose labels are not translated."""
    from babel import Locale, UnknownLocaleError

    text = value.strip().replace("-", "_")
    try:
        locale = Locale.parse(text)
    except (UnknownLocaleError, ValueError, TypeError):
        raise ValidationError(field, f"{value!r} is not a known language or locale") from None
    if locale.language not in LANGUAGES:
        raise ValidationError(
            field,
            f"documents are translated into {', '.join(LANGUAGES)}; not into {locale.language!r} "
            f"({locale.english_name})",
        )
    if locale.language == "zh" and (
        locale.script == "Hant" or (locale.script is None and locale.territory in TRADITIONAL)
    ):
        raise ValidationError(
            field, f"{value!r} is Traditional Chinese; documents are translated into Simplified"
        )
    return str(locale)


@dataclass(frozen=True)
class Formats:
    """Labels and formats of one language; every value a document shows passes through it."""

    language: str = DEFAULT_LANGUAGE

    @property
    def locale(self) -> Any:
        return _locale(self.language)

    @property
    def is_cjk(self) -> bool:
        return str(self.locale.language) in ("zh", "ja", "ko")

    def t(self, text: str, **values: object) -> str:
        """The label in this language (English when the catalogue lacks it), with values."""
        table = CATALOG.get(str(self.locale.language))
        out = table.get(text, text) if table is not None else text
        return out.format(**values) if values else out

    def money(self, amount: Decimal, currency: str) -> str:
        from babel.numbers import format_decimal

        places = minor_units(currency)
        pattern = "#,##0." + "0" * places if places else "#,##0"
        return str(format_decimal(round_to(amount, currency), format=pattern, locale=self.locale))

    def qty(self, quantity: Decimal) -> str:
        from babel.numbers import format_decimal

        return str(
            format_decimal(quantity.normalize(), locale=self.locale, decimal_quantization=False)
        )

    def number(self, value: Decimal) -> str:
        """A rate or other plain number, every digit kept."""
        return self.qty(value)

    def percent(self, rate: Decimal) -> str:
        from babel.numbers import format_percent

        return str(format_percent(rate, locale=self.locale, decimal_quantization=False))

    def date(self, day: dt.date) -> str:
        """The locale's medium date (``8 Mar 2026``, ``2026年3月8日``, ``08.03.2026``); plain
        ``en``, the default, prints ISO 8601 (``2026-03-08``), unambiguous in every country."""
        from babel.dates import format_date

        if self.language == DEFAULT_LANGUAGE:
            return day.isoformat()
        return str(format_date(day, format="medium", locale=self.locale))

    def days(self, value: Decimal) -> str:
        return self.qty(value)
