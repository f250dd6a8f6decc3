"""The beancount export of a book with foreign suppliers, customers and accounts, exchange
differences and revaluations (reversed and kept) passes beancount's own checks (what
bean-check runs), with the same balance per account as our trial balance."""

from __future__ import annotations

from conftest import beancount_weights, trial_balance_by_account
from currency_book import D, all_checks_ok, order, sell, setup_purchasing, setup_sales

from erp_core import Erp


def test_currency_book_exports_to_beancount_with_equal_balances(erp: Erp, tmp_path: object) -> None:
    setup_sales(erp)
    setup_purchasing(erp)
    erp.open_account(code="1125", name="Bank USD", type="asset", parent="1100", currency="USD")
    erp.set_exchange_rate(currency="USD", date="2026-01-01", rate="0.90")
    erp.set_exchange_rate(currency="JPY", date="2026-01-01", rate="0.0062")
    erp.post_voucher(
        "2026-01-02",
        [
            {"account": "1125", "debit": "5000.00", "currency": "USD", "rate": "0.90"},
            {"account": "3100", "credit": "4500.00"},
        ],
    )
    # buy USD 1,000.00 (received at 0.90, invoiced at 0.91), pay half from the USD bank
    po = order(erp, "YANK", "100", "10.00")
    erp.receive_purchase_order(
        document=po, date="2026-01-10", lines=[{"line": 1, "accepted": "100"}]
    )
    bill = erp.post_supplier_invoice(
        supplier="YANK",
        supplier_reference="Y-1",
        date="2026-01-12",
        rate="0.91",
        lines=[{"order": po, "line": 1, "quantity": "100", "price": "10.00"}],
    ).documents[0]
    erp.pay_supplier(
        supplier="YANK",
        date="2026-01-20",
        amount="500.00",
        rate="0.93",
        bank_account="1125",
        allocations=[{"invoice": bill, "amount": "500.00"}],
    )
    # sell in USD and in JPY; part paid, part credited
    invoice = sell(erp, "ACME", "30", "12.50", day="2026-01-15")  # USD 375.00
    erp.receive_customer_payment(
        customer="ACME",
        date="2026-01-25",
        amount="200.00",
        rate="0.94",
        bank_account="1125",
        allocations=[{"invoice": invoice, "amount": "200.00"}],
    )
    erp.post_credit_note(
        invoice=invoice, date="2026-01-26", reason="damaged", lines=[{"line": 1, "quantity": "2"}]
    )
    sell(erp, "TOKYO", "3", "333.5", day="2026-01-16")  # JPY 1,001
    erp.revalue_open_items(date="2026-01-31", rates={"USD": "0.95", "JPY": "0.0060"})
    erp.revalue_open_items(date="2026-02-28", rates={"USD": "0.97", "JPY": "0.0059"}, keep=True)
    all_checks_ok(erp)
    path = f"{tmp_path}/books.beancount"
    with open(path, "w", encoding="utf-8") as out:
        erp.export_beancount(out)
    errors, theirs = beancount_weights(path)
    assert errors == []
    ours = trial_balance_by_account(erp)
    assert theirs == ours
    # USD 5,000.00 - 500.00 + 200.00 = 4,700.00 at the kept 0.97 of 28 February
    assert ours["1125"] == D("4559.00")
