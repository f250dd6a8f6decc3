"""Hypothesis: on random books both methods reconcile to the change in cash, and agree."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from erp_core.ledger.cash_flow import (
    AccountType,
    CashFlowAccount,
    CashFlowTag,
    JournalEntry,
    JournalLine,
    direct_cash_flow,
    indirect_cash_flow,
)

A, L, E, INC, X = (
    AccountType.ASSET,
    AccountType.LIABILITY,
    AccountType.EQUITY,
    AccountType.INCOME,
    AccountType.EXPENSE,
)
T = CashFlowTag
CHART = {
    "bank": (A, T.CASH),
    "till": (A, T.CASH),
    "receivables": (A, T.WORKING_CAPITAL),
    "inventory": (A, T.WORKING_CAPITAL),
    "payables": (L, T.WORKING_CAPITAL),
    "equipment": (A, T.INVESTING),
    "acc_dep": (A, T.INVESTING),
    "loan": (L, T.FINANCING),
    "capital": (E, T.FINANCING),
    "sales": (INC, T.PROFIT),
    "wages": (X, None),
    "depreciation": (X, T.NON_CASH_EXPENSE),
    "fx_on_loan": (X, T.NON_CASH_FINANCING),
    "disposal_result": (INC, T.DISPOSAL_GAIN_LOSS),
}
CASH = ["bank", "till"]
COUNTERPARTS = ["receivables", "inventory", "payables", "equipment", "loan", "capital", "sales"]

amounts = st.integers(1, 10_000_000).map(lambda cents: Decimal(cents).scaleb(-2))
signs = st.sampled_from([1, -1])


def two(debit: str, credit: str, amount: Decimal) -> JournalEntry:
    return JournalEntry((JournalLine(debit, amount), JournalLine(credit, -amount)))


@st.composite
def entries(draw: st.DrawFn, non_cash_cross_section: bool) -> JournalEntry:
    kinds = ["cash", "accrual", "depreciation", "fx", "disposal", "transfer"]
    if non_cash_cross_section:
        kinds.append("equipment_on_loan")
    kind = draw(st.sampled_from(kinds))
    amount = draw(amounts)
    sign = draw(signs)
    if kind == "cash":
        cash, other = draw(st.sampled_from(CASH)), draw(st.sampled_from([*COUNTERPARTS, "wages"]))
        return two(cash, other, amount) if sign > 0 else two(other, cash, amount)
    if kind == "accrual":
        working = draw(st.sampled_from(["receivables", "inventory", "payables"]))
        outcome = draw(st.sampled_from(["sales", "wages"]))
        return two(working, outcome, amount) if sign > 0 else two(outcome, working, amount)
    if kind == "depreciation":
        return two("depreciation", draw(st.sampled_from(["acc_dep", "equipment"])), amount)
    if kind == "fx":
        return two("fx_on_loan", "loan", amount) if sign > 0 else two("loan", "fx_on_loan", amount)
    if kind == "disposal":
        removed_depreciation, proceeds = draw(amounts), draw(amounts)
        result = amount - removed_depreciation - proceeds  # > 0: loss (debit), < 0: gain
        lines = [
            JournalLine(draw(st.sampled_from(CASH)), proceeds),
            JournalLine("acc_dep", removed_depreciation),
            JournalLine("equipment", -amount),
        ]
        if result:
            lines.append(JournalLine("disposal_result", result))
        return JournalEntry(tuple(lines))
    if kind == "transfer":
        return two("bank", "till", amount) if sign > 0 else two("till", "bank", amount)
    return two("equipment", "loan", amount)  # bought on credit from the lender: no cash


@st.composite
def books(
    draw: st.DrawFn, non_cash_cross_section: bool
) -> tuple[list[CashFlowAccount], list[JournalEntry], Decimal]:
    journal = draw(st.lists(entries(non_cash_cross_section), min_size=1, max_size=30))
    opening = {code: draw(amounts) * draw(signs) for code in CHART}
    closing = dict(opening)
    for item in journal:
        for line in item.lines:
            closing[line.account] += line.amount
    accounts = [
        CashFlowAccount(code, code, kind, tag, opening[code], closing[code])
        for code, (kind, tag) in CHART.items()
    ]
    profit = -sum((a.movement for a in accounts if not a.type.balance_sheet), Decimal(0))
    return accounts, journal, profit


@settings(max_examples=150, deadline=None)
@given(books(non_cash_cross_section=True))
def test_net_change_always_equals_the_change_in_cash(
    book: tuple[list[CashFlowAccount], list[JournalEntry], Decimal],
) -> None:
    accounts, journal, profit = book
    change = sum((a.movement for a in accounts if a.tag is T.CASH), Decimal(0))
    indirect = indirect_cash_flow(accounts, profit)
    direct = direct_cash_flow(accounts, journal)
    assert indirect.statement is not None and direct.statement is not None
    assert indirect.statement.net_change == direct.statement.net_change == change
    assert indirect.statement.closing_cash - indirect.statement.opening_cash == change


@settings(max_examples=150, deadline=None)
@given(books(non_cash_cross_section=False))
def test_without_non_cash_investing_or_financing_the_sections_agree(
    book: tuple[list[CashFlowAccount], list[JournalEntry], Decimal],
) -> None:
    # equipment bought on a loan is excluded from both investing and financing by IAS 7.43;
    # from balances alone the indirect method cannot see it, so this property leaves it out
    accounts, journal, profit = book
    indirect = indirect_cash_flow(accounts, profit).statement
    direct = direct_cash_flow(accounts, journal).statement
    assert indirect is not None and direct is not None
    for section in ("operating", "investing", "financing"):
        assert getattr(indirect, section).total == getattr(direct, section).total


@settings(max_examples=100, deadline=None)
@given(books(non_cash_cross_section=True), amounts)
def test_a_wrong_profit_never_yields_a_statement(
    book: tuple[list[CashFlowAccount], list[JournalEntry], Decimal], error: Decimal
) -> None:
    accounts, _, profit = book
    result = indirect_cash_flow(accounts, profit + error)
    assert result.statement is None
    assert result.problems
