"""`import connector_core`, listing connectors and drawing forms stay lean (the cold start).

Each check runs in a fresh interpreter and lists the heavy modules it finds in
sys.modules. The guard covers every SDK and service library the project depends on
(or that toolkits being added may bring), and importlib.metadata, whose e-mail parser
alone was a tenth of `connectors list` (entry points are read by
connector_core.entry_point_scan instead).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

HEAVY = (
    "boto3", "botocore", "s3transfer", "marshmallow", "cryptography", "httpx2", "httpx", "httpcore",
    "authlib", "h11", "anyio", "sqlalchemy", "alembic", "psycopg", "starlette", "uvicorn", "jsonschema",
    "celery", "kombu", "redis", "pika", "aio_pika", "playwright", "moto", "asyncio", "concurrent",
    "email", "csv", "importlib.metadata", "importlib_metadata",
)
#: Left out too when every manifest comes from the checked-manifest cache (every start but
#: the first): the YAML parser, and importlib.resources with the zipfile, tempfile, bz2 and
#: lzma it brings.
WARM = HEAVY + ("yaml", "_yaml", "importlib.resources", "zipfile", "tempfile", "bz2", "lzma")

REPORT = """
import json, sys
heavy = {heavy!r}
found = sorted(n for n in sys.modules if any(n == h or n.startswith(h + ".") for h in heavy))
print("HEAVY=" + json.dumps(found), file=sys.stderr)
"""


def _heavy_after(code: str, heavy: tuple[str, ...] = HEAVY, env: dict[str, str] | None = None) -> list[str]:
    probe = code + "\n" + REPORT.format(heavy=heavy)
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=120,
                          env=env)
    assert done.returncode == 0, done.stderr
    line = next(line for line in done.stderr.splitlines() if line.startswith("HEAVY="))
    return json.loads(line.removeprefix("HEAVY="))


def test_import_connector_core_imports_no_sdk_service_library_or_metadata_reader():
    assert _heavy_after("import connector_core", WARM) == []


def test_discovering_listing_and_drawing_every_form_stays_lean():
    code = """
from connector_core import Host
host = Host.discover()
assert {"aws.s3", "aws.eventbridge"} <= {m.id for m in host.connectors()}, host.load_failures()
for m in host.connectors():
    host.form(m.id)
    host.form(m.id, editing=True)
    for op in m.operation_ids:
        host.form(m.id, operation=op)
"""
    assert _heavy_after(code) == []


@pytest.mark.parametrize("argv", [["list"], ["list", "--json"], ["form", "aws.s3"], ["show", "aws.eventbridge"]])
def test_cli_cold_paths_stay_lean(argv):
    code = f"from connector_core.cli import main\nmain({argv!r}, standalone_mode=False)"
    assert _heavy_after(code) == []


@pytest.mark.parametrize("argv", [["list"], ["list", "--json"], ["form", "aws.s3"]])
def test_with_a_warm_cache_the_cli_parses_no_yaml_and_reads_no_package_resources(argv, tmp_path):
    env = {**os.environ, "CONNECTOR_CORE_CACHE_DIR": str(tmp_path)}
    code = f"from connector_core.cli import main\nmain({argv!r}, standalone_mode=False)"
    assert "yaml" in _heavy_after(code, WARM, env)  # the first start checks the manifests
    assert _heavy_after(code, WARM, env) == []


def test_plugin_versions_are_still_read_when_asked():
    """The version comes from the distribution's metadata, read only for plugins()."""
    code = """
import json
from connector_core import Host
print(json.dumps({p.name: p.version for p in Host.discover().plugins()}))
"""
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    from importlib.metadata import version

    expected = version("connector-core")
    versions = json.loads(done.stdout)  # other plugins may be installed (tests/kit installs scaffolds)
    assert {"aws_eventbridge": versions.get("aws_eventbridge"), "aws_s3": versions.get("aws_s3")} == {
        "aws_eventbridge": expected, "aws_s3": expected}
