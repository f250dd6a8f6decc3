"""Ledger-wide reconciliation checks as pure functions: numbers in, every problem out.

Each check compares a general-ledger control account with the sub-ledger that should explain
it. The inputs come from different projections, built by different code from the same log,
so a difference means a posting rule, a projection or the log itself is wrong.
"""

from __future__ import annotations

from decimal import Decimal

from erp_core.ledger.reports import CheckResult


def _check(name: str, expected: Decimal, actual: Decimal, what: str) -> CheckResult:
    ok = expected == actual
    message = (
        f"{name}: OK ({actual:,})"
        if ok
        else f"{name}: {what} differ by {actual - expected:,} (sub-ledger {expected:,}, "
        f"general ledger {actual:,})"
    )
    return CheckResult(name=name, ok=ok, expected=expected, actual=actual, message=message)


def trial_balance_balances(total_debit: Decimal, total_credit: Decimal) -> CheckResult:
    return _check("trial balance", total_debit, total_credit, "debits and credits")


def inventory_matches_stock(inventory_account: Decimal, stock_value: Decimal) -> CheckResult:
    """The inventory control account equals the value of the stock ledger."""
    return _check(
        "inventory",
        stock_value,
        inventory_account,
        "the inventory account and the stock ledger value",
    )


def grni_matches_receipts(grni_account: Decimal, received_not_invoiced: Decimal) -> CheckResult:
    """GRNI (a credit balance) equals the value received but not yet invoiced."""
    return _check(
        "goods received not invoiced",
        received_not_invoiced,
        -grni_account,
        "the GRNI account and the received-not-invoiced value",
    )


def payables_match_suppliers(
    payables_account: Decimal, supplier_balances: dict[str, Decimal]
) -> CheckResult:
    """The payables control account (a credit balance) equals the sum of supplier balances."""
    total = sum(supplier_balances.values(), Decimal(0))
    return _check(
        "accounts payable",
        total,
        -payables_account,
        "the payables account and the suppliers' balances",
    )


def receivables_match_customers(
    receivables_account: Decimal, customer_balances: dict[str, Decimal]
) -> CheckResult:
    """The receivables control account equals the sum of customer balances."""
    total = sum(customer_balances.values(), Decimal(0))
    return _check(
        "accounts receivable",
        total,
        receivables_account,
        "the receivables account and the customers' balances",
    )


def cogs_matches_deliveries(cogs_posted: Decimal, delivery_costs: Decimal) -> CheckResult:
    """What deliveries (less returns) posted to cost of goods sold equals their stock cost."""
    return _check(
        "cost of goods sold",
        delivery_costs,
        cogs_posted,
        "cost of goods sold posted by deliveries and the cost of goods delivered",
    )
