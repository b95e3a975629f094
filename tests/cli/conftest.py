"""CLI fixtures: the `connectors` command in a subprocess, and a moto server on loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SECRET = "cli-Secret-Value-4b1f9e-never-shown"


@pytest.fixture
def connectors(tmp_path):
    """Run `connectors ARGS...` as a user would: a new process, from a folder outside the repo."""

    def run(*args: str, input: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
        full_env = {**os.environ, **(env or {})}
        return subprocess.run(
            [sys.executable, "-c", "from connector_core.cli import main; main()", *args],
            capture_output=True, text=True, input=input, cwd=tmp_path, env=full_env, timeout=120,
        )

    return run


@pytest.fixture
def s3_connection_file(tmp_path, moto_endpoint):
    def write(**overrides) -> Path:
        values = {
            "auth_mode": "static",
            "access_key_id": "AKIACLITESTCLITEST00",
            "secret_access_key": SECRET,
            "region": "us-east-1",
            "bucket": "cli-bucket",
            "endpoint_url": moto_endpoint,
            "force_path_style": True,
            **overrides,
        }
        path = tmp_path / "conn.json"
        path.write_text(json.dumps(values))
        return path

    return write
