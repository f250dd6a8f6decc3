"""The JSON API under /api/: byte for byte the CLI's `--format json` over the demo company,
described by its OpenAPI document, read-only, and behind the same login and permissions as
the pages (a session cookie or a bearer API token)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient
from web.web_fixtures import Users, log_in

from erp_core import Erp
from erp_core.cli import cli
from erp_core.web.api import ENDPOINTS


def cli_text(url: str, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--db", url, *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return result.stdout


SAME_AS_CLI = [
    ("/api/trial-balance?as_of=2026-12-31", ["report", "trial-balance", "--as-of", "2026-12-31"]),
    ("/api/trial-balance", ["report", "trial-balance"]),
    ("/api/balance-sheet?as_of=2026-12-31", ["report", "balance-sheet", "--as-of", "2026-12-31"]),
    ("/api/balance-sheet?as_of=2026-06-30", ["report", "balance-sheet", "--as-of", "2026-06-30"]),
    (
        "/api/income-statement?from=2026-01-01&to=2026-12-31",
        ["report", "income-statement", "--from", "2026-01-01", "--to", "2026-12-31"],
    ),
    (
        "/api/income-statement?from=2026-04-01&to=2026-06-30",
        ["report", "income-statement", "--from", "2026-04-01", "--to", "2026-06-30"],
    ),
    (
        "/api/cash-flow?from=2026-01-01&to=2026-12-31",
        ["report", "cash-flow", "--from", "2026-01-01", "--to", "2026-12-31"],
    ),
    (
        "/api/cash-flow?from=2026-01-01&to=2026-12-31&method=direct",
        ["report", "cash-flow", "--from", "2026-01-01", "--to", "2026-12-31", "--method", "direct"],
    ),
    ("/api/accounts/1120/ledger", ["report", "general-ledger", "--account", "1120"]),
    (
        "/api/accounts/1300/ledger?from=2026-03-01&to=2026-09-30",
        [
            "report",
            "general-ledger",
            "--account",
            "1300",
            "--from",
            "2026-03-01",
            "--to",
            "2026-09-30",
        ],
    ),
    (
        "/api/receivables?as_of=2026-12-31",
        ["report", "receivables-aging", "--as-of", "2026-12-31"],
    ),
    ("/api/payables?as_of=2026-12-31", ["report", "payables-aging", "--as-of", "2026-12-31"]),
    ("/api/stock?as_of=2026-12-31", ["report", "stock-balance", "--as-of", "2026-12-31"]),
    (
        "/api/stock?as_of=2026-12-31&by_batch=1",
        ["report", "stock-balance", "--as-of", "2026-12-31", "--by-batch"],
    ),
    ("/api/stock/ledger", ["report", "stock-ledger"]),
    ("/api/work-orders", ["report", "work-orders"]),
    ("/api/assets?as_of=2026-12-31", ["report", "asset-register", "--as-of", "2026-12-31"]),
    (
        "/api/process?object_type=purchase_order",
        ["report", "process", "--object-type", "purchase_order"],
    ),
    (
        "/api/process?object_type=sales_order&time=effective&from=2026-03-01&to=2026-08-31",
        [
            "report",
            "process",
            "--object-type",
            "sales_order",
            "--time",
            "effective",
            "--from",
            "2026-03-01",
            "--to",
            "2026-08-31",
        ],
    ),
    (
        "/api/kpi?from=2026-04-01&to=2026-06-30",
        ["report", "kpi", "--from", "2026-04-01", "--to", "2026-06-30"],
    ),
]


@pytest.mark.parametrize(("path", "args"), SAME_AS_CLI, ids=[p for p, _ in SAME_AS_CLI])
def test_web_api_is_the_clis_json_byte_for_byte(
    demo_url: str, client: TestClient, path: str, args: list[str]
) -> None:
    response = client.get(path)
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"].startswith("application/json")
    assert response.text + "\n" == cli_text(demo_url, *args)


def test_web_api_document_events_and_party_ledgers_equal_the_cli(
    demo_url: str, demo: Erp, client: TestClient
) -> None:
    receipts = [x.document for x in demo.general_ledger("1300") if x.document.startswith("GR-")]
    assert receipts, "the demo has goods receipts on the inventory account"
    number = receipts[0]
    events = client.get(f"/api/documents/{number}/events")
    assert events.status_code == 200
    assert events.text + "\n" == cli_text(demo_url, "audit", "trail", number)
    assert [e["event"] for e in events.json()]  # the stored events, named
    aging = client.get("/api/receivables?as_of=2026-12-31").json()
    customer = aging["rows"][0]["customer"]
    assert client.get(f"/api/customers/{customer}/ledger").text + "\n" == cli_text(
        demo_url, "report", "customer-ledger", customer
    )
    supplier = client.get("/api/payables?as_of=2026-12-31").json()["rows"][0]["supplier"]
    assert client.get(f"/api/suppliers/{supplier}/ledger").text + "\n" == cli_text(
        demo_url, "report", "supplier-ledger", supplier
    )


def test_web_api_pages_through_a_ledger(client: TestClient) -> None:
    whole = client.get("/api/accounts/1120/ledger").json()
    assert len(whole) > 3
    part = client.get("/api/accounts/1120/ledger?offset=2&limit=2").json()
    assert part == whole[2:4]
    assert client.get("/api/accounts/1120/ledger?offset=-1").status_code == 400
    assert client.get("/api/accounts/1120/ledger?limit=x").status_code == 400


def test_web_api_the_audit_status_verifies_the_chain(demo: Erp, client: TestClient) -> None:
    body = client.get("/api/audit").json()
    assert body["ok"] is True and body["chain"]["problems"] == []
    assert body["chain"]["head_hash"] == demo.verify().head_hash
    assert body["position"] == body["head"] > 0


def test_web_api_openapi_describes_every_route(client: TestClient) -> None:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["openapi"].startswith("3.1")
    assert set(doc["paths"]) == {path for path, *_ in ENDPOINTS}
    schemas = doc["components"]["schemas"]
    # every $ref resolves inside the document
    text = json.dumps(doc)
    for ref in set(__import__("re").findall(r'"#/components/schemas/([^"]+)"', text)):
        assert ref in schemas, ref
    tb = doc["paths"]["/api/trial-balance"]["get"]
    assert tb["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/TrialBalance"
    }
    assert {p["name"] for p in tb["parameters"]} == {"as_of", "position", "known_at"}
    # a figure is a decimal string in the schema, as in the JSON
    row = schemas["TrialBalanceRow"]["properties"]["debit"]
    assert {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"} in row["anyOf"], row
    # the serialised form: computed fields such as `balanced` are in it
    assert "balanced" in schemas["TrialBalance"]["properties"]
    for path, item in doc["paths"].items():
        assert set(item) == {"get"}, path  # read-only


def test_web_api_response_validates_against_its_schema(client: TestClient) -> None:
    """The trial balance's JSON matches the schema's required fields and types."""
    doc = client.get("/api/openapi.json").json()
    schema = doc["components"]["schemas"]["TrialBalance"]
    body = client.get("/api/trial-balance?as_of=2026-12-31").json()
    assert set(schema["required"]) <= set(body)
    assert set(body) <= set(schema["properties"])


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("path", ["/api/trial-balance", "/api/openapi.json", "/api/stock"])
def test_web_api_refuses_every_write_method(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path)
    assert response.status_code == 405
    assert response.json()["error"] == "this console is read-only"
    assert response.headers["allow"] == "GET, HEAD"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/trial-balance?as_of=2026-13-45", 400),
        ("/api/balance-sheet?as_of=%3Cscript%3E", 400),
        ("/api/cash-flow?from=2026-12-31&to=2026-01-01", 400),
        ("/api/cash-flow?method=%27%20OR%201=1--", 400),
        ("/api/stock/ledger?item=%27;DROP%20TABLE%20accounts;--", 400),
        ("/api/trial-balance?position=abc", 400),
        ("/api/trial-balance?position=1&known_at=2026-01-01T00:00:00%2B00:00", 400),
        ("/api/trial-balance?known_at=2026-01-01T00:00:00", 400),  # no zone
        ("/api/accounts/9999/ledger", 404),
        ("/api/documents/..%2F..%2Fetc%2Fpasswd/events", 404),
        ("/api/documents/access:users/events", 404),
        ("/api/documents/JV-2099-000001/events", 404),
        ("/api/nothing", 404),
        ("/api/process", 400),
        ("/api/process?object_type=purchase_order&time=sideways", 400),
        ("/api/payroll?year=20x6", 400),
        ("/api/payroll/NO-SUCH-RUN/payslips", 404),
    ],
)
def test_web_api_bad_requests_are_4xx_json(client: TestClient, path: str, status: int) -> None:
    response = client.get(path)
    assert response.status_code == status, response.text[:300]
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["error"]
    assert "Traceback" not in response.text
    # what the request echoes is JSON text, never read as HTML
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-content-type-options"] == "nosniff"


# -- access control on ----------------------------------------------------------------------


@pytest.fixture
def guarded_api(erp: Erp) -> Any:
    users = Users(erp)
    server = Erp.open(erp.url.raw, actor="web")
    from erp_core.web.app import create_app

    yield (
        TestClient(create_app(server, allowed_hosts=["testserver"]), follow_redirects=False),
        users,
    )
    server.close()


def test_web_api_refuses_without_a_session_or_token(guarded_api: Any) -> None:
    client, _ = guarded_api
    for path, *_ in ENDPOINTS:
        response = client.get(
            path.replace("{code}", "1120").replace("{number}", "X").replace("{run}", "R")
        )
        assert response.status_code == 401, path
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert "log in first" in response.json()["error"]
    bad = client.get("/api/trial-balance", headers={"Authorization": "Bearer erp_not_a_token"})
    assert bad.status_code == 401


def test_web_api_a_bearer_token_reads_what_its_user_may(guarded_api: Any) -> None:
    client, users = guarded_api
    dave = {"Authorization": f"Bearer {users.tokens['dave']}"}  # the auditor
    wendy = {"Authorization": f"Bearer {users.tokens['wendy']}"}  # the warehouse keeper
    assert client.get("/api/trial-balance", headers=dave).status_code == 200
    assert client.get("/api/stock", headers=wendy).status_code == 200
    refused = client.get("/api/trial-balance", headers=wendy)
    assert refused.status_code == 403
    assert "may not run the report trial-balance" in refused.json()["error"]
    # the other user's request did not widen wendy's
    assert client.get("/api/trial-balance", headers=wendy).status_code == 403


def test_web_api_a_browser_session_reads_it_too(guarded_api: Any) -> None:
    client, users = guarded_api
    log_in(client, users.tokens["dave"])
    assert client.get("/api/trial-balance").status_code == 200
    assert client.get("/api/balance-sheet").json()["currency"]
