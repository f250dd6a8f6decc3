"""The audit page shows the latest signed digest the console was given (`erp serve --digest
FILE --public-key PEM`) and whether the log still extends it and its signature verifies."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from click.testing import CliRunner
from starlette.testclient import TestClient

from erp_core import Erp
from erp_core.audit import verify as audit
from erp_core.web.app import create_app
from erp_core.web.cli import serve


def post(erp: Erp, memo: str) -> None:
    lines = [{"account": "1120", "debit": "10.00"}, {"account": "3100", "credit": "10.00"}]
    erp.post_voucher(dt.date(2026, 1, 5), lines, memo=memo)


def test_web_audit_page_shows_the_latest_signed_digest(erp: Erp) -> None:
    private, public = audit.keygen()
    post(erp, "one")
    early = erp.digest(private)
    post(erp, "two")
    latest = erp.digest(private)
    post(erp, "three")  # the log goes on past the digest
    trusted = audit.load_public_key(public)
    client = TestClient(
        create_app(
            erp, allowed_hosts=["testserver"], digests=[latest, early], trusted_public_key=trusted
        )
    )
    page = client.get("/audit")
    assert page.status_code == 200
    assert f"The log still extends the digest of position {latest.position}" in page.text
    assert "its signature verifies" in page.text and latest.hash in page.text
    assert "checked against the trusted key" in page.text
    body = client.get("/api/audit").json()
    assert body["ok"] is True
    shown = body["latest_digest"]
    assert (shown["position"], shown["hash"], shown["signed"], shown["holds"]) == (
        latest.position, latest.hash, True, True,
    )  # fmt: skip
    assert shown["digests_given"] == 2


def test_web_audit_page_says_when_a_digest_does_not_hold(erp: Erp) -> None:
    private, public = audit.keygen()
    other_private, _ = audit.keygen()
    post(erp, "one")
    digest = erp.digest(private)
    forged = digest.model_copy(update={"hash": "0" * 64})  # its signature no longer matches
    foreign = erp.digest(other_private)  # signed with a key that is not the trusted one
    for given, words in ((forged, "does not hold"), (foreign, "does not hold")):
        client = TestClient(
            create_app(
                erp,
                allowed_hosts=["testserver"],
                digests=[given],
                trusted_public_key=audit.load_public_key(public),
            )
        )
        page = client.get("/audit")
        assert page.status_code == 200
        assert f"The digest of position {given.position} {words}" in page.text
        body = client.get("/api/audit").json()
        assert body["ok"] is False and body["latest_digest"]["holds"] is False
        assert body["latest_digest"]["problems"]


def test_web_audit_page_without_digests_says_how_to_give_one(client: TestClient) -> None:
    page = client.get("/audit")
    assert "No digest given" in page.text and "erp serve --digest" in page.text
    assert client.get("/api/audit").json()["latest_digest"] is None


def test_web_serve_refuses_a_file_that_is_not_a_digest(erp: Erp, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"nothing": 1}')
    from erp_core.cli import cli

    assert serve.name == "serve"
    result = CliRunner().invoke(cli, ["--db", erp.url.raw, "serve", "--digest", str(bad)])
    assert result.exit_code != 0
    assert "is not a digest file" in result.output
