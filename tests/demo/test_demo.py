"""`make demo` runs `python -m demo`: the same command, in a fresh process, must finish and say so.

The demo is the first thing a newcomer runs; a KeyError there went unnoticed once (the
forms moved conditional fields into if/then branches). This runs it as `make demo` does,
against its own moto server on 127.0.0.1, with no AWS configuration reachable.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _run_demo(tmp_path: Path) -> subprocess.CompletedProcess:
    empty = tmp_path / "aws-empty-config"
    empty.touch()
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env.update(AWS_CONFIG_FILE=str(empty), AWS_SHARED_CREDENTIALS_FILE=str(empty),
               AWS_EC2_METADATA_DISABLED="true", NO_PROXY="*")
    return subprocess.run([sys.executable, "-m", "demo"], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=300)


def test_make_demo_runs_every_step_and_finishes(tmp_path):
    done = _run_demo(tmp_path)
    out = done.stdout
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    # Every numbered step ran, the live ones included.
    for step in ("=== 1. Connectors discovered", "=== 2. The S3 connection form", "=== 3. Validating connections",
                 "=== 4. Test connection against the local emulator", "=== 5. Live operations: Amazon S3",
                 "=== 5. Live operations: Amazon EventBridge"):
        assert step in out, f"missing {step!r} in:\n{out}"
    assert out.rstrip().endswith("demo finished")
    # What the steps claim to show, they show.
    assert "aws.s3" in out and "aws.eventbridge" in out
    assert "custom_region: is required when region is 'custom'" in out
    assert "=> ok: all 4 checks passed" in out
    assert "identical to the original: True" in out
    assert "26 published, 0 failed" in out
    # The throwaway secret (demo/__init__.py) is masked everywhere the demo prints.
    assert "secret_access_key=Secret('**********')" in out
    assert "demo-secret-never-shown" not in out + done.stderr
