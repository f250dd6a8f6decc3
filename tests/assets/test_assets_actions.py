"""Fixed assets through real actions and vouchers: golden schedules, runs, changes, disposals,
imports, failure paths (nothing stored), the sub-ledger check and rebuild = live."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from assets_books import (
    balance,
    capitalise,
    define_category,
    entries,
    log_head,
    setup_books,
    voucher_dates,
    voucher_lines,
)

from erp_core import Erp
from erp_core.assets.cash_flow_report import cash_flow
from erp_core.assets.reports import asset_checks, asset_register, depreciation_schedule
from erp_core.kernel.errors import ErpError, NotFound, PeriodClosed, ValidationError

D = Decimal


@pytest.fixture
def books(erp: Erp) -> Erp:
    setup_books(erp)
    return erp


def open_years(erp: Erp, *years: int) -> None:
    for year in years:
        erp.open_fiscal_year(year)


def yearly_depreciation(erp: Erp, years: range) -> list[Decimal]:
    """Credit to accumulated depreciation in each calendar year (from the trial balance)."""
    out = []
    before = D("0.00")
    for year in years:
        now = -balance(erp, "1690", dt.date(year, 12, 31))
        out.append(now - before)
        before = now
    return out


def assert_checks_pass(erp: Erp) -> None:
    results = erp.query(asset_checks)
    assert results and all(r.ok for r in results), [r.message for r in results]
    assert erp.trial_balance().total_debit == erp.trial_balance().total_credit


# --- golden schedules through vouchers ------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("straight_line", ["2500.00", "2500.00", "2500.00", "2500.00"]),
        ("double_declining_balance", ["6000.00", "3000.00", "1000.00", "0.00"]),
        ("sum_of_years_digits", ["4000.00", "3000.00", "2000.00", "1000.00"]),
    ],
)
def test_golden_schedules_posted_by_monthly_runs(
    books: Erp, method: str, expected: list[str]
) -> None:
    open_years(books, 2027, 2028, 2029)
    number = capitalise(books, method=method)
    assert number == "FA-000001"
    result = books.depreciate_assets(month="2029-12")
    assert len(result.documents) == (48 if method != "double_declining_balance" else 36)
    assert yearly_depreciation(books, range(2026, 2030)) == [D(x) for x in expected]
    register = books.query(asset_register, dt.date(2029, 12, 31))
    assert register.rows[0].book_value == D("2000.00")  # residual value, to the cent
    assert books.income_statement(dt.date(2026, 1, 1), dt.date(2026, 12, 31)).net_profit == -D(
        expected[0]
    )
    assert_checks_pass(books)
    with pytest.raises(ValidationError, match="already depreciated"):
        books.depreciate_assets(month="2029-12")


def test_capitalisation_voucher_and_gapless_numbers(books: Erp) -> None:
    first = books.capitalise_asset(
        category="EQ",
        name="Press",
        date="2026-02-03",
        available_for_use="2026-02-20",
        cost="5000.00",
        credit_account="2300",
    )
    assert first.documents == ["FA-000001", "CAP-2026-000001"]
    assert voucher_lines(books, "CAP-2026-000001") == [
        ("1610", D("5000.00")),
        ("2300", D("-5000.00")),
    ]
    with pytest.raises(ValidationError):  # residual above cost: refused, number not used
        capitalise(books, residual_value="13000.00")
    assert capitalise(books) == "FA-000002"


def test_run_posts_one_voucher_per_month_in_order_and_is_idempotent(books: Erp) -> None:
    capitalise(books)  # 208.33 a month (2,500.00 a year)
    result = books.depreciate_assets(month="2026-03")
    assert voucher_dates(books, "depreciation") == [
        ("DEP-2026-000001", "2026-01-31"),
        ("DEP-2026-000002", "2026-02-28"),
        ("DEP-2026-000003", "2026-03-31"),
    ]
    assert result.documents == ["DEP-2026-000001", "DEP-2026-000002", "DEP-2026-000003"]
    assert voucher_lines(books, "DEP-2026-000002") == [
        ("6500", D("208.34")),
        ("1690", D("-208.34")),
    ]
    head = log_head(books)
    with pytest.raises(ValidationError, match="2026-03 is already depreciated"):
        books.depreciate_assets(month="2026-03")
    assert log_head(books) == head
    # an asset capitalised later for a month already run is picked up by a second run
    capitalise(
        books, name="Drill", available_for_use="2026-03-05", cost="1200.00", residual_value="0"
    )
    again = books.depreciate_assets(month="2026-03")
    assert len(again.documents) == 1
    assert voucher_lines(books, again.documents[0]) == [("6500", D("25.00")), ("1690", D("-25.00"))]


def test_a_line_pair_per_asset_with_its_cost_centre(books: Erp) -> None:
    books.add_dimension_value(dimension="cost_centre", code="PLANT", name="Plant")
    capitalise(books, cost_centre="PLANT")
    capitalise(books, name="Van", cost="24000.00", residual_value="0.00")
    books.depreciate_assets(month="2026-01")
    assert voucher_lines(books, "DEP-2026-000001") == [
        ("6500", D("208.33")),
        ("1690", D("-208.33")),
        ("6500", D("500.00")),
        ("1690", D("-500.00")),
    ]
    centre = [
        (x.memo, x.cost_centre)
        for x in books.general_ledger("6500")
        if x.document == "DEP-2026-000001"
    ]
    assert centre == [("FA-000001 Lathe 2026-01", "PLANT"), ("FA-000002 Van 2026-01", None)]


def test_closed_period_refused_and_missed_closed_month_caught_up(books: Erp) -> None:
    capitalise(books)
    books.close_period("2026-01")
    head = log_head(books)
    with pytest.raises(PeriodClosed):
        books.depreciate_assets(month="2026-01")
    assert log_head(books) == head
    result = books.depreciate_assets(month="2026-02")  # January's share lands in February
    assert voucher_dates(books, "depreciation") == [("DEP-2026-000001", "2026-02-28")]
    assert voucher_lines(books, result.documents[0]) == [
        ("6500", D("416.67")),
        ("1690", D("-416.67")),
    ]


def test_no_depreciation_before_the_available_for_use_date(books: Erp) -> None:
    capitalise(books, date="2026-01-15", available_for_use="2026-05-10")
    head = log_head(books)
    with pytest.raises(ValidationError, match="no asset has depreciation due through 2026-04"):
        books.depreciate_assets(month="2026-04")
    assert log_head(books) == head
    books.depreciate_assets(month="2026-05")  # full month convention: May is charged
    assert -balance(books, "1690") == D("208.33")


# --- changes in estimate, impairment, cost adjustments ---------------------------------------


def test_change_in_estimate_is_prospective(books: Erp) -> None:
    open_years(books, 2027)
    capitalise(books)
    books.depreciate_assets(month="2026-12")  # 2,500.00: carrying 9,500.00
    with pytest.raises(ValidationError, match="restate"):
        books.change_asset_estimate(
            asset="FA-000001", effective="2026-06-01", useful_life_months=36
        )
    books.change_asset_estimate(asset="FA-000001", effective="2027-01-01", useful_life_months=36)
    result = books.depreciate_assets(month="2027-01")
    # (9,500.00 - 2,000.00) over the 24 months left = 312.50
    assert voucher_lines(books, result.documents[0]) == [
        ("6500", D("312.50")),
        ("1690", D("-312.50")),
    ]
    schedule = books.query(depreciation_schedule, "FA-000001")
    projected = [r for r in schedule.rows if r.status == "projected"]
    assert projected[-1].month == "2028-12"
    assert projected[-1].book_value == D("2000.00")
    assert sum(r.depreciation for r in projected) == D("7187.50")


def test_impairment_then_depreciation_on_the_reduced_amount(books: Erp) -> None:
    open_years(books, 2027)
    capitalise(books)
    books.depreciate_assets(month="2026-12")
    with pytest.raises(ValidationError, match="more than the carrying amount"):
        books.impair_asset(asset="FA-000001", date="2026-12-31", amount="9500.01")
    impaired = books.impair_asset(asset="FA-000001", date="2026-12-31", amount="1500.00")
    assert voucher_lines(books, impaired.documents[0]) == [
        ("6510", D("1500.00")),
        ("1695", D("-1500.00")),
    ]
    books.depreciate_assets(month="2027-12")
    # (9,500.00 - 1,500.00 - 2,000.00) / 36 = 166.666..: 2,000.00 in 2027
    assert yearly_depreciation(books, range(2026, 2028)) == [D("2500.00"), D("2000.00")]
    register = books.query(asset_register, dt.date(2027, 12, 31))
    assert register.rows[0].book_value == D("6000.00")
    assert register.rows[0].accumulated_impairment == D("1500.00")
    assert_checks_pass(books)


def test_capitalised_repair_is_spread_over_the_remaining_life(books: Erp) -> None:
    capitalise(books)
    books.depreciate_assets(month="2026-12")  # carrying 9,500.00, 36 months left
    books.open_fiscal_year(2027)
    books.adjust_asset_cost(asset="FA-000001", date="2027-01-01", amount="3600.00", account="1120")
    result = books.depreciate_assets(month="2027-01")
    # (9,500.00 + 3,600.00 - 2,000.00) / 36 = 308.33
    assert voucher_lines(books, result.documents[0])[0] == ("6500", D("308.33"))
    assert_checks_pass(books)


def test_units_of_production(books: Erp) -> None:
    capitalise(
        books, method="units_of_production", total_units="1000", cost="10000.00", residual_value="0"
    )
    books.record_asset_usage(asset="FA-000001", month="2026-01", units="120")
    books.record_asset_usage(asset="FA-000001", month="2026-02", units="30")
    books.depreciate_assets(month="2026-02")
    assert yearly_depreciation(books, range(2026, 2027)) == [D("1500.00")]
    with pytest.raises(ValidationError, match="already depreciated through 2026-02"):
        books.record_asset_usage(asset="FA-000001", month="2026-02", units="5")


def test_import_with_opening_accumulated_continues_the_schedule(books: Erp) -> None:
    result = books.capitalise_asset(
        category="EQ",
        name="Old lathe",
        date="2026-01-01",
        available_for_use="2024-01-01",
        cost="12000.00",
        residual_value="2000.00",
        credit_account="2900",
        opening_accumulated="5000.00",
        opening_month="2025-12",
    )
    assert voucher_lines(books, result.documents[1]) == [
        ("1610", D("12000.00")),
        ("1690", D("-5000.00")),
        ("2900", D("-7000.00")),
    ]
    books.depreciate_assets(month="2026-12")
    assert yearly_depreciation(books, range(2026, 2027)) == [D("7500.00")]  # 5,000 + 2,500
    assert_checks_pass(books)


# --- disposal -----------------------------------------------------------------------------


def test_disposal_with_gain_after_catch_up(books: Erp) -> None:
    capitalise(books)
    books.depreciate_assets(month="2026-03")
    result = books.dispose_asset(
        asset="FA-000001", date="2026-06-15", proceeds="11000.00", proceeds_account="1120"
    )
    catch_up, disposal = result.documents
    # April and May caught up (full month: nothing in the month of disposal)
    assert voucher_lines(books, catch_up) == [("6500", D("416.67")), ("1690", D("-416.67"))]
    assert voucher_lines(books, disposal) == [
        ("1120", D("11000.00")),
        ("1690", D("1041.67")),
        ("1610", D("-12000.00")),
        ("4910", D("-41.67")),
    ]
    assert books.query(asset_register, dt.date(2026, 6, 30)).rows == []
    assert_checks_pass(books)
    head = log_head(books)
    with pytest.raises(ValidationError, match="disposed of on 2026-06-15"):
        books.dispose_asset(
            asset="FA-000001", date="2026-07-01", proceeds="1.00", proceeds_account="1120"
        )
    with pytest.raises(ValidationError, match="disposed"):
        books.impair_asset(asset="FA-000001", date="2026-07-01", amount="1.00")
    assert log_head(books) == head


def test_disposal_with_loss_and_scrap(books: Erp) -> None:
    capitalise(books)
    capitalise(books, name="Scrap", cost="1000.00", residual_value="0.00")
    books.depreciate_assets(month="2026-02")
    sale = books.dispose_asset(
        asset="FA-000001", date="2026-03-01", proceeds="5000.00", proceeds_account="1120"
    )
    # carrying 12,000.00 - 416.67 = 11,583.33; loss 6,583.33
    assert voucher_lines(books, sale.documents[-1]) == [
        ("1120", D("5000.00")),
        ("1690", D("416.67")),
        ("6910", D("6583.33")),
        ("1610", D("-12000.00")),
    ]
    scrap = books.dispose_asset(asset="FA-000002", date="2026-03-31")
    assert voucher_lines(books, scrap.documents[-1]) == [
        ("1690", D("41.67")),
        ("6910", D("958.33")),
        ("1610", D("-1000.00")),
    ]
    assert_checks_pass(books)


def test_fully_depreciated_asset_sold_books_its_gain(books: Erp) -> None:
    capitalise(books, cost="1200.00", residual_value="0.00", useful_life_months=12)
    books.depreciate_assets(month="2026-12")
    books.open_fiscal_year(2027)
    result = books.dispose_asset(
        asset="FA-000001", date="2027-02-10", proceeds="100.00", proceeds_account="1120"
    )
    assert result.documents == ["ADP-2027-000001"]  # nothing to catch up
    assert voucher_lines(books, "ADP-2027-000001") == [
        ("1120", D("100.00")),
        ("1690", D("1200.00")),
        ("1610", D("-1200.00")),
        ("4910", D("-100.00")),
    ]


def test_disposal_inside_a_depreciated_month_is_refused(books: Erp) -> None:
    capitalise(books)
    books.depreciate_assets(month="2026-03")
    with pytest.raises(ValidationError, match="depreciated through 2026-03"):
        books.dispose_asset(asset="FA-000001", date="2026-03-15")


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"useful_life_months": 0}, "useful_life_months"),
        ({"residual_value": "12000.01"}, "residual_value"),
        ({"cost": "0.00"}, "cost"),
        ({"cost": "10.001"}, "cost"),
        ({"credit_account": "1610"}, "credit_account"),
        ({"credit_account": "9999"}, "credit_account"),
        ({"category": "NOPE"}, None),
        ({"method": "declining_balance"}, "factor"),
        ({"method": "units_of_production"}, "total_units"),
        ({"opening_accumulated": "100.00"}, "opening_month"),
    ],
)
def test_bad_capitalisation_stores_nothing(
    books: Erp, fields: dict[str, object], field: str | None
) -> None:
    head = log_head(books)
    with pytest.raises(ErpError) as info:
        capitalise(books, **fields)
    if field is not None:
        assert isinstance(info.value, ValidationError)
        assert info.value.field == field
    else:
        assert isinstance(info.value, NotFound)
    assert log_head(books) == head


def test_bad_categories(erp: Erp) -> None:
    with pytest.raises(ValidationError, match="unknown account '1695'"):
        define_category(erp)
    erp.open_account(code="1695", name="Accumulated impairment", type="asset", parent="1600")
    erp.open_account(code="4910", name="Gain", type="income", parent="4000")
    erp.open_account(code="6510", name="Impairment", type="expense", parent="6000")
    erp.open_account(code="6910", name="Loss", type="expense", parent="6000")
    with pytest.raises(ValidationError, match="expected asset"):
        define_category(erp, cost_account="6500")
    with pytest.raises(ValidationError) as info:
        define_category(erp, useful_life_months=0)
    assert info.value.field == "useful_life_months"
    with pytest.raises(ValidationError) as info:
        define_category(erp, residual_rate="1.5")
    assert info.value.field == "residual_rate"
    define_category(erp)
    with pytest.raises(ValidationError, match="already exists"):
        define_category(erp)


def test_unknown_asset_and_bad_month(books: Erp) -> None:
    with pytest.raises(NotFound):
        books.impair_asset(asset="FA-000009", date="2026-01-31", amount="1.00")
    with pytest.raises(ValidationError):
        books.apply({"action": "depreciate_assets", "month": "2026-13"})


# --- check and rebuild ---------------------------------------------------------------------


def test_check_catches_a_manual_posting_to_an_asset_account(books: Erp) -> None:
    capitalise(books)
    books.depreciate_assets(month="2026-02")
    assert_checks_pass(books)
    books.post_voucher(
        "2026-02-10",
        [{"account": "1690", "credit": "10.00"}, {"account": "6500", "debit": "10.00"}],
    )
    failed = [r for r in books.query(asset_checks) if not r.ok]
    assert [r.name for r in failed] == ["fixed assets 1690"]
    assert "differ by -10.00" in failed[0].message


def test_rebuild_equals_live(any_erp: Erp) -> None:
    """On SQLite and PostgreSQL: every asset report and the cash-flow statement come back
    identical from a rebuilt projection."""
    books = any_erp
    setup_books(books)
    open_years(books, 2027)
    capitalise(books)
    capitalise(books, name="Van", method="sum_of_years_digits", available_for_use="2026-02-10")
    books.tag_cash_flow_account(account="1500", tag="operating_working_capital")
    books.depreciate_assets(month="2026-06")
    books.change_asset_estimate(asset="FA-000002", effective="2026-07-01", residual_value="1000.00")
    books.impair_asset(asset="FA-000001", date="2026-06-30", amount="500.00")
    books.dispose_asset(
        asset="FA-000001", date="2026-09-15", proceeds="100.00", proceeds_account="1120"
    )
    books.depreciate_assets(month="2027-01")

    def snapshot() -> tuple[object, ...]:
        return (
            entries(books),
            books.query(asset_register, dt.date(2027, 1, 31)),
            books.query(depreciation_schedule, "FA-000002"),
            books.query(depreciation_schedule, "FA-000001"),
            books.query(asset_checks),
            books.query(cash_flow, dt.date(2026, 1, 1), dt.date(2027, 1, 31), "indirect"),
            books.query(cash_flow, dt.date(2026, 1, 1), dt.date(2027, 1, 31), "direct"),
        )

    live = snapshot()
    assert live[5].ok and live[6].ok
    assert all(r.ok for r in live[4])
    books.rebuild()
    assert snapshot() == live


def test_movement_schedule_rolls_opening_to_closing(books: Erp) -> None:
    from erp_core.assets.reports import movement_schedule

    capitalise(books)  # 12,000.00, 208.33 a month
    books.depreciate_assets(month="2026-03")  # 625.00 by the end of March
    capitalise(
        books,
        name="Old van",
        date="2026-04-01",
        available_for_use="2024-01-01",
        cost="6000.00",
        residual_value="0.00",
        credit_account="2900",
        opening_accumulated="3375.00",
        opening_month="2026-03",
    )  # 27 of 48 months at 125.00 done: 125.00 a month from April
    books.depreciate_assets(month="2026-06")  # April to June: 3 x (208.33.. + 125.00)
    books.impair_asset(asset="FA-000001", date="2026-06-30", amount="1000.00")
    books.dispose_asset(
        asset="FA-000002", date="2026-07-01", proceeds="2000.00", proceeds_account="1120"
    )
    report = books.query(movement_schedule, dt.date(2026, 4, 1), dt.date(2026, 7, 31))
    (eq,) = report.rows
    assert (eq.opening_cost, eq.additions, eq.disposals, eq.closing_cost) == (
        D("12000.00"),
        D("6000.00"),
        D("6000.00"),
        D("12000.00"),
    )
    assert (eq.opening_accumulated, eq.acquired_accumulated) == (D("625.00"), D("3375.00"))
    assert eq.depreciation == D("625.00") + D("375.00")
    assert eq.impairment == D("1000.00")
    assert eq.disposals_accumulated == D("3750.00")
    assert eq.closing_accumulated == D("2250.00")
    register = books.query(asset_register, dt.date(2026, 7, 31))
    assert eq.closing_book_value == register.book_value == D("9750.00")
    assert report.total == eq.model_copy(update={"category": "total"})
