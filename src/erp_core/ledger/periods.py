"""Fiscal calendar and gapless number series.

A fiscal year is one aggregate (stream ``fy:<label>``) holding its twelve monthly periods'
states *and* the counters of every number series of that year. Every posting into the year
records a `NumbersIssued` event on it in the same save as the document, so:

* numbers are gapless and never reused, even under concurrent writers (two writers race for the
  same stream version; the loser retries on fresh state);
* closing a period is serialised with postings into it: a posting that raced a close conflicts,
  retries, and then sees the period closed. No posting can slip into a closed period.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from erp_core.kernel.aggregate import Aggregate
from erp_core.kernel.errors import PeriodClosed, PeriodStateError, ValidationError
from erp_core.kernel.events import DomainEvent
from erp_core.ledger.events import (
    FiscalYearClosed,
    FiscalYearOpened,
    FiscalYearReopened,
    NumbersIssued,
    PeriodLocked,
    PeriodReopened,
    PeriodSpan,
)
from erp_core.ledger.events import PeriodClosed as PeriodClosedEvent

PeriodStatus = Literal["open", "closed", "locked"]


def stream_id(label: str) -> str:
    return f"fy:{label}"


def _add_months(d: dt.date, months: int) -> dt.date:
    index = d.month - 1 + months
    return dt.date(d.year + index // 12, index % 12 + 1, 1)


def fiscal_year_bounds(day: dt.date, year_start: dt.date) -> tuple[str, dt.date, dt.date]:
    """Label, first and last day of the fiscal year that contains `day`.

    The label is the calendar year in which the fiscal year starts ("2026" for Apr 2026-Mar 2027).
    """
    start = dt.date(day.year, year_start.month, 1)
    if day < start:
        start = dt.date(day.year - 1, year_start.month, 1)
    end = _add_months(start, 12) - dt.timedelta(days=1)
    return str(start.year), start, end


def monthly_periods(start: dt.date) -> tuple[PeriodSpan, ...]:
    spans = []
    for n in range(12):
        first = _add_months(start, n)
        last = _add_months(start, n + 1) - dt.timedelta(days=1)
        spans.append(PeriodSpan(number=n + 1, start=first, end=last))
    return tuple(spans)


def format_number(series: str, label: str, number: int) -> str:
    return f"{series}-{label}-{number:06d}"


class FiscalYear(Aggregate):
    cacheable = True

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.label = ""
        self.start = dt.date.min
        self.end = dt.date.min
        self.periods: tuple[PeriodSpan, ...] = ()
        self.status: dict[int, PeriodStatus] = {}
        self.counters: dict[str, int] = {}
        self.closed = False
        self.closing_document: str | None = None
        self._extended: dict[int, int] = {}  # pending NumbersIssued version -> its last number

    # -- folding ---------------------------------------------------------------------------
    def _on_opened(self, e: FiscalYearOpened) -> None:
        self.label, self.start, self.end, self.periods = e.label, e.start, e.end, e.periods
        self.status = {p.number: "open" for p in e.periods}

    def _on_numbers(self, e: NumbersIssued) -> None:
        self.counters[e.series] = e.last

    def _on_period_closed(self, e: PeriodClosedEvent) -> None:
        self.status[e.period] = "closed"

    def _on_period_locked(self, e: PeriodLocked) -> None:
        self.status[e.period] = "locked"

    def _on_period_reopened(self, e: PeriodReopened) -> None:
        self.status[e.period] = "open"

    def _on_year_closed(self, e: FiscalYearClosed) -> None:
        self.closed = True
        self.closing_document = e.closing_document

    def _on_year_reopened(self, e: FiscalYearReopened) -> None:
        self.closed = False
        self.closing_document = None

    handlers = {
        FiscalYearOpened: _on_opened,
        NumbersIssued: _on_numbers,
        PeriodClosedEvent: _on_period_closed,
        PeriodLocked: _on_period_locked,
        PeriodReopened: _on_period_reopened,
        FiscalYearClosed: _on_year_closed,
        FiscalYearReopened: _on_year_reopened,
    }

    # -- snapshots (a year receives one event per posting, so loading it must not replay all) --
    def snapshot(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "periods": [p.model_dump(mode="json") for p in self.periods],
            "status": {str(k): v for k, v in self.status.items()},
            "counters": self.counters,
            "closed": self.closed,
            "closing_document": self.closing_document,
        }

    def restore(self, version: int, state: dict[str, Any]) -> None:
        self.version = version
        self.label = state["label"]
        self.start = dt.date.fromisoformat(state["start"])
        self.end = dt.date.fromisoformat(state["end"])
        self.periods = tuple(PeriodSpan.model_validate(p) for p in state["periods"])
        self.status = {int(k): v for k, v in state["status"].items()}
        self.counters = dict(state["counters"])
        self.closed = state["closed"]
        self.closing_document = state["closing_document"]

    # -- queries ---------------------------------------------------------------------------
    def period_of(self, day: dt.date) -> int:
        for p in self.periods:
            if p.start <= day <= p.end:
                return p.number
        raise ValidationError("date", f"{day} is not in fiscal year {self.label}")

    def span(self, number: int) -> PeriodSpan:
        for p in self.periods:
            if p.number == number:
                return p
        raise ValidationError("period", f"fiscal year {self.label} has no period {number}")

    # -- checks ----------------------------------------------------------------------------
    def check_open_for_posting(self, day: dt.date, field: str = "date") -> int:
        number = self.period_of(day)
        status = self.status[number]
        if status != "open":
            span = self.span(number)
            raise PeriodClosed(
                field,
                f"period {self.label}-{number:02d} ({span.start} to {span.end}) is {status}; "
                "postings into it are refused",
            )
        return number

    def check_last_period_not_locked(self, verb: str) -> None:
        last = self.periods[-1].number
        if self.status[last] == "locked":
            raise PeriodStateError(
                f"period {self.label}-{last:02d} is locked, so fiscal year {self.label} "
                f"cannot be {verb}: its closing entry is dated {self.end}"
            )

    # -- commands --------------------------------------------------------------------------
    def issue_number(self, series: str, actor: str, now: dt.datetime) -> int:
        """Assign the next number; consecutive numbers of one save share one event."""
        number = self.counters.get(series, 0) + 1
        last = self.pending[-1] if self.pending else None
        if last is not None and isinstance(last[1], NumbersIssued) and last[1].series == series:
            # Extend the pending range; the event is rebuilt once, when the save collects it.
            version = last[0]
            self._extended[version] = number
            self.counters[series] = number
            if self.observer is not None:
                self.observer(self.id, version)
        else:
            self.trigger(
                NumbersIssued(
                    actor=actor, recorded_at=now, series=series, first=number, last=number
                )
            )
        return number

    def collect(self) -> list[tuple[str, int, DomainEvent]]:
        if self._extended:
            self.pending = [
                (v, e.model_copy(update={"last": self._extended[v]}) if v in self._extended else e)
                for v, e in self.pending
            ]
            self._extended = {}
        return super().collect()

    def close_period(self, number: int, actor: str, now: dt.datetime) -> None:
        self.span(number)
        if self.status[number] != "open":
            raise PeriodStateError(
                f"period {self.label}-{number:02d} is already {self.status[number]}"
            )
        self.trigger(PeriodClosedEvent(actor=actor, recorded_at=now, period=number))

    def lock_period(self, number: int, actor: str, now: dt.datetime) -> None:
        self.span(number)
        if self.status[number] == "locked":
            raise PeriodStateError(f"period {self.label}-{number:02d} is already locked")
        if self.status[number] == "open":
            raise PeriodStateError(
                f"period {self.label}-{number:02d} is open; close it before locking it"
            )
        self.trigger(PeriodLocked(actor=actor, recorded_at=now, period=number))

    def reopen_period(self, number: int, reason: str, actor: str, now: dt.datetime) -> None:
        self.span(number)
        status = self.status[number]
        if status == "open":
            raise PeriodStateError(f"period {self.label}-{number:02d} is already open")
        if status == "locked":
            raise PeriodStateError(
                f"period {self.label}-{number:02d} is locked; locked periods are final"
            )
        if self.closed:
            raise PeriodStateError(
                f"fiscal year {self.label} is closed; reopen the year before its periods"
            )
        if not reason.strip():
            raise ValidationError("reason", "reopening a period needs a reason")
        self.trigger(PeriodReopened(actor=actor, recorded_at=now, period=number, reason=reason))
