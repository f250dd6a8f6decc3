"""The demo company: a year of business built through the public API only.

Demo Trading Ltd keeps EUR books on a calendar fiscal year. Its year: capital and a loan,
equipment, monthly rent, salaries, utilities and depreciation, sales by department and
project, a US customer paying in USD, a mistaken voucher reversed, periods closed as the year
goes, and the year-end close that moves the profit to retained earnings.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from erp_core.api import Erp

YEAR = 2026


def _pay(
    erp: Erp, day: dt.date, debit: str, amount: str, memo: str, credit: str = "1120", **dims: str
) -> str:
    line: dict[str, object] = {"account": debit, "debit": amount}
    if dims:
        line["dimensions"] = dims
    result = erp.post_voucher(day, [line, {"account": credit, "credit": amount}], memo=memo)
    return result.documents[0]


def build_demo(erp: Erp, year: int = YEAR) -> int:
    """Create the demo company in an empty database and post its year. Returns the year."""
    erp.init("Demo Trading Ltd", "EUR", dt.date(year, 1, 1))
    erp.open_account("4150", "Consulting revenue", "income", parent="4000")
    for dimension, code, name in (
        ("department", "SALES", "Sales"),
        ("department", "OPS", "Operations"),
        ("department", "ADMIN", "Administration"),
        ("project", "ALPHA", "Project Alpha"),
        ("project", "BETA", "Project Beta"),
        ("cost_centre", "HQ", "Head office"),
    ):
        erp.add_dimension_value(dimension, code, name)

    jan = dt.date(year, 1, 2)
    _pay(erp, jan, "1120", "250000.00", "Share capital paid in", credit="3100")
    _pay(erp, jan, "1120", "100000.00", "Bank loan drawn", credit="2500")
    _pay(erp, dt.date(year, 1, 5), "1610", "60000.00", "Delivery vans and IT equipment")

    for month in range(1, 13):
        first = dt.date(year, month, 1)
        _pay(erp, first, "6200", "4500.00", f"Rent {first:%B}", cost_centre="HQ")
        _pay(
            erp,
            dt.date(year, month, 25),
            "6100",
            "38000.00",
            f"Salaries {first:%B}",
            department="OPS",
        )
        _pay(erp, dt.date(year, month, 20), "6300", f"{900 + month * 15}.00", "Utilities")
        _pay(erp, dt.date(year, month, 28), "6500", "1000.00", "Depreciation", credit="1690")
        _pay(erp, dt.date(year, month, 15), "2500", "2000.00", "Loan repayment")
        sales = Decimal(52000 + month * 1750)
        erp.post_voucher(
            dt.date(year, month, 10),
            [
                {"account": "1120", "debit": str(sales)},
                {"account": "4100", "credit": str(sales), "dimensions": {"department": "SALES"}},
            ],
            memo=f"Cash sales {first:%B}",
        )
        erp.post_voucher(
            dt.date(year, month, 18),
            [
                {"account": "1120", "debit": "12500.00"},
                {"account": "4150", "credit": "8000.00", "dimensions": {"project": "ALPHA"}},
                {"account": "4150", "credit": "4500.00", "dimensions": {"project": "BETA"}},
            ],
            memo=f"Consulting {first:%B}",
        )
        if month % 3 == 0:
            # A US customer pays in USD into the bank at the day's rate.
            erp.post_voucher(
                dt.date(year, month, 22),
                [
                    {"account": "1120", "debit": "8400.00", "currency": "USD", "rate": "0.9231"},
                    {"account": "4200", "credit": "8400.00", "currency": "USD", "rate": "0.9231"},
                ],
                memo="Support contract, US customer",
            )
        if month == 4:
            wrong = _pay(erp, dt.date(year, 4, 12), "6700", "1250.00", "Travel (posted twice)")
            erp.reverse_voucher(wrong, dt.date(year, 4, 13), memo="Duplicate travel voucher")
        _pay(erp, dt.date(year, month, 8), "6400", "640.00", "Office supplies", department="ADMIN")
        if month < 12:
            erp.close_period(f"{year}-{month:02d}")

    erp.open_fiscal_year(year + 1)
    erp.close_fiscal_year(year)
    return year
