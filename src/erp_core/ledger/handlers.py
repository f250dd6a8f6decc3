"""Handlers of the general ledger's actions: chart, dimensions, fiscal calendar, vouchers.

Each is ``handler(cmd, ctx)``: it runs the checks, then records events on the aggregates it
loaded through ``ctx.uow``; the command service stores them in one save.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Sequence
from decimal import Decimal

from erp_core.kernel.context import Context
from erp_core.kernel.errors import NotFound, PeriodStateError
from erp_core.kernel.events import DomainEvent
from erp_core.kernel.money import ZERO
from erp_core.kernel.registry import handles
from erp_core.kernel.unit_of_work import UnitOfWork
from erp_core.ledger import journal, periods
from erp_core.ledger.accounts import Chart
from erp_core.ledger.commands import (
    AddDimensionValue,
    CloseAccount,
    CloseFiscalYear,
    ClosePeriod,
    LockPeriod,
    OpenAccount,
    OpenFiscalYear,
    PostVoucher,
    ReopenFiscalYear,
    ReopenPeriod,
    ReverseVoucher,
)
from erp_core.ledger.events import (
    AccountClosed,
    AccountOpened,
    DimensionValueAdded,
    FiscalYearClosed,
    FiscalYearOpened,
    FiscalYearReopened,
    VoucherPosted,
    VoucherReversed,
)
from erp_core.ledger.journal import Voucher
from erp_core.ledger.periods import FiscalYear
from erp_core.ledger.posting import chart_of, company_of, fiscal_year, fiscal_year_for


@handles(OpenAccount)
def open_account(cmd: OpenAccount, ctx: Context) -> list[str]:
    uow = ctx.uow
    company_of(uow)
    chart = chart_of(uow)
    event = ctx.event(
        AccountOpened,
        code=cmd.code,
        name=cmd.name,
        type=cmd.type,
        parent=cmd.parent,
        is_group=cmd.is_group,
        control=cmd.control,
        currency=cmd.currency,
    )
    chart.check_new_account(event)
    chart.trigger(event)
    return []


@handles(CloseAccount)
def close_account(cmd: CloseAccount, ctx: Context) -> list[str]:
    uow = ctx.uow
    company_of(uow)
    chart = chart_of(uow)
    chart.check_can_close(cmd.code)
    chart.trigger(ctx.event(AccountClosed, code=cmd.code, reason=cmd.reason))
    return []


@handles(AddDimensionValue)
def add_dimension_value(cmd: AddDimensionValue, ctx: Context) -> list[str]:
    uow = ctx.uow
    company_of(uow)
    chart = chart_of(uow)
    chart.check_new_dimension_value(cmd.dimension, cmd.code, cmd.name)
    chart.trigger(
        ctx.event(DimensionValueAdded, dimension=cmd.dimension, code=cmd.code, name=cmd.name)
    )
    return []


@handles(OpenFiscalYear)
def open_fiscal_year(cmd: OpenFiscalYear, ctx: Context) -> list[str]:
    uow = ctx.uow
    comp = company_of(uow)
    first = dt.date(cmd.year, comp.fiscal_year_start.month, 1)
    label, start, end = periods.fiscal_year_bounds(first, comp.fiscal_year_start)
    fy = uow.get(FiscalYear, periods.stream_id(label))
    if fy.exists:
        raise PeriodStateError(f"fiscal year {label} is already open")
    fy.trigger(
        ctx.event(
            FiscalYearOpened,
            label=label,
            start=start,
            end=end,
            periods=periods.monthly_periods(start),
        )
    )
    return []


@handles(PostVoucher)
def post_voucher(cmd: PostVoucher, ctx: Context) -> list[str]:
    uow, actor, now = ctx.uow, ctx.actor, ctx.now
    base = company_of(uow).base_currency
    chart = chart_of(uow)
    lines, by_currency = journal.price_lines(cmd.lines, chart, base)
    lines = journal.balance_lines(lines, by_currency, chart, base)
    fy = fiscal_year_for(uow, cmd.date)
    fy.check_open_for_posting(cmd.date)
    voucher = journal.post_voucher(
        date=cmd.date,
        memo=cmd.memo,
        lines=lines,
        kind="manual",
        fiscal_year=fy,
        actor=actor,
        now=now,
    )
    uow.add(voucher)
    assert voucher.posted is not None
    return [voucher.posted.document]


@handles(ReverseVoucher)
def reverse_voucher(cmd: ReverseVoucher, ctx: Context) -> list[str]:
    uow, actor, now = ctx.uow, ctx.actor, ctx.now
    company_of(uow)
    chart = chart_of(uow)
    original = uow.get(Voucher, journal.stream_id(cmd.document))
    if not original.exists:
        raise NotFound(f"no posted voucher {cmd.document!r}")
    posted = original.check_reversible()
    lines = journal.reversed_lines(posted.lines, chart)
    fy = fiscal_year_for(uow, cmd.date)
    fy.check_open_for_posting(cmd.date)
    reversal = journal.post_voucher(
        date=cmd.date,
        memo=cmd.memo or f"Reversal of {posted.document}",
        lines=lines,
        kind="reversal",
        fiscal_year=fy,
        actor=actor,
        now=now,
        reverses=posted.document,
    )
    uow.add(reversal)
    assert reversal.posted is not None
    document = reversal.posted.document
    original.trigger(ctx.event(VoucherReversed, by_document=document, date=cmd.date))
    return [document]


def _period_target(uow: UnitOfWork, month: str) -> tuple[FiscalYear, int]:
    day = dt.date.fromisoformat(f"{month}-01")
    fy = fiscal_year_for(uow, day, "period")
    return fy, fy.period_of(day)


@handles(ClosePeriod)
def close_period(cmd: ClosePeriod, ctx: Context) -> list[str]:
    uow, actor, now = ctx.uow, ctx.actor, ctx.now
    fy, number = _period_target(uow, cmd.period)
    fy.close_period(number, actor, now)
    return []


@handles(LockPeriod)
def lock_period(cmd: LockPeriod, ctx: Context) -> list[str]:
    uow, actor, now = ctx.uow, ctx.actor, ctx.now
    fy, number = _period_target(uow, cmd.period)
    fy.lock_period(number, actor, now)
    return []


@handles(ReopenPeriod)
def reopen_period(cmd: ReopenPeriod, ctx: Context) -> list[str]:
    uow, actor, now = ctx.uow, ctx.actor, ctx.now
    fy, number = _period_target(uow, cmd.period)
    fy.reopen_period(number, cmd.reason, actor, now)
    return []


def profit_and_loss_of_year(
    stored: Iterable[DomainEvent], label: str, chart: Chart, pending: Sequence[VoucherPosted] = ()
) -> dict[tuple[str, str], tuple[Decimal, Decimal]]:
    """(amount, base) of every P&L account x currency over one fiscal year.

    Read from the log itself (never from projections), plus the vouchers of the current
    save that are not stored yet.
    """
    totals: dict[tuple[str, str], tuple[Decimal, Decimal]] = {}
    for event in itertools.chain(stored, pending):
        assert isinstance(event, VoucherPosted)
        if event.fiscal_year != label:
            continue
        for line in event.lines:
            if chart.get(line.account).is_profit_and_loss:
                key = (line.account, line.currency)
                amount, base = totals.get(key, (ZERO, ZERO))
                totals[key] = (amount + line.amount, base + line.base)
    return totals


@handles(CloseFiscalYear)
def close_fiscal_year(cmd: CloseFiscalYear, ctx: Context) -> list[str]:
    uow, actor, now = ctx.uow, ctx.actor, ctx.now
    base = company_of(uow).base_currency
    chart = chart_of(uow)
    fy = fiscal_year(uow, cmd.year)
    if fy.closed:
        raise PeriodStateError(f"fiscal year {fy.label} is already closed")
    fy.check_last_period_not_locked("closed")
    pending = [
        e for a in uow.touched.values() for _, e in a.pending if isinstance(e, VoucherPosted)
    ]
    lines = journal.closing_lines(
        profit_and_loss_of_year(ctx.stored(VoucherPosted), fy.label, chart, pending), chart, base
    )
    documents: list[str] = []
    if lines:
        voucher = journal.post_voucher(
            date=fy.end,
            memo=f"Year-end close {fy.label}",
            lines=lines,
            kind="closing",
            fiscal_year=fy,
            actor=actor,
            now=now,
            series="YC",
            period_checked=False,
        )
        uow.add(voucher)
        assert voucher.posted is not None
        documents.append(voucher.posted.document)
    for number, status in sorted(fy.status.items()):
        if status == "open":
            fy.close_period(number, actor, now)
    fy.trigger(ctx.event(FiscalYearClosed, closing_document=documents[0] if documents else ""))
    return documents


@handles(ReopenFiscalYear)
def reopen_fiscal_year(cmd: ReopenFiscalYear, ctx: Context) -> list[str]:
    uow, actor, now = ctx.uow, ctx.actor, ctx.now
    company_of(uow)
    chart = chart_of(uow)
    fy = fiscal_year(uow, cmd.year)
    if not fy.closed:
        raise PeriodStateError(f"fiscal year {fy.label} is not closed")
    fy.check_last_period_not_locked("reopened")
    documents: list[str] = []
    if fy.closing_document:
        closing = uow.get(Voucher, journal.stream_id(fy.closing_document))
        assert closing.posted is not None
        lines = journal.reversed_lines(closing.posted.lines, chart)
        reversal = journal.post_voucher(
            date=fy.end,
            memo=f"Reopen {fy.label}: {cmd.reason}",
            lines=lines,
            kind="closing",
            fiscal_year=fy,
            actor=actor,
            now=now,
            series="YC",
            reverses=fy.closing_document,
            period_checked=False,
        )
        uow.add(reversal)
        assert reversal.posted is not None
        documents.append(reversal.posted.document)
        closing.trigger(ctx.event(VoucherReversed, by_document=documents[0], date=fy.end))
    fy.trigger(
        ctx.event(
            FiscalYearReopened,
            reversal_document=documents[0] if documents else "",
            reason=cmd.reason,
        )
    )
    return documents
