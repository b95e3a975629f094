"""Read back what the connectors wrote with the AWS CLI, an independent AWS client.

A round trip through our own code can hide a field we both write and read wrongly (or
never write); the CLI is another program's view of the same server. It comes from the
test extra (PyPI's ``awscli``, which carries its own botocore); without it the tests
skip with the reason, or fail under CI=true.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest


def aws_cli_path() -> str:
    beside = Path(sys.executable).parent / "aws"
    found = str(beside) if beside.exists() else shutil.which("aws")
    if found is None:
        reason = "the AWS CLI is missing: install the test extra (pip install -e '.[test]')"
        if os.environ.get("CI") == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    return found


def aws(endpoint: str, service: str, command: str, *args: str) -> Any:
    """``aws SERVICE COMMAND ARGS --endpoint-url ENDPOINT``, its JSON output parsed ({} if none)."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/tmp"),
        "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_PAGER": "",
    }
    done = subprocess.run(
        [aws_cli_path(), service, command, *args, "--endpoint-url", endpoint, "--output", "json"],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )
    assert done.returncode == 0, f"aws {service} {command} failed: {done.stderr.strip()}"
    return json.loads(done.stdout) if done.stdout.strip() else {}
