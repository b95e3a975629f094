"""Fixtures of the form page's tests: `connectors serve`'s app on a free loopback port, Chromium.

Chromium is Debian's /usr/bin/chromium driven by Playwright for Python (never
`playwright install`). Without it (or without the `web` extra) browser tests are skipped
with the reason; under CI=true they fail. Screenshots go to test-artifacts/web/.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from connector_core.aws.emulator import EMULATOR_SETTINGS
from connector_core.testing.plugin import missing_component

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"


def import_or_missing(name: str, what: str):
    try:
        return __import__(name)
    except ImportError:
        missing_component(f"{what} is not installed: pip install -e '.[test,web]'")


@pytest.fixture(scope="session")
def web_host():
    from connector_core import Host

    return Host.discover(settings=EMULATOR_SETTINGS)


@pytest.fixture(scope="session")
def base_url(web_host) -> Iterator[str]:
    """The form page served by uvicorn in a thread, as `connectors serve` runs it."""
    import_or_missing("uvicorn", "uvicorn (the `web` extra)")
    from connector_core.web import create_app

    with serve_in_thread(create_app(web_host)) as url:
        yield url


@contextmanager
def serve_in_thread(app) -> Iterator[str]:
    """``app`` served by uvicorn on a free 127.0.0.1 port in a thread; yields its URL."""
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the web server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the whole session."""
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        missing_component(f"Chromium is not installed at {CHROMIUM}: apt-get install -y chromium")
    import_or_missing("playwright", "Playwright for Python (the `test` extra)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    print(f"\nform screenshots: {ARTIFACTS}")
    return ARTIFACTS


@pytest.fixture(scope="module")
def form_page(browser, base_url):
    """A FormPage on one browser page, reused by a module's tests (forms are cleared per case)."""
    from .formpage import FormPage

    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = FormPage(context.new_page(), base_url)
    yield page
    context.close()


def pytest_collection_modifyitems(config, items):
    from .known_failures import KNOWN_FAILURES

    here = Path(__file__).parent
    for item in items:
        if Path(item.fspath).parent != here:
            continue
        reason = KNOWN_FAILURES.get(item.name)
        if reason:
            item.add_marker(pytest.mark.xfail(strict=True, reason=reason))
