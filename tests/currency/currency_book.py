"""Shared set-up of the currency tests: a EUR company buying from a USD supplier."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from erp_core import Erp

D = Decimal


def setup_purchasing(erp: Erp) -> None:
    erp.register_item(code="BOLT", name="Bolt M8", uom="pcs")
    erp.register_warehouse(code="MAIN", name="Main store")
    erp.configure_procurement(approval_threshold="1000000.00")
    erp.register_supplier(code="YANK", name="Yankee Tools", currency="USD")
    erp.register_supplier(code="NIPPON", name="Nippon Parts", currency="JPY")


def order(erp: Erp, supplier: str, quantity: str, price: str, **extra: Any) -> str:
    return erp.create_purchase_order(
        date="2026-01-05",
        supplier=supplier,
        expected_delivery="2026-01-20",
        lines=[{"item": "BOLT", "quantity": quantity, "price": price, "warehouse": "MAIN"}],
        **extra,
    ).documents[0]


def balance(erp: Erp, account: str) -> Decimal:
    """The base balance of an account, debit positive."""
    tb = erp.trial_balance()
    return sum((r.debit - r.credit for r in tb.rows if r.account == account), D(0))


def events(erp: Erp) -> list[Any]:
    """Every event in the log, decoded."""
    from erp_core.infra.store import decode_stored

    return [decode_stored(r.position, r.stream, r.topic, r.state) for r in erp.store.iter_log()]


def vouchers(erp: Erp) -> list[Any]:
    """Every VoucherPosted in the log."""
    from erp_core.ledger.events import VoucherPosted

    return [e for e in events(erp) if isinstance(e, VoucherPosted)]


def voucher(erp: Erp, document: str) -> Any:
    (found,) = [v for v in vouchers(erp) if v.document == document]
    return found


def all_checks_ok(erp: Erp) -> None:
    bad = [r.message for r in erp.check() if not r.ok]
    assert bad == []


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def setup_sales(erp: Erp) -> None:
    """Stock of 100 bolts at EUR 2.00; a USD and a JPY customer with limits in EUR."""
    erp.register_item(code="NUT", name="Nut", uom="pcs", valuation="fifo")
    erp.register_warehouse(code="SHOP", name="Shop")
    erp.configure_sales(credit_approvers=["carol"])
    for code, currency in (("ACME", "USD"), ("TOKYO", "JPY")):
        erp.register_customer(
            code=code,
            name=f"Customer {code}",
            currency=currency,
            credit_level="A",
            credit_limit="100000.00",
            payment_terms_days=30,
        )
    erp.receive_stock(
        date="2026-01-02",
        account="3100",
        lines=[{"item": "NUT", "warehouse": "SHOP", "quantity": "100", "unit_cost": "2.00"}],
    )


def sell(erp: Erp, customer: str, quantity: str, price: str, day: str = "2026-01-10") -> str:
    """Order, confirm, deliver everything and invoice it on `day`; return the invoice."""
    order = erp.create_sales_order(
        date=day,
        customer=customer,
        delivery_date=day,
        lines=[{"item": "NUT", "quantity": quantity, "price": price, "warehouse": "SHOP"}],
    ).documents[0]
    erp.confirm_sales_order(document=order)
    erp.deliver_sales_order(document=order, date=day, lines=[{"line": 1, "quantity": quantity}])
    return erp.invoice_sales_order(document=order, date=day).documents[0]
