"""In a real browser: Debian's headless Chromium, driven by selenium through chromedriver, opens
`erp serve` over the demo company and clicks from the trial balance to an account's general
ledger, then to a document, whose trail shows the chain hash. Screenshots of the pages go to
the test's output folder for a person to look at. Under CI=true it must run, never skip."""

from __future__ import annotations

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
