"""Listing connectors and drawing forms never import boto3, botocore or operation code.

Each check runs in a fresh interpreter: the test process itself has long imported boto3.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

PROBE = """
import json, sys
from connector_core import Host
host = Host.discover()
ids = [m.id for m in host.connectors()]
for m in host.connectors():
    m.summary()
    host.form(m.id)
    for op in m.operation_ids:
        host.form(m.id, operation=op)
heavy = sorted(n for n in sys.modules if n.split(".")[0] in ("boto3", "botocore", "s3transfer")
               or n.startswith(("connector_aws_s3.", "connector_aws_eventbridge.")) and not n.endswith(".hooks"))
print(json.dumps({"ids": ids, "failures": [f.reason for f in host.load_failures()], "heavy": heavy}))
"""


def _fresh(code: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)


def test_listing_and_forms_through_the_api_import_no_boto3():
    done = _fresh(PROBE)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    if not report["ids"]:
        pytest.skip("no built-in plugin installed yet")
    assert report["failures"] == []
    assert {"aws.s3", "aws.eventbridge"} <= set(report["ids"])
    assert report["heavy"] == [], f"imported while listing/drawing forms: {report['heavy']}"


@pytest.mark.parametrize("argv", [["list"], ["list", "--json"], ["show", "aws.s3"], ["form", "aws.s3"],
                                  ["form", "aws.eventbridge", "--operation", "put_events"], ["plugins"]])
def test_cli_listing_and_forms_import_no_boto3(argv):
    code = f"""
import sys
from connector_core.cli import main
try:
    main({argv!r}, standalone_mode=False)
finally:
    heavy = sorted(n for n in sys.modules if n.split(".")[0] in ("boto3", "botocore", "s3transfer"))
    print("HEAVY=" + ",".join(heavy), file=sys.stderr)
"""
    done = _fresh(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip(), "the command printed nothing"
    assert "HEAVY=\n" in done.stderr + "\n" and "HEAVY=boto" not in done.stderr, done.stderr
