""" "As known at": a statement as the log knew it at a position or a moment, rebuilt by replay
(the auditor's question), on the pages and in the API, equal to `erp audit replay`."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from click.testing import CliRunner
from starlette.testclient import TestClient

from erp_core import Erp
from erp_core.cli import cli

PageReader = Any


def replay_json(url: str, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--db", url, "audit", "replay", *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_web_trial_balance_as_known_at_a_position_equals_the_replay(
    demo_url: str, demo: Erp, client: TestClient, page: Callable[[str], PageReader]
) -> None:
    _, head = demo.freshness()
    middle = head // 2
    expected = replay_json(
        demo_url, "--as-of-position", str(middle), "--report", "trial-balance", "--as-of",
        "2026-12-31",
    )  # fmt: skip
    api = client.get(f"/api/trial-balance?as_of=2026-12-31&position={middle}")
    assert api.status_code == 200
    assert api.text + "\n" == expected
    then = json.loads(expected)
    assert then["as_known_at"] == middle
    live = client.get("/api/trial-balance?as_of=2026-12-31").json()
    assert live["as_known_at"] is None
    assert then["total_debit"] != live["total_debit"]  # later events are left out
    # the page shows the same figures, says so, and drills into the ledger as known then
    response = client.get(f"/trial-balance?as_of=2026-12-31&position={middle}")
    assert f"As known at log position {middle}" in response.text
    table = page(f"/trial-balance?as_of=2026-12-31&position={middle}").tables["trial-balance"]
    debits = [(r[0].text, r[2].text, r[3].amount or "0.00") for r in table.rows[1:] if r[0].text]
    assert debits == [(r["account"], r["currency"], r["debit"]) for r in then["rows"]]
    link = next(r[0].href for r in table.rows[1:] if r[0].text == "1120")
    assert link and f"position={middle}" in link
    ledger = page(link).tables["general-ledger"]
    lines = [r for r in ledger.rows[1:] if r[0].text]  # without the total
    assert lines and all(int(r[0].text) <= middle for r in lines)
    bank = sum(  # one row per currency, in the base currency
        (
            Decimal(r["debit"]) - Decimal(r["credit"])
            for r in then["rows"]
            if r["account"] == "1120"
        ),
        Decimal(0),
    )
    total = next(r for r, c in zip(ledger.rows, ledger.classes, strict=True) if c == "total")
    assert Decimal(total[6].amount or "") == bank


def test_web_statements_as_known_at_a_moment_equal_the_replay(
    demo_url: str, demo: Erp, client: TestClient
) -> None:
    _, head = demo.freshness()
    entry = next(e for e in demo.trail("JV-2026-000001"))
    moment = entry.recorded_at
    from urllib.parse import quote

    for report, path in (
        ("balance-sheet", f"/api/balance-sheet?as_of=2026-12-31&known_at={quote(moment)}"),
        (
            "income-statement",
            f"/api/income-statement?from=2026-01-01&to=2026-12-31&known_at={quote(moment)}",
        ),
    ):
        expected = replay_json(
            demo_url, "--known-at", moment, "--report", report, "--as-of", "2026-12-31",
            "--from", "2026-01-01", "--to", "2026-12-31",
        )  # fmt: skip
        response = client.get(path)
        assert response.status_code == 200, response.text[:300]
        assert response.text + "\n" == expected
        assert 0 < response.json()["as_known_at"] < head
    page = client.get(f"/balance-sheet?as_of=2026-12-31&known_at={quote(moment)}")
    assert page.status_code == 200 and "As known at log position" in page.text


def test_web_as_known_at_refuses_bad_input(client: TestClient) -> None:
    for query in (
        "position=-3",
        "position=12abc",
        "known_at=yesterday",
        "known_at=2026-03-01T12:00:00",  # no zone
        "position=3&known_at=2026-03-01T12:00:00%2B00:00",
    ):
        response = client.get(f"/balance-sheet?as_of=2026-12-31&{query}")
        assert response.status_code == 400, query
        assert "Traceback" not in response.text
