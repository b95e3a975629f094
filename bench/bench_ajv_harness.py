"""Ajv2020 from Python: one long-lived Node process against a Node process per document.

The agreement tests send thousands of generated documents through Ajv2020. This measures,
in one run, the cost per document of: a fresh ``node`` process per document (what a naive
harness does), one request per document to the long-lived harness, and one batched
request for all of them; Python's ``jsonschema`` on the same documents is printed for scale.
"""

from __future__ import annotations

import subprocess
import time

DOCUMENTS = 2_000
SPAWNS = 20


def _documents() -> list[dict]:
    return [{"auth_mode": "static", "access_key_id": f"AKIA{i:016d}", "secret_access_key": "s" * 40,
             "region": "eu-west-1" if i % 2 else "custom", "bucket": f"bucket-{i:05d}"} for i in range(DOCUMENTS)]


def main() -> None:
    import json

    from jsonschema import Draft202012Validator

    from connector_core import Host
    from connector_core.testing.ajv import HARNESS, Ajv2020, find_node

    node = find_node()
    schema = Host.discover().form("aws.s3")["schema"]
    documents = _documents()

    with Ajv2020() as ajv:
        ajv.compile(schema)  # start Node and compile once, outside the timings
        start = time.perf_counter()
        batched = ajv.validate(schema, documents)
        per_batched = (time.perf_counter() - start) / DOCUMENTS
        start = time.perf_counter()
        singles = [ajv.validate(schema, [d])[0] for d in documents]
        per_request = (time.perf_counter() - start) / DOCUMENTS
    assert [r.valid for r in batched] == [r.valid for r in singles]

    start = time.perf_counter()
    for document in documents[:SPAWNS]:
        request = json.dumps({"schema": schema, "documents": [document]}) + "\n"
        subprocess.run([node, str(HARNESS)], input=request, capture_output=True, text=True, check=True)
    per_spawn = (time.perf_counter() - start) / SPAWNS

    validator = Draft202012Validator(schema)
    start = time.perf_counter()
    for document in documents:
        validator.is_valid(document)
    per_python = (time.perf_counter() - start) / DOCUMENTS

    print(f"{DOCUMENTS} documents of the aws.s3 connection form; a node process per document: {SPAWNS} of them")
    print(f"  node process per document : {per_spawn * 1e3:8.2f} ms/document")
    print(f"  long-lived, one per request: {per_request * 1e6:8.1f} us/document  ({per_spawn / per_request:,.0f}x faster)")
    print(f"  long-lived, one batch      : {per_batched * 1e6:8.1f} us/document  ({per_spawn / per_batched:,.0f}x faster)")
    print(f"  Python jsonschema (scale)  : {per_python * 1e6:8.1f} us/document")
