"""Inventory and procurement reports, from the stock and payables projections."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from erp_core.projections.queries import company
from erp_core.projections.schema import (
    daily_balances,
    gl_lines,
    purchase_order_lines,
    purchase_orders,
    stock_movements,
    supplier_allocations,
    supplier_invoices,
    supplier_payments,
    suppliers,
)
from sqlalchemy import Connection, and_, func, or_, select, text

from erp_core.kernel.money import ZERO, from_minor
from erp_core.ledger.reports import (
    AgingRow,
    OpenOrderLine,
    PayablesAging,
    StockBalance,
    StockBalanceRow,
    StockLedgerRow,
    SupplierLedgerRow,
)

MICRO = Decimal("0.000001")


def qty(micro: int) -> Decimal:
    """Millionths as a plain Decimal: 40000000 -> 40, 1500000 -> 1.5."""
    d = Decimal(int(micro)) * MICRO
    return d.quantize(Decimal(1)) if d == d.to_integral_value() else d.normalize()


def stock_ledger(
    conn: Connection,
    item: str | None = None,
    warehouse: str | None = None,
    date_to: dt.date | None = None,
) -> list[StockLedgerRow]:
    """Every movement and cost adjustment, with running quantity and value per bin."""
    _, base = company(conn)
    where = []
    params: dict[str, object] = {}
    if item:
        where.append("item = :item")
        params["item"] = item
    if warehouse:
        where.append("warehouse = :warehouse")
        params["warehouse"] = warehouse
    if date_to:
        where.append("date <= :date_to")
        params["date_to"] = date_to.isoformat()
    clause = ("WHERE " + " AND ".join(where)) if where else ""
    rows = conn.execute(
        text(f"""
        SELECT position, date, document, line, item, warehouse, batch, kind, quantity_micro,
               value_minor, reference,
               SUM(quantity_micro) OVER w AS running_quantity,
               SUM(value_minor) OVER w AS running_value,
               SUM(quantity_micro) OVER b AS running_batch_quantity
        FROM stock_movements {clause}
        WINDOW w AS (PARTITION BY item, warehouse ORDER BY date, position
                     ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW),
               b AS (PARTITION BY item, warehouse, batch ORDER BY date, position
                     ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
        ORDER BY item, warehouse, date, position
    """),
        params,
    ).all()
    return [
        StockLedgerRow(
            position=r.position,
            date=_date(r.date),
            document=r.document,
            line=r.line,
            item=r.item,
            warehouse=r.warehouse,
            batch=r.batch,
            kind=r.kind,
            quantity=qty(r.quantity_micro),
            value=from_minor(int(r.value_minor), base),
            running_quantity=qty(r.running_quantity),
            running_value=from_minor(int(r.running_value), base),
            reference=r.reference,
            running_batch_quantity=qty(r.running_batch_quantity) if r.batch else None,
        )
        for r in rows
    ]


def _date(value: object) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def stock_balance(conn: Connection, as_of: dt.date, by_batch: bool = False) -> StockBalance:
    _, base = company(conn)
    m = stock_movements
    keys = [m.c.item, m.c.warehouse] + ([m.c.batch] if by_batch else [])
    query = (
        select(*keys, func.sum(m.c.quantity_micro), func.sum(m.c.value_minor))
        .where(m.c.date <= as_of)
        .group_by(*keys)
        .order_by(*keys)
    )
    rows = []
    total = 0
    for r in conn.execute(query):
        quantity, value = int(r[-2]), int(r[-1])
        if quantity == 0 and value == 0:
            continue
        total += value
        rows.append(
            StockBalanceRow(
                item=r[0],
                warehouse=r[1],
                batch=r[2] if by_batch else None,
                quantity=qty(quantity),
                value=from_minor(value, base),
            )
        )
    return StockBalance(as_of=as_of, currency=base, rows=rows, total_value=from_minor(total, base))


def open_orders(conn: Connection) -> list[OpenOrderLine]:
    """Order lines still to be received or invoiced (not closed or cancelled)."""
    _, base = company(conn)
    po, pol = purchase_orders, purchase_order_lines
    query = (
        select(
            po.c.document,
            po.c.supplier,
            po.c.date,
            po.c.expected_delivery,
            po.c.status,
            pol.c.line,
            pol.c.item,
            pol.c.quantity_micro,
            pol.c.received_micro,
            pol.c.rejected_micro,
            pol.c.invoiced_micro,
            pol.c.received_minor,
            pol.c.cleared_minor,
        )
        .join(pol, pol.c.document == po.c.document)
        .where(po.c.status.notin_(("cancelled",)))
        .order_by(po.c.document, pol.c.line)
    )
    out = []
    for r in conn.execute(query):
        open_qty = max(r.quantity_micro - r.received_micro, 0) if r.status != "closed" else 0
        grni = r.received_minor - r.cleared_minor
        if open_qty == 0 and grni == 0 and r.received_micro <= r.invoiced_micro:
            continue
        out.append(
            OpenOrderLine(
                document=r.document,
                supplier=r.supplier,
                date=_date(r.date),
                expected_delivery=_date(r.expected_delivery),
                status=r.status,
                line=r.line,
                item=r.item,
                ordered=qty(r.quantity_micro),
                received=qty(r.received_micro),
                rejected=qty(r.rejected_micro),
                invoiced=qty(r.invoiced_micro),
                open_quantity=qty(open_qty),
                received_not_invoiced=from_minor(int(grni), base),
            )
        )
    return out


def received_not_invoiced(conn: Connection) -> Decimal:
    _, base = company(conn)
    pol = purchase_order_lines
    value = conn.execute(
        select(func.coalesce(func.sum(pol.c.received_minor - pol.c.cleared_minor), 0))
    ).scalar_one()
    return from_minor(int(value), base)


BUCKETS = ("not_due", "days_1_30", "days_31_60", "days_61_90", "over_90")


def _bucket(days_overdue: int) -> str:
    if days_overdue <= 0:
        return "not_due"
    if days_overdue <= 30:
        return "days_1_30"
    if days_overdue <= 60:
        return "days_31_60"
    if days_overdue <= 90:
        return "days_61_90"
    return "over_90"


def open_amounts(
    conn: Connection,
    items: Any,
    party: Any,
    amount: Any,
    allocations: Any,
    key: Any,
    as_of: dt.date,
    due: Any = None,
    settled: tuple[Any, Any] | None = None,
) -> list[Any]:
    """(party, document[, due], open) of every item dated by `as_of` that allocations dated by
    then have not fully taken up; computed in SQL, so settled items never leave the database.

    `settled` names the items' columns holding what all their allocations took and the latest
    allocation's date: an item whose allocations took it all by `as_of` is then skipped without
    summing its allocations, and the others sum theirs through an index (issue 9).
    """
    if settled is not None:
        allocated, last = settled
        taken_by = (
            select(func.coalesce(func.sum(allocations.c.amount_minor), 0))
            .where(and_(key == items.c.document, allocations.c.date <= as_of))
            .scalar_subquery()
        )
        head = [party, items.c.document] + ([due] if due is not None else [])
        inner = (
            select(*head, (amount - taken_by).label("left"))
            .where(
                items.c.date <= as_of,
                or_(last.is_(None), last > as_of, allocated != amount),
            )
            .subquery()
        )
        return list(conn.execute(select(inner).where(inner.c.left != 0)).all())
    taken = (
        select(key.label("document"), func.sum(allocations.c.amount_minor).label("taken"))
        .where(allocations.c.date <= as_of)
        .group_by(key)
        .subquery()
    )
    left = amount - func.coalesce(taken.c.taken, 0)
    columns = [party, items.c.document] + ([due] if due is not None else []) + [left]
    query = (
        select(*columns)
        .select_from(items.outerjoin(taken, taken.c.document == items.c.document))
        .where(and_(items.c.date <= as_of, left != 0))
    )
    return list(conn.execute(query).all())


def age_open_items(
    as_of: dt.date,
    invoices: Iterable[Any],
    credits: Iterable[Any],
) -> dict[str, dict[str, int]]:
    """Open amounts per party by aging bucket, and unallocated credits, in minor units.

    `invoices` are (party, document, due date, open amount); `credits` (party, document,
    unallocated amount) are payments, receipts or credit notes.
    """
    table: dict[str, dict[str, int]] = {}

    def row(party: str) -> dict[str, int]:
        return table.setdefault(party, dict.fromkeys((*BUCKETS, "credits"), 0))

    for party, _document, due, left in invoices:
        row(party)[_bucket((as_of - _date(due)).days)] += int(left)
    for party, _document, left in credits:
        row(party)["credits"] += int(left)
    return table


def payables_aging(conn: Connection, as_of: dt.date) -> PayablesAging:
    """Open supplier invoices as of a date, by days past due; unallocated payments apart."""
    _, base = company(conn)
    inv, alloc, pay = supplier_invoices, supplier_allocations, supplier_payments
    from erp_core.projections.currency import exchange_adjustments, with_unrealised

    # an item revalued shows as the control account carries it (issue 17)
    table = age_open_items(
        as_of,
        with_unrealised(
            conn,
            "payables",
            as_of,
            open_amounts(
                conn,
                inv,
                inv.c.supplier,
                inv.c.total_minor,
                alloc,
                alloc.c.invoice,
                as_of,
                inv.c.due,
            ),
        ),
        open_amounts(conn, pay, pay.c.supplier, pay.c.amount_minor, alloc, alloc.c.payment, as_of),
    )

    # allocations hold the base amount each settled on its invoice; what they took from the
    # payment differs by the realised exchange difference (issue 17)
    for supplier, change in exchange_adjustments(conn, "payables", as_of, "realised").items():
        if supplier in table:
            table[supplier]["credits"] += change
    names: dict[str, str] = dict(conn.execute(select(suppliers.c.code, suppliers.c.name)).all())
    rows = []
    total = 0
    for supplier, b in sorted(table.items()):
        balance = sum(b[k] for k in BUCKETS) - b["credits"]
        total += balance
        rows.append(
            AgingRow(
                supplier=supplier,
                name=names.get(supplier, "?"),
                **{k: from_minor(b[k], base) for k in BUCKETS},
                unallocated_payments=from_minor(b["credits"], base),
                balance=from_minor(balance, base),
            )
        )
    return PayablesAging(as_of=as_of, currency=base, rows=rows, total=from_minor(total, base))


def supplier_ledger(conn: Connection, supplier: str) -> list[SupplierLedgerRow]:
    """Every posting to the payables control account for one supplier, with running balance
    (credit to payables = we owe more)."""
    _, base = company(conn)
    g = gl_lines
    rows = conn.execute(
        select(g.c.date, g.c.document, g.c.kind, g.c.memo, g.c.base_minor)
        .where(and_(g.c.party == supplier, g.c.account == _payables_account(conn)))
        .order_by(g.c.date, g.c.position, g.c.line_no)
    ).all()
    out = []
    running = 0
    for r in rows:
        amount = -int(r.base_minor)
        running += amount
        out.append(
            SupplierLedgerRow(
                date=_date(r.date),
                document=r.document,
                kind=r.kind,
                memo=r.memo,
                amount=from_minor(amount, base),
                balance=from_minor(running, base),
            )
        )
    return out


def _payables_account(conn: Connection) -> str:
    from erp_core.projections.schema import accounts

    code = conn.execute(select(accounts.c.code).where(accounts.c.control == "payables")).scalar()
    return str(code)


def account_balance_by_role(conn: Connection, role: str) -> Decimal:
    """Base balance (debit positive) of the account holding a control role, from the GL."""
    from erp_core.projections.schema import accounts

    _, base = company(conn)
    codes = [r[0] for r in conn.execute(select(accounts.c.code).where(accounts.c.control == role))]
    if not codes:
        return ZERO
    value = conn.execute(
        select(func.coalesce(func.sum(daily_balances.c.base_minor), 0)).where(
            daily_balances.c.account.in_(codes)
        )
    ).scalar_one()
    return from_minor(int(value), base)


def supplier_balances(conn: Connection) -> dict[str, Decimal]:
    """What we owe each supplier by the sub-ledger: invoices less payments."""
    _, base = company(conn)
    owed: dict[str, int] = {}
    for supplier, total in conn.execute(
        select(supplier_invoices.c.supplier, func.sum(supplier_invoices.c.total_minor)).group_by(
            supplier_invoices.c.supplier
        )
    ):
        owed[supplier] = owed.get(supplier, 0) + int(total)
    for supplier, total in conn.execute(
        select(supplier_payments.c.supplier, func.sum(supplier_payments.c.amount_minor)).group_by(
            supplier_payments.c.supplier
        )
    ):
        owed[supplier] = owed.get(supplier, 0) - int(total)
    from erp_core.projections.currency import exchange_adjustments

    for supplier, change in exchange_adjustments(conn, "payables").items():
        owed[supplier] = owed.get(supplier, 0) - change  # exchange differences (issue 17)
    return {k: from_minor(v, base) for k, v in sorted(owed.items())}


def stock_value(conn: Connection) -> Decimal:
    _, base = company(conn)
    value = conn.execute(
        select(func.coalesce(func.sum(stock_movements.c.value_minor), 0))
    ).scalar_one()
    return from_minor(int(value), base)
