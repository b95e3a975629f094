"""Drives the form page as a user does: pick a form, type, choose, press Check; read what shows."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

# The top-level field keys shown now: every visible element RJSF gave an id under
# "root." (inputs, fieldsets), minus hidden inputs; "root.a.b__help" -> "a".
_VISIBLE_FIELDS = """() => {
  const keys = new Set();
  for (const el of document.querySelectorAll('form.rjsf [id^="root."]')) {
    if (el.type === 'hidden' || el.getClientRects().length === 0) continue;
    const key = el.id.slice(5).split('__')[0].split('.')[0].replace(/-key$/, '');
    keys.add(key === 'XxxOf' ? '(option selector)' : key);  // RJSF's oneOf/anyOf chooser
  }
  return [...keys].sort();
}"""


class FormPage:
    def __init__(self, page, base_url: str) -> None:
        self.page = page
        page.set_default_timeout(15_000)  # fails in 15 s, not 30; a slow, shared machine needed more than 3 s
        self.base_url = base_url
        self.console_errors: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        page.on("pageerror", lambda e: self.console_errors.append(f"uncaught: {e}"))
        self._loaded = False

    # -- navigation -----------------------------------------------------------------------

    def open(self, connector_id: str, operation: str | None = None, *, fresh: bool = True) -> None:
        """Show a form (a hash change, no reload) and, by default, clear its draft."""
        target = f"{connector_id}/{operation}" if operation else connector_id
        key = f"{connector_id}/{operation or ''}"
        if not self._loaded:
            self.page.goto(f"{self.base_url}/#/{target}")
            self._loaded = True
        else:
            self.page.evaluate("h => { location.hash = h }", f"#/{target}")
        self.page.wait_for_function(
            "k => window.connectorFormPage && window.connectorFormPage.form === k && window.connectorFormPage.ready"
            " && document.querySelector('form.rjsf')", arg=key)
        if fresh:
            self.page.click("#clear-form")
            self.page.wait_for_selector("#status[data-state=idle]")

    # -- reading --------------------------------------------------------------------------

    def visible_fields(self) -> set[str]:
        return set(self.page.evaluate(_VISIBLE_FIELDS))

    def unsupported_fields(self) -> list[str]:
        return self.page.locator("text=Unsupported field schema").all_inner_texts()

    def form_data(self) -> Any:
        """What the form holds now, as JSON (what it would submit)."""
        text = self.page.evaluate("() => JSON.stringify(window.connectorFormPage.formData() ?? {})")
        return json.loads(text)

    def status(self) -> str:
        return self.page.get_attribute("#status", "data-state") or ""

    def status_text(self) -> str:
        return self.page.inner_text("#status")

    # -- typing and choosing --------------------------------------------------------------

    def _el(self, path: str):
        return self.page.locator(f'[id="root.{path}"]')

    def fill(self, path: str, value: Any) -> None:
        """Type into a text box, choose a caption in a dropdown, or tick a checkbox."""
        el = self._el(path)
        tag = el.evaluate("e => e.tagName.toLowerCase() + ':' + (e.type || '')")
        if tag.startswith("select"):
            el.select_option(label=value)
        elif tag == "input:checkbox":
            el.set_checked(bool(value))
        else:
            el.fill(value if isinstance(value, str) else json.dumps(value))

    def unset(self, path: str) -> None:
        """Choose the empty entry of a dropdown, or empty a text box."""
        el = self._el(path)
        if el.evaluate("e => e.tagName") == "SELECT":
            el.select_option(index=0)
        else:
            el.fill("")

    def add_item(self, path: str, _: Any = None) -> None:
        """Press the "add" button of a list (or of an object's free-form entries)."""
        self.page.click(f'[id="root.{path}__add"]')

    def item(self, path: str, _: Any = None) -> None:
        """Make sure list item ``LIST.N`` is there, pressing "add" as a user would if it is not."""
        parent, _, index = path.rpartition(".")
        while self._el(path).count() == 0:
            before = self.page.locator(f'[id^="root.{parent}."][id$="__remove"]').count()
            self.add_item(parent)
            if before >= int(index) + 1:
                raise AssertionError(f"no item {path} after adding one")

    def fill_json(self, path: str, value: dict[str, str]) -> None:
        """Enter a JSON object: as text in a text box, or entry by entry (key, then value)."""
        el = self._el(path)
        if el.evaluate("e => e.tagName") != "FIELDSET":
            el.fill(json.dumps(value))
            return
        for key, item in value.items():
            self.add_item(path)
            new_key = el.locator('input[id$="-key"]').last
            new_key.fill(key)
            new_key.press("Tab")  # RJSF renames the entry when the key box loses focus
            self._el(f"{path}.{key}").fill(item)

    # -- checking -------------------------------------------------------------------------

    def check(self) -> str:
        """Press Check; the verdict: client-invalid (the browser refused), valid or invalid (the server's)."""
        before = int(self.page.get_attribute("#status", "data-checks") or 0)
        self.page.click("form.rjsf button[type=submit]")
        self.page.wait_for_function(
            "n => { const s = document.querySelector('#status');"
            " return Number(s.dataset.checks) > n && s.dataset.state !== 'checking'; }", arg=before)
        return self.status()

    def server_accepts(self, connector_id: str, operation: str | None, values: Any) -> tuple[bool, Any]:
        """Ask the server directly (not through the page) whether it accepts ``values``."""
        query = "?" + urllib.parse.urlencode({"operation": operation}) if operation else ""
        request = urllib.request.Request(
            f"{self.base_url}/api/connectors/{connector_id}/validate{query}", data=json.dumps(values).encode(),
            headers={"Content-Type": "application/json"}, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=30) as reply:
                return True, json.load(reply)
        except urllib.error.HTTPError as exc:
            if exc.code != 422:
                raise
            return False, json.load(exc)
