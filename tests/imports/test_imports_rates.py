"""Exchange rates from a central bank's file: `set_exchange_rate` per currency and day."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_imports_cli import log_position, report_rows, run, write_template

from erp_core.api import Erp
from erp_core.imports.kinds import RATE_PLACES, inverse_rate

D = Decimal


def _rates(erp: Erp) -> list[tuple[str, dt.date, Decimal, str | None]]:
    from erp_core.projections.currency import rate_rows

    return [(r.currency, r.date, r.rate, r.source) for r in erp.query(rate_rows)]


def test_a_central_bank_file_sets_the_rates(erp: Erp, tmp_path: Path) -> None:
    data, spec = write_template(tmp_path, "exchange_rates")
    # 1 EUR = 1.0856 USD on 2 January: 1 / 1.0856 = 0.92114959469...; 1 / 0.9312 =
    # 1.07388316151...; 1 / 1.0921 = 0.915667063455... (10 places, half up)
    result = run(erp, "exchange_rates", str(data), "--mapping", str(spec), "--format", "csv")
    assert result.exit_code == 0, result.output
    assert [r["status"] for r in report_rows(result)] == ["applied"] * 3
    assert _rates(erp) == [
        ("CHF", dt.date(2026, 1, 2), D("1.0738831615"), "ECB"),
        ("USD", dt.date(2026, 1, 2), D("0.9211495947"), "ECB"),
        ("USD", dt.date(2026, 1, 5), D("0.9156670635"), "ECB"),
    ]
    position = log_position(erp)
    again = run(erp, "exchange_rates", str(data), "--mapping", str(spec))
    assert "nothing new stored" in again.output and log_position(erp) == position
    # a revised rate for a day already imported is a conflict, not a second rate
    data.write_text(data.read_text().replace('"1,0856"', '"1,0857"'))
    changed = run(erp, "exchange_rates", str(data), "--mapping", str(spec), "--format", "csv")
    assert changed.exit_code == 1
    assert [r["status"] for r in report_rows(changed)] == ["conflict", "skipped", "skipped"]
    assert log_position(erp) == position


def test_rates_in_base_units_are_taken_as_they_are(erp: Erp, tmp_path: Path) -> None:
    data, spec = write_template(tmp_path, "exchange_rates")
    spec.write_text(spec.read_text().replace("fields.per_base]", "fields.rate]"))
    data.write_text('Date,Currency,Units per EUR,Source\n02.01.2026,usd ,"0,92",\n')
    result = run(erp, "exchange_rates", str(data), "--mapping", str(spec))
    assert result.exit_code == 0, result.output
    assert _rates(erp) == [("USD", dt.date(2026, 1, 2), D("0.92"), "ECB")]


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        ('02.01.2026,USD,"0,0000",', "Units per EUR", "0.0000 is not above zero"),
        ('02.01.2026,USD,"-1,2",', "Units per EUR", "-1.2 is not above zero"),
        ('02.01.2026,USD,"abc",', "Units per EUR", "'abc' is not a number"),
        ('32.01.2026,USD,"1,1",', "Date", "'32.01.2026' is not a date"),
        ('02.01.2026,EUR,"1,0",', None, "EUR is the base currency"),
        ('02.01.2026,XYZW,"1,0",', None, "XYZW"),
    ],
)
def test_a_bad_rate_row_is_named(
    erp: Erp, tmp_path: Path, row: str, column: str | None, reason: str
) -> None:
    data, spec = write_template(tmp_path, "exchange_rates")
    data.write_text(f'Date,Currency,Units per EUR,Source\n02.01.2026,CHF,"0,93",\n{row}\n')
    result = run(erp, "exchange_rates", str(data), "--mapping", str(spec), "--format", "csv")
    assert result.exit_code == 1
    (refused,) = [r for r in report_rows(result) if r["status"] == "refused"]
    assert refused["row"] == "3" and reason in refused["message"], refused
    if column is not None:
        assert refused["column"] == column
    assert [c for c, *_ in _rates(erp)] == ["CHF"]  # the good row is stored


def test_a_rate_row_needs_exactly_one_quote(erp: Erp, tmp_path: Path) -> None:
    data, spec = write_template(tmp_path, "exchange_rates")
    spec.write_text(
        spec.read_text()
        + '\n[kinds.exchange_rates.fields.rate]\ncolumn = "Rate"\ntransform = ["number"]\n'
    )
    data.write_text('Date,Currency,Units per EUR,Source,Rate\n02.01.2026,USD,"1,1",,0.9\n')
    result = run(erp, "exchange_rates", str(data), "--mapping", str(spec), "--format", "csv")
    assert result.exit_code == 1
    (refused,) = [r for r in report_rows(result) if r["status"] == "refused"]
    assert refused["message"] == "has both (one of rate, per_base)"
    assert _rates(erp) == []


@given(st.decimals(min_value=D("0.0001"), max_value=D("100000"), places=4))
def test_an_inverse_rate_is_within_half_a_unit_of_its_last_place(per_base: Decimal) -> None:
    rate = inverse_rate(per_base)
    assert abs(rate - D(1) / per_base) <= D(1).scaleb(-RATE_PLACES) / 2
    exponent = rate.as_tuple().exponent
    assert isinstance(exponent, int) and -exponent <= RATE_PLACES
