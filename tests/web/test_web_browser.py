"""In a real browser: Debian's headless Chromium, driven by selenium through chromedriver, opens
`erp serve` over the demo company and clicks from the trial balance to an account's general
ledger, then to a document, whose trail shows the chain hash. Screenshots of the pages go to
the test's output folder for a person to look at. Under CI=true it must run, never skip."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _missing(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason}; the browser test must run under CI=true")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(demo_url: str) -> Iterator[str]:
    with serving(demo_url) as url:
        yield url


@contextlib.contextmanager
def serving(demo_url: str) -> Iterator[str]:
    """`erp serve` over the books at `demo_url` on a free local port, stopped afterwards."""
    port = _free_port()
    erp = Path(sys.executable).with_name("erp")
    command = [str(erp)] if erp.exists() else [sys.executable, "-m", "erp_core.console"]
    proc = subprocess.Popen(
        [*command, "--db", demo_url, "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                out = proc.stdout.read().decode() if proc.stdout else ""
                pytest.fail(f"erp serve exited {proc.returncode}: {out}")
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        else:
            pytest.fail("erp serve did not start listening within 30 s")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def browser() -> Iterator[Any]:
    chromium = shutil.which("chromium")
    driver_path = shutil.which("chromedriver")
    if not chromium or not driver_path:
        _missing(
            "Chromium and chromedriver are not installed (apt-get install chromium chromium-driver)"
        )
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _missing("selenium is not installed (the test extra)")
    profile = tempfile.mkdtemp(prefix="erp-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium or ""
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-dev-shm-usage",
        "--window-size=1400,1000",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    try:
        driver.set_page_load_timeout(30)
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def test_web_browser_clicks_from_a_figure_to_the_chain(
    server: str, browser: Any, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    shots = tmp_path / "screenshots"
    shots.mkdir()
    # the trial balance at the year end
    browser.get(f"{server}/trial-balance?as_of=2026-12-31")
    assert "Trial balance" in browser.find_element(By.TAG_NAME, "h1").text
    browser.save_screenshot(str(shots / "trial-balance.png"))
    # click the bank account's debit figure: its general ledger
    figure = browser.find_element(
        By.CSS_SELECTOR, "#trial-balance td.num a[href^='/accounts/1120']"
    )
    amount = figure.text
    figure.click()
    assert browser.current_url.startswith(f"{server}/accounts/1120")
    assert "General ledger 1120" in browser.find_element(By.TAG_NAME, "h1").text
    browser.save_screenshot(str(shots / "general-ledger.png"))
    assert amount
    # click a document of the ledger: its trail of events
    document = browser.find_element(By.CSS_SELECTOR, "#general-ledger a[href^='/documents/']")
    number = document.text
    document.click()
    assert browser.current_url == f"{server}/documents/{number}"
    assert number in browser.find_element(By.TAG_NAME, "h1").text
    hashes = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#trail td.chain-hash")]
    assert hashes and all(re.fullmatch(r"[0-9a-f]{64}", h) for h in hashes), hashes
    browser.save_screenshot(str(shots / "trail.png"))
    # the process map and the audit page render too
    browser.get(f"{server}/process?object_type=purchase_order")
    assert browser.find_elements(By.CSS_SELECTOR, "svg#process-map g.node")
    browser.save_screenshot(str(shots / "process.png"))
    browser.get(f"{server}/audit")
    assert "Chain verified" in browser.find_element(By.ID, "chain-status").text
    browser.save_screenshot(str(shots / "audit.png"))
    assert all(p.stat().st_size > 1000 for p in shots.iterdir())
    print(f"screenshots in {shots}")


def test_web_browser_clicks_from_the_inventory_figure_to_a_goods_receipts_events(
    server: str, browser: Any, demo_url: str, tmp_path: Path
) -> None:
    """Balance sheet -> the inventory figure -> account 1300's ledger -> a goods receipt ->
    its events; every figure shown equals the CLI's JSON."""
    import json
    from decimal import Decimal

    from click.testing import CliRunner
    from selenium.webdriver.common.by import By

    from erp_core.cli import cli

    def cli_json(*args: str) -> Any:
        result = CliRunner().invoke(cli, ["--db", demo_url, *args, "--format", "json"])
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    shots = tmp_path / "screenshots"
    shots.mkdir()
    sheet = cli_json("report", "balance-sheet", "--as-of", "2026-12-31")
    inventory = next(x for x in sheet["assets"]["lines"] if x["account"] == "1300")
    browser.get(f"{server}/balance-sheet?as_of=2026-12-31")
    assert "Balance sheet as of 2026-12-31" in browser.find_element(By.TAG_NAME, "h1").text
    browser.save_screenshot(str(shots / "balance-sheet.png"))
    figure = browser.find_element(
        By.CSS_SELECTOR, "#balance-sheet td.num a[href^='/accounts/1300']"
    )
    cell = figure.find_element(By.XPATH, "..")
    assert cell.get_attribute("data-amount") == inventory["amount"]
    figure.click()
    # the general ledger of inventory up to the date: its last running balance is the figure
    assert browser.current_url.startswith(f"{server}/accounts/1300")
    assert "General ledger 1300" in browser.find_element(By.TAG_NAME, "h1").text
    browser.save_screenshot(str(shots / "inventory-ledger.png"))
    lines = cli_json("report", "general-ledger", "--account", "1300", "--to", "2026-12-31")
    total = browser.find_element(By.CSS_SELECTOR, "#general-ledger tr.total td.num")
    assert (
        Decimal(total.get_attribute("data-amount") or "")
        == sum((Decimal(x["base"]) for x in lines), Decimal(0))
        == Decimal(inventory["amount"])
    )
    # a goods receipt in it
    receipt = browser.find_element(By.CSS_SELECTOR, "#general-ledger a[href^='/documents/GR-']")
    number = receipt.text
    ledger_amounts = sorted(Decimal(x["base"]) for x in lines if x["document"] == number)
    receipt.click()
    assert browser.current_url == f"{server}/documents/{number}"
    assert number in browser.find_element(By.TAG_NAME, "h1").text
    browser.save_screenshot(str(shots / "goods-receipt.png"))
    # its events: the ones `erp audit trail` lists, with positions and the chain hash
    trail = cli_json("audit", "trail", number)
    rows = browser.find_elements(By.CSS_SELECTOR, "#trail > tbody > tr")
    positions = [r.find_element(By.CSS_SELECTOR, "td").text for r in rows]
    assert [p for p in positions if p.isdigit()] == [str(e["position"]) for e in trail]
    text = browser.find_element(By.ID, "trail").text
    for entry in trail:
        assert entry["event"] in text and entry["actor"] in text
    hashes = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#trail td.chain-hash")]
    assert len(hashes) == len(trail) and all(re.fullmatch(r"[0-9a-f]{64}", h) for h in hashes)
    # the inventory lines of the receipt's journal entry are in the events' content
    posted = [
        Decimal(line["base"])
        for e in trail
        for line in e["details"].get("lines", []) or []
        if line["account"] == "1300"
    ]
    assert sorted(posted) == ledger_amounts


@pytest.fixture
def guarded_books(demo_url: str, tmp_path: Path) -> dict[str, str]:
    """A copy of the demo with access control on: kim keeps the MAIN warehouse only (stock
    reports, limited to it), tester is the administrator."""
    from erp_core import Erp
    from erp_core.access.tokens import create_token

    path = tmp_path / "guarded.sqlite"
    shutil.copy(demo_url.removeprefix("sqlite:///"), path)
    url = f"sqlite:///{path}"
    admin = Erp.open(url, actor="tester")
    admin.define_role(
        code="main_keeper",
        name="Keeper of MAIN",
        permissions=["area:inventory", "report:stock-balance", "report:stock-ledger"],
        warehouses=["MAIN"],
    )
    admin.create_user(code="kim", name="Kim")
    admin.grant_role(user="kim", role="main_keeper")
    tokens = {
        "url": url,
        "kim": create_token(admin, "kim"),
        "tester": create_token(admin, "tester"),
    }
    admin.enable_access_control()
    admin.close()
    return tokens


def test_web_browser_a_one_warehouse_keeper_sees_only_that_warehouse(
    guarded_books: dict[str, str], browser: Any, tmp_path: Path
) -> None:
    """With access control on, kim logs in through the form and sees only MAIN's stock lines
    (the administrator sees SHOP's too), and is refused SHOP's stock ledger."""
    import datetime as dt
    from decimal import Decimal

    from selenium.webdriver.common.by import By

    from erp_core import Erp

    url = guarded_books["url"]
    with Erp.open(url, token=guarded_books["tester"]) as admin:
        full = admin.stock_balance(dt.date(2026, 12, 31))
    assert {r.warehouse for r in full.rows} >= {"MAIN", "SHOP"}  # there is something to hide
    main = [r for r in full.rows if r.warehouse == "MAIN"]
    shots = tmp_path / "screenshots"
    shots.mkdir()
    with serving(url) as server:
        # no page without a login: the stock page sends kim to the login form
        browser.get(f"{server}/stock?as_of=2026-12-31")
        assert "/login" in browser.current_url
        browser.save_screenshot(str(shots / "login.png"))
        browser.find_element(By.NAME, "token").send_keys(guarded_books["kim"])
        browser.find_element(By.CSS_SELECTOR, "form[action='/login'] button").click()
        assert browser.current_url == f"{server}/stock?as_of=2026-12-31"
        assert "kim" in browser.find_element(By.TAG_NAME, "header").text
        browser.save_screenshot(str(shots / "stock-of-main.png"))
        rows = browser.find_elements(By.CSS_SELECTOR, "#stock-balance tbody tr:not(.total)")
        seen = [[c.text for c in r.find_elements(By.TAG_NAME, "td")] for r in rows]
        assert seen and {r[1] for r in seen} == {"MAIN"}
        assert sorted((r[0], r[1]) for r in seen) == sorted((r.item, r.warehouse) for r in main)
        total = browser.find_element(By.CSS_SELECTOR, "#stock-balance tr.total td.num")
        assert Decimal(total.get_attribute("data-amount") or "") == sum(
            (r.value for r in main), Decimal(0)
        )
        # a line's drill-down: the bin's stock ledger, MAIN only
        browser.find_element(By.CSS_SELECTOR, "#stock-balance a[href^='/stock/ledger']").click()
        assert "Stock ledger" in browser.find_element(By.TAG_NAME, "h1").text
        cells = browser.find_elements(By.CSS_SELECTOR, "#stock-ledger tbody tr td:nth-child(5)")
        assert cells and {c.text for c in cells} == {"MAIN"}
        # another warehouse's ledger is refused, not shown empty
        browser.get(f"{server}/stock/ledger?warehouse=SHOP")
        assert "Not allowed" in browser.find_element(By.TAG_NAME, "h1").text
        assert "MAIN" in browser.find_element(By.CSS_SELECTOR, "p.bad").text
        browser.save_screenshot(str(shots / "shop-refused.png"))
        # and the statements are not kim's to read
        browser.get(f"{server}/trial-balance")
        assert "Not allowed" in browser.find_element(By.TAG_NAME, "h1").text
    assert all(p.stat().st_size > 1000 for p in shots.iterdir())
    print(f"screenshots in {shots}")
