"""The currency projection: the exchange-rate table as set (latest setting of a date wins)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

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
from erp_core.ledger.reports import CheckResult

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

# The workings of each revaluation of a foreign-currency account, with its vouchers.
revaluation_accounts = Table(
    "revaluation_accounts",
    metadata,
    Column("date", Date, primary_key=True),
    Column("account", String(20), primary_key=True),
    Column("currency", String(3), nullable=False),
    Column("balance", String(40), nullable=False),  # in the account's currency
    Column("rate", String(40), nullable=False),
    Column("booked_minor", BigInteger, nullable=False),
    Column("revalued_minor", BigInteger, nullable=False),
    Column("difference_minor", BigInteger, nullable=False),
    Column("document", String(32)),
    Column("reversal_date", Date),
    Column("reversal_document", String(32)),
)

# Foreign-currency payments, receipts and credit notes in their currency (minor units of it)
# and in base: with `foreign_items`, the sub-ledgers in the document currency.
foreign_payments = Table(
    "foreign_payments",
    metadata,
    Column("document", String(32), primary_key=True),
    Column("ledger", String(16), nullable=False),
    Column("kind", String(16), nullable=False),  # payment, receipt, credit_note
    Column("party", String(32), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("date", Date, nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("base_minor", BigInteger, nullable=False),
)

# event -> (stream prefix it is counted on, ledger, kind, party field, amount, base amount)
PAYMENT_EVENTS = {
    "SupplierPaymentPosted": ("pay:", "payables", "payment", "supplier", "amount", "base_amount"),
    "CustomerReceiptPosted": (
        "rcpt:",
        "receivables",
        "receipt",
        "customer",
        "amount",
        "base_amount",
    ),
    "CreditNotePosted": ("rcpt:", "receivables", "credit_note", "customer", "total", "base_total"),
}

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
        revaluation_accounts,
        foreign_payments,
    )
    event_names = frozenset(
        {
            "ExchangeRateSet",
            "ExchangeDifferenceBooked",
            "OpenItemsRevalued",
            *INVOICE_STREAMS,
            *ALLOCATION_STREAMS,
            *PAYMENT_EVENTS,
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
            if name in PAYMENT_EVENTS:
                prefix, ledger, kind, party, amount, base_amount = PAYMENT_EVENTS[name]
                if not stream.startswith(prefix) or e.get("currency") is None:
                    continue
                insert_rows(
                    conn,
                    foreign_payments,
                    [
                        (
                            e["document"],
                            ledger,
                            kind,
                            e[party],
                            e["currency"],
                            e["date"],
                            minor_from_text(e[amount], MINOR_UNITS[e["currency"]]),
                            minor_from_text(e[base_amount], places),
                        )
                    ],
                )
                continue
            if name == "OpenItemsRevalued":
                documents = e.get("account_documents") or []
                insert_rows(
                    conn,
                    revaluation_accounts,
                    [
                        (
                            e["date"],
                            a["account"],
                            a["currency"],
                            a["balance"],
                            a["rate"],
                            *_base_minor(a, places),
                            # the accounts' voucher holds every account that moved
                            documents[0] if moved else None,
                            e["reversal_date"] if moved and len(documents) > 1 else None,
                            documents[1] if moved and len(documents) > 1 else None,
                        )
                        for a in e.get("accounts") or []
                        for moved in (minor_from_text(a["difference"], places) != 0,)
                    ],
                )
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
                            *_base_minor(x, places),
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


def unrealised_by_invoice(conn: Connection, ledger: str, as_of: dt.date) -> dict[str, int]:
    """Per open item, the revaluations (and their reversals) booked on it up to a date, in
    minor units of base and in the item's own sign (more owed to a supplier, or by a
    customer): what the base aging adds to an item's booked amount so that it shows the item
    as the control account carries it."""
    d = exchange_differences
    sign = 1 if ledger == "receivables" else -1
    return {
        invoice: sign * int(total)
        for invoice, total in conn.execute(
            select(d.c.invoice, func.sum(d.c.base_minor))
            .where((d.c.ledger == ledger) & (d.c.kind != "realised") & (d.c.date <= as_of))
            .group_by(d.c.invoice)
        )
    }


def with_unrealised(conn: Connection, ledger: str, as_of: dt.date, items: list[Any]) -> list[Any]:
    """Open items (party, document, due, open in base) with their unrealised differences
    added; items that are then zero (settled in full at a kept carrying amount) dropped."""
    extra = unrealised_by_invoice(conn, ledger, as_of)
    if not extra:
        return items
    out = []
    for party, document, due, left in items:
        left = int(left) + extra.get(document, 0)
        if left:
            out.append((party, document, due, left))
    return out


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


def _base_minor(working: dict[str, Any], places: int) -> tuple[int, int, int]:
    """A revaluation working's booked, revalued and difference (text in base) in minor units."""
    return (
        minor_from_text(working["booked"], places),
        minor_from_text(working["revalued"], places),
        minor_from_text(working["difference"], places),
    )


def _workings(
    conn: Connection, table: Table, day: dt.date, *order: Any
) -> list[tuple[Any, dict[str, Any]]]:
    """The stored workings of the revaluation run of a date (`revaluation_items` or
    `revaluation_accounts`), each row with the fields both share: currency, rate, and
    booked, revalued and difference in base."""
    from erp_core.projections.queries import company

    from erp_core.kernel.money import from_minor

    _, base = company(conn)
    return [
        (
            row,
            {
                "currency": row.currency,
                "rate": Decimal(row.rate),
                "booked": from_minor(row.booked_minor, base),
                "revalued": from_minor(row.revalued_minor, base),
                "difference": from_minor(row.difference_minor, base),
            },
        )
        for row in conn.execute(select(table).where(table.c.date == day).order_by(*order))
    ]


def revaluation_rows(conn: Connection, day: dt.date) -> list[RevaluationRow]:
    """The workings of the revaluation run of a date, per open item."""
    r = revaluation_items
    return [
        RevaluationRow(
            ledger=row.ledger,
            party=row.party,
            invoice=row.invoice,
            open_amount=Decimal(row.open_amount),
            **shared,
        )
        for row, shared in _workings(conn, r, day, r.c.ledger, r.c.party, r.c.invoice)
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
        row[_bucket((as_of - _day(due)).days)] += int(left)
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


class RevaluationAccountRow(BaseModel):
    model_config = ConfigDict(frozen=True)
    account: str
    currency: str
    balance: Decimal
    rate: Decimal
    booked: Decimal
    revalued: Decimal
    difference: Decimal


def revaluation_account_rows(conn: Connection, day: dt.date) -> list[RevaluationAccountRow]:
    """The workings of the revaluation run of a date, per foreign-currency account."""
    r = revaluation_accounts
    return [
        RevaluationAccountRow(account=row.account, balance=Decimal(row.balance), **shared)
        for row, shared in _workings(conn, r, day, r.c.account)
    ]


# --- the sub-ledgers in the document currency --------------------------------------------------

LEDGER_ROLES = {"payables": "payables", "receivables": "receivables"}


def _control_account(conn: Connection, ledger: str) -> str | None:
    from erp_core.projections.schema import accounts

    return conn.execute(select(accounts.c.code).where(accounts.c.control == ledger)).scalar()


def _day(value: object) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


class PartyLedgerRow(BaseModel):
    """One posting of a supplier or customer in the document currency, with base alongside:
    what is owed moves by `amount` (an exchange difference moves only the base)."""

    model_config = ConfigDict(frozen=True)
    date: dt.date
    document: str
    kind: str
    memo: str | None
    currency: str
    amount: Decimal
    balance: Decimal
    base_amount: Decimal
    base_balance: Decimal


def party_ledger(conn: Connection, ledger: str, party: str) -> list[PartyLedgerRow]:
    """Every posting to the payables or receivables control account for one party, in the
    document's currency and in base, with running balances of both (what we owe a supplier,
    what a customer owes us: positive)."""
    from erp_core.projections.queries import company
    from erp_core.projections.schema import gl_lines

    from erp_core.kernel.money import from_minor

    _, base = company(conn)
    sign = -1 if ledger == "payables" else 1
    g = gl_lines
    running: dict[str, int] = {}
    running_base = 0
    out = []
    for r in conn.execute(
        select(g.c.date, g.c.document, g.c.kind, g.c.memo, g.c.currency, g.c.amount_minor,
               g.c.base_minor)
        .where((g.c.party == party) & (g.c.account == _control_account(conn, ledger)))
        .order_by(g.c.date, g.c.position, g.c.line_no)
    ):  # fmt: skip
        amount, base_amount = sign * int(r.amount_minor), sign * int(r.base_minor)
        running[r.currency] = running.get(r.currency, 0) + amount
        running_base += base_amount
        out.append(
            PartyLedgerRow(
                date=_day(r.date),
                document=r.document,
                kind=r.kind,
                memo=r.memo,
                currency=r.currency,
                amount=from_minor(amount, r.currency),
                balance=from_minor(running[r.currency], r.currency),
                base_amount=from_minor(base_amount, base),
                base_balance=from_minor(running_base, base),
            )
        )
    return out


class DocumentAgingRow(BaseModel):
    """What one party owes or is owed, by days past due, in its own currency; the balance
    in base alongside (as the control account carries it)."""

    model_config = ConfigDict(frozen=True)
    party: str
    name: str
    currency: str
    not_due: Decimal
    days_1_30: Decimal
    days_31_60: Decimal
    days_61_90: Decimal
    over_90: Decimal
    unallocated: Decimal
    balance: Decimal
    balance_base: Decimal


def document_aging(conn: Connection, ledger: str, as_of: dt.date) -> list[DocumentAgingRow]:
    """The payables or receivables aging in each party's own currency: foreign invoices less
    their allocations, unallocated payments, receipts and credit notes, all in the document
    currency; parties in the base currency as the base aging shows them."""
    from erp_core.projections.operations import BUCKETS, _bucket, payables_aging
    from erp_core.projections.queries import company
    from erp_core.projections.sales_reports import receivables_aging
    from erp_core.projections.schema import customers, suppliers

    from erp_core.kernel.money import from_minor

    _, base = company(conn)
    parties = suppliers if ledger == "payables" else customers
    info = {
        code: (name, currency)
        for code, name, currency in conn.execute(
            select(parties.c.code, parties.c.name, parties.c.currency)
        )
    }
    in_base = {
        (r.supplier if ledger == "payables" else r.customer): r
        for r in (
            payables_aging(conn, as_of) if ledger == "payables" else receivables_aging(conn, as_of)
        ).rows
    }
    rows: dict[str, DocumentAgingRow] = {}
    # parties in the base currency: the base aging's row
    for party, r in in_base.items():
        name, currency = info.get(party, ("?", base))
        if currency != base:
            continue
        unallocated = r.unallocated_payments if ledger == "payables" else r.unallocated_credits
        rows[party] = DocumentAgingRow(
            party=party,
            name=name,
            currency=base,
            **{k: getattr(r, k) for k in BUCKETS},
            unallocated=unallocated,
            balance=r.balance,
            balance_base=r.balance,
        )
    # foreign parties: invoices less allocations, and payments less allocations, in their
    # currency (allocations are never dated before their payment)
    i, st, fp = foreign_items, foreign_settlements, foreign_payments
    taken = (
        select(st.c.invoice, func.sum(st.c.amount_minor).label("amount"))
        .where(st.c.date <= as_of)
        .group_by(st.c.invoice)
        .subquery()
    )
    table: dict[tuple[str, str], dict[str, int]] = {}
    for party, currency, due, left, allocated in conn.execute(
        select(
            i.c.party,
            i.c.currency,
            i.c.due,
            i.c.amount_minor - func.coalesce(taken.c.amount, 0),
            func.coalesce(taken.c.amount, 0),
        )
        .select_from(i.outerjoin(taken, taken.c.invoice == i.c.invoice))
        .where((i.c.date <= as_of) & (i.c.ledger == ledger))
    ):
        row = table.setdefault((party, currency), dict.fromkeys((*BUCKETS, "credits"), 0))
        if int(left):
            row[_bucket((as_of - _day(due)).days)] += int(left)
        row["credits"] -= int(allocated)
    for party, currency, amount in conn.execute(
        select(fp.c.party, fp.c.currency, func.sum(fp.c.amount_minor))
        .where((fp.c.date <= as_of) & (fp.c.ledger == ledger))
        .group_by(fp.c.party, fp.c.currency)
    ):
        row = table.setdefault((party, currency), dict.fromkeys((*BUCKETS, "credits"), 0))
        row["credits"] += int(amount)
    for (party, currency), b in table.items():
        balance = sum(b[k] for k in BUCKETS) - b["credits"]
        if balance == 0 and not any(b[k] for k in BUCKETS) and not b["credits"]:
            continue
        r = in_base.get(party)
        rows[party] = DocumentAgingRow(
            party=party,
            name=info.get(party, ("?", currency))[0],
            currency=currency,
            **{k: from_minor(b[k], currency) for k in BUCKETS},
            unallocated=from_minor(b["credits"], currency),
            balance=from_minor(balance, currency),
            balance_base=r.balance if r is not None else from_minor(0, base),
        )
    return [rows[k] for k in sorted(rows)]


# --- the FX report ----------------------------------------------------------------------------


class FxRow(BaseModel):
    """One exchange difference booked: `gain` in base (a loss negative). `kind` is realised
    (on settlement, or between a receipt and its invoice), unrealised (a revaluation) or
    reversal (of a revaluation); `item` is the invoice, or the account revalued."""

    model_config = ConfigDict(frozen=True)
    date: dt.date
    kind: str
    ledger: str  # payables, receivables or accounts
    party: str | None
    currency: str
    item: str
    document: str
    gain: Decimal


RECEIPT_TO_INVOICE = "exchange difference receipt to invoice "


def fx_differences(conn: Connection, date_from: dt.date, date_to: dt.date) -> list[FxRow]:
    """Every realised and unrealised exchange difference booked between two dates
    (inclusive), per document, from the vouchers that booked them."""
    from erp_core.projections.queries import company
    from erp_core.projections.schema import gl_lines

    from erp_core.kernel.money import from_minor

    _, base = company(conn)
    out: list[FxRow] = []
    d = exchange_differences
    for r in conn.execute(select(d).where((d.c.date >= date_from) & (d.c.date <= date_to))):
        # a change of the control account, debit positive: a gain for an asset (more is
        # owed to us) and for a liability (less is owed by us) alike
        out.append(
            FxRow(
                date=_day(r.date),
                kind=r.kind,
                ledger=r.ledger,
                party=r.party,
                currency=r.currency,
                item=r.invoice,
                document=r.document,
                gain=from_minor(int(r.base_minor), base),
            )
        )
    a = revaluation_accounts
    for r in conn.execute(select(a).where(a.c.document.is_not(None))):
        moves = [(_day(r.date), "unrealised", r.document, int(r.difference_minor))]
        if r.reversal_document is not None:
            moves.append(
                (_day(r.reversal_date), "reversal", r.reversal_document, -int(r.difference_minor))
            )
        for day, kind, document, change in moves:
            if date_from <= day <= date_to:
                out.append(
                    FxRow(
                        date=day,
                        kind=kind,
                        ledger="accounts",
                        party=None,
                        currency=r.currency,
                        item=r.account,
                        document=document,
                        gain=from_minor(change, base),
                    )
                )
    # a supplier invoice books the difference between what its receipts stocked (at their
    # rates) and the payable at its own rate: realised, on the invoice's counter line
    g, i = gl_lines, foreign_items
    for r in conn.execute(
        select(g.c.date, g.c.document, g.c.base_minor, i.c.party, i.c.currency)
        .join(i, i.c.invoice == g.c.document)
        .where(
            (g.c.kind == "supplier_invoice")
            & (g.c.memo.like(RECEIPT_TO_INVOICE + "%"))
            & (g.c.date >= date_from)
            & (g.c.date <= date_to)
        )
    ):
        out.append(
            FxRow(
                date=_day(r.date),
                kind="realised",
                ledger="payables",
                party=r.party,
                currency=r.currency,
                item=r.document,
                document=r.document,
                gain=from_minor(-int(r.base_minor), base),
            )
        )
    return sorted(out, key=lambda x: (x.date, x.document, x.item, x.kind))


class FxSummaryRow(BaseModel):
    model_config = ConfigDict(frozen=True)
    key: str
    realised: Decimal
    unrealised: Decimal  # revaluations less their reversals
    total: Decimal


def fx_summary(rows: Sequence[FxRow], by: str, base: str) -> list[FxSummaryRow]:
    """The rows added up per currency, party or item (document): realised, unrealised (net
    of reversals) and their total, in base."""
    from erp_core.kernel.money import ZERO

    sums: dict[str, list[Decimal]] = {}
    for r in rows:
        key = {"currency": r.currency, "party": r.party or f"({r.item})", "document": r.item}[by]
        s = sums.setdefault(key, [ZERO, ZERO])
        s[0 if r.kind == "realised" else 1] += r.gain
    return [
        FxSummaryRow(key=k, realised=v[0], unrealised=v[1], total=v[0] + v[1])
        for k, v in sorted(sums.items())
    ]


# --- erp check ----------------------------------------------------------------------------------


def checks(conn: Connection) -> list[CheckResult]:
    """Run by `erp check` with every area's: per foreign currency, the open items of each
    control account in the document currency equal the account's balance in that currency
    (listed for each currency the sub-ledgers or the control accounts hold); every voucher
    balances in base, and a voucher in one currency in that currency (listed only when one
    does not)."""
    from erp_core.projections.queries import company
    from erp_core.projections.schema import daily_balances, gl_lines

    from erp_core.kernel.money import from_minor
    from erp_core.ledger.checks import _check

    _, base = company(conn)
    results: list[CheckResult] = []
    for ledger, title, sign in (
        ("payables", "accounts payable", -1),
        ("receivables", "accounts receivable", 1),
    ):
        control = _control_account(conn, ledger)
        sub: dict[str, int] = {}
        for currency, total in conn.execute(
            select(foreign_items.c.currency, func.sum(foreign_items.c.amount_minor))
            .where(foreign_items.c.ledger == ledger)
            .group_by(foreign_items.c.currency)
        ):
            sub[currency] = sub.get(currency, 0) + int(total)
        for currency, total in conn.execute(
            select(foreign_payments.c.currency, func.sum(foreign_payments.c.amount_minor))
            .where(foreign_payments.c.ledger == ledger)
            .group_by(foreign_payments.c.currency)
        ):
            sub[currency] = sub.get(currency, 0) - int(total)
        posted: dict[str, int] = {}
        if control is not None:
            for currency, total in conn.execute(
                select(daily_balances.c.currency, func.sum(daily_balances.c.amount_minor))
                .where((daily_balances.c.account == control) & (daily_balances.c.currency != base))
                .group_by(daily_balances.c.currency)
            ):
                posted[currency] = sign * int(total)
        for currency in sorted(set(sub) | set(posted)):
            results.append(
                _check(
                    f"{title} in {currency}",
                    from_minor(sub.get(currency, 0), currency),
                    from_minor(posted.get(currency, 0), currency),
                    f"the {ledger} account's {currency} balance and the open {currency} items",
                )
            )
    g = gl_lines
    unbalanced = [
        r.document
        for r in conn.execute(
            select(g.c.document)
            .group_by(g.c.document)
            .having(
                (func.sum(g.c.base_minor) != 0)
                | (
                    # one currency (cheaper than counting distinct currencies)
                    (func.min(g.c.currency) == func.max(g.c.currency))
                    & (func.sum(g.c.amount_minor) != 0)
                )
            )
            .order_by(g.c.document)
        )
    ]
    if unbalanced:  # listed only when it fails, so the output of sound books is unchanged
        results.append(
            CheckResult(
                name="vouchers balance per currency",
                ok=False,
                expected=Decimal(0),
                actual=Decimal(len(unbalanced)),
                message=f"vouchers balance per currency: {len(unbalanced)} do not balance "
                f"({', '.join(unbalanced[:10])}{', ...' if len(unbalanced) > 10 else ''})",
            )
        )
    return results
