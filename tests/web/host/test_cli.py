"""`connectors tenant/token` and `connectors serve` as a real process, signed in with its token."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request

from click.testing import CliRunner

from connector_core.cli import main


def _env(tmp_path) -> dict:
    return {**os.environ, "CONNECTOR_CORE_DATA_DIR": str(tmp_path),
            "CONNECTOR_CORE_MASTER_KEY_FILE": str(tmp_path / "keys")}


def test_tenant_and_token_commands(tmp_path, monkeypatch):
    from connector_core.store import generate_master_key

    (tmp_path / "keys").write_text(generate_master_key())
    for name, value in _env(tmp_path).items():
        if name.startswith("CONNECTOR_CORE_"):
            monkeypatch.setenv(name, value)
    runner = CliRunner()
    assert runner.invoke(main, ["tenant", "create", "acme"]).exit_code == 0
    again = runner.invoke(main, ["tenant", "create", "acme"])
    assert again.exit_code == 1 and "exists already" in again.output
    bad = runner.invoke(main, ["tenant", "create", "../Acme"])
    assert bad.exit_code == 1 and "lowercase" in bad.output
    made = runner.invoke(main, ["token", "create", "acme"])
    assert made.exit_code == 0
    token = made.stdout.strip()
    assert re.fullmatch(r"cct_[0-9a-f]{16}_[A-Za-z0-9_-]{43}", token)
    assert "shown once" in made.stderr
    assert runner.invoke(main, ["token", "create", "nobody"]).exit_code == 1
    assert runner.invoke(main, ["tenant", "list"]).stdout.split() == ["acme"]
    assert token not in (tmp_path / "connections.db").read_bytes().decode("latin-1")
    assert runner.invoke(main, ["token", "revoke", token.split("_")[1]]).exit_code == 0


def test_serve_prints_the_url_and_a_token_that_signs_in(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-c", "from connector_core.cli import main; main()", "serve", "--port", "0", "--development",
         "--sign-in-token", "dev"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**_env(tmp_path), "CONNECTOR_CORE_MASTER_KEY_FILE": ""})
    try:
        url = None
        deadline = time.monotonic() + 60
        while url is None and time.monotonic() < deadline:
            line = process.stderr.readline()
            assert line, "serve exited: " + process.stderr.read()
            match = re.search(r"(http://127\.0\.0\.1:\d+/)", line)
            url = match.group(1) if match else None
        token = process.stdout.readline().strip()
        assert token.startswith("cct_")
        with urllib.request.urlopen(urllib.request.Request(
                url + "api/session", data=json.dumps({"token": token}).encode(), method="POST",
                headers={"content-type": "application/json"}), timeout=10) as reply:
            assert json.load(reply)["tenant"] == "dev"
            assert "HttpOnly" in reply.headers["set-cookie"]
        try:
            urllib.request.urlopen(url + "api/connections", timeout=10)
            raise AssertionError("the API answered without a token")
        except urllib.error.HTTPError as exc:
            assert exc.code == 401
        assert (tmp_path / "master.key").stat().st_mode & 0o777 == 0o600
        assert (tmp_path / "session.key").stat().st_mode & 0o777 == 0o600
    finally:
        process.terminate()
        process.wait(timeout=20)
