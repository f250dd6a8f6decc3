"""Reversing a depreciation run: hand-computed figures (run March, reverse, the register is back
at February's, a re-run of March posts the same), every refusal stores nothing, the sub-ledger
check passes throughout and a rebuild equals live."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from assets_books import (
    balance,
    capitalise,
    entries,
    log_head,
    setup_books,
    voucher_lines,
)

from erp_core import Erp
from erp_core.assets.reports import asset_checks, asset_register, depreciation_schedule
from erp_core.kernel.errors import PeriodClosed, ValidationError

D = Decimal
MARCH_END = dt.date(2026, 3, 31)


@pytest.fixture
def books(erp: Erp) -> Erp:
    setup_books(erp)
    capitalise(erp)  # 12,000.00 less 2,000.00 over 48 months: 208.33, 208.34, 208.33 ...
    erp.depreciate_assets(month="2026-02")  # DEP-1 (Jan) 208.33, DEP-2 (Feb) 208.34
    return erp


def assert_checks_pass(erp: Erp) -> None:
    assert all(r.ok for r in erp.query(asset_checks))
    assert all(r.ok for r in erp.check()), [r.message for r in erp.check() if not r.ok]


def register_row(erp: Erp, as_of: dt.date = MARCH_END) -> tuple[Decimal, Decimal]:
    (row,) = erp.query(asset_register, as_of).rows
    return row.accumulated_depreciation, row.book_value


def test_reverse_march_then_run_it_again(books: Erp) -> None:
    february = register_row(books)
    assert february == (D("416.67"), D("11583.33"))
    first = books.depreciate_assets(month="2026-03")
    assert first.documents == ["DEP-2026-000003"]
    assert voucher_lines(books, "DEP-2026-000003") == [
        ("6500", D("208.33")),
        ("1690", D("-208.33")),
    ]
    assert register_row(books) == (D("625.00"), D("11375.00"))

    result = books.reverse_depreciation_run(month="2026-03", reason="wrong useful life")
    assert result.documents == ["DEP-2026-000004"]
    assert voucher_lines(books, "DEP-2026-000004") == [
        ("6500", D("-208.33")),
        ("1690", D("208.33")),
    ]
    assert register_row(books) == february
    assert balance(books, "1690", MARCH_END) == D("-416.67")
    assert balance(books, "6500", MARCH_END) == D("416.67")
    schedule = books.query(depreciation_schedule, "FA-000001")
    projected = [r for r in schedule.rows if r.status == "projected"]
    assert projected[0].month == "2026-03"  # March is to be charged again
    assert [r.kind for r in schedule.rows if r.status == "posted"][-1] == "reversal"
    assert_checks_pass(books)

    again = books.depreciate_assets(month="2026-03")
    assert again.documents == ["DEP-2026-000005"]
    assert voucher_lines(books, "DEP-2026-000005") == voucher_lines(books, "DEP-2026-000003")
    assert register_row(books) == (D("625.00"), D("11375.00"))
    assert_checks_pass(books)
    with pytest.raises(ValidationError, match="already depreciated"):
        books.depreciate_assets(month="2026-03")


def test_reversal_covers_every_voucher_of_the_run_and_may_be_dated_later(erp: Erp) -> None:
    setup_books(erp)
    capitalise(erp)
    erp.depreciate_assets(month="2026-03")  # January to March, three vouchers
    result = erp.reverse_depreciation_run(month="2026-03", reason="redo", date="2026-04-02")
    assert result.documents == ["DEP-2026-000004"]
    lines = voucher_lines(erp, "DEP-2026-000004")
    assert sum(a for acc, a in lines if acc == "1690") == D("625.00")
    assert register_row(erp) == (D("625.00"), D("11375.00"))  # reversed in April
    assert register_row(erp, dt.date(2026, 4, 30)) == (D("0.00"), D("12000.00"))
    assert_checks_pass(erp)
    erp.depreciate_assets(month="2026-04")  # January to April, posted afresh
    assert register_row(erp, dt.date(2026, 4, 30)) == (D("833.33"), D("11166.67"))
    assert_checks_pass(erp)


def refused(erp: Erp, error: type[Exception], match: str, **fields: str) -> None:
    head = log_head(erp)
    before = entries(erp)
    with pytest.raises(error, match=match):
        erp.reverse_depreciation_run(**{"reason": "test", **fields})
    assert log_head(erp) == head
    assert entries(erp) == before


def test_refusals_store_nothing(books: Erp) -> None:
    refused(books, ValidationError, "2026-03 has not been run", month="2026-03")
    books.depreciate_assets(month="2026-03")
    books.depreciate_assets(month="2026-04")
    refused(
        books, ValidationError, r"2026-04 was run after 2026-03.*\(2026-04\) first", month="2026-03"
    )
    refused(books, ValidationError, "reason", month="2026-04", reason=" ")
    refused(books, ValidationError, "before the run's voucher", month="2026-04", date="2026-04-29")
    books.close_period("2026-01")
    books.close_period("2026-02")
    books.close_period("2026-03")
    books.close_period("2026-04")
    refused(books, PeriodClosed, r"2026-04.*closed|closed.*2026-04", month="2026-04")
    books.reverse_depreciation_run(month="2026-04", reason="late", date="2026-05-01")
    refused(books, ValidationError, "already reversed", month="2026-04")
    refused(books, ValidationError, r"2026-03 was run after 2026-02", month="2026-02")


def test_a_disposed_asset_blocks_the_reversal(books: Erp) -> None:
    books.depreciate_assets(month="2026-03")
    books.dispose_asset(asset="FA-000001", date="2026-04-10")
    refused(books, ValidationError, "disposed of", month="2026-03")


def test_rebuild_equals_live_after_reversal(books: Erp) -> None:
    books.depreciate_assets(month="2026-03")
    books.reverse_depreciation_run(month="2026-03", reason="redo")
    books.depreciate_assets(month="2026-03")
    books.reverse_depreciation_run(month="2026-03", reason="again")

    def snapshot() -> tuple[object, ...]:
        return (
            entries(books),
            books.query(asset_register, MARCH_END),
            books.query(depreciation_schedule, "FA-000001"),
            books.query(asset_checks),
        )

    live = snapshot()
    books.rebuild()
    assert snapshot() == live
    assert_checks_pass(books)
