"""IAS 7 cash-flow statement, by the indirect method (from balances) and the direct method (from
journal entries). Pure functions: plain inputs in, a statement or a list of problems out.

Balances and line amounts are signed debit-positive (debit - credit): assets and expenses are
normally positive, liabilities, equity and income negative. A balance-sheet account's cash effect
for the period is therefore -(closing - opening): an asset that grew used cash, a liability that
grew provided it. Balances are taken WITHOUT the year-end closing entry (it moves the profit from
the income statement into retained earnings: no cash, and not part of the period's activity).

Cash-flow tags (`CashFlowTag`); every balance-sheet account needs one, an income or expense
account only when it is one of the three adjustment kinds:

==========================  ===========  =====================================================
tag                         accounts     role
==========================  ===========  =====================================================
cash                        asset        cash and cash equivalents: what the statement explains
operating_working_capital   balance      receivables, inventory, prepayments, payables,
                            sheet        accruals, provisions, taxes: -change in operating
investing                   balance      PPE cost, accumulated depreciation and impairment,
                            sheet        intangibles, assets under construction, investments
financing                   balance      loans, share capital, dividends payable, retained
                            sheet        earnings moved by dividends (closing entry excluded)
non_cash_expense            income /     depreciation, amortisation, impairment: added back in
                            expense      operating; their counterpart is an investing balance,
                                         so investing shows its balances net of them
non_cash_financing          income /     unrealised exchange differences on borrowings,
                            expense      interest added to a loan: added back in operating,
                                         netted out of financing
disposal_gain_loss          income /     gain or loss on disposal of investing assets: taken
                            expense      out of operating; the cash is in investing proceeds
profit                      income /     everything else (the default for income and expense
                            expense      accounts: the profit already holds it)
==========================  ===========  =====================================================

A non-cash expense whose counterpart is an operating balance (a provision, unrealised exchange
differences on receivables) needs no tag: the change in that balance already adds it back. The
interest and dividend classes are a policy choice made by tagging (interest paid stays in
operating with the profit; dividends paid follow the account they reduce).

Reconciliation, never a plug: the net change is the sum of the sections, computed from the
inputs; a check proves it equals the change in the cash accounts. When it cannot (an account
without a tag, a tag on the wrong kind of account, a profit that disagrees with the balance
sheet, entries that do not explain the cash accounts), the result carries problems naming the
account or the field instead of a statement.

Direct method: each journal entry that touches a cash account is split by its other lines; each
non-cash line contributes -(its amount) to the section of its account's tag (income and expense
accounts to operating, disposal gains and losses to investing), so an entry's contributions add
up to its net cash movement exactly. Each section's share of an entry is shown against the
entry's largest counterpart in that section (a sale of equipment: proceeds against the equipment
account, though the accumulated depreciation and the gain are lines of the same entry), with
receipts and payments on separate lines (IAS 7.21 wants them gross). An entry whose lines are
all cash accounts is an internal transfer and moves nothing (its amount is reported apart).
Accounts tagged non_cash_expense or non_cash_financing are expected never to meet cash; if one
does, that line is operating. On the same books both methods give the same net change and the
same section totals (tests prove it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

__all__ = [
    "AccountType",
    "CashFlowAccount",
    "CashFlowError",
    "CashFlowLine",
    "CashFlowProblem",
    "CashFlowResult",
    "CashFlowSection",
    "CashFlowStatement",
    "CashFlowTag",
    "JournalEntry",
    "JournalLine",
    "direct_cash_flow",
    "indirect_cash_flow",
]

ZERO = Decimal(0)


class CashFlowError(ValueError):
    """Malformed input (a float, an unknown tag): `field` names where, `reason` says why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class AccountType(StrEnum):
    ASSET = "asset"
    LIABILITY = "liability"
    EQUITY = "equity"
    INCOME = "income"
    EXPENSE = "expense"

    @property
    def balance_sheet(self) -> bool:
        return self in (AccountType.ASSET, AccountType.LIABILITY, AccountType.EQUITY)


class CashFlowTag(StrEnum):
    CASH = "cash"
    WORKING_CAPITAL = "operating_working_capital"
    INVESTING = "investing"
    FINANCING = "financing"
    NON_CASH_EXPENSE = "non_cash_expense"
    NON_CASH_FINANCING = "non_cash_financing"
    DISPOSAL_GAIN_LOSS = "disposal_gain_loss"
    PROFIT = "profit"


BALANCE_SHEET_TAGS = frozenset(
    {CashFlowTag.CASH, CashFlowTag.WORKING_CAPITAL, CashFlowTag.INVESTING, CashFlowTag.FINANCING}
)
INCOME_STATEMENT_TAGS = frozenset(CashFlowTag) - BALANCE_SHEET_TAGS


def _decimal(value: object, field: str) -> Decimal:
    if isinstance(value, bool | float):
        raise CashFlowError(field, f"got {type(value).__name__} {value!r}: use Decimal, not float")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise CashFlowError(field, f"{value!r} is not a decimal number") from None
    else:
        raise CashFlowError(field, f"expected a Decimal, got {type(value).__name__}")
    if not number.is_finite():
        raise CashFlowError(field, f"{value!r} is not a finite number")
    return number


@dataclass(frozen=True, slots=True)
class CashFlowAccount:
    """One account: type, cash-flow tag (None = unclassified) and debit-positive balances."""

    code: str
    name: str
    type: AccountType
    tag: CashFlowTag | None
    opening: Decimal = ZERO
    closing: Decimal = ZERO

    def __post_init__(self) -> None:
        if not isinstance(self.code, str) or not self.code.strip():
            raise CashFlowError("code", "an account needs a code")
        try:
            object.__setattr__(self, "type", AccountType(self.type))
        except ValueError:
            names = ", ".join(t.value for t in AccountType)
            raise CashFlowError(
                "type", f"{self.code}: unknown account type {self.type!r} (expected {names})"
            ) from None
        if self.tag is not None:
            try:
                object.__setattr__(self, "tag", CashFlowTag(self.tag))
            except ValueError:
                names = ", ".join(t.value for t in CashFlowTag)
                raise CashFlowError(
                    "tag", f"{self.code}: unknown cash-flow tag {self.tag!r} (expected {names})"
                ) from None
        object.__setattr__(self, "opening", _decimal(self.opening, "opening"))
        object.__setattr__(self, "closing", _decimal(self.closing, "closing"))

    @property
    def movement(self) -> Decimal:
        return self.closing - self.opening

    @property
    def label(self) -> str:
        return f"{self.code} {self.name}".strip()


@dataclass(frozen=True, slots=True)
class JournalLine:
    account: str
    amount: Decimal  # debit-positive

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", _decimal(self.amount, "amount"))


@dataclass(frozen=True, slots=True)
class JournalEntry:
    lines: tuple[JournalLine, ...]
    reference: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "lines", tuple(self.lines))


@dataclass(frozen=True, slots=True)
class CashFlowLine:
    label: str
    amount: Decimal
    accounts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CashFlowSection:
    name: str
    lines: tuple[CashFlowLine, ...]

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)


@dataclass(frozen=True, slots=True)
class CashFlowStatement:
    method: str  # "indirect" or "direct"
    operating: CashFlowSection
    investing: CashFlowSection
    financing: CashFlowSection
    opening_cash: Decimal
    closing_cash: Decimal
    internal_transfers: Decimal = ZERO  # direct method: cash moved between cash accounts

    @property
    def net_change(self) -> Decimal:
        return self.operating.total + self.investing.total + self.financing.total


@dataclass(frozen=True, slots=True)
class CashFlowProblem:
    account: str | None  # the account at fault, when one is
    reason: str

    def __str__(self) -> str:
        return f"{self.account}: {self.reason}" if self.account else self.reason


@dataclass(frozen=True, slots=True)
class CashFlowResult:
    statement: CashFlowStatement | None
    problems: tuple[CashFlowProblem, ...]

    @property
    def ok(self) -> bool:
        return self.statement is not None and not self.problems


def _check_accounts(
    accounts: Iterable[CashFlowAccount],
) -> tuple[dict[str, CashFlowAccount], list[CashFlowProblem]]:
    """Index by code and list every classification problem at once."""
    book: dict[str, CashFlowAccount] = {}
    problems: list[CashFlowProblem] = []
    for account in accounts:
        if not isinstance(account, CashFlowAccount):
            raise CashFlowError("accounts", f"expected CashFlowAccount, got {account!r}")
        if account.code in book:
            raise CashFlowError("accounts", f"account {account.code} is given twice")
        book[account.code] = account
        if account.type.balance_sheet:
            if account.tag is None:
                problems.append(
                    CashFlowProblem(
                        account.code,
                        f"{account.name or account.code} ({account.type}) has no cash-flow tag; "
                        "every balance-sheet account needs one",
                    )
                )
            elif account.tag not in BALANCE_SHEET_TAGS:
                problems.append(
                    CashFlowProblem(
                        account.code,
                        f"tag {account.tag} is for income and expense accounts, not a "
                        f"{account.type} account",
                    )
                )
        elif account.tag in BALANCE_SHEET_TAGS:
            problems.append(
                CashFlowProblem(
                    account.code,
                    f"tag {account.tag} is for balance-sheet accounts, not an {account.type} "
                    "account",
                )
            )
    if not any(a.tag is CashFlowTag.CASH for a in book.values()):
        problems.append(CashFlowProblem(None, "no account is tagged cash"))
    return book, problems


def _tagged(book: dict[str, CashFlowAccount], tag: CashFlowTag) -> list[CashFlowAccount]:
    return [a for a in book.values() if a.tag is tag]


def _moved(book: dict[str, CashFlowAccount], tag: CashFlowTag) -> list[CashFlowAccount]:
    """The accounts with `tag` whose balance changed (a line of zero says nothing)."""
    return [a for a in _tagged(book, tag) if a.movement]


def indirect_cash_flow(
    accounts: Iterable[CashFlowAccount],
    profit: Decimal,
    *,
    disposal_proceeds: Decimal | None = None,
) -> CashFlowResult:
    """The indirect method from opening and closing balances and the period's profit.

    `accounts` must hold every balance-sheet account with a balance at either date, and the
    income and expense accounts tagged non_cash_expense, non_cash_financing or
    disposal_gain_loss (others may be left out). With `disposal_proceeds` (cash received for
    investing assets sold), investing shows purchases and proceeds apart; without it, one net
    line.
    """
    profit = _decimal(profit, "profit")
    book, problems = _check_accounts(accounts)
    if disposal_proceeds is not None:
        disposal_proceeds = _decimal(disposal_proceeds, "disposal_proceeds")
    cash = _tagged(book, CashFlowTag.CASH)
    opening_cash = sum((a.opening for a in cash), ZERO)
    closing_cash = sum((a.closing for a in cash), ZERO)

    non_cash = _tagged(book, CashFlowTag.NON_CASH_EXPENSE)
    non_cash_financing = _tagged(book, CashFlowTag.NON_CASH_FINANCING)
    gains = _tagged(book, CashFlowTag.DISPOSAL_GAIN_LOSS)

    operating = [CashFlowLine("Profit for the period", profit)]
    for account in [*non_cash, *non_cash_financing]:
        operating.append(
            CashFlowLine(f"Add back {account.name}", account.movement, (account.code,))
        )
    for account in gains:
        verb = "Less gain" if account.movement < 0 else "Add back loss"
        operating.append(
            CashFlowLine(f"{verb} on disposal ({account.name})", account.movement, (account.code,))
        )
    for account in _moved(book, CashFlowTag.WORKING_CAPITAL):
        change = "Decrease" if account.movement * _side(account) < 0 else "Increase"
        operating.append(
            CashFlowLine(f"{change} in {account.name}", -account.movement, (account.code,))
        )

    investing_accounts = _tagged(book, CashFlowTag.INVESTING)
    # investing balances moved by: purchases, disposals at carrying amount, and the non-cash
    # charges added back above; removing those charges and adding the gains leaves the cash
    investing_total = (
        -sum((a.movement for a in investing_accounts), ZERO)
        - sum((a.movement for a in non_cash), ZERO)
        - sum((a.movement for a in gains), ZERO)
    )
    codes = tuple(a.code for a in [*investing_accounts, *non_cash, *gains])
    if disposal_proceeds is None:
        investing = [CashFlowLine("Net cash used in long-term assets", investing_total, codes)]
    else:
        investing = [
            CashFlowLine(
                "Purchase of long-term assets", investing_total - disposal_proceeds, codes
            ),
            CashFlowLine("Proceeds from disposal of long-term assets", disposal_proceeds, codes),
        ]

    financing = [
        CashFlowLine(
            f"{'Increase' if a.movement * _side(a) > 0 else 'Decrease'} in {a.name}",
            -a.movement,
            (a.code,),
        )
        for a in _moved(book, CashFlowTag.FINANCING)
    ]
    if non_cash_financing:
        financing.append(
            CashFlowLine(
                "Less non-cash movements in financing balances",
                -sum((a.movement for a in non_cash_financing), ZERO),
                tuple(a.code for a in non_cash_financing),
            )
        )

    statement = CashFlowStatement(
        "indirect",
        CashFlowSection("operating", tuple(line for line in operating)),
        CashFlowSection("investing", tuple(investing)),
        CashFlowSection("financing", tuple(financing)),
        opening_cash,
        closing_cash,
    )
    actual = closing_cash - opening_cash
    if statement.net_change != actual:
        difference = statement.net_change - actual
        if not problems:
            balance_sheet_result = sum(
                (a.movement for a in book.values() if a.type.balance_sheet), ZERO
            )
            problems.append(
                CashFlowProblem(
                    None,
                    f"profit: the net change {statement.net_change} differs from the change in "
                    f"cash {actual} by {difference}; the profit {profit} disagrees with the "
                    f"balance-sheet movements, which give {balance_sheet_result} (a balance-sheet "
                    "account is missing, or the profit is wrong, or includes a closing entry)",
                )
            )
    if problems:
        return CashFlowResult(None, tuple(problems))
    return CashFlowResult(statement, ())


def _side(account: CashFlowAccount) -> int:
    """+1 for debit-natured accounts (assets, expenses), -1 for credit-natured ones."""
    return 1 if account.type in (AccountType.ASSET, AccountType.EXPENSE) else -1


def _section_of(account: CashFlowAccount) -> str | None:
    if not account.type.balance_sheet:
        return "investing" if account.tag is CashFlowTag.DISPOSAL_GAIN_LOSS else "operating"
    if account.tag is None:
        return None
    return _SECTIONS.get(account.tag)


_SECTIONS = {
    CashFlowTag.WORKING_CAPITAL: "operating",
    CashFlowTag.INVESTING: "investing",
    CashFlowTag.FINANCING: "financing",
}


def direct_cash_flow(
    accounts: Iterable[CashFlowAccount], entries: Iterable[JournalEntry]
) -> CashFlowResult:
    """The direct method: the period's journal entries, each cash movement classified by the
    entry's other (counterpart) lines. The balances of `accounts` give opening cash and prove
    that the entries explain the whole change in the cash accounts."""
    book, problems = _check_accounts(accounts)
    totals: dict[str, dict[tuple[str, bool], Decimal]] = {
        "operating": {},
        "investing": {},
        "financing": {},
    }
    transfers = ZERO
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, JournalEntry):
            raise CashFlowError("entries", f"expected JournalEntry, got {entry!r}")
        name = entry.reference or f"entry {number}"
        unknown = [line.account for line in entry.lines if line.account not in book]
        if unknown:
            problems.extend(
                CashFlowProblem(code, f"{name} posts to an account not in the book")
                for code in unknown
            )
            continue
        if sum((line.amount for line in entry.lines), ZERO) != 0:
            problems.append(CashFlowProblem(None, f"{name} does not balance"))
            continue
        cash_lines = [line for line in entry.lines if book[line.account].tag is CashFlowTag.CASH]
        if not cash_lines:
            continue  # no cash moved: a non-cash transaction
        others = [line for line in entry.lines if book[line.account].tag is not CashFlowTag.CASH]
        if not others:
            transfers += sum((line.amount for line in cash_lines if line.amount > 0), ZERO)
            continue
        # each section's share of this entry's cash, shown against its largest counterpart
        # there, receipts and payments apart (IAS 7.21: gross, not net)
        shares: dict[str, tuple[Decimal, JournalLine]] = {}
        for line in others:
            key = _section_of(book[line.account])
            if key is None:
                continue  # an unclassified account: already a problem
            share, main = shares.get(key, (ZERO, line))
            if abs(line.amount) > abs(main.amount):
                main = line
            shares[key] = (share - line.amount, main)
        for key, (share, main) in shares.items():
            if share:
                slot = (main.account, share > 0)
                totals[key][slot] = totals[key].get(slot, ZERO) + share

    cash = _tagged(book, CashFlowTag.CASH)
    opening_cash = sum((a.opening for a in cash), ZERO)
    closing_cash = sum((a.closing for a in cash), ZERO)

    def section(key: str) -> CashFlowSection:
        lines = tuple(
            CashFlowLine(
                f"{book[code].name or code}: {'received' if received else 'paid'}", amount, (code,)
            )
            for (code, received), amount in sorted(totals[key].items())
        )
        return CashFlowSection(key, lines)

    statement = CashFlowStatement(
        "direct",
        section("operating"),
        section("investing"),
        section("financing"),
        opening_cash,
        closing_cash,
        transfers,
    )
    actual = closing_cash - opening_cash
    if not problems and statement.net_change != actual:
        problems.append(
            CashFlowProblem(
                None,
                f"entries: the cash lines move {statement.net_change} but the cash accounts "
                f"changed by {actual}; entries are missing, or the balances are of another period",
            )
        )
    if problems:
        return CashFlowResult(None, tuple(problems))
    return CashFlowResult(statement, ())
