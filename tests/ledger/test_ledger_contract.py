"""The contract suite: every test here runs on SQLite and on PostgreSQL (fixture `any_erp`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from erp_core import Erp
from erp_core.kernel.errors import (
    AlreadyReversed,
    IdempotencyConflict,
    NotFound,
    PeriodClosed,
    PeriodStateError,
    Unbalanced,
)

D = dt.date


def capital(erp: Erp, day: str = "2026-01-05", amount: str = "1000.00") -> str:
    result = erp.post_voucher(
        day,
        [{"account": "1120", "debit": amount}, {"account": "3100", "credit": amount}],
        memo="capital",
    )
    return result.documents[0]


def test_posting_updates_reports_before_the_call_returns(any_erp: Erp) -> None:
    capital(any_erp)
    tb = any_erp.trial_balance()
    assert [(r.account, r.debit, r.credit) for r in tb.rows] == [
        ("1120", Decimal("1000.00"), 0),
        ("3100", 0, Decimal("1000.00")),
    ]
    assert tb.total_debit == tb.total_credit == Decimal("1000.00")


def test_document_numbers_are_gapless_per_series_and_year(any_erp: Erp) -> None:
    docs = [capital(any_erp) for _ in range(3)]
    assert docs == ["JV-2026-000001", "JV-2026-000002", "JV-2026-000003"]
    any_erp.open_fiscal_year(2027)
    assert capital(any_erp, "2027-02-01") == "JV-2027-000001"


def test_a_refused_voucher_consumes_no_number_and_stores_nothing(any_erp: Erp) -> None:
    capital(any_erp)
    head = any_erp.store.last_position()
    with pytest.raises(Unbalanced):
        any_erp.post_voucher(
            "2026-01-06", [{"account": "1120", "debit": "5"}, {"account": "3100", "credit": "4"}]
        )
    assert any_erp.store.last_position() == head
    assert capital(any_erp) == "JV-2026-000002"


def test_reversal_is_a_new_voucher_pointing_at_the_original(any_erp: Erp) -> None:
    original = capital(any_erp)
    reversal = any_erp.reverse_voucher(original, "2026-02-01").documents[0]
    assert reversal == "JV-2026-000002"
    assert any_erp.trial_balance().rows == []
    lines = any_erp.general_ledger()
    assert [(x.document, x.kind, x.base) for x in lines if x.account == "1120"] == [
        (original, "manual", Decimal("1000.00")),
        (reversal, "reversal", Decimal("-1000.00")),
    ]
    with pytest.raises(AlreadyReversed, match=f"already reversed by {reversal}"):
        any_erp.reverse_voucher(original, "2026-02-02")
    with pytest.raises(NotFound):
        any_erp.reverse_voucher("JV-2026-999999", "2026-02-02")


def test_a_reversal_must_be_dated_in_an_open_period(any_erp: Erp) -> None:
    original = capital(any_erp)
    any_erp.close_period("2026-02")
    with pytest.raises(PeriodClosed, match="2026-02"):
        any_erp.reverse_voucher(original, "2026-02-10")


def test_closed_periods_refuse_postings_until_reopened(any_erp: Erp) -> None:
    any_erp.close_period("2026-01")
    with pytest.raises(PeriodClosed, match="period 2026-01 .* is closed"):
        capital(any_erp, "2026-01-31")
    any_erp.reopen_period("2026-01", "late supplier invoice")
    assert capital(any_erp, "2026-01-31") == "JV-2026-000001"
    periods = {(p["fiscal_year"], p["period"]): p["status"] for p in any_erp.fiscal_periods()}
    assert periods[("2026", 1)] == "open"


def test_locked_periods_are_final(any_erp: Erp) -> None:
    any_erp.close_period("2026-03")
    any_erp.lock_period("2026-03")
    with pytest.raises(PeriodStateError, match="locked periods are final"):
        any_erp.reopen_period("2026-03", "please")


def test_posting_outside_any_open_fiscal_year_is_refused(any_erp: Erp) -> None:
    with pytest.raises(PeriodClosed, match="fiscal year 2027 .* is not open"):
        capital(any_erp, "2027-01-05")


def test_year_end_close_moves_profit_to_retained_earnings(any_erp: Erp) -> None:
    capital(any_erp)
    any_erp.post_voucher(
        "2026-03-01",
        [{"account": "1120", "debit": "500.00"}, {"account": "4100", "credit": "500.00"}],
    )
    any_erp.post_voucher(
        "2026-03-02",
        [{"account": "6200", "debit": "120.00"}, {"account": "1120", "credit": "120.00"}],
    )
    closing = any_erp.close_fiscal_year(2026).documents
    assert closing == ["YC-2026-000001"]
    end = D(2026, 12, 31)
    bs = any_erp.balance_sheet(end)
    assert bs.current_earnings == 0
    assert [(x.account, x.amount) for x in bs.equity.lines if not x.is_group] == [
        ("3100", Decimal("1000.00")),
        ("3200", Decimal("380.00")),
    ]
    # the income statement ignores the closing entry
    assert any_erp.income_statement(D(2026, 1, 1), end).net_profit == Decimal("380.00")
    with pytest.raises(PeriodClosed):
        capital(any_erp, "2026-12-01")
    with pytest.raises(PeriodStateError, match="reopen the year"):
        any_erp.reopen_period("2026-12", "adjustment")


def test_reopening_a_year_reverses_its_closing_entry(any_erp: Erp) -> None:
    any_erp.post_voucher(
        "2026-03-01",
        [{"account": "1120", "debit": "500.00"}, {"account": "4100", "credit": "500.00"}],
    )
    any_erp.close_fiscal_year(2026)
    any_erp.reopen_fiscal_year(2026, "audit adjustment")
    any_erp.reopen_period("2026-12", "audit adjustment")
    any_erp.post_voucher(
        "2026-12-31",
        [{"account": "6600", "debit": "20.00"}, {"account": "1120", "credit": "20.00"}],
    )
    bs = any_erp.balance_sheet(D(2026, 12, 31))
    assert bs.current_earnings == Decimal("480.00")
    assert any_erp.close_fiscal_year(2026).documents == ["YC-2026-000003"]
    assert any_erp.balance_sheet(D(2026, 12, 31)).current_earnings == 0


def test_balance_sheet_balances_with_current_earnings(any_erp: Erp) -> None:
    capital(any_erp)
    any_erp.post_voucher(
        "2026-04-01",
        [
            {"account": "1120", "debit": "108.40", "currency": "USD", "rate": "0.9225"},
            {"account": "4200", "credit": "108.40", "currency": "USD", "rate": "0.9225"},
        ],
    )
    bs = any_erp.balance_sheet(D(2026, 4, 30))
    assert bs.balanced
    assert bs.assets.total == Decimal("1100.00")  # 108.40 x 0.9225 = 99.999 -> 100.00
    assert bs.current_earnings == Decimal("100.00")
    assert any_erp.balance_sheet(D(2026, 1, 4)).assets.total == 0


def test_trial_balance_as_of_a_date_excludes_later_postings(any_erp: Erp) -> None:
    capital(any_erp, "2026-01-05")
    capital(any_erp, "2026-06-05", "250.00")
    assert any_erp.trial_balance(D(2026, 3, 31)).total_debit == Decimal("1000.00")
    assert any_erp.trial_balance().total_debit == Decimal("1250.00")


def test_dimensions_reach_the_general_ledger(any_erp: Erp) -> None:
    any_erp.add_dimension_value("department", "OPS", "Operations")
    any_erp.post_voucher(
        "2026-02-01",
        [
            {"account": "6100", "debit": "10.00", "dimensions": {"department": "OPS"}, "memo": "x"},
            {"account": "1120", "credit": "10.00"},
        ],
    )
    (line,) = any_erp.general_ledger(account="6100")
    assert (line.department, line.memo, line.actor) == ("OPS", "x", "tester")


def test_the_same_idempotency_key_stores_once_and_returns_the_first_result(any_erp: Erp) -> None:
    lines = [{"account": "1120", "debit": "5.00"}, {"account": "3100", "credit": "5.00"}]
    first = any_erp.post_voucher("2026-01-05", lines, idempotency_key="bank-import-77")
    head = any_erp.store.last_position()
    again = any_erp.post_voucher("2026-01-05", lines, idempotency_key="bank-import-77")
    assert again.documents == first.documents and again.duplicate
    assert any_erp.store.last_position() == head
    with pytest.raises(IdempotencyConflict, match="bank-import-77"):
        any_erp.post_voucher("2026-01-06", lines, idempotency_key="bank-import-77")


def test_accounts_can_be_added_and_closed(any_erp: Erp) -> None:
    any_erp.open_account("6710", "Conference fees", "expense", parent="6000")
    any_erp.post_voucher(
        "2026-01-05", [{"account": "6710", "debit": "9.00"}, {"account": "1120", "credit": "9.00"}]
    )
    any_erp.close_account("6710", "merged into travel")
    from erp_core.kernel.errors import AccountClosed

    with pytest.raises(AccountClosed):
        any_erp.post_voucher(
            "2026-01-06",
            [{"account": "6710", "debit": "1.00"}, {"account": "1120", "credit": "1.00"}],
        )
    assert any(r.account == "6710" for r in any_erp.trial_balance().rows)


def test_all_or_nothing_batches_store_nothing_when_one_action_is_refused(any_erp: Erp) -> None:
    from erp_core.kernel.errors import BatchRefused
    from erp_core.ledger.commands import PostVoucher

    good = PostVoucher.model_validate(
        {
            "date": "2026-01-05",
            "lines": [{"account": "1120", "debit": "1"}, {"account": "3100", "credit": "1"}],
        }
    )
    bad = PostVoucher.model_validate(
        {
            "date": "2026-01-05",
            "lines": [{"account": "1120", "debit": "1"}, {"account": "3100", "credit": "2"}],
        }
    )
    head = any_erp.store.last_position()
    with pytest.raises(BatchRefused, match="action 2"):
        any_erp.apply_all_or_nothing([good, bad, good])
    assert any_erp.store.last_position() == head
    assert len(any_erp.apply_all_or_nothing([good, good])) == 2
    assert capital(any_erp) == "JV-2026-000003"


def test_rebuilding_projections_gives_the_same_reports(any_erp: Erp) -> None:
    capital(any_erp)
    any_erp.post_voucher(
        "2026-03-01",
        [{"account": "1120", "debit": "500.00"}, {"account": "4100", "credit": "500.00"}],
    )
    before = (
        any_erp.trial_balance().model_dump_json(),
        any_erp.balance_sheet(D(2026, 12, 31)).model_dump_json(),
    )
    any_erp.rebuild(["balances"])
    any_erp.rebuild()
    after = (
        any_erp.trial_balance().model_dump_json(),
        any_erp.balance_sheet(D(2026, 12, 31)).model_dump_json(),
    )
    assert before == after
    assert all(s.lag == 0 for s in any_erp.projection_status())


def test_a_year_close_in_a_batch_includes_the_batch_s_own_vouchers(any_erp: Erp) -> None:
    outcomes = any_erp.apply_many(
        [
            {
                "action": "post_voucher",
                "date": "2026-06-01",
                "lines": [
                    {"account": "1120", "debit": "70.00"},
                    {"account": "4100", "credit": "70.00"},
                ],
            },
            {"action": "close_fiscal_year", "year": 2026},
            {
                "action": "post_voucher",
                "date": "2026-06-02",
                "lines": [
                    {"account": "1120", "debit": "1.00"},
                    {"account": "4100", "credit": "1.00"},
                ],
            },
        ]
    )
    assert isinstance(outcomes[2], PeriodClosed)
    bs = any_erp.balance_sheet(D(2026, 12, 31))
    assert bs.current_earnings == 0
    assert [(x.account, x.amount) for x in bs.equity.lines if not x.is_group] == [
        ("3200", Decimal("70.00"))
    ]


def test_a_year_whose_last_period_is_locked_cannot_be_closed_or_reopened(any_erp: Erp) -> None:
    any_erp.close_period("2026-12")
    any_erp.lock_period("2026-12")
    with pytest.raises(PeriodStateError, match="2026-12 is locked"):
        any_erp.close_fiscal_year(2026)


def test_reopening_a_closed_year_is_refused_once_december_is_locked(any_erp: Erp) -> None:
    any_erp.close_fiscal_year(2026)
    any_erp.lock_period("2026-12")
    with pytest.raises(PeriodStateError, match="cannot be reopened"):
        any_erp.reopen_fiscal_year(2026, "too late")


def test_amounts_are_stored_on_the_currency_scale_and_keys_ignore_formatting(
    any_erp: Erp,
) -> None:
    lines = [{"account": "1120", "debit": "250"}, {"account": "3100", "credit": "250"}]
    first = any_erp.post_voucher("2026-01-05", lines, idempotency_key="k-250")
    (line, _) = any_erp.general_ledger()
    assert str(line.amount) == "250.00"
    same = [{"account": "1120", "debit": "250.00"}, {"account": "3100", "credit": "250.0"}]
    again = any_erp.post_voucher("2026-01-05", same, idempotency_key="k-250")
    assert again.duplicate and again.documents == first.documents


def test_a_mixed_currency_rounding_line_is_an_ordinary_base_line(any_erp: Erp) -> None:
    any_erp.post_voucher(
        "2026-02-01",
        [
            {"account": "1120", "debit": "0.01", "currency": "USD", "rate": "1.5"},
            {"account": "1110", "debit": "0.01", "currency": "GBP", "rate": "1.5"},
            {"account": "2300", "credit": "0.03"},
        ],
    )
    rounding = [x for x in any_erp.general_ledger() if x.account == "6900"]
    assert [(x.currency, x.amount, x.base) for x in rounding] == [
        ("EUR", Decimal("-0.01"), Decimal("-0.01"))
    ]


def test_overlong_names_are_refused_before_anything_is_stored(any_erp: Erp) -> None:
    from erp_core.kernel.errors import ValidationError

    head = any_erp.store.last_position()
    with pytest.raises(ValidationError, match="name"):
        any_erp.open_account("6790", "x" * 201, "expense", parent="6000")
    with pytest.raises(ValidationError, match="memo"):
        any_erp.reverse_voucher("JV-2026-000001", "2026-01-05", memo="m" * 501)
    assert any_erp.store.last_position() == head


def test_apply_many_reports_a_malformed_item_and_stores_the_rest(any_erp: Erp) -> None:
    from erp_core.kernel.errors import ValidationError

    outcomes = any_erp.apply_many(
        [
            {
                "action": "post_voucher",
                "date": "2026-01-05",
                "lines": [{"account": "1120", "debit": 1.5}, {"account": "3100", "credit": "1.50"}],
            },
            {
                "action": "post_voucher",
                "date": "2026-01-05",
                "lines": [
                    {"account": "1120", "debit": "1.50"},
                    {"account": "3100", "credit": "1.50"},
                ],
            },
        ]
    )
    assert isinstance(outcomes[0], ValidationError)
    assert outcomes[0].field == "lines[0].debit"
    assert not isinstance(outcomes[1], Exception) and outcomes[1].documents == ["JV-2026-000001"]
