"""Is a projection still what the log says? (issue 11: a projection edited in the database is
caught, not only a stale one.)

The general ledger's balance per account is recomputed from the stored `VoucherPosted` events
up to the position the projections have reached, and compared with the trial balance the
projections give. Any row inserted, deleted or edited in the journal projections shows up as
a difference on an account.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from erp_core.ledger.reports import CheckResult, TrialBalance

NAME = "projections match the log"


def balances_from_log(records: Iterable[tuple[str, dict[str, object]]]) -> dict[str, Decimal]:
    """Base balance per account (debit positive) from (event name, payload) pairs."""
    totals: dict[str, Decimal] = {}
    for name, data in records:
        if name != "VoucherPosted":
            continue
        for line in data["lines"]:  # type: ignore[attr-defined]
            account = str(line["account"])
            totals[account] = totals.get(account, Decimal(0)) + Decimal(str(line["base"]))
    return {k: v for k, v in totals.items() if v != 0}


def balances_from_projection(tb: TrialBalance) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for row in tb.rows:
        totals[row.account] = totals.get(row.account, Decimal(0)) + row.debit - row.credit
    return {k: v for k, v in totals.items() if v != 0}


def compare(log: dict[str, Decimal], projected: dict[str, Decimal], position: int) -> CheckResult:
    differ = sorted(a for a in log.keys() | projected.keys() if log.get(a) != projected.get(a))
    expected = sum((v for v in log.values() if v > 0), Decimal(0))
    actual = sum((v for v in projected.values() if v > 0), Decimal(0))
    if not differ:
        return CheckResult(
            name=NAME,
            ok=True,
            expected=expected,
            actual=actual,
            message=f"{NAME}: OK (journal up to log position {position})",
        )
    shown = ", ".join(
        f"{a} (log {log.get(a, Decimal(0)):,}, projection {projected.get(a, Decimal(0)):,})"
        for a in differ[:5]
    )
    more = f" and {len(differ) - 5} more" if len(differ) > 5 else ""
    return CheckResult(
        name=NAME,
        ok=False,
        expected=expected,
        actual=actual,
        message=f"{NAME}: the journal projection differs from the log up to position "
        f"{position} on {len(differ)} account(s): {shown}{more}; run `erp projections rebuild`",
    )
