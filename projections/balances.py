"""The balances projection: net movement per account x period x currency, and per day.

Daily rows let a report answer "as of any date" by summing a few thousand rows; the
``closing`` flag keeps year-end closing entries out of income statements.
"""

from __future__ import annotations

from collections.abc import Sequence

from erp_core.projections.engine import Record, upsert
from erp_core.projections.schema import daily_balances, period_balances
from sqlalchemy import Connection, Table


class BalancesProjection:
    name = "balances"
    tables: Sequence[Table] = (period_balances, daily_balances)
    event_names = frozenset({"VoucherPosted"})

    def apply(self, conn: Connection, records: Sequence[Record], base_currency: str) -> None:
        periods: dict[tuple[str, str, int, str], list[int]] = {}
        days: dict[tuple[str, str, str, bool], list[int]] = {}
        for _pos, _stream, _name, e in records:
            closing = e["kind"] == "closing"
            year, period, date = e["fiscal_year"], e["period"], e["date"]
            for line in e["lines"]:
                account, currency = line["account"], line["currency"]
                base, amount = line["base_minor"], line["amount_minor"]
                p = periods.setdefault((account, year, period, currency), [0, 0])
                p[0] += base
                p[1] += amount
                d = days.setdefault((account, currency, date, closing), [0, 0])
                d[0] += base
                d[1] += amount
        upsert(
            conn,
            period_balances,
            ("account", "fiscal_year", "period", "currency"),
            [(a, y, n, c, v[0], v[1]) for (a, y, n, c), v in sorted(periods.items())],
            add=("base_minor", "amount_minor"),
        )
        upsert(
            conn,
            daily_balances,
            ("account", "currency", "date", "closing"),
            [(a, c, d, k, v[0], v[1]) for (a, c, d, k), v in sorted(days.items())],
            add=("base_minor", "amount_minor"),
        )
