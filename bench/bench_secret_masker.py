"""Teaching the log masker new secrets, as a long-running host does with every connection.

``host.connect`` of the AWS S3 connector with a new access key pair (the secret key and,
for Basic-auth style forms, its key id) is timed when the process masker already knows
N pairs, and compared with connecting with a pair it knows (nothing to add). Each new
connection is followed by one masked log record, as the SDK's first DEBUG line would be.
Also printed: the masking of one 600-character record at N. Before the form index
(connector_core/secret_index.py) every new value recompiled up to 31 others' forms on
the next record: 370 ms per connection at 800 pairs.
"""

from __future__ import annotations

import os
import secrets
import statistics
import time

SIZES = (100, 200, 400, 800, 1600)
BATCH = 64  # connections timed at each size: two full segments, compiles included
RECORD = ("DEBUG botocore.endpoint Making request for OperationModel(name=HeadBucket) with params: "
          "{'url_path': '/my-bucket', 'query_string': {}, 'method': 'HEAD', 'headers': "
          "{'User-Agent': 'Boto3/1.35 md/Botocore#1.35 ua/2.0 os/linux#6 md/arch#x86_64 lang/python#3.11'}, "
          "'body': b'', 'url': 'https://my-bucket.s3.eu-west-3.amazonaws.com/', 'context': "
          "{'client_region': 'eu-west-3', 'has_streaming_input': False, 'auth_type': 'v4', "
          "'signing': {'bucket': 'my-bucket'}, 'timestamp': '20261201T101500Z'}}")


def _values(n: int) -> dict:
    return {"auth_mode": "static", "access_key_id": f"AKIA{n:016d}",
            "secret_access_key": secrets.token_urlsafe(30), "region": "eu-west-3", "bucket": "my-bucket"}


def main() -> None:
    from connector_core import Host
    from connector_core.secrets import SecretMasker

    host = Host.discover()
    masker = SecretMasker.for_process()
    known = _values(0)
    host.connect("aws.s3", known)
    added = 1
    print(f"load average {os.getloadavg()[0]:.1f}; {BATCH} connections timed at each size (medians)")
    rows = []
    print(f"{'pairs known':>12} {'connect, new pair':>18} {'connect, known pair':>20} {'ratio':>6} {'mask a record':>14}")
    for size in SIZES:
        while added < size:
            host.connect("aws.s3", _values(added))
            masker.mask(RECORD)
            added += 1
        new, same = [], []
        for _ in range(BATCH):  # interleaved: load changes hit both alike
            start = time.perf_counter()
            host.connect("aws.s3", _values(added))
            masker.mask(RECORD)
            new.append(time.perf_counter() - start)
            added += 1
            start = time.perf_counter()
            host.connect("aws.s3", known)
            masker.mask(RECORD)
            same.append(time.perf_counter() - start)
        start = time.perf_counter()
        for _ in range(200):
            masker.mask(RECORD)
        mask = (time.perf_counter() - start) / 200
        new_ms, same_ms = statistics.median(new) * 1000, statistics.median(same) * 1000
        rows.append((new_ms, mask))
        print(f"{size:>12} {new_ms:>15.2f} ms {same_ms:>17.2f} ms {new_ms / same_ms:>5.2f}x {mask * 1e6:>11.0f} µs")
    (first_connect, first_mask), (last_connect, last_mask) = rows[0], rows[-1]
    print(f"from {SIZES[0]} to {SIZES[-1]} pairs known: a connection with a new pair {last_connect / first_connect:.2f}x, "
          f"masking a record {last_mask / first_mask:.2f}x (flat is 1x)")


if __name__ == "__main__":
    main()
