"""The local gateway's API docs: /openapi.json is the committed document, and /docs renders it in a browser.

The browser is Debian's headless chromium driven by its chromedriver (make's install step installs both);
without them this test fails rather than skips. Swagger UI's assets are inline, so the page needs nothing
but the local stack.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from infra.openapi import SPEC_PATH
from tests.e2e.conftest import LocalStack

pytestmark = pytest.mark.e2e

CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
# Operations and tags Swagger UI must show: one per kind of caller and product.
OPERATIONS = (
    ("post", "/api/pay/{payment_app}/requestPayment"),
    ("post", "/api/generate_token"),
    ("get", "/api/pay/{payment_app}/transactions"),
    ("post", "/api/pay/{payment_app}/sendMoney"),
    ("post", "/api/pay/{payment_app}/callback/confirmation"),
)
TAGS = ("M-Pesa Express", "Tokens", "Payouts", "Daraja callbacks", "Seed routes")


def test_openapi_json_is_the_committed_document(local_stack: LocalStack):
    answer = requests.get(f"{local_stack.api}/openapi.json", timeout=10)

    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("application/json")
    assert answer.json() == json.loads(SPEC_PATH.read_text(encoding="utf-8"))


@pytest.fixture
def chromium(tmp_path: Path) -> Iterator[webdriver.Chrome]:
    browser = shutil.which("chromium")
    assert browser, "Debian's chromium is not installed: make's install step installs it"
    assert Path(CHROMEDRIVER).exists(), f"No {CHROMEDRIVER}: make's install step installs chromium-driver"
    options = Options()
    options.binary_location = browser
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()


def test_swagger_ui_renders_the_operations_and_tags(local_stack: LocalStack, chromium: webdriver.Chrome):
    chromium.get(f"{local_stack.api}/docs")
    WebDriverWait(chromium, 30).until(lambda page: page.find_elements(By.CSS_SELECTOR, ".opblock"))

    text = chromium.find_element(By.TAG_NAME, "body").text
    shown = {
        (
            block.find_element(By.CSS_SELECTOR, ".opblock-summary-method").text.lower(),
            block.find_element(By.CSS_SELECTOR, ".opblock-summary-path").get_attribute("data-path"),
        )
        for block in chromium.find_elements(By.CSS_SELECTOR, ".opblock")
    }
    tags = {tag.get_attribute("data-tag") for tag in chromium.find_elements(By.CSS_SELECTOR, ".opblock-tag")}
    documented = json.loads(SPEC_PATH.read_text(encoding="utf-8"))["paths"]
    assert "M-Pesa gateway" in text
    for method, path in OPERATIONS:
        assert path in text
        assert (method, path) in shown
    assert set(TAGS) <= tags
    assert shown == {(method, path) for path, item in documented.items() for method in item}
