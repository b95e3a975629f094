"""Every form of both connectors, drawn by stock RJSF 6 in Chromium."""

from __future__ import annotations

import pytest

from connector_core import Host

CONNECTORS = ("aws.s3", "aws.eventbridge")


def _forms() -> list[tuple[str, str | None]]:
    host = Host.discover()
    return [(c, op) for c in CONNECTORS for op in (None, *host.manifest(c).operation_ids)]


FORMS = _forms()


def _name(form) -> str:
    connector_id, operation = form
    return f"{connector_id}-{operation or 'connection'}"


@pytest.mark.parametrize("form", FORMS, ids=[_name(f) for f in FORMS])
def test_form_renders_and_a_fresh_form_holds_only_the_defaults_it_shows(form_page, web_host, artifacts, form):
    """Every field drawn (no "Unsupported field schema"), no console error; untouched, the
    form holds the manifest defaults of the fields it shows, and no other value."""
    connector_id, operation = form
    manifest = web_host.manifest(connector_id)
    section = manifest.connection if operation is None else manifest.operation(operation).input
    errors_before = len(form_page.console_errors)
    form_page.open(connector_id, operation)
    form_page.page.locator("main").screenshot(path=str(artifacts / f"{_name(form)}.png"))
    problems = [f"unsupported: {text}" for text in form_page.unsupported_fields()]

    visible = form_page.visible_fields()
    form_page.check()
    expected = {f.key: f.default for f in section.fields if f.has_default and f.key in visible}
    # RJSF holds a required list or object nobody filled in as [] or {}: no choice, nothing to send.
    held = {k: v for k, v in form_page.form_data().items() if v not in ([], {})}
    if held != expected:
        problems.append(f"a fresh form holds {form_page.form_data()}, not {expected}")
    problems += [f"console: {e}" for e in form_page.console_errors[errors_before:]]
    assert problems == []
