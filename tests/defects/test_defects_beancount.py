"""Defects of issue 10 in the beancount export: readable names, close directives, the
year-end closing entry tagged and optional."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import beancount_weights

from erp_core import Erp

pytest.importorskip("beancount")


def _export(erp: Erp, path: Path, **options: bool) -> str:
    with path.open("w", encoding="utf-8") as out:
        erp.export_beancount(out, **options)
    return path.read_text(encoding="utf-8")


def test_defects_non_ascii_names_are_transliterated(erp: Erp, tmp_path: Path) -> None:
    erp.open_account("6250", "Büromaterial & Zubehör", "expense", parent="6000")
    text = _export(erp, tmp_path / "b.beancount")
    assert "Expenses:6250-BuromaterialZubehor" in text
    errors, _ = beancount_weights(str(tmp_path / "b.beancount"))
    assert errors == []


def test_defects_closed_accounts_and_the_closing_entry(erp: Erp, tmp_path: Path) -> None:
    d = dt.date(2026, 3, 5)
    erp.open_account("6250", "Old supplies", "expense", parent="6000")
    erp.post_voucher(d, [{"account": "6250", "debit": "40"}, {"account": "1120", "credit": "40"}])
    erp.post_voucher(d, [{"account": "1120", "debit": "100"}, {"account": "4100", "credit": "100"}])
    erp.close_fiscal_year(2026)
    erp.close_account("6250", reason="merged into 6400")
    path = tmp_path / "all.beancount"
    text = _export(erp, path)
    assert "close Expenses:6250-OldSupplies" in text
    assert text.count("#closing") == 1
    errors, weights = beancount_weights(str(path))
    assert errors == []
    assert "6250" not in weights and weights["3200"] == -60  # profit moved to retained earnings

    without = tmp_path / "open.beancount"
    text = _export(erp, without, include_closing=False)
    assert "#closing" not in text
    errors, weights = beancount_weights(str(without))
    assert errors == []
    assert weights["6250"] == 40 and weights["4100"] == -100 and "3200" not in weights


def test_defects_export_without_closing_from_the_cli(erp: Erp, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from erp_core.cli import cli

    erp.post_voucher(
        dt.date(2026, 3, 5),
        [{"account": "1120", "debit": "100"}, {"account": "4100", "credit": "100"}],
    )
    erp.close_fiscal_year(2026)
    url = str(erp.url.sqlalchemy_url())
    result = CliRunner().invoke(cli, ["--db", url, "export", "beancount", "--without-closing", "-"])
    assert result.exit_code == 0, result.output
    assert "#closing" not in result.stdout and "Income:4100" in result.stdout
