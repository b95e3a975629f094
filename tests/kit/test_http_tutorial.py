"""docs/writing-an-http-connector.md, executed: an HTTP connector written from the tutorial works.

The tutorial's own stand-in API (an OAuth token endpoint and a paginated tickets API on
127.0.0.1) is what its tests and scripts talk to; nothing leaves the machine.
"""

from __future__ import annotations

import pytest

from .tutorial import DOCS, blocks, execute

TUTORIAL = DOCS / "writing-an-http-connector.md"


def test_the_http_tutorial_has_files_commands_and_scripts():
    found = blocks(TUTORIAL.read_text(encoding="utf-8"))
    assert {b.file for b in found if b.file} >= {
        "pyproject.toml", "acme_tickets/tickets.yaml", "acme_tickets/hooks.py", "acme_tickets/operations.py",
        "acme_tickets/fake_api.py", "tests/test_conformance.py", "tests/test_tickets.py"}
    assert any(b.lang == "console" for b in found) and any(b.lang == "python" and not b.file for b in found)


def test_an_http_connector_written_from_the_tutorial_installs_passes_and_runs(tmp_path):
    pytest.importorskip("httpx2", reason="the HTTP toolkit needs the `http` extra")
    project = tmp_path / "acme-tickets"
    project.mkdir()
    execute(TUTORIAL, project, distribution="acme-tickets", never_shown="acme-client-secret-0001")
    assert (project / "tickets.md").read_text().startswith("# Acme Tickets (`acme.tickets`)")
    assert "Token endpoint" in (project / "tickets.md").read_text()  # the http.credentials fields are documented
