"""Cash-flow statement: one small company's year by hand, by both methods; problems named."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

import pytest

from erp_core.ledger.cash_flow import (
    AccountType,
    CashFlowAccount,
    CashFlowError,
    CashFlowLine,
    CashFlowResult,
    CashFlowStatement,
    CashFlowTag,
    JournalEntry,
    JournalLine,
    direct_cash_flow,
    indirect_cash_flow,
)

D = Decimal
A, L, E, INC, X = (
    AccountType.ASSET,
    AccountType.LIABILITY,
    AccountType.EQUITY,
    AccountType.INCOME,
    AccountType.EXPENSE,
)
T = CashFlowTag

# code: (name, type, tag, opening balance, debit-positive)
CHART: dict[str, tuple[str, AccountType, CashFlowTag | None, Decimal]] = {
    "1000": ("Bank", A, T.CASH, D(10000)),
    "1010": ("Petty cash", A, T.CASH, D(0)),
    "1100": ("Trade receivables", A, T.WORKING_CAPITAL, D(4000)),
    "1200": ("Inventory", A, T.WORKING_CAPITAL, D(5000)),
    "1500": ("Equipment", A, T.INVESTING, D(20000)),
    "1510": ("Accumulated depreciation", A, T.INVESTING, D(-6000)),
    "2000": ("Trade payables", L, T.WORKING_CAPITAL, D(-3000)),
    "2100": ("Bank loan", L, T.FINANCING, D(-10000)),
    "3000": ("Share capital", E, T.FINANCING, D(-15000)),
    "3200": ("Retained earnings", E, T.FINANCING, D(-5000)),
    "4000": ("Sales", INC, None, D(0)),
    "5000": ("Cost of sales", X, None, D(0)),
    "6000": ("Depreciation", X, T.NON_CASH_EXPENSE, D(0)),
    "6100": ("Interest", X, None, D(0)),
    "6200": ("Operating expenses", X, None, D(0)),
    "7000": ("Gain on disposal", INC, T.DISPOSAL_GAIN_LOSS, D(0)),
}


def entry(reference: str, *lines: tuple[str, int]) -> JournalEntry:
    return JournalEntry(tuple(JournalLine(code, D(amount)) for code, amount in lines), reference)


# The year's facts (debit positive):
ENTRIES = [
    entry("sales on credit", ("1100", 30000), ("4000", -30000)),
    entry("cash from customers", ("1000", 28000), ("1100", -28000)),
    entry("purchases on credit", ("1200", 17000), ("2000", -17000)),
    entry("cost of sales", ("5000", 18000), ("1200", -18000)),
    entry("paid suppliers", ("2000", 16500), ("1000", -16500)),
    entry("expenses paid", ("6200", 4000), ("1000", -4000)),
    entry("depreciation", ("6000", 3000), ("1510", -3000)),
    entry("bought equipment", ("1500", 9000), ("1000", -9000)),
    # sold equipment: cost 3,000, accumulated 2,000 (carrying 1,000) for 1,500: gain 500
    entry("sold equipment", ("1000", 1500), ("1510", 2000), ("1500", -3000), ("7000", -500)),
    entry("loan repaid", ("2100", 2000), ("1000", -2000)),
    entry("interest paid", ("6100", 600), ("1000", -600)),
    entry("shares issued", ("1000", 5000), ("3000", -5000)),
    entry("dividends paid", ("3200", 1000), ("1000", -1000)),
    entry("to petty cash", ("1010", 200), ("1000", -200)),
]
# profit = 30,000 - 18,000 - 4,000 - 3,000 + 500 - 600 = 4,900
PROFIT = D(4900)


def book(
    entries: Iterable[JournalEntry] = ENTRIES,
    chart: dict[str, tuple[str, AccountType, CashFlowTag | None, Decimal]] = CHART,
) -> list[CashFlowAccount]:
    closing = {code: opening for code, (_, _, _, opening) in chart.items()}
    for item in entries:
        for line in item.lines:
            closing[line.account] += line.amount
    return [
        CashFlowAccount(code, name, kind, tag, opening, closing[code])
        for code, (name, kind, tag, opening) in chart.items()
    ]


def statement_of(result: CashFlowResult) -> CashFlowStatement:
    assert result.problems == ()
    assert result.statement is not None
    return result.statement


def amounts(lines: tuple[CashFlowLine, ...]) -> list[tuple[str, Decimal]]:
    return [(line.label, line.amount) for line in lines]


def test_the_two_balance_sheets() -> None:
    # bank 10,000 +28,000 -16,500 -4,000 -9,000 +1,500 -2,000 -600 +5,000 -1,000 -200 = 11,200
    closing = {a.code: a.closing for a in book()}
    assert closing["1000"] == D(11200)
    assert closing["1010"] == D(200)
    assert (closing["1100"], closing["1200"], closing["2000"]) == (D(6000), D(4000), D(-3500))
    assert (closing["1500"], closing["1510"]) == (D(26000), D(-7000))
    assert sum(closing.values()) == 0  # the trial balance balances


def test_indirect_method_line_by_line() -> None:
    result = indirect_cash_flow(book(), PROFIT, disposal_proceeds=D(1500))
    cf = statement_of(result)
    assert amounts(cf.operating.lines) == [
        ("Profit for the period", D(4900)),
        ("Add back Depreciation", D(3000)),
        ("Less gain on disposal (Gain on disposal)", D(-500)),
        ("Increase in Trade receivables", D(-2000)),  # 4,000 -> 6,000
        ("Decrease in Inventory", D(1000)),  # 5,000 -> 4,000
        ("Increase in Trade payables", D(500)),  # 3,000 -> 3,500 owed
    ]
    assert cf.operating.total == D(6900)
    # investing: -(equipment +6,000) - (acc. depreciation -1,000) - depreciation 3,000
    # + gain 500 = -7,500 = purchases -9,000 + proceeds 1,500
    assert amounts(cf.investing.lines) == [
        ("Purchase of long-term assets", D(-9000)),
        ("Proceeds from disposal of long-term assets", D(1500)),
    ]
    assert amounts(cf.financing.lines) == [
        ("Decrease in Bank loan", D(-2000)),
        ("Increase in Share capital", D(5000)),
        ("Decrease in Retained earnings", D(-1000)),  # dividends
    ]
    # 6,900 - 7,500 + 2,000 = 1,400 = 11,400 - 10,000
    assert cf.net_change == D(1400)
    assert (cf.opening_cash, cf.closing_cash) == (D(10000), D(11400))


def test_indirect_without_proceeds_shows_one_investing_line() -> None:
    cf = statement_of(indirect_cash_flow(book(), PROFIT))
    assert amounts(cf.investing.lines) == [("Net cash used in long-term assets", D(-7500))]


def test_direct_method_line_by_line() -> None:
    cf = statement_of(direct_cash_flow(book(), ENTRIES))
    assert amounts(cf.operating.lines) == [
        ("Trade receivables: received", D(28000)),
        ("Trade payables: paid", D(-16500)),
        ("Interest: paid", D(-600)),
        ("Operating expenses: paid", D(-4000)),
    ]
    # the sale's 1,500 is shown against its largest counterpart, equipment (cost 3,000)
    assert amounts(cf.investing.lines) == [
        ("Equipment: paid", D(-9000)),
        ("Equipment: received", D(1500)),
    ]
    assert amounts(cf.financing.lines) == [
        ("Bank loan: paid", D(-2000)),
        ("Share capital: received", D(5000)),
        ("Retained earnings: paid", D(-1000)),
    ]
    assert cf.internal_transfers == D(200)  # bank to petty cash moves no cash in or out
    assert cf.net_change == D(1400)


def test_both_methods_agree_section_by_section() -> None:
    indirect = statement_of(indirect_cash_flow(book(), PROFIT))
    direct = statement_of(direct_cash_flow(book(), ENTRIES))
    assert indirect.net_change == direct.net_change == D(1400)
    assert (indirect.operating.total, indirect.investing.total, indirect.financing.total) == (
        direct.operating.total,
        direct.investing.total,
        direct.financing.total,
    )


def test_non_cash_financing_items_are_netted_out_of_financing() -> None:
    # an unrealised exchange loss of 300 on the loan: Dr FX loss / Cr loan; no cash
    chart = {**CHART, "6300": ("Exchange differences", X, T.NON_CASH_FINANCING, D(0))}
    entries = [*ENTRIES, entry("revalue loan", ("6300", 300), ("2100", -300))]
    cf = statement_of(indirect_cash_flow(book(entries, chart), PROFIT - 300))
    assert ("Add back Exchange differences", D(300)) in amounts(cf.operating.lines)
    assert cf.operating.total == D(6900)
    assert ("Less non-cash movements in financing balances", D(-300)) in amounts(cf.financing.lines)
    assert cf.financing.total == D(2000)
    direct = statement_of(direct_cash_flow(book(entries, chart), entries))
    assert direct.financing.total == D(2000)


# --- problems, never a plug -------------------------------------------------------------------


def test_an_untagged_balance_sheet_account_is_named_instead_of_a_number() -> None:
    chart = {**CHART, "1300": ("Prepayments", A, None, D(0))}
    entries = [*ENTRIES, entry("prepaid rent", ("1300", 400), ("1000", -400))]
    result = indirect_cash_flow(book(entries, chart), PROFIT)
    assert result.statement is None
    assert [p.account for p in result.problems] == ["1300"]
    assert "no cash-flow tag" in str(result.problems[0])
    direct = direct_cash_flow(book(entries, chart), entries)
    assert direct.statement is None
    assert [p.account for p in direct.problems] == ["1300"]


def test_a_missing_account_or_wrong_profit_is_a_problem_not_a_plug() -> None:
    result = indirect_cash_flow(book(), PROFIT + 100)
    assert result.statement is None and not result.ok
    (problem,) = result.problems
    assert problem.account is None
    assert str(problem).startswith("profit: the net change 1500 differs from the change in cash")
    # leaving out a balance-sheet account shows the same way
    partial = [a for a in book() if a.code != "2100"]
    assert indirect_cash_flow(partial, PROFIT).statement is None


def test_tags_on_the_wrong_kind_of_account_are_problems() -> None:
    chart = dict(CHART)
    chart["1510"] = ("Accumulated depreciation", A, T.NON_CASH_EXPENSE, D(-6000))
    chart["6000"] = ("Depreciation", X, T.INVESTING, D(0))
    result = indirect_cash_flow(book(chart=chart), PROFIT)
    assert sorted(p.account or "" for p in result.problems) == ["1510", "6000"]


def test_no_cash_account_is_a_problem() -> None:
    accounts = [CashFlowAccount("1100", "Receivables", A, T.WORKING_CAPITAL, D(1), D(1))]
    (problem,) = indirect_cash_flow(accounts, D(0)).problems
    assert problem.reason == "no account is tagged cash"


def test_direct_method_names_missing_unknown_and_unbalanced_entries() -> None:
    missing = direct_cash_flow(book(), ENTRIES[:-2])
    assert missing.statement is None
    assert "entries are missing" in missing.problems[0].reason
    unknown = direct_cash_flow(book(), [*ENTRIES, entry("typo", ("1000", 5), ("9999", -5))])
    assert [p.account for p in unknown.problems] == ["9999"]
    unbalanced = direct_cash_flow(book(), [*ENTRIES, entry("bad", ("1000", 5), ("4000", -4))])
    assert unbalanced.problems[0].reason == "bad does not balance"


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: CashFlowAccount("1", "Bank", A, T.CASH, 1.5, D(0)), "opening"),
        (lambda: CashFlowAccount("1", "Bank", A, T.CASH, D(0), "x"), "closing"),
        (lambda: CashFlowAccount("1", "Bank", A, "petty", D(0), D(0)), "tag"),
        (lambda: CashFlowAccount("1", "Bank", "cash", T.CASH, D(0), D(0)), "type"),
        (lambda: CashFlowAccount("", "Bank", A, T.CASH, D(0), D(0)), "code"),
        (lambda: JournalLine("1", 2.0), "amount"),
        (lambda: indirect_cash_flow(book(), 4900.0), "profit"),
        (lambda: indirect_cash_flow([*book(), book()[0]], PROFIT), "accounts"),
    ],
)
def test_malformed_input_is_refused_naming_the_field(build: object, field: str) -> None:
    with pytest.raises(CashFlowError) as info:
        build()  # type: ignore[operator]
    assert info.value.field == field


def test_tags_and_types_may_be_given_as_strings() -> None:
    account = CashFlowAccount("1000", "Bank", "asset", "cash", D(1), D(2))
    assert (account.type, account.tag, account.movement) == (A, T.CASH, D(1))
