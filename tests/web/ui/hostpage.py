"""Drives the reference host's pages as a user does: sign in, fill a connection form, press
"Test connection" or Save, run an operation; reads what the page shows."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..formpage import FormPage

EDITOR = "section.connection-editor"


class HostPage(FormPage):
    """FormPage's typing into RJSF fields (``fill``), plus the host's pages."""

    def __init__(self, page, base_url: str, artifacts: Path) -> None:
        super().__init__(page, base_url)
        page.set_default_timeout(20_000)  # the machine is shared: a slow answer is not a wrong one
        self.artifacts = artifacts

    def goto(self, path: str) -> None:
        self.page.goto(f"{self.base_url}{path}")

    def screenshot(self, name: str) -> None:
        self.page.locator("body > #root").screenshot(path=str(self.artifacts / f"host-{name}.png"))  # header + page, no blank below

    # -- sign-in ---------------------------------------------------------------------------

    def sign_in(self, token: str) -> None:
        self.goto("/")
        self.page.fill("#token", token)
        self.page.click("#sign-in")
        self.page.wait_for_selector("#tenant-name")

    def tenant(self) -> str:
        return self.page.inner_text("#tenant-name")

    # -- the connection editor (new and edit pages) -----------------------------------------

    def new_connection(self, connector_id: str, name: str) -> None:
        self.goto("/connectors")
        self.page.click(f'[id="new-{connector_id}"]')
        self.page.wait_for_selector(f"{EDITOR} form.rjsf")
        self.page.fill("#connection-name", name)

    def fill_aws_credentials(self, emulator) -> None:
        """Static keys and the endpoint of the AWS emulator (an AwsEmulator)."""
        self.fill("access_key_id", emulator.access_key_id)
        self.fill("secret_access_key", emulator.secret_access_key)
        self.fill("endpoint_url", emulator.endpoint_url)

    def _press(self, button: str) -> None:
        before = int(self.page.get_attribute(EDITOR, "data-attempts") or 0)
        self.page.click(button)
        self.page.wait_for_function(
            "([sel, n]) => { const e = document.querySelector(sel);"
            " return e && Number(e.dataset.attempts) > n && !e.dataset.busy; }", arg=[EDITOR, before],
            timeout=60_000)

    def test_connection(self) -> dict[str, dict[str, Any]]:
        """Press "Test connection"; each check's name -> {ok, text, hint}."""
        self._press("#test-connection")
        checks = {}
        for item in self.page.locator("#test-result li.check").all():
            hint = item.locator(".check-hint")
            checks[item.get_attribute("data-check")] = {
                "ok": item.get_attribute("data-ok") == "true",
                "text": item.inner_text(),
                "hint": hint.inner_text() if hint.count() else "",
            }
        return checks

    def save(self) -> str:
        """Press Save; the saved connection's id (from the edit page it lands on)."""
        self.page.click("#save-connection")
        self.page.wait_for_selector("#saved-notice")
        found = re.search(r"/connections/([^/?#]+)\?saved=1$", self.page.url)
        assert found, f"not on a saved connection's page: {self.page.url}"
        return found.group(1)

    def error(self, selector: str = "#error") -> str:
        return self.page.inner_text(selector)

    # -- runs ------------------------------------------------------------------------------

    def open_run(self, connection_id: str, operation: str) -> None:
        self.goto(f"/connections/{connection_id}/run?operation={operation}")
        self.page.wait_for_selector("form.rjsf #run-operation")

    def input_json(self, text: str) -> None:
        """Paste the input as JSON and put it in the form."""
        self.page.click("details.input-json summary")
        self.page.fill("#input-json", text)
        self.page.click("#use-input-json")

    def run(self, timeout: float = 120_000) -> str:
        """Press Run; the final state: done or failed."""
        self.page.click("#run-operation")
        self.page.wait_for_selector("#run-status[data-state=done], #run-status[data-state=failed]", timeout=timeout)
        return self.page.get_attribute("#run-status", "data-state") or ""

    def table(self, selector: str) -> list[dict[str, str]]:
        """A result table's rows as {column: cell text}."""
        headers = self.page.locator(f"{selector} thead th").all_inner_texts()
        rows = []
        for row in self.page.locator(f"{selector} tbody tr").all():
            rows.append(dict(zip(headers, row.locator("td").all_inner_texts())))
        return rows
