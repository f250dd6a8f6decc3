"""The balances projection: net movement per account x period x currency, and per day.

Daily rows let a report answer "as of any date" by summing a few thousand rows; the
``closing`` flag keeps year-end closing entries out of income statements.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Connection, Table

from erp_core.events import VoucherPosted
from erp_core.money import to_minor
from erp_core.projections.engine import Record, upsert
from erp_core.projections.schema import daily_balances, period_balances


class BalancesProjection:
    name = "balances"
    tables: Sequence[Table] = (period_balances, daily_balances)
    event_names = frozenset({"VoucherPosted"})

    def apply(self, conn: Connection, records: Sequence[Record], base_currency: str) -> None:
        periods: dict[tuple[str, str, int, str], list[int]] = {}
        days: dict[tuple[str, str, dt.date, bool], list[int]] = {}
        for _pos, _stream, e in records:
            assert isinstance(e, VoucherPosted)
            closing = e.kind == "closing"
            for line in e.lines:
                base = to_minor(line.base, base_currency)
                amount = to_minor(line.amount, line.currency)
                p = periods.setdefault((line.account, e.fiscal_year, e.period, line.currency), [0, 0])
                p[0] += base
                p[1] += amount
                d = days.setdefault((line.account, line.currency, e.date, closing), [0, 0])
                d[0] += base
                d[1] += amount
        upsert(
            conn, period_balances, ("account", "fiscal_year", "period", "currency"),
            [
                {"account": a, "fiscal_year": y, "period": n, "currency": c,
                 "base_minor": v[0], "amount_minor": v[1]}
                for (a, y, n, c), v in sorted(periods.items())
            ],
            add=("base_minor", "amount_minor"),
        )
        upsert(
            conn, daily_balances, ("account", "currency", "date", "closing"),
            [
                {"account": a, "currency": c, "date": d, "closing": k,
                 "base_minor": v[0], "amount_minor": v[1]}
                for (a, c, d, k), v in sorted(days.items())
            ],
            add=("base_minor", "amount_minor"),
        )
