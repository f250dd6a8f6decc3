"""Hypothesis: on generated histories the chain verifies; after one random mutation of the
stored rows, verification fails, and it fails exactly at the mutated position."""

from __future__ import annotations

import datetime as dt
import sqlite3
import tempfile
from decimal import Decimal

from conftest import beancount_weights, make_clock, trial_balance_by_account
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from erp_core import Erp

ACCOUNTS = ["1110", "1120", "1500", "2300", "3100", "4100", "4200", "6100", "6200"]

voucher = st.tuples(
    st.integers(min_value=1, max_value=12),  # month
    st.sampled_from(ACCOUNTS),
    st.sampled_from(ACCOUNTS),
    st.integers(min_value=1, max_value=10_000_000),  # cents
)
mutation = st.sampled_from(["alter", "delete", "insert", "swap"])


def build(path: str, history: list[tuple[int, str, str, int]]) -> Erp:
    erp = Erp.open(f"sqlite:///{path}", actor="prop", clock=make_clock())
    erp.init("Prop Co", "EUR", dt.date(2026, 1, 1))
    for month, debit, credit, cents in history:
        amount = f"{cents // 100}.{cents % 100:02d}"
        erp.post_voucher(
            f"2026-{month:02d}-15",
            [{"account": debit, "debit": amount}, {"account": credit, "credit": amount}],
        )
    return erp


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    history=st.lists(voucher, min_size=1, max_size=8),
    kind=mutation,
    pick=st.floats(min_value=0, max_value=1, allow_nan=False),  # which position (not money)
    pick2=st.floats(min_value=0, max_value=1, allow_nan=False),
)
def test_verification_fails_exactly_where_the_log_was_changed(
    history: list[tuple[int, str, str, int]], kind: str, pick: float, pick2: float
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = f"{tmp}/books.sqlite"
        erp = build(path, history)
        assert erp.verify().ok
        head = erp.store.last_position()
        erp.close()
        position = 1 + int(pick * (head - 1))
        db = sqlite3.connect(path)
        if kind == "alter":
            (state,) = db.execute(
                "SELECT state FROM stored_events WHERE rowid = ?", (position,)
            ).fetchone()
            changed = bytearray(state)
            changed[len(changed) // 2] ^= 0x01  # flip one bit of one byte
            db.execute(
                "UPDATE stored_events SET state = ? WHERE rowid = ?", (bytes(changed), position)
            )
            expected = (position, "altered")
        elif kind == "delete":
            db.execute("DELETE FROM stored_events WHERE rowid = ?", (position,))
            expected = (position, "deleted")
        elif kind == "insert":
            db.execute(
                "INSERT INTO stored_events VALUES ('doc:FORGED', 1, 'VoucherPosted@1', ?)",
                (b'{"forged": true}',),
            )
            expected = (head + 1, "inserted")
        else:
            other = 1 + int(pick2 * (head - 1))
            if other == position:
                other = position + 1 if position < head else position - 1
            a, b = sorted((position, other))
            rows = {
                r[0]: r[1:]
                for r in db.execute(
                    "SELECT rowid, originator_id, originator_version, topic, state "
                    "FROM stored_events WHERE rowid IN (?, ?)",
                    (a, b),
                )
            }
            db.execute(
                "UPDATE stored_events SET originator_id = originator_id || '~' "
                "WHERE rowid IN (?, ?)",
                (a, b),
            )
            for target, source in ((a, b), (b, a)):
                db.execute(
                    "UPDATE stored_events SET originator_id = ?, originator_version = ?, "
                    "topic = ?, state = ? WHERE rowid = ?",
                    (*rows[source], target),
                )
            expected = (a, "altered")
        db.commit()
        db.close()
        with Erp.open(f"sqlite:///{path}", actor="auditor") as erp:
            report = erp.verify()
        assert not report.ok
        first = report.problems[0]
        assert (first.position, first.kind) == expected


fx_voucher = st.tuples(
    st.integers(min_value=1, max_value=12),
    st.lists(
        st.tuples(st.sampled_from(ACCOUNTS), st.integers(min_value=1, max_value=500_000)),
        min_size=1,
        max_size=4,
    ),
    st.sampled_from(ACCOUNTS),
    st.sampled_from(["EUR", "USD", "GBP", "JPY"]),
    st.sampled_from(["0.9231", "1.1702", "0.0061", "1.5", "0.333333"]),
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=st.lists(fx_voucher, min_size=1, max_size=10), close_year=st.booleans())
def test_beancount_checks_the_export_of_any_history_and_agrees_with_our_balances(
    history: list[tuple[int, list[tuple[str, int]], str, str, str]], close_year: bool
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        erp = Erp.open(f"sqlite:///{tmp}/b.sqlite", actor="prop", clock=make_clock())
        erp.init("Prop Co", "EUR", dt.date(2026, 1, 1))
        for month, debits, credit, currency, rate in history:
            places = 0 if currency == "JPY" else 2
            scale = Decimal(1).scaleb(-places)
            lines = []
            total = Decimal(0)
            for account, units in debits:
                amount = (Decimal(units) * scale).quantize(scale)
                total += amount
                lines.append({"account": account, "debit": str(amount)})
            lines.append({"account": credit, "credit": str(total)})
            if currency != "EUR":
                for line in lines:
                    line.update(currency=currency, rate=rate)
            erp.post_voucher(f"2026-{month:02d}-10", lines)
        if close_year:
            erp.close_fiscal_year(2026)
        path = f"{tmp}/b.beancount"
        with open(path, "w", encoding="utf-8") as out:
            erp.export_beancount(out)
        errors, theirs = beancount_weights(path)
        assert errors == []
        assert theirs == trial_balance_by_account(erp)
        erp.close()
