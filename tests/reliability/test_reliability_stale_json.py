"""Every report read with `--no-catch-up` from projections behind the log says so in its JSON
(`"stale": true`, with the position read and the log head), whichever renderer prints it."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from erp_core import Erp
from erp_core.cli import cli

REPORTS = [
    ["trial-balance"],
    ["balance-sheet", "--as-of", "2026-12-31"],
    ["income-statement", "--from", "2026-01-01", "--to", "2026-12-31"],
    ["general-ledger"],
    ["stock-balance", "--as-of", "2026-12-31"],
    ["stock-ledger"],
    ["open-orders"],
    ["grni"],
    ["payables-aging", "--as-of", "2026-12-31"],
    ["receivables-aging", "--as-of", "2026-12-31"],
    ["sales-orders"],
    ["margin", "--from", "2026-01-01", "--to", "2026-12-31"],
    ["work-orders"],
    ["asset-register", "--as-of", "2026-12-31"],
    ["cash-flow", "--from", "2026-01-01", "--to", "2026-12-31"],
]


@pytest.fixture(scope="module")
def stale_book(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('stale')}/b.sqlite"
    with Erp.open(url, actor="t") as erp:
        erp.init("Acme", "EUR", dt.date(2026, 1, 1))
    # store more without projecting: the read models stay behind the log
    with Erp.open(url, actor="t", project=False) as erp:
        erp.post_voucher(
            "2026-02-01",
            [{"account": "1120", "debit": "10.00"}, {"account": "3100", "credit": "10.00"}],
        )
    return url


@pytest.mark.parametrize("args", REPORTS, ids=lambda a: a[0])
def test_a_stale_report_is_marked_in_its_json(stale_book: str, args: list[str]) -> None:
    result = CliRunner().invoke(
        cli, ["--db", stale_book, "report", "--no-catch-up", *args, "--format", "json"]
    )
    assert result.exit_code in (0, 1), result.output
    body = json.loads(result.stdout)
    assert body["stale"] is True and body["as_of_position"] < body["log_head"], body
