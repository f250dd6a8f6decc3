"""Posting: what every area's posting rules share.

Reading the company, the chart and the fiscal year a date falls in; numbering documents;
posting a sub-ledger document's journal voucher; the accounts posting rules of several areas
read (`PostingSettings`); money checks. Areas post through these functions and never through
each other's handlers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from erp_core.kernel.aggregate import Aggregate
from erp_core.kernel.context import Context
from erp_core.kernel.errors import NotFound, PeriodClosed, ValidationError
from erp_core.kernel.money import MAX_DIGITS, check_scale, quantum
from erp_core.kernel.unit_of_work import UnitOfWork
from erp_core.ledger import accounts, company, journal, periods
from erp_core.ledger.accounts import Chart
from erp_core.ledger.company import Company
from erp_core.ledger.events import PostedLine, ProcurementConfigured, VoucherKind, VoucherPosted
from erp_core.ledger.periods import FiscalYear, format_number

Now = dt.datetime
LIMIT = Decimal(10) ** MAX_DIGITS
SETTINGS_STREAM = "settings:procurement"  # the stream's first name, kept: streams never move


def company_of(uow: UnitOfWork) -> Company:
    c = uow.get(Company, company.STREAM)
    c.check_exists()
    return c


def chart_of(uow: UnitOfWork) -> Chart:
    return uow.get(Chart, accounts.STREAM)


def fiscal_year_for(uow: UnitOfWork, day: dt.date, field: str = "date") -> FiscalYear:
    label, _, _ = periods.fiscal_year_bounds(day, company_of(uow).fiscal_year_start)
    fy = uow.get(FiscalYear, periods.stream_id(label))
    if not fy.exists:
        raise PeriodClosed(field, f"fiscal year {label} (holding {day}) is not open; open it first")
    return fy


def fiscal_year(uow: UnitOfWork, year: int) -> FiscalYear:
    fy = uow.get(FiscalYear, periods.stream_id(str(year)))
    if not fy.exists:
        raise NotFound(f"fiscal year {year} is not open")
    return fy


class PostingSettings(Aggregate):
    """Accounts and limits set by `configure_procurement`, read by several areas' rules."""

    cacheable = True

    def __init__(self, stream: str = SETTINGS_STREAM) -> None:
        super().__init__(stream)
        self.approval_threshold = Decimal("10000")
        self.over_receipt_tolerance = Decimal(0)
        self.price_variance_account = "5200"
        self.adjustment_account = "5300"
        self.input_tax_account = "1400"

    def _on_configured(self, e: ProcurementConfigured) -> None:
        self.approval_threshold = e.approval_threshold
        self.over_receipt_tolerance = e.over_receipt_tolerance
        self.price_variance_account = e.price_variance_account
        self.adjustment_account = e.adjustment_account
        self.input_tax_account = e.input_tax_account

    handlers = {ProcurementConfigured: _on_configured}


def settings(uow: UnitOfWork) -> PostingSettings:
    return uow.get(PostingSettings, SETTINGS_STREAM)


def gl(
    account: str,
    base: Decimal,
    currency: str,
    memo: str | None = None,
    dimensions: dict[str, str] | None = None,
    party: str | None = None,
) -> PostedLine:
    """A base-currency journal line (debit positive)."""
    return PostedLine(
        account=account,
        currency=currency,
        amount=base,
        base=base,
        memo=memo,
        dimensions=dimensions or {},
        party=party,
    )


def post_document(
    uow: UnitOfWork,
    *,
    series: str,
    kind: VoucherKind,
    date: dt.date,
    memo: str | None,
    lines: Sequence[PostedLine],
    actor: str,
    now: Now,
) -> str:
    """Number and post a journal voucher for a sub-ledger document (period already checked)."""
    fy = fiscal_year_for(uow, date)
    voucher = journal.post_voucher(
        date=date,
        memo=memo,
        lines=lines,
        kind=kind,
        fiscal_year=fy,
        actor=actor,
        now=now,
        series=series,
    )
    uow.add(voucher)
    assert voucher.posted is not None
    return voucher.posted.document


def next_document(uow: UnitOfWork, series: str, date: dt.date, actor: str, now: Now) -> str:
    """Number a document that posts nothing itself (order, plan, count sheet)."""
    fy = fiscal_year_for(uow, date)
    return format_number(series, fy.label, fy.issue_number(series, actor, now))


def check_period(uow: UnitOfWork, date: dt.date) -> None:
    fiscal_year_for(uow, date).check_open_for_posting(date)


def round_money(amount: Decimal, currency: str, field: str = "amount") -> Decimal:
    """Round half up to the currency's minor unit; refuse amounts beyond the 15-digit range
    that every stored amount must fit (exactly, as an integer of minor units)."""
    if abs(amount) >= LIMIT:
        raise ValidationError(
            field, f"{amount:f} is too large: amounts have at most {MAX_DIGITS} integer digits"
        )
    return amount.quantize(quantum(currency), rounding=ROUND_HALF_UP)


def is_open(uow: UnitOfWork, day: dt.date) -> bool:
    try:
        fiscal_year_for(uow, day).check_open_for_posting(day)
    except PeriodClosed:
        return False
    return True


def post_document_as(
    uow: UnitOfWork,
    document: str,
    *,
    kind: VoucherKind,
    date: dt.date,
    memo: str | None,
    lines: Sequence[PostedLine],
    actor: str,
    now: Now,
) -> None:
    """Post the journal of a document whose number was assigned already (count sheets)."""
    fy = fiscal_year_for(uow, date)
    voucher = journal.Voucher(journal.stream_id(document))
    voucher.trigger(
        VoucherPosted(
            actor=actor,
            recorded_at=now,
            document=document,
            kind=kind,
            date=date,
            fiscal_year=fy.label,
            period=fy.period_of(date),
            memo=memo,
            lines=tuple(lines),
        )
    )
    uow.add(voucher)


def placeholder(uow: UnitOfWork, series: str, date: dt.date) -> str:
    """The number the next document of `series` will get (for planning; not reserved)."""
    fy = fiscal_year_for(uow, date)
    return format_number(series, fy.label, fy.counters.get(series, 0) + 1)


def plain(d: Decimal) -> str:
    """A quantity or percentage without trailing zeros: 30, 2.5."""
    return f"{d.normalize():f}"


def check_money(amount: Decimal, currency: str, field: str, *, positive: bool = True) -> None:
    if amount < 0 or (positive and amount == 0):
        raise ValidationError(
            field, "must be greater than zero" if positive else "must not be negative"
        )
    try:
        check_scale(amount, currency)
    except ValueError as exc:
        raise ValidationError(field, str(exc)) from None


# --- the same, for handlers: the context supplies the unit of work, the actor and the time ---


def post(
    ctx: Context,
    *,
    series: str,
    kind: VoucherKind,
    date: dt.date,
    memo: str | None,
    lines: Sequence[PostedLine],
) -> str:
    """`post_document` with the unit of work, actor and time of the handler's context."""
    return post_document(
        ctx.uow,
        series=series,
        kind=kind,
        date=date,
        memo=memo,
        lines=lines,
        actor=ctx.actor,
        now=ctx.now,
    )


def next_number(ctx: Context, series: str, date: dt.date) -> str:
    """`next_document` with the handler's context: the next gapless number of `series`."""
    return next_document(ctx.uow, series, date, ctx.actor, ctx.now)
