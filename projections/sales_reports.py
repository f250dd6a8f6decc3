"""Sales reports from the receivables projection: aging, customer ledger, open orders,
gross margin and the demand history a forecast is made from."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from erp_core.projections.operations import BUCKETS, _date, age_open_items, open_amounts, qty
from erp_core.projections.queries import company
from erp_core.projections.schema import (
    accounts,
    customer_allocations,
    customer_credits,
    customers,
    gl_lines,
    sales_billing,
    sales_invoices,
    sales_movements,
    sales_order_lines,
    sales_orders,
)
from sqlalchemy import Connection, String, and_, cast, func, select

from erp_core.kernel.money import from_minor
from erp_core.ledger.reports import (
    CustomerAgingRow,
    CustomerLedgerRow,
    MarginReport,
    MarginRow,
    ReceivablesAging,
    SalesOpenLine,
)


def receivables_aging(conn: Connection, as_of: dt.date) -> ReceivablesAging:
    """Open customer invoices as of a date, by days past due; unallocated credits apart."""
    _, base = company(conn)
    inv, alloc, cred = sales_invoices, customer_allocations, customer_credits
    from erp_core.projections.currency import exchange_adjustments, with_unrealised

    # an item revalued shows as the control account carries it (issue 17)
    table = age_open_items(
        as_of,
        with_unrealised(
            conn,
            "receivables",
            as_of,
            open_amounts(
                conn,
                inv,
                inv.c.customer,
                inv.c.total_minor,
                alloc,
                alloc.c.invoice,
                as_of,
                inv.c.due,
                settled=(inv.c.allocated_minor, inv.c.last_allocated),
            ),
        ),
        open_amounts(
            conn,
            cred,
            cred.c.customer,
            cred.c.amount_minor,
            alloc,
            alloc.c.receipt,
            as_of,
            settled=(cred.c.allocated_minor, cred.c.last_allocated),
        ),
    )

    # allocations hold the base amount each settled on its invoice; what they took from the
    # receipt differs by the realised exchange difference (issue 17)
    for customer, change in exchange_adjustments(conn, "receivables", as_of, "realised").items():
        if customer in table:
            table[customer]["credits"] -= change
    names: dict[str, str] = dict(conn.execute(select(customers.c.code, customers.c.name)).all())
    rows = []
    total = 0
    for customer, b in sorted(table.items()):
        balance = sum(b[k] for k in BUCKETS) - b["credits"]
        total += balance
        rows.append(
            CustomerAgingRow(
                customer=customer,
                name=names.get(customer, "?"),
                **{k: from_minor(b[k], base) for k in BUCKETS},
                unallocated_credits=from_minor(b["credits"], base),
                balance=from_minor(balance, base),
            )
        )
    return ReceivablesAging(as_of=as_of, currency=base, rows=rows, total=from_minor(total, base))


def _role_account(conn: Connection, role: str) -> str | None:
    return conn.execute(select(accounts.c.code).where(accounts.c.control == role)).scalar()


def customer_ledger(conn: Connection, customer: str) -> list[CustomerLedgerRow]:
    _, base = company(conn)
    g = gl_lines
    rows = conn.execute(
        select(g.c.date, g.c.document, g.c.kind, g.c.memo, g.c.base_minor)
        .where(and_(g.c.party == customer, g.c.account == _role_account(conn, "receivables")))
        .order_by(g.c.date, g.c.position, g.c.line_no)
    ).all()
    out = []
    running = 0
    for r in rows:
        running += int(r.base_minor)
        out.append(
            CustomerLedgerRow(
                date=_date(r.date),
                document=r.document,
                kind=r.kind,
                memo=r.memo,
                amount=from_minor(int(r.base_minor), base),
                balance=from_minor(running, base),
            )
        )
    return out


def customer_balances(conn: Connection) -> dict[str, Decimal]:
    """What each customer owes by the sub-ledger: invoices less receipts and credit notes."""
    _, base = company(conn)
    owed: dict[str, int] = {}
    for customer, total in conn.execute(
        select(sales_invoices.c.customer, func.sum(sales_invoices.c.total_minor)).group_by(
            sales_invoices.c.customer
        )
    ):
        owed[customer] = owed.get(customer, 0) + int(total)
    for customer, total in conn.execute(
        select(customer_credits.c.customer, func.sum(customer_credits.c.amount_minor)).group_by(
            customer_credits.c.customer
        )
    ):
        owed[customer] = owed.get(customer, 0) - int(total)
    from erp_core.projections.currency import exchange_adjustments

    for customer, change in exchange_adjustments(conn, "receivables").items():
        owed[customer] = owed.get(customer, 0) + change  # exchange differences (issue 17)
    return {k: from_minor(v, base) for k, v in sorted(owed.items())}


def delivery_costs(conn: Connection) -> Decimal:
    """Cost of goods delivered less returned, by the sales sub-ledger."""
    _, base = company(conn)
    value = conn.execute(
        select(func.coalesce(func.sum(sales_movements.c.cost_minor), 0))
    ).scalar_one()
    return from_minor(int(value), base)


def cogs_posted_by_deliveries(conn: Connection) -> Decimal:
    """What deliveries and returns posted against inventory (their cost-of-goods-sold lines,
    whatever account was configured when), by the GL."""
    _, base = company(conn)
    inventory = _role_account(conn, "inventory")
    value = conn.execute(
        select(func.coalesce(func.sum(gl_lines.c.base_minor), 0)).where(
            and_(
                gl_lines.c.account != inventory,
                gl_lines.c.kind.in_(("delivery", "sales_return")),
            )
        )
    ).scalar_one()
    return from_minor(int(value), base)


def sales_open_orders(conn: Connection) -> list[SalesOpenLine]:
    """Order lines still to deliver, and deliveries not yet invoiced."""
    so, sol = sales_orders, sales_order_lines
    out = []
    for r in conn.execute(
        select(
            so.c.document,
            so.c.customer,
            so.c.date,
            so.c.delivery_date,
            so.c.status,
            sol.c.line,
            sol.c.item,
            sol.c.quantity_micro,
            sol.c.delivered_micro,
            sol.c.invoiced_micro,
            sol.c.returned_micro,
        )
        .join(sol, sol.c.document == so.c.document)
        .where(so.c.status.in_(("confirmed", "partly_delivered", "delivered", "closed")))
        .order_by(so.c.document, sol.c.line)
    ):
        # a closed order delivers nothing more
        to_deliver = 0 if r.status == "closed" else r.quantity_micro - r.delivered_micro
        # goods returned before they were invoiced will not be invoiced
        not_invoiced = r.delivered_micro - r.returned_micro - r.invoiced_micro
        if to_deliver <= 0 and not_invoiced <= 0:
            continue
        out.append(
            SalesOpenLine(
                document=r.document,
                customer=r.customer,
                date=_date(r.date),
                delivery_date=_date(r.delivery_date),
                status=r.status,
                line=r.line,
                item=r.item,
                ordered=qty(r.quantity_micro),
                delivered=qty(r.delivered_micro),
                invoiced=qty(r.invoiced_micro),
                to_deliver=qty(max(to_deliver, 0)),
                delivered_not_invoiced=qty(max(not_invoiced, 0)),
            )
        )
    return out


def margin(conn: Connection, by: str, date_from: dt.date, date_to: dt.date) -> MarginReport:
    """Revenue (invoices less credit notes, by invoice date) against the cost the deliveries
    posted (less returns, by delivery date), grouped by item, customer or month."""
    _, base = company(conn)
    b, m = sales_billing, sales_movements
    if by == "item":
        bkey, mkey = b.c.item, m.c.item
    elif by == "customer":
        bkey, mkey = b.c.customer, m.c.customer
    elif by == "period":
        bkey, mkey = (
            func.substr(cast(b.c.date, String), 1, 7),
            func.substr(cast(m.c.date, String), 1, 7),
        )
    else:
        from erp_core.kernel.errors import ValidationError

        raise ValidationError("by", f"group by item, customer or period, not {by!r}")
    revenue: dict[str, int] = dict(
        conn.execute(
            select(bkey, func.sum(b.c.net_minor))
            .where(and_(b.c.date >= date_from, b.c.date <= date_to))
            .group_by(bkey)
        ).all()
    )
    cost: dict[str, int] = dict(
        conn.execute(
            select(mkey, func.sum(m.c.cost_minor))
            .where(and_(m.c.date >= date_from, m.c.date <= date_to))
            .group_by(mkey)
        ).all()
    )

    def row(key: str, rev: int, cst: int) -> MarginRow:
        r, c = from_minor(rev, base), from_minor(cst, base)
        pct = (((r - c) / r) * 100).quantize(Decimal("0.1"), ROUND_HALF_UP) if r else None
        return MarginRow(key=key, revenue=r, cost=c, margin=r - c, margin_percent=pct)

    keys = sorted(set(revenue) | set(cost), key=str)
    rows = [row(str(k), int(revenue.get(k, 0)), int(cost.get(k, 0))) for k in keys]
    total = row("total", sum(int(v) for v in revenue.values()), sum(int(v) for v in cost.values()))
    return MarginReport(
        by=by, date_from=date_from, date_to=date_to, currency=base, rows=rows, total=total
    )


def monthly_demand(conn: Connection, item: str) -> list[tuple[str, Decimal]]:
    """Quantity delivered (less returned) per month, every month from the first to the last."""
    m = sales_movements
    by_month = func.substr(cast(m.c.date, String), 1, 7)
    rows = dict(
        conn.execute(
            select(by_month, func.sum(m.c.quantity_micro))
            .where(m.c.item == item)
            .group_by(by_month)
        ).all()
    )
    if not rows:
        return []
    months = sorted(str(k) for k in rows)
    year, month = map(int, months[0].split("-"))
    out = []
    while True:
        key = f"{year:04d}-{month:02d}"
        out.append((key, qty(int(rows.get(key, 0)))))
        if key == months[-1]:
            return out
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
