"""The committed bundle is what `npm ci && npm run build` makes from the lockfile."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from connector_core.testing.plugin import missing_component

REPO = Path(__file__).resolve().parents[2]
FRONTEND = REPO / "connector_core" / "web" / "frontend"
BUILT = ["web/static/index.html", "web/static/app.js", "web/static/app.css", "testing/ajv_harness.cjs"]


def test_npm_run_build_reproduces_the_committed_bundle(tmp_path):
    node = shutil.which("node")
    if node is None or not (FRONTEND / "node_modules" / ".bin" / "esbuild").exists():
        missing_component(f"Node.js or {FRONTEND}/node_modules is missing: run `npm ci` there (make test does)")
    done = subprocess.run([node, "build.mjs"], cwd=FRONTEND, env={"PATH": "/usr/bin:/bin", "BUILD_ROOT": str(tmp_path)},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    stale = [name for name in BUILT
             if (tmp_path / name).read_bytes() != (REPO / "connector_core" / name).read_bytes()]
    assert stale == [], f"rebuild and commit: cd {FRONTEND} && npm ci && npm run build"
