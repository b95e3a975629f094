"""`connectors serve`: loopback only, and the rest of the CLI never imports the web stack."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

from connector_core.cli import main


def test_listing_connectors_does_not_import_the_web_stack():
    probe = ("import sys; from click.testing import CliRunner; from connector_core.cli import main; "
             "r = CliRunner().invoke(main, ['list']); assert r.exit_code == 0, r.output; "
             "print(sorted(m for m in ('starlette', 'uvicorn', 'connector_core.web') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_serve_refuses_a_non_loopback_address():
    result = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 1
    assert "loopback only" in result.output


def test_serve_is_listed_in_the_help():
    assert "serve" in CliRunner().invoke(main, ["--help"]).output


def test_serve_without_a_master_key_names_the_development_option(tmp_path, monkeypatch):
    monkeypatch.setenv("CONNECTOR_CORE_DATA_DIR", str(tmp_path))
    for name in ("CONNECTOR_CORE_MASTER_KEYS", "CONNECTOR_CORE_MASTER_KEY_FILE", "CONNECTOR_CORE_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(main, ["serve", "--port", "0"])
    assert result.exit_code == 1
    assert "no master key is configured" in result.output and "connectors serve --development" in result.output
