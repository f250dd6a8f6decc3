"""The console is read-only, escapes what the books hold, refuses what it does not know, binds
locally unless access control is on, and then serves nobody without a login."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient
from web.web_fixtures import Users, csrf_of, log_in

from erp_core import Erp
from erp_core.cli import cli
from erp_core.kernel.errors import ValidationError
from erp_core.web.app import create_app
from erp_core.web.cli import check_bind, is_local

HOSTILE = '<script>alert("x")</script>'


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize(
    "path", ["/", "/trial-balance", "/accounts/1120", "/documents/JV-2026-000001", "/audit"]
)
def test_web_every_write_method_is_refused(client: TestClient, method: str, path: str) -> None:
    before = client.get("/audit").text
    response = client.request(method, path)
    assert response.status_code == 405
    assert "read-only" in response.text
    assert client.get("/audit").text == before


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/9999",
        "/documents/JV-2099-000001",
        "/customers/NOBODY",
        "/suppliers/NOBODY",
        "/documents/..%2F..%2Fetc%2Fpasswd",
        "/documents/access:users",  # a raw stream is not a document
        "/documents/fy:2026",
        "/accounts/%3Cscript%3E",
        "/no-such-page",
        "/stock/ledger/../../etc/passwd",
    ],
)
def test_web_unknown_things_are_404(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert "Traceback" not in response.text
    assert "<script>" not in response.text.lower()


@pytest.mark.parametrize(
    "path",
    [
        "/trial-balance?as_of=2026-13-45",
        "/trial-balance?as_of=%3Cscript%3Ealert(1)%3C/script%3E",
        "/balance-sheet?as_of=yesterday",
        "/income-statement?from=2026-01-01&to=not-a-date",
        "/cash-flow?from=2026-12-31&to=2026-01-01",
        "/cash-flow?method=%27%20OR%201=1--",
        "/stock/ledger?item=%27;DROP%20TABLE%20accounts;--",
        "/accounts/1120?page=0",
        "/accounts/1120?page=-1",
        "/process?time=sideways",
        "/process?object_type=%3Cimg%20src=x%3E",
    ],
)
def test_web_bad_parameters_are_400_never_a_traceback(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 400, response.text[:300]
    assert "Traceback" not in response.text
    assert "<script>" not in response.text and "<img src=x>" not in response.text


def test_web_a_foreign_host_header_is_refused(demo: Erp) -> None:
    """DNS rebinding: a page asked for under another host name is not served."""
    app = create_app(demo)  # default: loopback names only
    client = TestClient(app, base_url="http://evil.example")
    assert client.get("/trial-balance").status_code == 400
    local = TestClient(app, base_url="http://127.0.0.1:8000")
    assert local.get("/trial-balance").status_code == 200


@pytest.fixture
def hostile(erp: Erp) -> Erp:
    """Books whose names, memos and parties carry markup."""
    erp.open_account("6990", f"Bad {HOSTILE}", "expense", parent="6000")
    erp.register_customer(code="EVIL", name=f"Evil {HOSTILE}", credit_limit="1000.00")
    erp.post_voucher(
        dt.date(2026, 3, 1),
        [{"account": "6990", "debit": "10.00"}, {"account": "1120", "credit": "10.00"}],
        memo=f"memo {HOSTILE}",
    )
    return erp


def test_web_names_and_memos_are_escaped(hostile: Erp) -> None:
    client = TestClient(create_app(hostile, allowed_hosts=["testserver"]))
    pages = [
        "/trial-balance",
        "/income-statement?from=2026-01-01&to=2026-12-31",
        "/accounts/6990",
        "/accounts/1120",
        "/documents/JV-2026-000001",
        "/receivables?as_of=2026-12-31",
        "/audit",
    ]
    seen_escaped = 0
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, (path, response.text[:300])
        assert "<script>" not in response.text, path
        seen_escaped += "&lt;script&gt;" in response.text
    assert seen_escaped >= 4


def test_web_serve_refuses_a_non_local_address_without_access_control(erp: Erp) -> None:
    url = erp.url.raw
    erp.close()
    result = CliRunner().invoke(cli, ["--db", url, "serve", "--host", "0.0.0.0", "--port", "0"])
    assert result.exit_code != 0
    assert "access control is off" in result.output
    with pytest.raises(ValidationError, match="not a local address"):
        check_bind("192.168.1.20", access_on=False)
    check_bind("192.168.1.20", access_on=True)
    check_bind("127.0.0.1", access_on=False)
    check_bind("::1", access_on=False)


@pytest.mark.parametrize(
    ("host", "local"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("::", False),
        ("10.0.0.5", False),
        ("example.com", False),
    ],
)
def test_web_local_addresses(host: str, local: bool) -> None:
    assert is_local(host) is local


def test_web_serve_names_the_extra_when_starlette_is_missing(
    erp: Erp, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = erp.url.raw
    erp.close()
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # importing it now fails
    result = CliRunner().invoke(cli, ["--db", url, "serve"])
    assert result.exit_code != 0
    assert "erp_core[web]" in result.output


# -- access control on ----------------------------------------------------------------------


@pytest.fixture
def guarded(erp: Erp) -> Iterator[tuple[TestClient, Users]]:
    users = Users(erp)
    # the server opens the books as nobody in particular: each request acts as its user
    server = Erp.open(erp.url.raw, actor="web")
    yield (
        TestClient(create_app(server, allowed_hosts=["testserver"]), follow_redirects=False),
        users,
    )
    server.close()


def test_web_no_page_without_a_login(guarded: tuple[TestClient, Users]) -> None:
    client, _ = guarded
    for path in ("/", "/trial-balance", "/accounts/1120", "/audit", "/documents/X"):
        response = client.get(path)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")


def test_web_login_sets_a_strict_httponly_session(guarded: tuple[TestClient, Users]) -> None:
    client, users = guarded
    response = log_in(client, users.tokens["dave"])
    assert response.status_code == 303
    assert response.headers["location"] == "/trial-balance"
    cookies = [v for k, v in response.headers.multi_items() if k == "set-cookie"]
    session = next(c for c in cookies if c.startswith("erp_session="))
    assert "HttpOnly" in session and "SameSite=strict" in session.replace("Strict", "strict")
    page = client.get("/trial-balance")
    assert page.status_code == 200
    assert "dave" in page.text
    # logging out ends the session
    out = client.post("/logout", data={"csrf": csrf_of(page.text)})
    assert out.status_code == 303
    assert client.get("/trial-balance").status_code == 303


def test_web_login_needs_the_forms_csrf_token(guarded: tuple[TestClient, Users]) -> None:
    client, users = guarded
    client.get("/login")
    response = client.post("/login", data={"csrf": "forged", "token": users.tokens["dave"]})
    assert response.status_code == 403
    assert "erp_session" not in response.headers.get("set-cookie", "")
    assert client.get("/trial-balance").status_code == 303


def test_web_a_bad_token_is_refused(guarded: tuple[TestClient, Users]) -> None:
    client, _ = guarded
    response = log_in(client, "erp_nope_nothing")
    assert response.status_code == 401
    assert client.get("/trial-balance").status_code == 303


def test_web_login_never_redirects_off_site(guarded: tuple[TestClient, Users]) -> None:
    client, users = guarded
    response = log_in(client, users.tokens["dave"], next_path="//evil.example/")
    assert response.headers["location"] == "/"


def test_web_reports_follow_the_users_permissions(guarded: tuple[TestClient, Users]) -> None:
    client, users = guarded
    log_in(client, users.tokens["wendy"])  # a warehouse keeper: stock reports only
    assert client.get("/stock").status_code == 200
    assert client.get("/stock/ledger").status_code == 200
    refused = client.get("/trial-balance")
    assert refused.status_code == 403
    assert "may not run the report trial-balance" in refused.text
    assert client.get("/accounts/1120").status_code == 403
    # another browser, another user: the auditor sees the statements
    other = TestClient(client.app, follow_redirects=False)
    log_in(other, users.tokens["dave"])
    assert other.get("/trial-balance").status_code == 200
    assert client.get("/trial-balance").status_code == 403  # wendy still limited
