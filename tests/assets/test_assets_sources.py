"""Where an asset's cost comes from: a journal, a supplier invoice's account line (through an
asset-clearing account or straight onto the cost account), assets under construction; and
`erp check` (through `Erp.check`) holding the asset accounts to the asset sub-ledger."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from assets_books import balance, capitalise, entries, log_head, setup_books, voucher_lines

from erp_core import Erp
from erp_core.assets.reports import asset_register, movement_schedule
from erp_core.kernel.errors import ErpError, NotFound, ValidationError

D = Decimal


@pytest.fixture
def books(erp: Erp) -> Erp:
    setup_books(erp)
    erp.open_account(code="1650", name="Asset clearing", type="asset", parent="1600")
    erp.open_account(code="1620", name="Assets under construction", type="asset", parent="1600")
    erp.register_supplier(code="MACH", name="Machine Works", payment_terms_days=30)
    return erp


def invoice(erp: Erp, reference: str, *lines: dict[str, Any], date: str = "2026-01-10") -> str:
    return erp.post_supplier_invoice(
        supplier="MACH", supplier_reference=reference, date=date, account_lines=list(lines)
    ).documents[0]


def asset_checks_of(erp: Erp) -> dict[str, bool]:
    """The fixed-asset results of the full reconciliation (`erp check`)."""
    return {r.name: r.ok for r in erp.check() if r.name.startswith("fixed assets")}


def all_checks_pass(erp: Erp) -> None:
    failed = [r.message for r in erp.check() if not r.ok]
    assert failed == []


# --- from a journal ------------------------------------------------------------------------


def test_capitalise_from_a_journal(books: Erp) -> None:
    """A purchase paid from the bank: Dr the category's cost account / Cr the bank, one
    asset_capitalise voucher, and the asset accounts reconcile in `erp check`."""
    result = books.capitalise_asset(
        category="EQ",
        name="Lathe",
        date="2026-01-05",
        available_for_use="2026-01-05",
        cost="12000.00",
        residual_value="2000.00",
        credit_account="1120",
    )
    assert result.documents == ["FA-000001", "CAP-2026-000001"]
    assert voucher_lines(books, "CAP-2026-000001") == [
        ("1610", D("12000.00")),
        ("1120", D("-12000.00")),
    ]
    assert balance(books, "1610") == D("12000.00")
    assert balance(books, "1120") == D("-12000.00")
    assert asset_checks_of(books) == {
        "fixed assets 1610": True,
        "fixed assets 1690": True,
        "fixed assets 1695": True,
    }
    all_checks_pass(books)


def test_journal_needs_cost_and_credit_account(books: Erp) -> None:
    head = log_head(books)
    with pytest.raises(ValidationError) as info:
        capitalise(books, cost=None)
    assert info.value.field == "cost"
    with pytest.raises(ValidationError) as info:
        capitalise(books, credit_account=None)
    assert info.value.field == "credit_account"
    assert log_head(books) == head


# --- erp check ------------------------------------------------------------------------------


def test_erp_check_fails_on_tampered_asset_accounts_and_passes_when_clean(books: Erp) -> None:
    capitalise(books)
    books.depreciate_assets(month="2026-02")
    all_checks_pass(books)
    # a journal straight to the cost account, bypassing the asset sub-ledger
    books.post_voucher(
        "2026-02-10",
        [{"account": "1610", "debit": "250.00"}, {"account": "1120", "credit": "250.00"}],
    )
    results = {r.name: r for r in books.check()}
    assert not results["fixed assets 1610"].ok
    assert "250.00" in results["fixed assets 1610"].message
    assert results["fixed assets 1690"].ok
    # put it right: move it to the asset as a capitalised cost
    books.post_voucher(
        "2026-02-11",
        [{"account": "1610", "credit": "250.00"}, {"account": "1120", "debit": "250.00"}],
    )
    all_checks_pass(books)


# --- from a supplier invoice line ------------------------------------------------------------


def test_capitalise_from_an_invoice_line_through_asset_clearing(books: Erp) -> None:
    pi = invoice(
        books,
        "MW-1001",
        {"account": "1650", "amount": "12000.00", "tax_rate": "0.2", "memo": "CNC lathe"},
    )
    # the invoice: Dr clearing 12,000 + input tax 2,400 / Cr payables 14,400
    assert voucher_lines(books, pi) == [
        ("1650", D("12000.00")),
        ("1400", D("2400.00")),
        ("2100", D("-14400.00")),
    ]
    result = books.capitalise_asset(
        category="EQ",
        name="CNC lathe",
        date="2026-01-12",
        available_for_use="2026-02-01",
        residual_value="2000.00",
        supplier_invoice=pi,
        invoice_line=1,
    )
    number, document = result.documents
    assert number == "FA-000001"
    assert voucher_lines(books, document) == [("1610", D("12000.00")), ("1650", D("-12000.00"))]
    assert balance(books, "1650") == D("0.00")
    register = books.query(asset_register, dt.date(2026, 1, 31))
    assert [(r.asset, r.cost) for r in register.rows] == [("FA-000001", D("12000.00"))]
    detail = [e[12] for e in entries(books) if e[4] == "capitalise"]
    assert detail == ['{"invoice_line": 1, "supplier_invoice": "' + pi + '"}']
    all_checks_pass(books)
    # the same line again: nothing is left of it, nothing stored
    head = log_head(books)
    with pytest.raises(ValidationError, match="already capitalised \\(FA-000001\\)") as info:
        books.capitalise_asset(
            category="EQ",
            name="CNC lathe again",
            date="2026-01-12",
            available_for_use="2026-02-01",
            supplier_invoice=pi,
            invoice_line=1,
        )
    assert info.value.field == "invoice_line"
    assert log_head(books) == head


def test_invoice_line_on_the_cost_account_registers_the_asset_without_a_voucher(
    books: Erp,
) -> None:
    pi = invoice(books, "MW-1002", {"account": "1610", "amount": "4800.00"})
    # the cost account holds a cost the asset register does not: erp check says so
    assert asset_checks_of(books)["fixed assets 1610"] is False
    result = books.capitalise_asset(
        category="EQ",
        name="Forklift",
        date="2026-01-10",
        available_for_use="2026-01-10",
        supplier_invoice=pi,
        invoice_line=1,
    )
    assert result.documents == ["FA-000001"]
    assert balance(books, "1610") == D("4800.00")  # posted once, by the invoice
    assert [(e[4], e[5], e[6]) for e in entries(books)] == [("capitalise", pi, 480000)]
    all_checks_pass(books)


def test_one_line_split_into_several_assets_never_beyond_the_line(books: Erp) -> None:
    pi = invoice(books, "MW-1003", {"account": "1650", "amount": "3000.00", "memo": "3 laptops"})

    def laptop(n: int, cost: str | None) -> list[str]:
        return books.capitalise_asset(
            category="EQ",
            name=f"Laptop {n}",
            date="2026-01-15",
            available_for_use="2026-01-15",
            cost=cost,
            supplier_invoice=pi,
            invoice_line=1,
        ).documents

    assert laptop(1, "1000.00")[0] == "FA-000001"
    assert laptop(2, "1000.00")[0] == "FA-000002"
    head = log_head(books)
    with pytest.raises(ValidationError, match="1000.01 is more than what is left") as info:
        laptop(3, "1000.01")
    assert info.value.field == "cost"
    assert log_head(books) == head
    assert laptop(3, None)[0] == "FA-000003"  # the rest of the line: 1,000.00
    with pytest.raises(ValidationError, match="FA-000001, FA-000002, FA-000003"):
        laptop(4, None)
    assert log_head(books) > head
    assert balance(books, "1650") == D("0.00")
    assert balance(books, "1610") == D("3000.00")
    all_checks_pass(books)


def test_later_invoice_adds_cost_and_a_credit_line_reduces_it(books: Erp) -> None:
    first = invoice(books, "MW-1004", {"account": "1650", "amount": "10000.00"})
    capitalise(
        books,
        date="2026-01-10",
        available_for_use="2026-01-10",
        cost=None,
        credit_account=None,
        residual_value="0.00",
        supplier_invoice=first,
        invoice_line=1,
    )
    # installation billed later, and a discount credited on a third invoice
    second = invoice(books, "MW-1005", {"account": "1650", "amount": "1200.00"}, date="2026-01-20")
    third = invoice(
        books,
        "MW-1006",
        {"account": "6400", "amount": "300.00", "memo": "service"},
        {"account": "1650", "amount": "-200.00", "memo": "discount on the lathe"},
        date="2026-01-25",
    )
    assert voucher_lines(books, third) == [
        ("6400", D("300.00")),
        ("1650", D("-200.00")),
        ("2100", D("-100.00")),
    ]
    with pytest.raises(ValidationError, match="is a credit of 200.00"):
        capitalise(
            books,
            date="2026-01-25",
            cost=None,
            credit_account=None,
            supplier_invoice=third,
            invoice_line=2,
        )
    added = books.adjust_asset_cost(
        asset="FA-000001", date="2026-02-01", supplier_invoice=second, invoice_line=1
    ).documents[0]
    assert voucher_lines(books, added) == [("1610", D("1200.00")), ("1650", D("-1200.00"))]
    with pytest.raises(ValidationError) as info:  # a debit line cannot go negative
        books.adjust_asset_cost(
            asset="FA-000001",
            date="2026-02-01",
            amount="-5.00",
            supplier_invoice=second,
            invoice_line=1,
        )
    assert info.value.field == "invoice_line"  # nothing left of it
    reduced = books.adjust_asset_cost(
        asset="FA-000001", date="2026-02-01", supplier_invoice=third, invoice_line=2
    ).documents[0]
    assert voucher_lines(books, reduced) == [("1610", D("-200.00")), ("1650", D("200.00"))]
    assert balance(books, "1610") == D("11000.00")
    assert balance(books, "1650") == D("0.00")
    register = books.query(asset_register, dt.date(2026, 2, 1))
    assert register.rows[0].cost == D("11000.00")
    all_checks_pass(books)


@pytest.mark.parametrize(
    ("fields", "error", "field"),
    [
        ({"supplier_invoice": "PI-2026-000099", "invoice_line": 1}, NotFound, None),
        ({"invoice_line": 1}, ValidationError, "supplier_invoice"),
        ({"supplier_invoice": "PI-2026-000001"}, ValidationError, "invoice_line"),
        (
            {"supplier_invoice": "PI-2026-000001", "invoice_line": 3},
            ValidationError,
            "invoice_line",
        ),
        (
            {"supplier_invoice": "PI-2026-000001", "invoice_line": 1, "credit_account": "1120"},
            ValidationError,
            "credit_account",
        ),
        (
            {"supplier_invoice": "PI-2026-000001", "invoice_line": 1, "date": "2026-01-09"},
            ValidationError,
            "date",
        ),
        (
            {"supplier_invoice": "PI-2026-000001", "invoice_line": 1, "construction": "HALL"},
            ValidationError,
            "construction",
        ),
        (
            {
                "supplier_invoice": "PI-2026-000001",
                "invoice_line": 1,
                "opening_accumulated": "10.00",
                "opening_month": "2026-01",
            },
            ValidationError,
            "opening_accumulated",
        ),
    ],
)
def test_bad_invoice_sources_store_nothing(
    books: Erp, fields: dict[str, Any], error: type[ErpError], field: str | None
) -> None:
    invoice(books, "MW-1007", {"account": "1650", "amount": "900.00"})
    head = log_head(books)
    call = {"date": "2026-01-10", "cost": None, "credit_account": None, **fields}
    with pytest.raises(error) as info:
        capitalise(books, **call)
    if field is not None:
        assert getattr(info.value, "field", None) == field
    assert log_head(books) == head


def test_bad_invoice_account_lines_are_refused(books: Erp) -> None:
    head = log_head(books)
    with pytest.raises(ValidationError) as info:  # the whole invoice a credit
        invoice(books, "MW-2001", {"account": "1650", "amount": "-10.00"})
    assert info.value.field == "total"
    with pytest.raises(ValidationError) as info:
        invoice(books, "MW-2002", {"account": "2100", "amount": "10.00"})  # AP control
    assert info.value.field == "account_lines[0].account"
    with pytest.raises(ValidationError) as info:
        invoice(books, "MW-2003", {"account": "1650", "amount": "0"})
    assert info.value.field == "account_lines[0].amount"
    with pytest.raises(ValidationError, match="at least one line"):
        books.apply(
            {
                "action": "post_supplier_invoice",
                "supplier": "MACH",
                "supplier_reference": "X",
                "date": "2026-01-10",
            }
        )
    assert log_head(books) == head


# --- assets under construction -------------------------------------------------------------


def test_construction_collects_costs_then_becomes_two_assets(books: Erp) -> None:
    books.open_construction(code="HALL", name="New hall", account="1620", date="2026-01-02")
    # costs: own labour by journal, a contractor's invoice straight to AUC, materials through
    # clearing
    labour = books.add_construction_cost(
        construction="HALL", date="2026-01-31", amount="5000.00", credit_account="1120"
    ).documents[0]
    assert voucher_lines(books, labour) == [("1620", D("5000.00")), ("1120", D("-5000.00"))]
    pi = invoice(
        books,
        "MW-3001",
        {"account": "1620", "amount": "7000.00", "memo": "steel frame"},
        {"account": "1650", "amount": "1000.00", "memo": "doors"},
        date="2026-02-05",
    )
    assert (
        books.add_construction_cost(
            construction="HALL", date="2026-02-05", supplier_invoice=pi, invoice_line=1
        ).documents
        == []
    )
    moved = books.add_construction_cost(
        construction="HALL", date="2026-02-06", supplier_invoice=pi, invoice_line=2
    ).documents[0]
    assert voucher_lines(books, moved) == [("1620", D("1000.00")), ("1650", D("-1000.00"))]
    head = log_head(books)
    with pytest.raises(ValidationError, match="already capitalised \\(HALL\\)"):
        books.add_construction_cost(
            construction="HALL", date="2026-02-06", supplier_invoice=pi, invoice_line=2
        )
    assert log_head(books) == head
    all_checks_pass(books)
    during = books.query(asset_register, dt.date(2026, 2, 28))
    assert during.rows == []
    assert [(c.construction, c.collected, c.balance) for c in during.constructions] == [
        ("HALL", D("13000.00"), D("13000.00"))
    ]
    assert during.under_construction == D("13000.00")
    # finished: capitalised into the building shell and its doors
    shell, cap1 = books.capitalise_asset(
        category="EQ",
        name="Hall shell",
        date="2026-03-01",
        available_for_use="2026-03-01",
        cost="12000.00",
        construction="HALL",
    ).documents
    assert voucher_lines(books, cap1) == [("1610", D("12000.00")), ("1620", D("-12000.00"))]
    with pytest.raises(ValidationError, match="1000.00 not yet capitalised") as info:
        capitalise(books, cost="1000.01", credit_account=None, construction="HALL")
    assert info.value.field == "cost"
    doors = capitalise(
        books,
        name="Hall doors",
        date="2026-03-01",
        residual_value="0.00",
        cost=None,
        credit_account=None,
        construction="HALL",
    )
    assert (shell, doors) == ("FA-000001", "FA-000002")
    with pytest.raises(ValidationError, match="nothing left to capitalise"):
        capitalise(books, cost=None, credit_account=None, construction="HALL")
    assert balance(books, "1620") == D("0.00")
    assert balance(books, "1610") == D("13000.00")
    after = books.query(asset_register, dt.date(2026, 3, 31))
    assert [(c.collected, c.capitalised, c.balance) for c in after.constructions] == [
        (D("13000.00"), D("13000.00"), D("0.00"))
    ]
    assert after.cost == D("13000.00")
    moves = books.query(movement_schedule, dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    rows = {r.category: r for r in moves.rows}
    assert (rows["EQ"].additions, rows["EQ"].transfers, rows["EQ"].closing_cost) == (
        D("0.00"),
        D("13000.00"),
        D("13000.00"),
    )
    auc = rows["under construction"]
    assert (auc.opening_cost, auc.additions, auc.transfers, auc.closing_cost) == (
        D("0.00"),
        D("13000.00"),
        D("-13000.00"),
        D("0.00"),
    )
    assert moves.total.additions == D("13000.00")
    assert moves.total.transfers == D("0.00")
    all_checks_pass(books)
    # a period split: collected before, transferred in it
    march = books.query(movement_schedule, dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    auc = {r.category: r for r in march.rows}["under construction"]
    assert (auc.opening_cost, auc.additions, auc.transfers, auc.closing_cost) == (
        D("13000.00"),
        D("0.00"),
        D("-13000.00"),
        D("0.00"),
    )


def test_erp_check_holds_the_construction_account_to_its_constructions(books: Erp) -> None:
    books.open_construction(code="HALL", name="New hall", account="1620", date="2026-01-02")
    books.add_construction_cost(
        construction="HALL", date="2026-01-31", amount="5000.00", credit_account="1120"
    )
    assert asset_checks_of(books)["fixed assets 1620"] is True
    books.post_voucher(
        "2026-02-01",
        [{"account": "1620", "debit": "40.00"}, {"account": "1120", "credit": "40.00"}],
    )
    results = {r.name: r for r in books.check()}
    assert not results["fixed assets 1620"].ok
    assert "40.00" in results["fixed assets 1620"].message


def test_bad_constructions_store_nothing(books: Erp) -> None:
    head = log_head(books)
    with pytest.raises(ValidationError, match="expected asset"):
        books.open_construction(code="X", name="X", account="6400", date="2026-01-02")
    with pytest.raises(NotFound):
        books.add_construction_cost(
            construction="NOPE", date="2026-01-31", amount="1.00", credit_account="1120"
        )
    assert log_head(books) == head
    books.open_construction(code="HALL", name="New hall", account="1620", date="2026-01-02")
    head = log_head(books)
    with pytest.raises(ValidationError, match="already exists"):
        books.open_construction(code="HALL", name="Again", account="1620", date="2026-01-02")
    for fields, field in (
        ({"amount": "1.00", "credit_account": "1120", "date": "2026-01-01"}, "date"),
        ({"amount": "1.00", "credit_account": "1620"}, "credit_account"),
        ({"amount": "-1.00", "credit_account": "1120"}, "amount"),
        ({"credit_account": "1120"}, "amount"),
        ({"amount": "1.00"}, "credit_account"),
    ):
        call = {"construction": "HALL", "date": "2026-01-31", **fields}
        with pytest.raises(ValidationError) as info:
            books.add_construction_cost(**call)
        assert info.value.field == field, call
    with pytest.raises(ValidationError, match="nothing left to capitalise"):
        capitalise(books, cost=None, credit_account=None, construction="HALL")
    assert log_head(books) == head


# --- run lines ------------------------------------------------------------------------------


def three_assets(erp: Erp) -> None:
    erp.add_dimension_value(dimension="cost_centre", code="PLANT", name="Plant")
    erp.add_dimension_value(dimension="cost_centre", code="OFFICE", name="Office")
    capitalise(erp, name="Lathe", cost_centre="PLANT")  # 208.33 a month
    capitalise(erp, name="Press", cost="6000.00", residual_value="0.00", cost_centre="PLANT")
    capitalise(erp, name="Desk", cost="2400.00", residual_value="0.00", cost_centre="OFFICE")


def test_run_lines_per_asset_by_default(books: Erp) -> None:
    three_assets(books)
    document = books.depreciate_assets(month="2026-01").documents[0]
    assert voucher_lines(books, document) == [
        ("6500", D("208.33")),
        ("1690", D("-208.33")),
        ("6500", D("125.00")),
        ("1690", D("-125.00")),
        ("6500", D("50.00")),
        ("1690", D("-50.00")),
    ]


def test_run_lines_per_category_and_cost_centre(books: Erp) -> None:
    three_assets(books)
    books.configure_assets(run_lines="category_cost_centre")
    with pytest.raises(ValidationError, match="already"):
        books.configure_assets(run_lines="category_cost_centre")
    document = books.depreciate_assets(month="2026-01").documents[0]
    assert voucher_lines(books, document) == [
        ("6500", D("50.00")),  # EQ / OFFICE
        ("1690", D("-50.00")),
        ("6500", D("333.33")),  # EQ / PLANT: 208.33 + 125.00
        ("1690", D("-333.33")),
    ]

    def centres(conn: Any) -> list[tuple[str, str | None]]:
        from sqlalchemy import text

        rows = conn.execute(
            text("SELECT account, cost_centre FROM gl_lines WHERE document = :d ORDER BY line_no"),
            {"d": document},
        )
        return [(a, d) for a, d in rows]

    lines = books.query(centres)
    assert lines == [("6500", "OFFICE"), ("1690", None), ("6500", "PLANT"), ("1690", None)]
    # each asset still carries its own month in the sub-ledger
    months = [(e[1], e[7]) for e in entries(books) if e[4] == "depreciation"]
    assert months == [("FA-000001", 20833), ("FA-000002", 12500), ("FA-000003", 5000)]
    all_checks_pass(books)
    # back to per asset for the next month
    books.configure_assets(run_lines="asset")
    assert len(voucher_lines(books, books.depreciate_assets(month="2026-02").documents[0])) == 6


# --- rebuild, bad estimates -----------------------------------------------------------------


def test_rebuild_equals_live_with_invoice_lines_and_constructions(any_erp: Erp) -> None:
    """On SQLite and PostgreSQL: the register (with constructions), the movement schedule and
    the checks come back identical from a rebuilt projection; the cash-flow statement
    reconciles by both methods with an asset bought on an invoice and one built."""
    from erp_core.assets.cash_flow_report import cash_flow
    from erp_core.assets.reports import asset_checks

    books = any_erp
    setup_books(books)
    books.open_account(code="1650", name="Asset clearing", type="asset", parent="1600")
    books.open_account(code="1620", name="Assets under construction", type="asset", parent="1600")
    books.register_supplier(code="MACH", name="Machine Works")
    books.post_voucher(
        "2026-01-02",
        [{"account": "1120", "debit": "50000.00"}, {"account": "3100", "credit": "50000.00"}],
    )
    pi = invoice(
        books,
        "MW-9",
        {"account": "1650", "amount": "6000.00", "tax_rate": "0.2"},
        {"account": "1620", "amount": "4000.00"},
    )
    capitalise(
        books,
        date="2026-01-10",
        available_for_use="2026-01-10",
        cost=None,
        credit_account=None,
        residual_value="0.00",
        supplier_invoice=pi,
        invoice_line=1,
    )
    books.open_construction(code="HALL", name="Hall", account="1620", date="2026-01-02")
    books.add_construction_cost(
        construction="HALL", date="2026-01-10", supplier_invoice=pi, invoice_line=2
    )
    books.add_construction_cost(
        construction="HALL", date="2026-02-28", amount="2000.00", credit_account="1120"
    )
    capitalise(
        books,
        name="Hall",
        date="2026-03-01",
        available_for_use="2026-03-01",
        cost="5000.00",
        credit_account=None,
        residual_value="0.00",
        construction="HALL",
    )
    books.configure_assets(run_lines="category_cost_centre")
    books.depreciate_assets(month="2026-06")
    # a reversal's voucher kind (depreciation_reversal) is longer than 16 characters
    books.reverse_depreciation_run(month="2026-06", reason="run again with the setting")
    books.depreciate_assets(month="2026-06")

    def snapshot() -> tuple[Any, ...]:
        return (
            entries(books),
            books.query(asset_register, dt.date(2026, 6, 30)),
            books.query(movement_schedule, dt.date(2026, 1, 1), dt.date(2026, 6, 30)),
            books.query(asset_checks),
            books.query(cash_flow, dt.date(2026, 1, 1), dt.date(2026, 6, 30), "indirect"),
            books.query(cash_flow, dt.date(2026, 1, 1), dt.date(2026, 6, 30), "direct"),
        )

    live = snapshot()
    register = live[1]
    assert register.under_construction == D("1000.00")
    assert register.cost == D("11000.00")
    assert all(r.ok for r in live[3])
    indirect, direct = live[4], live[5]
    assert indirect.ok and direct.ok
    assert indirect.net_change == direct.net_change == D("48000.00")
    books.rebuild()
    assert snapshot() == live


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"useful_life_months": 0}, "useful_life_months"),
        ({"useful_life_months": -12}, "useful_life_months"),
        ({"residual_value": "12000.01"}, "residual_value"),
        ({"residual_value": "-1.00"}, "residual_value"),
        ({"effective": "2025-12-31", "useful_life_months": 60}, "effective"),
    ],
)
def test_bad_estimate_changes_store_nothing(books: Erp, fields: dict[str, Any], field: str) -> None:
    capitalise(books)
    head = log_head(books)
    with pytest.raises(ValidationError) as info:
        books.change_asset_estimate(**{"asset": "FA-000001", "effective": "2026-03-01", **fields})
    assert info.value.field == field
    assert log_head(books) == head


def test_bad_capitalisation_life_is_refused_for_negative_months(books: Erp) -> None:
    head = log_head(books)
    with pytest.raises(ValidationError) as info:
        capitalise(books, useful_life_months=-1)
    assert info.value.field == "useful_life_months"
    assert log_head(books) == head
    assert capitalise(books) == "FA-000001"  # no number was used up


# --- the command line ----------------------------------------------------------------------


def test_cli_register_and_movements_show_constructions(books: Erp, sqlite_url: str) -> None:
    import json

    from click.testing import CliRunner

    from erp_core.cli import cli

    books.open_construction(code="HALL", name="New hall", account="1620", date="2026-01-02")
    books.add_construction_cost(
        construction="HALL", date="2026-01-31", amount="5000.00", credit_account="1120"
    )
    capitalise(
        books,
        date="2026-02-01",
        available_for_use="2026-02-01",
        cost="3000.00",
        residual_value="0.00",
        credit_account=None,
        construction="HALL",
    )
    books.close()
    runner = CliRunner()
    db = ["--db", sqlite_url]
    out = runner.invoke(cli, [*db, "report", "asset-register", "--as-of", "2026-02-28"])
    assert out.exit_code == 0, out.output
    assert "Assets under construction" in out.output
    assert "HALL" in out.output
    out = runner.invoke(
        cli, [*db, "report", "asset-register", "--as-of", "2026-02-28", "--format", "json"]
    )
    data = json.loads(out.output)
    assert data["under_construction"] == "2000.00"
    assert data["constructions"][0]["capitalised"] == "3000.00"
    out = runner.invoke(
        cli,
        [
            *db,
            "report",
            "asset-movements",
            "--from",
            "2026-01-01",
            "--to",
            "2026-02-28",
            "--format",
            "csv",
        ],
    )
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert lines[0].startswith("category,opening_cost,additions,transfers,disposals,closing_cost")
    assert lines[1].startswith("EQ,0.00,0.00,3000.00,0.00,3000.00")
    assert lines[2].startswith("under construction,0.00,5000.00,-3000.00,0.00,2000.00")
    assert lines[3].startswith("total,0.00,5000.00,0.00,0.00,5000.00")
    out = runner.invoke(cli, [*db, "check"])
    assert out.exit_code == 0, out.output


def test_foreign_currency_invoice_line_capitalises_its_base_amount(books: Erp) -> None:
    """A USD invoice at 0.92: the asset costs the line's base amount, USD 5,000.00 = EUR
    4,600.00; the payable stays in USD."""
    books.set_exchange_rate(currency="USD", date="2026-01-01", rate="0.92", source="ECB")
    books.register_supplier(code="YANK", name="Yankee Tools", currency="USD")
    pi = books.post_supplier_invoice(
        supplier="YANK",
        supplier_reference="Y-1",
        date="2026-01-10",
        account_lines=[{"account": "1650", "amount": "5000.00", "memo": "compressor"}],
    ).documents[0]
    assert voucher_lines(books, pi) == [("1650", D("4600.00")), ("2100", D("-4600.00"))]
    number, document = books.capitalise_asset(
        category="EQ",
        name="Compressor",
        date="2026-01-10",
        available_for_use="2026-01-10",
        supplier_invoice=pi,
        invoice_line=1,
    ).documents
    assert voucher_lines(books, document) == [("1610", D("4600.00")), ("1650", D("-4600.00"))]
    row = books.query(asset_register, dt.date(2026, 1, 31)).rows[0]
    assert (row.asset, row.cost) == (number, D("4600.00"))
    all_checks_pass(books)


def test_a_credit_line_takes_cost_off_a_construction(books: Erp) -> None:
    books.open_construction(code="HALL", name="New hall", account="1620", date="2026-01-02")
    first = invoice(books, "MW-4001", {"account": "1620", "amount": "8000.00"})
    books.add_construction_cost(
        construction="HALL", date="2026-01-10", supplier_invoice=first, invoice_line=1
    )
    credit = invoice(
        books,
        "MW-4002",
        {"account": "6400", "amount": "900.00", "memo": "site cleaning"},
        {"account": "1620", "amount": "-500.00", "memo": "rebate on the frame"},
        date="2026-01-20",
    )
    assert asset_checks_of(books)["fixed assets 1620"] is False  # not applied yet
    head = log_head(books)
    with pytest.raises(ValidationError) as info:
        books.add_construction_cost(
            construction="HALL",
            date="2026-01-20",
            amount="100.00",
            supplier_invoice=credit,
            invoice_line=2,
        )
    assert info.value.field == "amount"
    assert log_head(books) == head
    books.add_construction_cost(
        construction="HALL", date="2026-01-20", supplier_invoice=credit, invoice_line=2
    )
    site = books.query(asset_register, dt.date(2026, 1, 31)).constructions[0]
    assert (site.collected, site.balance) == (D("7500.00"), D("7500.00"))
    assert balance(books, "1620") == D("7500.00")
    all_checks_pass(books)
