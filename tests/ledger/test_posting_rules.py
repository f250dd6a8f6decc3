"""Posting rules as pure functions: no database involved."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from erp_core.kernel.errors import (
    AccountClosed,
    PeriodClosed,
    Unbalanced,
    UnknownAccount,
    ValidationError,
)
from erp_core.ledger.accounts import STANDARD_CHART, Chart
from erp_core.ledger.commands import VoucherLine
from erp_core.ledger.events import AccountClosed as AccountClosedEvent
from erp_core.ledger.events import AccountOpened, DimensionValueAdded, FiscalYearOpened
from erp_core.ledger.journal import balance_lines, price_lines
from erp_core.ledger.periods import FiscalYear, fiscal_year_bounds, format_number, monthly_periods

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def a_chart() -> Chart:
    chart = Chart()
    for code, name, typ, parent, is_group, control in STANDARD_CHART:
        chart.trigger(
            AccountOpened(
                actor="t",
                recorded_at=NOW,
                code=code,
                name=name,
                type=typ,
                parent=parent,
                is_group=is_group,
                control=control,
            )
        )
    chart.trigger(
        DimensionValueAdded(
            actor="t", recorded_at=NOW, dimension="project", code="ALPHA", name="Alpha"
        )
    )
    return chart


def post(lines: list[dict[str, object]], chart: Chart | None = None) -> list:  # type: ignore[type-arg]
    chart = chart or a_chart()
    priced, by_currency = price_lines([VoucherLine.model_validate(x) for x in lines], chart, "EUR")
    return balance_lines(priced, by_currency, chart, "EUR")


def test_a_balanced_voucher_posts_debits_positive_and_credits_negative() -> None:
    lines = post([{"account": "6200", "debit": "100.00"}, {"account": "1120", "credit": "100"}])
    assert [(x.account, x.amount, x.base) for x in lines] == [
        ("6200", Decimal("100.00"), Decimal("100.00")),
        ("1120", Decimal("-100"), Decimal("-100")),
    ]


def test_an_unbalanced_voucher_is_refused_with_both_totals() -> None:
    with pytest.raises(Unbalanced, match="differ by 0.01 EUR"):
        post([{"account": "6200", "debit": "100.00"}, {"account": "1120", "credit": "99.99"}])


def test_unknown_accounts_are_named_with_their_line() -> None:
    with pytest.raises(UnknownAccount) as err:
        post([{"account": "6200", "debit": "1"}, {"account": "9999", "credit": "1"}])
    assert err.value.field == "lines[1].account"


def test_group_accounts_take_no_postings() -> None:
    with pytest.raises(ValidationError, match="group account"):
        post([{"account": "6000", "debit": "1"}, {"account": "1120", "credit": "1"}])


def test_subledger_control_accounts_refuse_manual_vouchers() -> None:
    with pytest.raises(ValidationError, match="receivables control account"):
        post([{"account": "1200", "debit": "1"}, {"account": "1120", "credit": "1"}])


def test_closed_accounts_refuse_postings() -> None:
    chart = a_chart()
    chart.trigger(AccountClosedEvent(actor="t", recorded_at=NOW, code="6700"))
    with pytest.raises(AccountClosed, match="closed"):
        post([{"account": "6700", "debit": "1"}, {"account": "1120", "credit": "1"}], chart)


def test_unknown_dimension_values_are_refused() -> None:
    with pytest.raises(ValidationError, match="unknown project 'GAMMA'"):
        post(
            [
                {"account": "6200", "debit": "1", "dimensions": {"project": "GAMMA"}},
                {"account": "1120", "credit": "1"},
            ]
        )
    with pytest.raises(ValidationError, match="unknown dimension 'colour'"):
        post(
            [
                {"account": "6200", "debit": "1", "dimensions": {"colour": "red"}},
                {"account": "1120", "credit": "1"},
            ]
        )


def test_a_foreign_line_needs_a_rate() -> None:
    with pytest.raises(ValidationError, match="needs a rate"):
        post(
            [
                {"account": "1120", "debit": "10", "currency": "USD"},
                {"account": "4100", "credit": "10", "currency": "USD"},
            ]
        )


def test_amounts_finer_than_the_currency_allows_are_refused() -> None:
    with pytest.raises(ValidationError, match="more decimal places"):
        post([{"account": "6200", "debit": "1.001"}, {"account": "1120", "credit": "1.001"}])


def test_one_currency_voucher_absorbs_base_rounding_in_the_rounding_account() -> None:
    # 3 x 0.01 USD at 1.5: each line rounds to 0.02 EUR, so debits 0.04 vs credits 0.03.
    lines = post(
        [
            {"account": "1120", "debit": "0.01", "currency": "USD", "rate": "1.5"},
            {"account": "1110", "debit": "0.01", "currency": "USD", "rate": "1.5"},
            {"account": "4100", "credit": "0.02", "currency": "USD", "rate": "1.5"},
        ]
    )
    rounding = lines[-1]
    assert (rounding.account, rounding.currency, rounding.amount) == ("6900", "USD", 0)
    assert rounding.base == Decimal("-0.01")
    assert sum(x.base for x in lines) == 0
    assert sum(x.amount for x in lines) == 0


def test_a_one_currency_voucher_must_balance_in_that_currency() -> None:
    with pytest.raises(Unbalanced, match="USD"):
        post(
            [
                {"account": "1120", "debit": "10.00", "currency": "USD", "rate": "0.9"},
                {"account": "4100", "credit": "10.01", "currency": "USD", "rate": "0.9"},
            ]
        )


def test_a_mixed_currency_voucher_balances_in_base_currency() -> None:
    lines = post(
        [
            {"account": "1120", "debit": "100.00", "currency": "USD", "rate": "0.92"},
            {"account": "2300", "credit": "92.00"},
        ]
    )
    assert sum(x.base for x in lines) == 0
    with pytest.raises(Unbalanced, match="does not balance in EUR"):
        post(
            [
                {"account": "1120", "debit": "100.00", "currency": "USD", "rate": "0.92"},
                {"account": "2300", "credit": "93.00"},
            ]
        )


def test_lines_need_exactly_one_positive_side() -> None:
    with pytest.raises(ValueError, match="exactly one of debit or credit"):
        VoucherLine.model_validate({"account": "1", "debit": "1", "credit": "1"})
    with pytest.raises(ValueError, match="greater than zero"):
        VoucherLine.model_validate({"account": "1", "debit": "-5"})


def a_year() -> FiscalYear:
    label, start, end = fiscal_year_bounds(dt.date(2026, 4, 1), dt.date(2026, 4, 1))
    fy = FiscalYear(f"fy:{label}")
    fy.trigger(
        FiscalYearOpened(
            actor="t",
            recorded_at=NOW,
            label=label,
            start=start,
            end=end,
            periods=monthly_periods(start),
        )
    )
    return fy


def test_fiscal_years_starting_in_april_end_in_march_of_the_next_year() -> None:
    assert fiscal_year_bounds(dt.date(2027, 2, 15), dt.date(2020, 4, 1)) == (
        "2026",
        dt.date(2026, 4, 1),
        dt.date(2027, 3, 31),
    )
    fy = a_year()
    assert fy.period_of(dt.date(2026, 4, 30)) == 1
    assert fy.period_of(dt.date(2027, 3, 1)) == 12


def test_numbers_are_gapless_and_share_one_event_per_save() -> None:
    fy = a_year()
    numbers = [fy.issue_number("JV", "t", NOW) for _ in range(3)]
    assert numbers == [1, 2, 3]
    events = fy.collect()
    assert len(events) == 2  # the opening and one NumbersIssued covering 1..3
    assert (events[1][2].first, events[1][2].last) == (1, 3)
    assert format_number("JV", "2026", 7) == "JV-2026-000007"


def test_closed_and_locked_periods_refuse_postings_and_locked_ones_cannot_reopen() -> None:
    fy = a_year()
    fy.close_period(1, "t", NOW)
    with pytest.raises(PeriodClosed, match="is closed"):
        fy.check_open_for_posting(dt.date(2026, 4, 10))
    fy.lock_period(1, "t", NOW)
    with pytest.raises(PeriodClosed, match="is locked"):
        fy.check_open_for_posting(dt.date(2026, 4, 10))
    from erp_core.kernel.errors import PeriodStateError

    with pytest.raises(PeriodStateError, match="final"):
        fy.reopen_period(1, "audit fix", "t", NOW)
    with pytest.raises(PeriodStateError, match="close it before locking"):
        fy.lock_period(2, "t", NOW)


def test_snapshot_restores_the_same_state() -> None:
    fy = a_year()
    fy.issue_number("JV", "t", NOW)
    fy.close_period(3, "t", NOW)
    copy = FiscalYear(fy.id)
    copy.restore(fy.version, fy.snapshot())
    assert copy.snapshot() == fy.snapshot()
    assert copy.version == fy.version
