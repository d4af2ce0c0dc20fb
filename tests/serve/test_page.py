"""The page of ``outwork serve`` in headless Chromium (Debian's chromium and chromedriver,
installed by scripts/setup-services.sh): recent verdicts, a package's history, and a scan's
report rendered as the HTML report in a sandboxed frame, with the server on loopback."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import outwork
from outwork.store.results import Release
from tests.serve.helpers import PAYLOAD, Service, service

import uvicorn  # isort: skip  # after helpers' check of the serve extra

CHROMIUM = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMEDRIVER = "/usr/bin/chromedriver"


def _browser_paths() -> tuple[str, str]:
    chromium = next((p for p in CHROMIUM if Path(p).is_file()), None)
    driver = shutil.which("chromedriver") or (
        CHROMEDRIVER if Path(CHROMEDRIVER).is_file() else None
    )
    missing = [n for n, p in (("chromium", chromium), ("chromium-driver", driver)) if not p]
    try:
        import selenium  # noqa: F401 - only whether it is installed
    except ImportError:
        missing.append("selenium (pip)")
    if missing:
        message = f"{', '.join(missing)} missing: run scripts/setup-services.sh"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (CI=true requires the browser)")
        pytest.skip(message)
    assert chromium and driver
    return chromium, driver


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Service, str, int]]:
    """A server on loopback with one judged release (critical) and its scan."""
    with service(tmp_path) as svc:
        (svc.root / "demo").mkdir()
        (svc.root / "demo" / "setup.py").write_text(PAYLOAD)
        result = outwork.scan(svc.root / "demo", jobs=1)
        scan_id = svc.store.create_scan(
            "pypi:demo==1.0", origin="watch:pypi", release=Release("pypi", "demo", "1.0")
        )
        svc.store.finish_scan(scan_id, result)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        config = uvicorn.Config(svc.client.app, host="127.0.0.1", port=port, log_level="error")
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.started, "the server did not start"
        try:
            yield svc, f"http://127.0.0.1:{port}", scan_id
        finally:
            server.should_exit = True
            thread.join(timeout=30)


def test_the_page_shows_verdicts_history_and_a_report(
    served: tuple[Service, str, int], tmp_path: Path
) -> None:
    chromium, driver_path = _browser_paths()
    from selenium import webdriver
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.chrome.service import Service as DriverService
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    svc, base, scan_id = served
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'profile'}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    browser = webdriver.Chrome(service=DriverService(executable_path=driver_path), options=options)
    wait = WebDriverWait(browser, 30)
    try:
        browser.get(base + "/")
        # Without a token the API refuses, and the page says so.
        wait.until(ready.text_to_be_present_in_element((By.ID, "status"), "401"))
        browser.find_element(By.ID, "token").send_keys(svc.read)
        browser.find_element(By.CSS_SELECTOR, "#login button").click()
        wait.until(ready.text_to_be_present_in_element((By.ID, "verdicts"), "pypi:demo"))
        row = browser.find_element(By.CSS_SELECTOR, "#verdicts tbody tr")
        assert "1.0" in row.text and "critical" in row.text
        assert browser.find_element(By.ID, "status").text == ""

        row.find_element(By.LINK_TEXT, "pypi:demo").click()
        wait.until(ready.text_to_be_present_in_element((By.ID, "package-title"), "pypi:demo"))
        first = (By.CSS_SELECTOR, "#history tbody tr")
        history = wait.until(ready.visibility_of_element_located(first))
        assert history.text.startswith("1.0") and "critical" in history.text

        history.find_element(By.LINK_TEXT, f"#{scan_id}").click()
        wait.until(ready.text_to_be_present_in_element((By.ID, "scan-title"), f"#{scan_id}"))
        # The page puts each report in a new frame: find it afresh on every poll.
        patient = WebDriverWait(browser, 30, ignored_exceptions=(WebDriverException,))
        patient.until(
            lambda b: "PKG001" in (b.find_element(By.ID, "report").get_attribute("srcdoc") or "")
        )
        frame = browser.find_element(By.ID, "report")
        # Its own opaque origin: the report's filter runs, it cannot reach the token or the API.
        assert frame.get_attribute("sandbox") == "allow-scripts"

        def report_text(b: webdriver.Chrome) -> str:
            b.switch_to.default_content()
            b.switch_to.frame(b.find_element(By.ID, "report"))
            text = str(b.find_element(By.TAG_NAME, "body").text)
            return text if "PKG001" in text else ""

        text = patient.until(report_text)
        assert "PKG001" in text and "setup.py" in text
        browser.switch_to.default_content()
        browser.save_screenshot(os.environ.get("OUTWORK_SCREENSHOT", str(tmp_path / "page.png")))
        errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
        # The only error the page may log is the first, token-less request's 401.
        assert all("401" in e["message"] for e in errors), errors
    finally:
        browser.quit()
