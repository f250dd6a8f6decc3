"""Fixtures of the web console's tests: the demo company (built once per module), a test
client over it, and a small HTML reader for the tables the pages show."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from erp_core import Erp
from erp_core.access.tokens import create_token
from erp_core.web.app import create_app


@dataclass
class CellSeen:
    text: str = ""
    href: str | None = None
    amount: str | None = None


@dataclass
class TableSeen:
    id: str
    rows: list[list[CellSeen]] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)  # each row's class ("total" or "")


class PageReader(HTMLParser):
    """The tables of a page (cells with their text, first link and data-amount) and every
    link."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, TableSeen] = {}
        self.links: list[str] = []
        self._stack: list[TableSeen | None] = []
        self._cell: CellSeen | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table":
            table = TableSeen(a.get("id") or f"table{len(self.tables)}")
            self.tables.setdefault(table.id, table)
            self._stack.append(table)
        elif tag == "tr" and self._stack and self._stack[-1] is not None:
            self._stack[-1].rows.append([])
            self._stack[-1].classes.append(a.get("class") or "")
        elif tag in ("td", "th") and self._stack and self._stack[-1] is not None:
            self._cell = CellSeen(amount=a.get("data-amount"))
            self._stack[-1].rows[-1].append(self._cell)
        elif tag == "a" and a.get("href"):
            self.links.append(a["href"] or "")
            if self._cell is not None and self._cell.href is None:
                self._cell.href = a["href"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self._stack:
            self._stack.pop()
            self._cell = None
        elif tag in ("td", "th"):
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.text += data


def read_page(html: str) -> PageReader:
    reader = PageReader()
    reader.feed(html)
    return reader


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The demo company's year (built through the public API) in a SQLite file."""
    from erp_core.demo import build_demo

    path = Path(tmp_path_factory.mktemp("web")) / "demo.sqlite"
    url = f"sqlite:///{path}"
    books = Erp.open(url, actor="tester")
    build_demo(books)
    books.close()
    return url


@pytest.fixture(scope="module")
def demo(demo_url: str) -> Iterator[Erp]:
    books = Erp.open(demo_url, actor="tester")
    yield books
    books.close()


@pytest.fixture(scope="module")
def client(demo: Erp) -> TestClient:
    return TestClient(create_app(demo, allowed_hosts=["testserver"]), follow_redirects=False)


@pytest.fixture
def page(client: TestClient) -> Callable[[str], PageReader]:
    """GET a path (expecting 200) and read it."""

    def get(path: str) -> PageReader:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code, response.text[:500])
        return read_page(response.text)

    return get


YEAR_END = dt.date(2026, 12, 31)


@pytest.fixture
def reader() -> Callable[[str], PageReader]:
    return read_page


# -- access control on: users, and logging in through the form ------------------------------


class Users:
    def __init__(self, admin: Erp) -> None:
        self.tokens = {"tester": create_token(admin, "tester")}
        for code, role in (("dave", "auditor"), ("wendy", "warehouse_keeper")):
            admin.create_user(code=code, name=code.title())
            admin.grant_role(user=code, role=role)
            self.tokens[code] = create_token(admin, code)
        admin.enable_access_control()


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found
    return found.group(1)


def log_in(client: TestClient, token: str, next_path: str = "/trial-balance") -> Any:
    form = client.get(f"/login?next={next_path}")
    assert form.status_code == 200
    return client.post(
        "/login", data={"csrf": csrf_of(form.text), "token": token, "next": next_path}
    )
