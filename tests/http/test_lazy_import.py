"""Listing connectors and drawing forms never import httpx2, Authlib or the toolkit's modules.

A fresh interpreter per check: this test process has long imported them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HEAVY = "('httpx2', 'httpcore2', 'httpx', 'httpcore', 'authlib', 'h11')"

PROBE = f"""
import json, sys
from connector_core import Host, hookimpl
from connector_core.cli import main

class Rest:
    @hookimpl
    def connector_manifests(self):
        return [{str(Path(__file__).with_name('lazy_manifest.yaml'))!r}]

    @hookimpl
    def connector_implementations(self):
        return {{"call": "connector_core.http:client"}}

host = Host(plugins=[Rest()])
form = host.form("test.lazy")
import connector_core.http  # the package itself is cheap: its names load on first use
main(["list"], standalone_mode=False)
main(["form", "aws.s3"], standalone_mode=False)
# connector_core.http.plugin (the fragment and settings, through the hooks) is cheap by design.
heavy = sorted(n for n in sys.modules if n.split(".")[0] in {HEAVY}
               or (n.startswith("connector_core.http.") and n != "connector_core.http.plugin"))
fields = set(form["schema"]["properties"])  # and those shown in a branch (an auth type's block)
fields.update(k for rule in form["schema"].get("allOf", []) for k in rule.get("then", {{}}).get("properties", {{}}))
print(json.dumps({{"heavy": heavy, "fields": sorted(fields)}}))
"""


def test_listing_and_forms_import_no_http_stack(tmp_path):
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert {"base_url", "auth_type", "api_key", "oauth"} <= set(report["fields"])
    assert report["heavy"] == [], f"imported while listing/drawing forms: {report['heavy']}"
