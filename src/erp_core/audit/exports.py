"""Exports an auditor can check with their own tools.

`write_beancount` turns the log itself (not the projections) into beancount text, so running
beancount's own ``bean-check`` over it is a second, independent implementation checking every
journal entry's balance and every account's closing balance.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import TextIO

from erp_core.kernel.events import DomainEvent
from erp_core.kernel.money import ZERO
from erp_core.ledger.events import AccountClosed, AccountOpened, CompanyCreated, VoucherPosted

ROOTS = {
    "asset": "Assets",
    "liability": "Liabilities",
    "equity": "Equity",
    "income": "Income",
    "expense": "Expenses",
}


def _slug(name: str) -> str:
    """The name in ASCII CamelCase: transliterated first, so "Büromaterial & Zubehör" reads
    "BuromaterialZubehor" rather than losing its letters."""
    from anyascii import anyascii

    words = re.findall(r"[A-Za-z0-9]+", anyascii(name))
    return "".join(w[:1].upper() + w[1:] for w in words)[:40] or "Account"


def beancount_account(code: str, account_type: str, name: str) -> str:
    """``Assets:1120-Bank``: root by type, then the code and the name (beancount-safe)."""
    safe_code = re.sub(r"[^A-Za-z0-9-]", "-", code)
    return f"{ROOTS[account_type]}:{safe_code}-{_slug(name)}"


def _string(value: str) -> str:
    cleaned = re.sub(r"[\x00-\x1f]", " ", value)
    return '"' + cleaned.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _num(d: Decimal) -> str:
    return format(d, "f")


def write_beancount(
    events: Iterable[DomainEvent], out: TextIO, *, include_closing: bool = True
) -> int:
    """Write the ledger as beancount text; return the number of transactions written.

    Year-end closing entries (and their reversals when a year is reopened) are tagged
    ``#closing``; ``include_closing=False`` leaves them out, so a viewer such as Fava shows a
    closed year's income and expenses instead of zero. Closed accounts get a ``close``
    directive after the closing balance assertions.

    Foreign-currency lines carry their base amount as a total cost (``{{92.00 EUR}}``), so
    beancount weighs each line exactly as the ledger did; ``booking_method`` NONE lets lots
    be reduced freely. A rounding line that carries no foreign amount is written in the base
    currency. Balance assertions close the file: every account, every currency.
    """
    names: dict[str, str] = {}
    base = ""
    start = dt.date.min
    units: dict[tuple[str, str], Decimal] = {}
    last_day = dt.date.min
    count = 0
    closed: dict[str, dt.date] = {}
    for event in events:
        if isinstance(event, CompanyCreated):
            base, start = event.base_currency, event.fiscal_year_start
            out.write(f'option "title" {_string(event.name)}\n')
            out.write(f'option "operating_currency" "{base}"\n')
            out.write('option "booking_method" "NONE"\n')
            # beancount turns a total cost into a per-unit cost by division, which can leave
            # a residue like 1e-28; this tolerance absorbs that residue and nothing near a cent.
            out.write(f'option "inferred_tolerance_default" "{base}:0.000001"\n\n')
        elif isinstance(event, AccountOpened):
            if event.is_group:
                continue
            account = beancount_account(event.code, event.type, event.name)
            names[event.code] = account
            out.write(f"{start} open {account}\n")
        elif isinstance(event, AccountClosed):
            if event.code in names:
                closed[event.code] = event.recorded_at.date()
        elif isinstance(event, VoucherPosted):
            closing = event.kind == "closing"
            if closing and not include_closing:
                continue
            count += 1
            last_day = max(last_day, event.date)
            narration = event.memo or event.document
            tag = " #closing" if closing else ""
            out.write(f"\n{event.date} * {_string(narration)}{tag}\n")
            out.write(f"  document: {_string(event.document)}\n")
            out.write(f"  kind: {_string(event.kind)}\n")
            out.write(f"  actor: {_string(event.actor)}\n")
            if event.reverses:
                out.write(f"  reverses: {_string(event.reverses)}\n")
            for line in event.lines:
                account = names[line.account]
                if line.currency == base or line.amount == 0:
                    out.write(f"  {account}  {_num(line.base)} {base}\n")
                    key = (account, base)
                    units[key] = units.get(key, ZERO) + line.base
                else:
                    same_sign = (line.base > 0) == (line.amount > 0) and line.base != 0
                    # A total cost cannot carry a sign against its units (a closing line can
                    # hold +0.01 USD worth -0.01 EUR): then the units go at zero cost and the
                    # base amount on its own posting.
                    cost = _num(abs(line.base)) if same_sign else "0"
                    out.write(
                        f"  {account}  {_num(line.amount)} {line.currency} {{{{{cost} {base}}}}}\n"
                    )
                    key = (account, line.currency)
                    units[key] = units.get(key, ZERO) + line.amount
                    if not same_sign and line.base != 0:
                        out.write(f"  {account}  {_num(line.base)} {base}\n")
                        units[(account, base)] = units.get((account, base), ZERO) + line.base
    check_day = last_day + dt.timedelta(days=1)
    if count:
        out.write("\n")
        for (account, currency), amount in sorted(units.items()):
            out.write(f"{check_day} balance {account}  {_num(amount)} {currency}\n")
    if closed:
        out.write("\n")
        for code, when in sorted(closed.items()):
            # after every posting and balance assertion of the account (beancount orders a
            # day's balance assertions before its close directives)
            out.write(f"{max(when, check_day, start)} close {names[code]}\n")
    return count
