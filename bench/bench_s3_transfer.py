"""S3 transfers: ``host.run`` upload_file/download_file against raw boto3, in one run.

moto's server runs in its own process on 127.0.0.1 (so its memory is not ours); a
256 MiB file goes up and comes back down through the S3 plugin and through boto3's
``upload_file``/``download_file`` with the same ``TransferConfig``, alternating, best
of ``ROUNDS``. Prints the times, the ratios (target: at most 1.1x), this process's CPU
time per transfer (the overhead the plugin can add; wall times are dominated by moto
and noisy on a small machine) and its peak resident memory (target: under 200 MiB).

``python -m bench s3_transfer`` (``S3_BENCH_MIB=64`` for a quicker run).
"""

from __future__ import annotations

import contextlib
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

MIB = 1024 * 1024
SIZE_MIB = int(os.environ.get("S3_BENCH_MIB", "256"))
ROUNDS = int(os.environ.get("S3_BENCH_ROUNDS", "3"))
PART = 8 * MIB
CONCURRENCY = 10
BUCKET = "bench-transfer"
KEY_ID, SECRET = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


@contextlib.contextmanager
def moto_server() -> Iterator[str]:
    """moto's server as a child process on a free loopback port; yields its URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{url}/moto-api/", timeout=1).read()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("moto server did not start") from None
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def make_file(path: Path, size_mib: int) -> None:
    block = os.urandom(MIB)
    with open(path, "wb") as fh:
        for i in range(size_mib):
            fh.write(block[i % 256:] + block[:i % 256])  # distinct blocks, 1 MiB in memory


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    """Wall time, and this process's CPU time (every thread): the overhead we add is CPU."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime
    start = time.perf_counter()
    fn()
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return wall, usage.ru_utime + usage.ru_stime - cpu


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _fmt(times: list[float]) -> str:
    return " ".join(f"{t:.2f}" for t in times)


def main() -> None:
    import boto3
    import connector_aws_s3.hooks
    from boto3.s3.transfer import TransferConfig
    from botocore.config import Config

    from connector_core import Host

    config = TransferConfig(multipart_threshold=PART, multipart_chunksize=PART, max_concurrency=CONCURRENCY)
    tuning = {"multipart_threshold": PART, "multipart_chunksize": PART, "max_concurrency": CONCURRENCY}

    with moto_server() as endpoint, tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "source.bin"
        make_file(source, SIZE_MIB)
        host = Host(plugins=[connector_aws_s3.hooks], settings={"net.allow_loopback": True})
        conn = host.connect("aws.s3", {
            "auth_mode": "static", "access_key_id": KEY_ID, "secret_access_key": SECRET,
            "region": "us-east-1", "endpoint_url": endpoint, "force_path_style": True, "bucket": BUCKET,
        }, name="bench")
        raw = boto3.client("s3", region_name="us-east-1", endpoint_url=endpoint, aws_access_key_id=KEY_ID,
                           aws_secret_access_key=SECRET, config=Config(s3={"addressing_style": "path"}))
        raw.create_bucket(Bucket=BUCKET)

        def host_up() -> None:
            host.run(conn, "upload_file", {"file_path": str(source), "key": "host.bin", **tuning},
                     progress=lambda *_: None)

        def raw_up() -> None:
            raw.upload_file(str(source), BUCKET, "raw.bin", Config=config, Callback=lambda _: None)

        def host_down() -> None:
            host.run(conn, "download_file", {"key": "host.bin", "file_path": str(Path(tmp) / "host.out"), **tuning},
                     progress=lambda *_: None)

        def raw_down() -> None:
            raw.download_file(BUCKET, "raw.bin", str(Path(tmp) / "raw.out"), Config=config, Callback=lambda _: None)

        runs: dict[str, list[float]] = {"host_up": [], "raw_up": [], "host_down": [], "raw_down": []}
        cpu: dict[str, list[float]] = {name: [] for name in runs}
        for round_ in range(ROUNDS):
            # Alternate who goes first so neither always meets a warmer server.
            order = [("raw_up", raw_up), ("host_up", host_up), ("raw_down", raw_down), ("host_down", host_down)]
            if round_ % 2:
                order = [order[1], order[0], order[3], order[2]]
            for name, fn in order:
                wall, used = timed(fn)
                runs[name].append(wall)
                cpu[name].append(used)
            # Free the server's memory between rounds: a moto holding GiBs slows down unevenly.
            raw.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": "host.bin"}, {"Key": "raw.bin"}]})
        with open(Path(tmp) / "host.out", "rb") as got, open(source, "rb") as sent:
            assert got.read(MIB) == sent.read(MIB)  # a spot check, in bounded memory
        assert (Path(tmp) / "host.out").stat().st_size == SIZE_MIB * MIB

    rss = peak_rss_mib()
    best = {name: min(times) for name, times in runs.items()}
    print(f"file: {SIZE_MIB} MiB, parts of {PART // MIB} MiB, {CONCURRENCY} at once; best of {ROUNDS} rounds;"
          " moto server in its own process")
    for what in ("up", "down"):
        h, r = best[f"host_{what}"], best[f"raw_{what}"]
        label = "upload  " if what == "up" else "download"
        print(f"{label}: host.run {h:6.2f} s ({SIZE_MIB / h:6.1f} MiB/s)   boto3 {r:6.2f} s ({SIZE_MIB / r:6.1f} MiB/s)"
              f"   ratio {h / r:.2f}x (target <= 1.10x)")
        print(f"          every run (s): host.run {_fmt(runs[f'host_{what}'])}, boto3 {_fmt(runs[f'raw_{what}'])}")
        hc, rc = min(cpu[f"host_{what}"]), min(cpu[f"raw_{what}"])
        print(f"          client CPU (best): host.run {hc:.2f} s, boto3 {rc:.2f} s, ratio {hc / rc:.2f}x")
    print(f"peak RSS of this process: {rss:.0f} MiB (target < 200 MiB)")


if __name__ == "__main__":
    main()
