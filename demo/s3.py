"""Amazon S3: upload, list, download and presign against the local emulator.

Called by ``python -m demo`` with the host and the local emulator's URL.
"""

from __future__ import annotations

import os
import sys
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

from connector_core import ConnectorError, ValidationError
from demo import emulator_credentials

BUCKET = "demo-transfers"
MIB = 1024 * 1024


def _bar(label: str) -> Any:
    """A one-line progress bar drawn from the host's progress callbacks."""
    live = sys.stdout.isatty()

    def progress(done: int, total: int | None, unit: str) -> None:
        if total and (live or done >= total):
            filled = int(30 * done / total)
            print(f"\r    {label} [{'#' * filled}{'.' * (30 - filled)}] {done / MIB:5.1f}/{total / MIB:.1f} MiB",
                  end="\n" if done >= total else "", flush=True)
    return progress


def run(host: Any, endpoint_url: str) -> None:
    """Upload, list, download and presign against the emulator; print each outcome."""
    values = emulator_credentials(endpoint_url, force_path_style=True, bucket=BUCKET)
    conn = host.connect("aws.s3", values, name="Demo S3 transfers")
    host.run(conn, "create_bucket", {"bucket": BUCKET})
    print(f"  created bucket {BUCKET} in {host.run(conn, 'get_bucket_location', {})['region']}; "
          f"test connection: {host.test(conn).message}")

    for month in ("01", "02", "03"):
        host.run(conn, "put_object", {"key": f"reports/2024-{month}.csv",
                                      "text": f"month,total\n{month},{int(month) * 100}\n",
                                      "content_type": "text/csv", "tags": {"kind": "report"}})
    host.run(conn, "put_object", {"key": "README.txt", "text": "Demo bucket.\n", "metadata": {"owner": "demo"}})
    print("  put 4 small objects (text, content type, tags, metadata)")

    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "archive.bin"
        with open(source, "wb") as fh:
            for _ in range(20):
                fh.write(os.urandom(MIB))
        up = host.run(conn, "upload_file", {"file_path": str(source), "key": "archives/archive.bin",
                                            "multipart_threshold": 8 * MIB, "multipart_chunksize": 8 * MIB},
                      progress=_bar("upload  "))
        print(f"  uploaded {up['size'] / MIB:.0f} MiB in 8 MiB parts, several at once, to s3://{up['bucket']}/{up['key']}")

        print("  listing with delimiter '/' (common prefixes come as items of kind 'prefix'):")
        for item in host.run(conn, "list_objects", {"delimiter": "/"}):
            print(f"    {item['kind']:<6} {item['key']}" + (f"  ({item['size']} bytes)" if "size" in item else ""))
        keys = [item["key"] for item in host.run(conn, "list_objects", {"page_size": 2})]
        print(f"  every key, streamed 2 per page: {keys}")

        target = Path(tmp) / "downloaded.bin"
        down = host.run(conn, "download_file", {"key": "archives/archive.bin", "file_path": str(target)},
                        progress=_bar("download"))
        same = target.read_bytes() == source.read_bytes()
        print(f"  downloaded {down['size'] / MIB:.0f} MiB to {target.name}; identical to the original: {same}")

    first = host.run(conn, "get_object", {"key": "reports/2024-01.csv", "range": "bytes=0-4"})
    print(f"  byte range 0-4 of reports/2024-01.csv: {first['text']!r} ({first['content_range']})")
    tags = host.run(conn, "get_object_tagging", {"key": "reports/2024-01.csv"})["tags"]
    print(f"  its tags: {tags}")

    shared = host.run(conn, "presign_url", {"key": "reports/2024-02.csv", "expires_in": 900})
    with urllib.request.urlopen(shared["url"], timeout=5) as response:
        body = response.read().decode()
    print(f"  presigned GET URL valid until {shared['expires_at']}; fetched without credentials: {body!r}")
    upload_url = host.run(conn, "presign_url", {"key": "inbox/from-partner.csv", "method": "PUT",
                                                "content_type": "text/csv", "expires_in": 3600})
    request = urllib.request.Request(upload_url["url"], data=b"a,b\n1,2\n", method="PUT", headers=upload_url["headers"])
    urllib.request.urlopen(request, timeout=5).read()
    print(f"  presigned PUT URL used by a partner: inbox/from-partner.csv is "
          f"{host.run(conn, 'head_object', {'key': 'inbox/from-partner.csv'})['size']} bytes")

    moved = host.run(conn, "move_object", {"source_key": "inbox/from-partner.csv", "key": "processed/from-partner.csv"})
    print(f"  moved to {moved['key']} (source deleted only after the copy: {moved['source_deleted']})")

    try:
        host.run(conn, "put_object", {"key": "é" * 600, "text": "x"})
    except ValidationError as exc:
        print(f"  a 600-character key of 1,200 bytes is refused before any request: {exc.errors['key'][0]}")
    try:
        host.run(conn, "get_object", {"key": "reports/2099-01.csv"})
    except ConnectorError as exc:
        print(f"  a missing object: {exc}")
    try:
        host.run(conn, "delete_bucket", {"bucket": BUCKET})
    except ConnectorError as exc:
        print(f"  deleting a bucket that holds objects: {exc}")

    keys = [item["key"] for item in host.run(conn, "list_objects", {})]
    out = host.run(conn, "delete_objects", {"keys": keys})
    gone = host.run(conn, "delete_bucket", {"bucket": BUCKET})
    print(f"  cleaned up: {out['deleted_count']} objects deleted, {out['error_count']} errors; "
          f"bucket deleted: {gone['deleted']}")
