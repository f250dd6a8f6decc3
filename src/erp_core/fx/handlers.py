"""Revaluing open foreign-currency invoices at a closing rate.

The open amount of each foreign invoice on the date (its total less what was allocated to it
on or before the date, both read from the log) is converted at the closing rate; the
difference to its booked base amount is posted as an unrealised gain or loss on the control
account (per party, on the date) and reversed on the next day. Because the revaluation is
reversed, an invoice keeps its booked base amount, and settlement realises the whole
difference against it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from erp_core.currency.exchange import post_exchange_difference, to_base
from erp_core.currency.rates import check_rate, rate_for
from erp_core.fx.commands import RevalueOpenItems
from erp_core.fx.events import OpenItemsRevalued, RevaluedItem
from erp_core.kernel.aggregate import Aggregate
from erp_core.kernel.context import Context
from erp_core.kernel.errors import ValidationError
from erp_core.kernel.money import ZERO
from erp_core.kernel.registry import handles
from erp_core.ledger.posting import chart_of, check_period, company_of
from erp_core.procurement.events import SupplierInvoicePosted, SupplierPaymentAllocated
from erp_core.sales.events import CustomerReceiptAllocated, SalesInvoicePosted


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
    booked: Decimal  # its base amount at the invoice's rate


def open_foreign_items(ctx: Context, day: dt.date) -> list[OpenItem]:
    """Foreign invoices dated on or before `day` with what is open on them on that day."""
    invoices: dict[str, SupplierInvoicePosted | SalesInvoicePosted] = {}
    allocated: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for e in ctx.stored(
        SupplierInvoicePosted,
        SalesInvoicePosted,
        SupplierPaymentAllocated,
        CustomerReceiptAllocated,
    ):
        if isinstance(e, SupplierInvoicePosted | SalesInvoicePosted):
            if e.currency is not None and e.base_total is not None and e.date <= day:
                invoices[e.document] = e  # a sales invoice is stored on its order too
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
                booked=e.base_total - taken[1] / 2,
            )
        )
    return out


@handles(RevalueOpenItems)
def revalue_open_items(cmd: RevalueOpenItems, ctx: Context) -> list[str]:
    uow, actor, now = ctx.uow, ctx.actor, ctx.now
    base = company_of(uow).base_currency
    run = uow.get(RevaluationRun, f"reval:{cmd.date.isoformat()}")
    if run.run is not None:
        raise ValidationError(
            "date",
            f"open items were already revalued on {cmd.date} "
            f"({', '.join(run.run.documents) or 'nothing to post'})",
        )
    for currency, rate in cmd.rates.items():
        check_rate(rate, f"rates.{currency}")
    check_period(uow, cmd.date)
    reversal = cmd.date + dt.timedelta(days=1)
    check_period(uow, reversal)
    chart = chart_of(uow)
    rates: dict[str, Decimal] = {}
    workings: list[RevaluedItem] = []
    changes: dict[tuple[str, str, str], dict[str, Decimal]] = defaultdict(dict)
    for item in open_foreign_items(ctx, cmd.date):
        currency = item.currency
        if currency not in rates:
            given = cmd.rates.get(currency)
            found, _ = rate_for(uow, currency, base, cmd.date, given, f"rates.{currency}")
            assert found is not None
            rates[currency] = found
        open_amount, booked = item.open, item.booked
        revalued = to_base(open_amount, rates[currency], base)
        difference = revalued - booked
        workings.append(
            RevaluedItem(
                ledger=item.ledger,
                party=item.party,
                invoice=item.invoice,
                currency=currency,
                open_amount=open_amount,
                booked=booked,
                rate=rates[currency],
                revalued=revalued,
                difference=difference,
            )
        )
        # open amounts are signed as the control account: a receivable a debit, a payable a
        # credit (its open amount is what we owe, so the account moves the other way)
        change = difference if item.ledger == "receivables" else -difference
        changes[(item.ledger, item.party, currency)][item.invoice] = change
    documents: list[str] = []
    for (ledger, party, currency), items in sorted(changes.items()):
        control = chart.by_role(ledger).code
        for day, kind, sign in ((cmd.date, "unrealised", 1), (reversal, "reversal", -1)):
            document = post_exchange_difference(
                uow,
                ledger=ledger,
                control_account=control,
                party=party,
                currency=currency,
                date=day,
                items={k: sign * v for k, v in items.items()},
                kind=kind,
                actor=actor,
                now=now,
                memo=(
                    f"Revaluation of {party}'s open {currency} items on {cmd.date}"
                    if sign > 0
                    else f"Reversal of the revaluation of {party}'s items on {cmd.date}"
                ),
            )
            if document is not None:
                documents.append(document)
    run.trigger(
        ctx.event(
            OpenItemsRevalued,
            date=cmd.date,
            reversal_date=reversal,
            rates=rates,
            items=tuple(workings),
            documents=tuple(documents),
        )
    )
    return documents
