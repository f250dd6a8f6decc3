"""The currency projection: the exchange-rate table as set (latest setting of a date wins)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from erp_core.projections.engine import Projection, Record, insert_rows
from erp_core.projections.schema import metadata
from pydantic import BaseModel, ConfigDict
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Date,
    String,
    Table,
    Text,
    delete,
    func,
    insert,
    select,
)

from erp_core.kernel.money import MINOR_UNITS, minor_from_text

exchange_rates = Table(
    "exchange_rates",
    metadata,
    Column("currency", String(3), primary_key=True),
    Column("date", Date, primary_key=True),
    Column("rate", String(40), nullable=False),  # exact decimal text; rates are not summed
    Column("source", Text),
    Column("position", BigInteger, nullable=False),
)


# Exchange differences booked on open items (realised on settlement, unrealised on
# revaluation and their reversals): the change of the control account in base, debit positive.
exchange_differences = Table(
    "exchange_differences",
    metadata,
    Column("position", BigInteger, primary_key=True),
    Column("invoice", String(32), primary_key=True),
    Column("document", String(32), nullable=False),
    Column("date", Date, nullable=False),
    Column("ledger", String(16), nullable=False),
    Column("party", String(32), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("base_minor", BigInteger, nullable=False),
)


# The workings of each revaluation run: one row per open item revalued.
revaluation_items = Table(
    "revaluation_items",
    metadata,
    Column("date", Date, primary_key=True),
    Column("invoice", String(32), primary_key=True),
    Column("ledger", String(16), nullable=False),
    Column("party", String(32), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("open_amount", String(40), nullable=False),  # in the invoice's currency
    Column("rate", String(40), nullable=False),
    Column("booked_minor", BigInteger, nullable=False),
    Column("revalued_minor", BigInteger, nullable=False),
    Column("difference_minor", BigInteger, nullable=False),
)


# Foreign-currency invoices and what settled them, in their currency (minor units of it) and
# in base: the sub-ledgers in the document currency.
foreign_items = Table(
    "foreign_items",
    metadata,
    Column("invoice", String(32), primary_key=True),
    Column("ledger", String(16), nullable=False),
    Column("party", String(32), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("date", Date, nullable=False),
    Column("due", Date, nullable=False),
    Column("amount_minor", BigInteger, nullable=False),  # minor units of `currency`
    Column("base_minor", BigInteger, nullable=False),
)

foreign_settlements = Table(
    "foreign_settlements",
    metadata,
    Column("position", BigInteger, primary_key=True),
    Column("invoice", String(32), primary_key=True),
    Column("date", Date, nullable=False),
    Column("amount_minor", BigInteger, nullable=False),  # minor units of the invoice's currency
    Column("base_minor", BigInteger, nullable=False),  # the invoice's base settled
)

INVOICE_STREAMS = {"SupplierInvoicePosted": "pinv:", "SalesInvoicePosted": "sinv:"}
ALLOCATION_STREAMS = {"SupplierPaymentAllocated": "pay:", "CustomerReceiptAllocated": "rcpt:"}


class CurrencyProjection:
    name = "currency"
    tables: Sequence[Table] = (
        exchange_rates,
        exchange_differences,
        revaluation_items,
        foreign_items,
        foreign_settlements,
    )
    event_names = frozenset(
        {
            "ExchangeRateSet",
            "ExchangeDifferenceBooked",
            "OpenItemsRevalued",
            *INVOICE_STREAMS,
            *ALLOCATION_STREAMS,
        }
    )

    def apply(self, conn: Connection, records: Sequence[Record], base_currency: str) -> None:
        places = MINOR_UNITS[base_currency]
        currency_of: dict[str, str] = {}
        for position, stream, name, e in records:
            if name in INVOICE_STREAMS:
                # stored once per invoice stream (a sales invoice also on its order): once here
                if not stream.startswith(INVOICE_STREAMS[name]) or e.get("currency") is None:
                    continue
                supplier = name == "SupplierInvoicePosted"
                currency_of[e["document"]] = e["currency"]
                insert_rows(
                    conn,
                    foreign_items,
                    [
                        (
                            e["document"],
                            "payables" if supplier else "receivables",
                            e["supplier"] if supplier else e["customer"],
                            e["currency"],
                            e["date"],
                            e["due"],
                            minor_from_text(e["total"], MINOR_UNITS[e["currency"]]),
                            minor_from_text(e["base_total"], places),
                        )
                    ],
                )
                continue
            if name in ALLOCATION_STREAMS:
                if not stream.startswith(ALLOCATION_STREAMS[name]) or e.get("base_settled") is None:
                    continue
                currency = (
                    currency_of.get(e["invoice"])
                    or conn.execute(
                        select(foreign_items.c.currency).where(
                            foreign_items.c.invoice == e["invoice"]
                        )
                    ).scalar_one()
                )
                insert_rows(
                    conn,
                    foreign_settlements,
                    [
                        (
                            position,
                            e["invoice"],
                            e["date"],
                            minor_from_text(e["amount"], MINOR_UNITS[currency]),
                            minor_from_text(e["base_settled"], places),
                        )
                    ],
                )
                continue
            if name == "OpenItemsRevalued":
                insert_rows(
                    conn,
                    revaluation_items,
                    [
                        (
                            e["date"],
                            x["invoice"],
                            x["ledger"],
                            x["party"],
                            x["currency"],
                            x["open_amount"],
                            x["rate"],
                            minor_from_text(x["booked"], places),
                            minor_from_text(x["revalued"], places),
                            minor_from_text(x["difference"], places),
                        )
                        for x in e["items"]
                    ],
                )
                continue
            if name == "ExchangeDifferenceBooked":
                insert_rows(
                    conn,
                    exchange_differences,
                    [
                        (
                            position,
                            invoice,
                            e["document"],
                            e["date"],
                            e["ledger"],
                            e["party"],
                            e["currency"],
                            e["kind"],
                            minor_from_text(amount, places),
                        )
                        for invoice, amount in sorted(e["items"].items())
                    ],
                )
                continue
            day = dt.date.fromisoformat(e["date"])
            conn.execute(
                delete(exchange_rates).where(
                    (exchange_rates.c.currency == e["currency"]) & (exchange_rates.c.date == day)
                )
            )
            conn.execute(
                insert(exchange_rates).values(
                    currency=e["currency"],
                    date=day,
                    rate=e["rate"],
                    source=e.get("source"),
                    position=position,
                )
            )


def projections() -> list[Projection]:
    return [CurrencyProjection()]


class RateRow(BaseModel):
    model_config = ConfigDict(frozen=True)
    currency: str
    date: dt.date
    rate: Decimal
    source: str | None


def rate_rows(
    conn: Connection, currency: str | None = None, as_of: dt.date | None = None
) -> list[RateRow]:
    """Every rate set (of one currency, up to a date); with `as_of` and no other filter, the
    rate in force on that date for each currency."""
    query = select(exchange_rates).order_by(exchange_rates.c.currency, exchange_rates.c.date)
    if currency is not None:
        query = query.where(exchange_rates.c.currency == currency)
    if as_of is not None:
        query = query.where(exchange_rates.c.date <= as_of)
    rows = [
        RateRow(currency=r.currency, date=r.date, rate=Decimal(r.rate), source=r.source)
        for r in conn.execute(query)
    ]
    if as_of is not None:
        latest: dict[str, RateRow] = {}
        for row in rows:
            latest[row.currency] = row
        return list(latest.values())
    return rows


def exchange_adjustments(
    conn: Connection, ledger: str, as_of: dt.date | None = None, kind: str | None = None
) -> dict[str, int]:
    """Per party, the exchange differences booked on its open items (minor units of base,
    the change of the control account, debit positive), up to a date, of one kind."""
    d = exchange_differences
    query = select(d.c.party, func.sum(d.c.base_minor)).where(d.c.ledger == ledger)
    if as_of is not None:
        query = query.where(d.c.date <= as_of)
    if kind is not None:
        query = query.where(d.c.kind == kind)
    return {party: int(total) for party, total in conn.execute(query.group_by(d.c.party))}


class RevaluationRow(BaseModel):
    model_config = ConfigDict(frozen=True)
    ledger: str
    party: str
    invoice: str
    currency: str
    open_amount: Decimal
    rate: Decimal
    booked: Decimal
    revalued: Decimal
    difference: Decimal


def revaluation_rows(conn: Connection, day: dt.date) -> list[RevaluationRow]:
    """The workings of the revaluation run of a date, per open item."""
    from erp_core.projections.queries import company

    from erp_core.kernel.money import from_minor

    _, base = company(conn)
    r = revaluation_items
    return [
        RevaluationRow(
            ledger=row.ledger,
            party=row.party,
            invoice=row.invoice,
            currency=row.currency,
            open_amount=Decimal(row.open_amount),
            rate=Decimal(row.rate),
            booked=from_minor(row.booked_minor, base),
            revalued=from_minor(row.revalued_minor, base),
            difference=from_minor(row.difference_minor, base),
        )
        for row in conn.execute(
            select(r).where(r.c.date == day).order_by(r.c.ledger, r.c.party, r.c.invoice)
        )
    ]


class ForeignAgingRow(BaseModel):
    """Open foreign invoices of one party in one currency: the buckets in that currency, and
    the open total in it and in base (at the invoices' rates)."""

    model_config = ConfigDict(frozen=True)
    ledger: str
    party: str
    currency: str
    not_due: Decimal
    days_1_30: Decimal
    days_31_60: Decimal
    days_61_90: Decimal
    over_90: Decimal
    total: Decimal
    total_base: Decimal


def foreign_aging(
    conn: Connection, as_of: dt.date, ledger: str | None = None
) -> list[ForeignAgingRow]:
    """Open foreign-currency invoices as of a date, by days past due, in their currency and
    in base (as booked)."""
    from erp_core.projections.operations import BUCKETS, _bucket
    from erp_core.projections.queries import company

    from erp_core.kernel.money import from_minor

    _, base = company(conn)
    i, st = foreign_items, foreign_settlements
    taken = (
        select(
            st.c.invoice,
            func.sum(st.c.amount_minor).label("amount"),
            func.sum(st.c.base_minor).label("base"),
        )
        .where(st.c.date <= as_of)
        .group_by(st.c.invoice)
        .subquery()
    )
    query = (
        select(
            i.c.ledger,
            i.c.party,
            i.c.currency,
            i.c.due,
            i.c.amount_minor - func.coalesce(taken.c.amount, 0),
            i.c.base_minor - func.coalesce(taken.c.base, 0),
        )
        .select_from(i.outerjoin(taken, taken.c.invoice == i.c.invoice))
        .where(i.c.date <= as_of)
    )
    if ledger is not None:
        query = query.where(i.c.ledger == ledger)
    table: dict[tuple[str, str, str], dict[str, int]] = {}
    for led, party, currency, due, left, left_base in conn.execute(query):
        if int(left) == 0:
            continue
        row = table.setdefault((led, party, currency), dict.fromkeys((*BUCKETS, "base"), 0))
        due_day = due if isinstance(due, dt.date) else dt.date.fromisoformat(str(due))
        row[_bucket((as_of - due_day).days)] += int(left)
        row["base"] += int(left_base)
    return [
        ForeignAgingRow(
            ledger=led,
            party=party,
            currency=currency,
            **{k: from_minor(b[k], currency) for k in BUCKETS},
            total=from_minor(sum(b[k] for k in BUCKETS), currency),
            total_base=from_minor(b["base"], base),
        )
        for (led, party, currency), b in sorted(table.items())
    ]
