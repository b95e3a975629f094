"""S3 transfers: ``host.run`` upload_file/download_file against raw boto3, each in its own process.

moto's server runs in its own process on 127.0.0.1 (so its memory is not ours); a
256 MiB file goes up and comes back down through the S3 plugin and through boto3's
``upload_file``/``download_file`` with the same part size and concurrency, alternating,
best of ``ROUNDS``. Every transfer (phase) runs in a fresh process that imports only
what it needs, so each phase's peak RSS is its own: one process running every phase
(as this bench used to) reports the worst phase plus whatever glibc's per-thread malloc
arenas kept from the phases before, which is what made the old single figure vary
(148 to 235 MiB). Prints the times, the ratios (target: at most 1.1x), the client CPU
time per transfer (the overhead the plugin can add; wall times are dominated by moto
and noisy on a small machine) and the peak RSS of every run (target: under 200 MiB).

``python -m bench s3_transfer``; ``S3_BENCH_MIB=64`` for a quicker run,
``S3_BENCH_PART_MIB`` / ``S3_BENCH_CONCURRENCY`` to try other settings (8 and 10).
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

MIB = 1024 * 1024
SIZE_MIB = int(os.environ.get("S3_BENCH_MIB", "256"))
ROUNDS = int(os.environ.get("S3_BENCH_ROUNDS", "3"))
PART = int(os.environ.get("S3_BENCH_PART_MIB", "8")) * MIB
CONCURRENCY = int(os.environ.get("S3_BENCH_CONCURRENCY", "10"))
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


def _fmt(values: list[float], digits: int = 2) -> str:
    return " ".join(f"{v:.{digits}f}" for v in values)


#: The phases, each run in a fresh process: (label, who, direction).
PHASES = ("raw_up", "host_up", "raw_down", "host_down")


def _connection(endpoint: str) -> dict:
    return {"auth_mode": "static", "access_key_id": KEY_ID, "secret_access_key": SECRET, "region": "us-east-1",
            "endpoint_url": endpoint, "force_path_style": True, "bucket": BUCKET}


def run_phase(phase: str, endpoint: str, folder: Path) -> dict:
    """One transfer in this (fresh) process: its wall and CPU time, and the process's peak RSS.

    Called by ``python -m bench.bench_s3_transfer PHASE ENDPOINT FOLDER``: only the code the
    phase needs is imported, so the peak is what a worker running that one operation holds.
    """
    if phase.startswith("host"):
        import connector_aws_s3.hooks

        from connector_core import Host

        host = Host(plugins=[connector_aws_s3.hooks], settings={"net.allow_loopback": True})
        conn = host.connect("aws.s3", _connection(endpoint), name="bench")
        tuning = {"multipart_threshold": PART, "multipart_chunksize": PART, "max_concurrency": CONCURRENCY}

        def warm_up() -> None:
            host.run(conn, "list_buckets", {})  # builds the client
            import boto3.s3.transfer  # noqa: F401 - boto3's client imports it at creation for upload_file
            import connector_aws_s3.transfer  # noqa: F401

        if phase == "host_up":
            def transfer() -> None:
                host.run(conn, "upload_file", {"file_path": str(folder / "source.bin"), "key": "host.bin", **tuning},
                         progress=lambda *_: None)
        else:
            def transfer() -> None:
                host.run(conn, "download_file", {"key": "host.bin", "file_path": str(folder / "host.out"), **tuning},
                         progress=lambda *_: None)
    else:
        import boto3
        from boto3.s3.transfer import TransferConfig
        from botocore.config import Config

        config = TransferConfig(multipart_threshold=PART, multipart_chunksize=PART, max_concurrency=CONCURRENCY)
        raw = boto3.client("s3", region_name="us-east-1", endpoint_url=endpoint, aws_access_key_id=KEY_ID,
                           aws_secret_access_key=SECRET, config=Config(s3={"addressing_style": "path"}))
        warm_up = raw.list_buckets
        if phase == "raw_up":
            def transfer() -> None:
                raw.upload_file(str(folder / "source.bin"), BUCKET, "raw.bin", Config=config, Callback=lambda _: None)
        else:
            def transfer() -> None:
                raw.download_file(BUCKET, "raw.bin", str(folder / "raw.out"), Config=config, Callback=lambda _: None)
    warm_up()  # both build their S3 client before the clock starts
    before = _cpu()
    base = current_rss_mib()
    start = time.perf_counter()
    transfer()
    wall = time.perf_counter() - start
    return {"wall": wall, "cpu": _cpu() - before, "rss": peak_rss_mib(), "base": base}


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def current_rss_mib() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / MIB


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _in_own_process(phase: str, endpoint: str, folder: Path) -> dict:
    done = subprocess.run([sys.executable, "-m", "bench.bench_s3_transfer", phase, endpoint, str(folder)],
                          capture_output=True, text=True, check=False, cwd=Path(__file__).resolve().parent.parent)
    if done.returncode != 0:
        raise RuntimeError(f"phase {phase} failed: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    import boto3
    from botocore.config import Config

    with moto_server() as endpoint, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source = folder / "source.bin"
        make_file(source, SIZE_MIB)
        raw = boto3.client("s3", region_name="us-east-1", endpoint_url=endpoint, aws_access_key_id=KEY_ID,
                           aws_secret_access_key=SECRET, config=Config(s3={"addressing_style": "path"}))
        raw.create_bucket(Bucket=BUCKET)
        runs: dict[str, list[dict]] = {name: [] for name in PHASES}
        for round_ in range(ROUNDS):
            # Alternate who goes first so neither always meets a warmer server.
            order = list(PHASES) if round_ % 2 == 0 else [PHASES[1], PHASES[0], PHASES[3], PHASES[2]]
            for name in order:
                runs[name].append(_in_own_process(name, endpoint, folder))
            # Free the server's memory between rounds: a moto holding GiBs slows down unevenly.
            raw.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": "host.bin"}, {"Key": "raw.bin"}]})
        with open(folder / "host.out", "rb") as got, open(source, "rb") as sent:
            assert got.read(MIB) == sent.read(MIB)  # a spot check, in bounded memory
        assert (folder / "host.out").stat().st_size == SIZE_MIB * MIB

    print(f"file: {SIZE_MIB} MiB, parts of {PART // MIB} MiB, {CONCURRENCY} at once; best of {ROUNDS} rounds;"
          " each transfer in its own process, moto in another")
    for what in ("up", "down"):
        host, boto = runs[f"host_{what}"], runs[f"raw_{what}"]
        h, r = min(x["wall"] for x in host), min(x["wall"] for x in boto)
        label = "upload  " if what == "up" else "download"
        print(f"{label}: host.run {h:6.2f} s ({SIZE_MIB / h:6.1f} MiB/s)   boto3 {r:6.2f} s ({SIZE_MIB / r:6.1f} MiB/s)"
              f"   ratio {h / r:.2f}x (target <= 1.10x)")
        print(f"          every run (s): host.run {_fmt([x['wall'] for x in host])}, "
              f"boto3 {_fmt([x['wall'] for x in boto])}")
        hc, rc = min(x["cpu"] for x in host), min(x["cpu"] for x in boto)
        print(f"          client CPU (best): host.run {hc:.2f} s, boto3 {rc:.2f} s, ratio {hc / rc:.2f}x")
        print(f"          peak RSS per run (MiB): host.run {_fmt([x['rss'] for x in host], 0)}, "
              f"boto3 {_fmt([x['rss'] for x in boto], 0)}; worst host.run {max(x['rss'] for x in host):.0f} MiB"
              " (target < 200 MiB)")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    if len(sys.argv) == 4:  # one phase, in this process (see run_phase)
        print(json.dumps(run_phase(sys.argv[1], sys.argv[2], Path(sys.argv[3]))))
    else:
        main()
