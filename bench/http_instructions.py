"""Instructions per request of the HTTP toolkit and of bare httpx2, under callgrind (load-independent).

``python -m bench.http_instructions`` (or ``BENCH_CALLGRIND=1 python -m bench http``) runs this file four times under
``valgrind --tool=callgrind`` (the server runs natively in its own process): each side
with 0 and with N requests after the same set-up. Per request = (I(N) - I(0)) / N; the
ratio of the two is the toolkit's overhead as the CPU sees it, whatever else the machine
is doing. ``python bench/http_instructions.py SIDE N`` is one such run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

N = int(os.environ.get("BENCH_REQUESTS", "300"))


def one_run(side: str, n: int) -> None:
    import httpx2

    from bench._support import host_with
    from bench.bench_http import _SERVER, MANIFEST

    server = subprocess.Popen([sys.executable, "-c", _SERVER], stdout=subprocess.PIPE, text=True)
    try:
        base_url = f"http://127.0.0.1:{server.stdout.readline().strip()}"

        def loop(connection, params, context):
            from connector_core.http import client

            api = client(connection, context)
            for _ in range(params["n"]):
                api.get("/ping")
            return {"seconds": 0.0, "cpu": 0.0}

        with host_with(MANIFEST, {"toolkit_loop": loop, "one_cached": loop, "one_new_client": loop},
                       {"net.allow_loopback": True}) as host:
            values = {"base_url": base_url, "auth_type": "api_key",
                      "api_key": {"key": "X-API-Key", "value": "bench-key-0123456789"}}
            connection = host.connect("bench.rest", values)
            with httpx2.Client(headers={"X-API-Key": "bench-key-0123456789"}, trust_env=False) as bare:
                host.run(connection, "toolkit_loop", {"n": 20})  # both warmed alike, both sides
                for _ in range(20):
                    bare.get(f"{base_url}/ping").raise_for_status()
                if side == "toolkit":
                    host.run(connection, "toolkit_loop", {"n": n})
                else:
                    host.run(connection, "toolkit_loop", {"n": 0})  # the same run machinery, no request
                    for _ in range(n):
                        bare.get(f"{base_url}/ping").raise_for_status()
    finally:
        server.terminate()
        server.wait()


def _instructions(side: str, n: int) -> int:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "callgrind.out"
        subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable,
                        __file__, side, str(n)], check=True, capture_output=True, cwd=Path(__file__).parent.parent)
        return int(re.search(r"^(?:summary|totals): (\d+)", out.read_text(), re.M).group(1))


def main() -> None:
    if shutil.which("valgrind") is None:
        print("valgrind is not installed: skipped")
        return
    per = {}
    for side in ("bare", "toolkit"):
        empty, full = _instructions(side, 0), _instructions(side, N)
        per[side] = (full - empty) / N
        print(f"{side:8s} {per[side]:10.0f} instructions per request")
    print(f"toolkit / bare: {per['toolkit'] / per['bare']:.3f}x (target <= 1.05x)")


if __name__ == "__main__":
    if len(sys.argv) == 3:
        sys.path.insert(0, str(Path(__file__).parent.parent))
        one_run(sys.argv[1], int(sys.argv[2]))
    else:
        main()
