"""Revaluing open foreign-currency invoices and foreign-currency accounts at a closing rate.

The open amount of each foreign invoice on the date (its total less what was allocated to it
on or before the date, both read from the log) is converted at the closing rate; the
difference to its carrying base amount (its booked base, less what settled it, plus the
unrealised differences booked on it up to the date) is posted as an unrealised gain or loss on
the control account, per party. Each asset or liability account restricted to a foreign
currency (a USD bank account, a cash box, a loan) is revalued the same way: its balance in its
currency on the date at the closing rate, against its base balance as posted.

By default the run is reversed on the first day of the next period, so an invoice keeps its
booked base amount and settlement realises the whole difference against it. A kept run is not
reversed: the item's carrying amount moves (`RevaluationKept` on `carry:<invoice>`), the next
run books only the difference from it, and settlement realises only what the rate did since.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from erp_core.currency.events import ExchangeDifferenceBooked, RevaluationKept
from erp_core.currency.exchange import (
    carrying_of,
    foreign_line,
    post_exchange_difference,
    to_base,
)
from erp_core.currency.rates import check_rate, currency_settings, rate_for
from erp_core.fx.commands import RevalueOpenItems
from erp_core.fx.events import OpenItemsRevalued, RevaluedAccount, RevaluedItem
from erp_core.kernel.aggregate import Aggregate
from erp_core.kernel.context import Context
from erp_core.kernel.errors import ValidationError
from erp_core.kernel.money import ZERO
from erp_core.kernel.registry import handles
from erp_core.ledger.accounts import Account, Chart
from erp_core.ledger.events import PostedLine, VoucherPosted
from erp_core.ledger.posting import (
    chart_of,
    check_period,
    company_of,
    fiscal_year_for,
    gl,
    post,
)
from erp_core.procurement.events import SupplierInvoicePosted, SupplierPaymentAllocated
from erp_core.sales.events import CustomerReceiptAllocated, SalesInvoicePosted

# control accounts revalued per open item, not as a balance
ITEM_ROLES = frozenset({"receivables", "payables"})


class RevaluationRun(Aggregate):
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.run: OpenItemsRevalued | None = None

    def _on_revalued(self, e: OpenItemsRevalued) -> None:
        self.run = e

    handlers = {OpenItemsRevalued: _on_revalued}


@dataclass
class OpenItem:
    ledger: str  # payables or receivables
    party: str
    invoice: str
    currency: str
    open: Decimal  # in the invoice's currency
    booked: Decimal  # its carrying base amount (what we owe, or are owed)


def open_foreign_items(ctx: Context, day: dt.date) -> list[OpenItem]:
    """Foreign invoices dated on or before `day` with what is open on them on that day, in
    their currency and in base (booked, less settled, plus unrealised differences)."""
    invoices: dict[str, SupplierInvoicePosted | SalesInvoicePosted] = {}
    allocated: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    unrealised: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for e in ctx.stored(
        SupplierInvoicePosted,
        SalesInvoicePosted,
        SupplierPaymentAllocated,
        CustomerReceiptAllocated,
        ExchangeDifferenceBooked,
    ):
        if isinstance(e, SupplierInvoicePosted | SalesInvoicePosted):
            if e.currency is not None and e.base_total is not None and e.date <= day:
                invoices[e.document] = e  # a sales invoice is stored on its order too
        elif isinstance(e, ExchangeDifferenceBooked):
            if e.kind != "realised" and e.date <= day:
                # a change of the control account (debit positive): a payable moves the
                # other way
                sign = 1 if e.ledger == "receivables" else -1
                for invoice, change in e.items.items():
                    unrealised[invoice] += sign * change
        elif (
            isinstance(e, SupplierPaymentAllocated | CustomerReceiptAllocated)
            and e.date <= day
            and e.base_settled is not None
        ):
            # an allocation is stored on the payment's and on the invoice's stream: each
            # counts twice here, and is halved below (exactly)
            taken = allocated[e.invoice]
            taken[0] += e.amount
            taken[1] += e.base_settled
    out = []
    for document, e in sorted(invoices.items()):
        taken = allocated.get(document, [ZERO, ZERO])
        open_amount = e.total - taken[0] / 2
        if open_amount == 0:
            continue
        assert e.currency is not None and e.base_total is not None
        supplier = isinstance(e, SupplierInvoicePosted)
        out.append(
            OpenItem(
                ledger="payables" if supplier else "receivables",
                party=e.supplier if isinstance(e, SupplierInvoicePosted) else e.customer,
                invoice=document,
                currency=e.currency,
                open=open_amount,
                booked=e.base_total - taken[1] / 2 + unrealised.get(document, ZERO),
            )
        )
    return out


def foreign_accounts(chart: Chart, base: str) -> dict[str, Account]:
    """The open asset and liability accounts restricted to a foreign currency, other than the
    payables and receivables control accounts (revalued per open item)."""
    return {
        a.code: a
        for a in chart.accounts.values()
        if a.currency is not None
        and a.currency != base
        and a.type in ("asset", "liability")
        and not a.is_group
        and not a.closed
        and a.control not in ITEM_ROLES
    }


def account_balances(
    ctx: Context, accounts: dict[str, Account], day: dt.date
) -> dict[str, tuple[Decimal, Decimal]]:
    """(balance in the account's currency, balance in base) of each account on `day`, from
    the vouchers in the log."""
    found: dict[str, tuple[Decimal, Decimal]] = {}
    if not accounts:
        return found
    for e in ctx.stored(VoucherPosted):
        if not isinstance(e, VoucherPosted) or e.date > day:
            continue
        for line in e.lines:
            if line.account in accounts:
                amount, base = found.get(line.account, (ZERO, ZERO))
                found[line.account] = (amount + line.amount, base + line.base)
    return found


def reversal_day(ctx: Context, day: dt.date) -> dt.date:
    """The first day of the period after the one holding `day`."""
    fy = fiscal_year_for(ctx.uow, day)
    return fy.span(fy.period_of(day)).end + dt.timedelta(days=1)


def check_in_order(ctx: Context, day: dt.date) -> None:
    """Runs go forward in time: each builds on the carrying amounts the runs before it left."""
    later = sorted(
        e.date for e in ctx.stored(OpenItemsRevalued) if isinstance(e, OpenItemsRevalued)
    )
    if later and later[-1] > day:
        raise ValidationError(
            "date",
            f"open items were already revalued on {later[-1]}, after {day}: "
            "revaluations run in date order",
        )


@handles(RevalueOpenItems)
def revalue_open_items(cmd: RevalueOpenItems, ctx: Context) -> list[str]:
    uow = ctx.uow
    base = company_of(uow).base_currency
    run = uow.get(RevaluationRun, f"reval:{cmd.date.isoformat()}")
    if run.run is not None:
        raise ValidationError(
            "date",
            f"open items were already revalued on {cmd.date} "
            f"({', '.join(run.run.documents) or 'nothing to post'})",
        )
    for currency, rate in cmd.rates.items():
        if currency == base:
            raise ValidationError(
                f"rates.{currency}", f"{base} is the base currency: its rate is always 1"
            )
        check_rate(rate, f"rates.{currency}")
    check_period(uow, cmd.date)
    conf = currency_settings(uow)
    keep = conf.keep_revaluation if cmd.keep is None else cmd.keep
    reversal = None if keep else reversal_day(ctx, cmd.date)
    if reversal is not None:
        check_period(uow, reversal)
    check_in_order(ctx, cmd.date)
    chart = chart_of(uow)
    rates: dict[str, Decimal] = {}

    def closing_rate(currency: str) -> Decimal:
        if currency not in rates:
            given = cmd.rates.get(currency)
            found, _ = rate_for(uow, currency, base, cmd.date, given, f"rates.{currency}")
            assert found is not None
            rates[currency] = found
        return rates[currency]

    workings: list[RevaluedItem] = []
    changes: dict[tuple[str, str, str], dict[str, Decimal]] = defaultdict(dict)
    kept: list[tuple[RevaluedItem, Decimal]] = []
    for item in open_foreign_items(ctx, cmd.date):
        currency = item.currency
        rate = closing_rate(currency)
        revalued = to_base(item.open, rate, base)
        difference = revalued - item.booked
        working = RevaluedItem(
            ledger=item.ledger,
            party=item.party,
            invoice=item.invoice,
            currency=currency,
            open_amount=item.open,
            booked=item.booked,
            rate=rate,
            revalued=revalued,
            difference=difference,
        )
        workings.append(working)
        # open amounts are signed as the control account: a receivable a debit, a payable a
        # credit (its open amount is what we owe, so the account moves the other way)
        change = difference if item.ledger == "receivables" else -difference
        changes[(item.ledger, item.party, currency)][item.invoice] = change
        if difference:
            kept.append((working, difference))
    # every rate is found before anything is posted
    accounts = foreign_accounts(chart, base)
    account_workings: list[RevaluedAccount] = []
    for code, (balance, booked) in sorted(account_balances(ctx, accounts, cmd.date).items()):
        if balance == 0 and booked == 0:
            continue
        held = accounts[code].currency
        assert held is not None
        rate = closing_rate(held)
        revalued = to_base(balance, rate, base)
        account_workings.append(
            RevaluedAccount(
                account=code,
                currency=held,
                balance=balance,
                booked=booked,
                rate=rate,
                revalued=revalued,
                difference=revalued - booked,
            )
        )
    documents: list[str] = []
    posted_on: dict[str, str] = {}  # invoice -> the voucher that revalued it
    for (ledger, party, currency), items in sorted(changes.items()):
        control = chart.by_role(ledger).code
        days = [(cmd.date, "unrealised", 1)]
        if reversal is not None:
            days.append((reversal, "reversal", -1))
        for day, kind, sign in days:
            document = post_exchange_difference(
                uow,
                ledger=ledger,
                control_account=control,
                party=party,
                currency=currency,
                date=day,
                items={k: sign * v for k, v in items.items()},
                kind=kind,
                actor=ctx.actor,
                now=ctx.now,
                memo=(
                    f"Revaluation of {party}'s open {currency} items on {cmd.date}"
                    if sign > 0
                    else f"Reversal of the revaluation of {party}'s items on {cmd.date}"
                ),
            )
            if document is not None:
                documents.append(document)
                if sign > 0:
                    posted_on.update(dict.fromkeys(items, document))
    account_documents = post_account_revaluation(ctx, account_workings, cmd.date, reversal)
    documents.extend(account_documents)
    if keep:
        for working, difference in kept:
            record = carrying_of(uow, working.invoice)
            record.trigger(
                ctx.event(
                    RevaluationKept,
                    invoice=working.invoice,
                    date=cmd.date,
                    document=posted_on[working.invoice],
                    open_amount=working.open_amount,
                    rate=working.rate,
                    adjustment=difference,
                )
            )
    run.trigger(
        ctx.event(
            OpenItemsRevalued,
            date=cmd.date,
            reversal_date=reversal,
            rates=rates,
            items=tuple(workings),
            documents=tuple(documents),
            accounts=tuple(account_workings),
            kept=keep,
            account_documents=tuple(account_documents),
        )
    )
    return documents


def post_account_revaluation(
    ctx: Context,
    workings: list[RevaluedAccount],
    day: dt.date,
    reversal: dt.date | None,
) -> list[str]:
    """One voucher for the foreign-currency accounts' differences (0 in the account's
    currency, the difference in base) against the unrealised gain or loss account, and its
    reversal unless kept."""
    moving = [w for w in workings if w.difference != 0]
    if not moving:
        return []
    uow = ctx.uow
    base = company_of(uow).base_currency
    conf = currency_settings(uow)
    chart = chart_of(uow)
    chart.check_postable(conf.unrealised_gain_account, base, "unrealised_gain_account")
    chart.check_postable(conf.unrealised_loss_account, base, "unrealised_loss_account")
    documents = []
    for date, sign in ((day, 1), (reversal, -1)):
        if date is None:
            continue
        lines: list[PostedLine] = []
        for w in moving:
            change = sign * w.difference  # the account's change in base, debit positive
            lines.append(foreign_line(w.account, ZERO, change, w.currency, None, w.account))
            counter = -change
            gain = counter < 0
            lines.append(
                gl(
                    conf.unrealised_gain_account if gain else conf.unrealised_loss_account,
                    counter,
                    base,
                    f"{'reversal' if sign < 0 else 'unrealised'} exchange "
                    f"{'gain' if gain else 'loss'} {w.account} {w.currency}",
                )
            )
        documents.append(
            post(
                ctx,
                series="FX",
                kind="revaluation",
                date=date,
                memo=(
                    f"Revaluation of foreign-currency accounts on {day}"
                    if sign > 0
                    else f"Reversal of the revaluation of foreign-currency accounts on {day}"
                ),
                lines=lines,
            )
        )
    return documents
