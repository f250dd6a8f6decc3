"""Domain events: immutable, versioned facts, and the codec that stores them.

Every event is a frozen pydantic model named as a past fact. Its stored *topic* is
``"<Name>@<class_version>"``; when a class's schema changes, its ``class_version`` goes up and it
gains a static ``upcast_v<N>_v<N+1>(state) -> state`` method. Stored events are never rewritten:
old versions are upcast every time they are read.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, ClassVar, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field

from erp_core.money import Dec

AccountType = Literal["asset", "liability", "equity", "income", "expense"]
ControlRole = Literal[
    "receivables", "payables", "inventory", "grni", "tax", "retained_earnings", "rounding"
]
VoucherKind = Literal["manual", "reversal", "closing"]
DIMENSIONS: tuple[str, ...] = ("cost_centre", "project", "department")


class DomainEvent(BaseModel):
    """Base of every stored fact: who recorded it and when it became known."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    class_version: ClassVar[int] = 1

    actor: str
    recorded_at: dt.datetime


# --- company ------------------------------------------------------------------------------


class CompanyCreated(DomainEvent):
    name: str
    base_currency: str
    fiscal_year_start: dt.date


# --- chart of accounts and dimensions -------------------------------------------------------


class AccountOpened(DomainEvent):
    code: str
    name: str
    type: AccountType
    parent: str | None = None
    is_group: bool = False
    control: ControlRole | None = None
    currency: str | None = None


class AccountClosed(DomainEvent):
    code: str
    reason: str | None = None


class DimensionValueAdded(DomainEvent):
    dimension: str
    code: str
    name: str


# --- fiscal calendar and number series -------------------------------------------------------


class PeriodSpan(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    number: int
    start: dt.date
    end: dt.date


class FiscalYearOpened(DomainEvent):
    label: str
    start: dt.date
    end: dt.date
    periods: tuple[PeriodSpan, ...]


class NumbersIssued(DomainEvent):
    """Numbers `first..last` of a series were assigned (gapless), saved with their documents."""

    series: str
    first: int
    last: int


class PeriodClosed(DomainEvent):
    period: int


class PeriodLocked(DomainEvent):
    period: int


class PeriodReopened(DomainEvent):
    period: int
    reason: str


class FiscalYearClosed(DomainEvent):
    closing_document: str


class FiscalYearReopened(DomainEvent):
    reversal_document: str
    reason: str


# --- journal ---------------------------------------------------------------------------------


class PostedLine(BaseModel):
    """A journal line as posted: signed amounts, debit positive, credit negative."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    account: str
    currency: str
    amount: Dec
    base: Dec
    rate: Dec | None = None
    memo: str | None = None
    dimensions: dict[str, str] = Field(default_factory=dict)


class VoucherPosted(DomainEvent):
    document: str
    kind: VoucherKind
    date: dt.date
    fiscal_year: str
    period: int
    memo: str | None = None
    reverses: str | None = None
    lines: tuple[PostedLine, ...]


class VoucherReversed(DomainEvent):
    by_document: str
    date: dt.date


# --- idempotency -----------------------------------------------------------------------------


class ActionRecorded(DomainEvent):
    """An idempotency key was used: the content's hash and the result returned the first time."""

    key: str
    action: str
    content_hash: str
    result: dict[str, Any]


# --- registry and codec ----------------------------------------------------------------------

EVENT_TYPES: dict[str, type[DomainEvent]] = {
    cls.__name__: cls
    for cls in (
        CompanyCreated,
        AccountOpened,
        AccountClosed,
        DimensionValueAdded,
        FiscalYearOpened,
        NumbersIssued,
        PeriodClosed,
        PeriodLocked,
        PeriodReopened,
        FiscalYearClosed,
        FiscalYearReopened,
        VoucherPosted,
        VoucherReversed,
        ActionRecorded,
    )
}


class UnknownEventType(Exception):
    pass


def topic_of(event: DomainEvent) -> str:
    cls = type(event)
    return f"{cls.__name__}@{cls.class_version}"


def topics_for(*classes: type[DomainEvent]) -> list[str]:
    """Every stored topic (all versions) of the given event classes, for filtered log reads."""
    return [f"{c.__name__}@{v}" for c in classes for v in range(1, c.class_version + 1)]


def encode(event: DomainEvent) -> tuple[str, bytes]:
    """Topic and canonical JSON bytes of an event (field order is the class's, stable)."""
    return topic_of(event), event.model_dump_json().encode()


def _class_and_version(topic: str) -> tuple[type[DomainEvent], int]:
    name, _, version_text = topic.partition("@")
    cls = EVENT_TYPES.get(name)
    if cls is None:
        raise UnknownEventType(f"unknown event type {name!r}")
    return cls, int(version_text or 1)


def _upcast(cls: type[DomainEvent], version: int, data: dict[str, Any]) -> dict[str, Any]:
    while version < cls.class_version:
        upcast = getattr(cls, f"upcast_v{version}_v{version + 1}")
        data = upcast(data)
        version += 1
    return data


def decode(topic: str, state: bytes) -> DomainEvent:
    """Rebuild an event from its stored topic and bytes, upcasting old versions."""
    cls, version = _class_and_version(topic)
    if version == cls.class_version:
        return cls.model_validate_json(state)
    return cls.model_validate(_upcast(cls, version, json.loads(state)))


def decode_data(topic: str, state: bytes) -> tuple[str, dict[str, Any]]:
    """Event name and its payload as a plain dict at the current version, without validation.

    Projections use this fast path: events were validated when stored, and upcasting still
    applies, so a projection never sees an old schema.
    """
    cls, version = _class_and_version(topic)
    return cls.__name__, _upcast(cls, version, orjson.loads(state))
