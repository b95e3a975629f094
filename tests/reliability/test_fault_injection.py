"""Faults on the wire (issue 9): nothing lost, nothing orphaned.

A fault-injecting proxy on 127.0.0.1 (:mod:`.faults`) sits between the connectors and
their services: the PutEvents stand-in (which counts every entry it receives) and moto's
S3. It answers with per-entry failures, throttling and 5xx errors, resets connections
mid-request and loses responses after the service did the work. Then:

- put_events: every entry has exactly one outcome, in input order; every entry reported
  published was received; an entry is received twice only when a response was lost.
- S3 multipart upload and copy: after a failure no multipart upload is left
  (``list-multipart-uploads`` is empty, read with boto3 and the AWS CLI) and no object
  appears; after a fault that a retry absorbs, the object is complete and exact.
"""

from __future__ import annotations

import json
import os
import random
import threading
import zlib
from collections import Counter

import pytest

from connector_core import ConnectorError, Host
from connector_core.aws.stand_in import PutEventsStandIn
from tests.awscli import aws
from tests.conftest import emulator_values

from .counts import record
from .faults import Fault, FaultProxy, Request, json_error, s3_error

MIB = 1024 * 1024

# ---------------------------------------------------------------------------- EventBridge

ENTRIES = 600
#: Faults each entry may meet before it must get through: below the plugin's attempts (6).
BUDGET = 3
POISONED = {n for n in range(ENTRIES) if n % 50 == 7}  # refused for good: MalformedDetail


class EventFaults:
    """A seeded schedule of faults, with a per-entry budget so that the outcome is known.

    ``kinds`` picks what it injects: "entry" (per-entry ThrottlingException /
    InternalFailure in a 200 response), "throttle" (HTTP 400 ThrottlingException for the
    whole call), "5xx" (500 InternalException, 503 ServiceUnavailableException), "reset"
    (connection reset before any answer), "lost" (the stand-in took the entries, the
    answer is reset away).
    """

    def __init__(self, kinds: set[str], seed: int, rate: float = 0.3) -> None:
        self.kinds = kinds
        self.rate = rate
        self.random = random.Random(seed)
        self.faults: Counter[int] = Counter()
        self.lost: set[int] = set()
        self.rejected: Counter[int] = Counter()  # received but answered with an error code
        self.lock = threading.Lock()

    def _spend(self, numbers: list[int]) -> bool:
        """Whether to fault a call carrying ``numbers`` (then each spends one of its budget)."""
        with self.lock:
            if self.random.random() >= self.rate or any(self.faults[n] >= BUDGET for n in numbers):
                return False
            self.faults.update(numbers)
            return True

    def rule(self, request: Request, stage: str):
        if stage != "body":
            return None
        numbers = [json.loads(e["Detail"])["n"] for e in json.loads(request.body)["Entries"]]
        call_kinds = sorted(self.kinds & {"throttle", "5xx", "reset", "lost"})
        if not call_kinds or not self._spend(numbers):
            return None
        with self.lock:
            kind = self.random.choice(call_kinds)
        if kind == "throttle":
            return json_error("ThrottlingException", 400)
        if kind == "5xx":
            return self.random.choice([json_error("InternalException", 500),
                                       json_error("ServiceUnavailableException", 503)])
        if kind == "lost":
            with self.lock:
                self.lost.update(numbers)
            return Fault.lose_response()
        return Fault.reset()

    def reject(self, entry) -> tuple[str, str] | None:
        """The stand-in's per-entry answer: poisoned entries always, others within budget."""
        n = json.loads(entry["Detail"])["n"]
        answer = None
        if n in POISONED:
            answer = ("MalformedDetail", "injected: detail is malformed")
        elif "entry" in self.kinds and self._spend([n]):
            with self.lock:
                answer = (self.random.choice(["ThrottlingException", "InternalFailure"]), "injected")
        if answer:
            with self.lock:
                self.rejected[n] += 1
        return answer


def _eventbridge(url: str, max_attempts: int):
    import connector_aws_eventbridge.hooks

    host = Host(plugins=[connector_aws_eventbridge.hooks],
                settings={"net.allow_loopback": True, "aws.max_attempts": max_attempts})
    conn = host.connect("aws.eventbridge", emulator_values(url, account_id="123456789012"))
    return host, conn


@pytest.fixture(autouse=True)
def _fast_backoff(monkeypatch):
    import connector_aws_eventbridge.events as events

    monkeypatch.setattr(events, "BACKOFF_BASE", 0.001)


SCENARIOS = {
    "partial failures (FailedEntryCount, per-entry codes)": {"entry"},
    "throttled calls (HTTP 400 ThrottlingException)": {"throttle"},
    "HTTP 5xx": {"5xx"},
    "connection resets mid-request": {"reset"},
    "responses lost after the service took the entries": {"lost"},
    "all of them at once": {"entry", "throttle", "5xx", "reset", "lost"},
}


@pytest.mark.parametrize("botocore_attempts", [1, 3], ids=["plugin-retries", "botocore-retries-too"])
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_put_events_loses_no_entry(scenario, botocore_attempts):
    faults = EventFaults(SCENARIOS[scenario], seed=zlib.crc32(f"{scenario}/{botocore_attempts}".encode()))
    entries = [{"source": "com.example.faults", "detail_type": "Tick", "detail": {"n": n}} for n in range(ENTRIES)]
    with PutEventsStandIn(latency=0, reject=faults.reject) as stand_in, \
            FaultProxy(stand_in.url, faults.rule) as proxy:
        host, conn = _eventbridge(proxy.url, botocore_attempts)
        out = host.run(conn, "put_events", {"entries": entries, "max_attempts": 6, "concurrency": 4})
        # Taken: received and not answered with an error code (the stand-in counts both).
        taken = {n: count - faults.rejected[n] for n, count in
                 ((json.loads(key)["n"], count) for key, count in stand_in.received.items())}

    results = out["results"]
    problems = []
    if [r["index"] for r in results] != list(range(ENTRIES)):
        problems.append("not exactly one outcome per entry, in input order")
    published = {r["index"] for r in results if "event_id" in r}
    failed = {r["index"]: r["error_code"] for r in results if "event_id" not in r}
    lost = sorted(n for n in published if taken.get(n, 0) < 1)
    if lost:
        problems.append(f"reported published but never received: {lost[:10]}")
    if failed != {n: "MalformedDetail" for n in POISONED}:
        problems.append(f"unexpected failures: {dict(list(failed.items())[:10])}")
    twice = {n for n, count in taken.items() if count > 1}
    if not twice <= faults.lost:
        problems.append(f"received twice without a lost response: {sorted(twice - faults.lost)[:10]}")
    if out["successful_count"] + out["failed_count"] != ENTRIES:
        problems.append("counts do not add up")
    injected = sum(faults.faults.values())
    record("put_events under faults: every entry exactly one outcome, none lost", ENTRIES, len(problems))
    record("put_events under faults: faults injected (entry-level + call-level)", injected)
    assert injected > 0 and (proxy.injected or "entry" in SCENARIOS[scenario]), "no fault was injected"
    assert problems == []


def test_put_events_retries_run_out_and_still_every_entry_has_one_outcome():
    """Faults beyond any budget: entries end failed with the last code, still exactly once."""
    def reject(entry):
        n = json.loads(entry["Detail"])["n"]
        return ("ThrottlingException", "always") if n % 10 == 3 else None

    def rule(request: Request, stage: str):
        if stage == "body" and any(json.loads(e["Detail"])["n"] % 97 == 5 for e in json.loads(request.body)["Entries"]):
            return json_error("InternalException", 500)
        return None

    entries = [{"source": "s", "detail_type": "t", "detail": {"n": n}} for n in range(300)]
    with PutEventsStandIn(latency=0, reject=reject) as stand_in, FaultProxy(stand_in.url, rule) as proxy:
        host, conn = _eventbridge(proxy.url, 1)
        out = host.run(conn, "put_events", {"entries": entries, "max_attempts": 3})
        received = {json.loads(key)["n"] for key in stand_in.received}
    results = out["results"]
    always_refused = {n for n in range(300) if n % 10 == 3}
    assert [r["index"] for r in results] == list(range(300))
    for r in results:
        n = r["index"]
        if n % 97 == 5:
            assert r["error_code"] == "InternalException"
        elif n % 10 == 3:
            assert r["error_code"] in ("ThrottlingException", "InternalException")
        if "event_id" in r:
            assert n in received and n not in always_refused
    assert out["successful_count"] + out["failed_count"] == 300 and out["failed_count"] >= 30
    record("put_events under faults: every entry exactly one outcome, none lost", 300, 0)


# ---------------------------------------------------------------------------- S3

PARTS = {"multipart_threshold": 5 * MIB, "multipart_chunksize": 5 * MIB, "max_concurrency": 3}
BUCKET = "faults-bucket"


def _part(request: Request, operation: str, number: int) -> bool:
    """Whether ``request`` is UploadPart / UploadPartCopy of that part number."""
    if request.method != "PUT" or request.query.get("partNumber") != [str(number)]:
        return False
    is_copy = "x-amz-copy-source" in request.headers
    return is_copy == (operation == "UploadPartCopy")


class Times:
    """Fault the first ``n`` requests that ``match``; ``n=None`` faults every one."""

    def __init__(self, match, fault, n: int | None = None, stage: str = "body") -> None:
        self.match, self.fault, self.n, self.stage, self.done = match, fault, n, stage, 0
        self.lock = threading.Lock()

    def __call__(self, request: Request, stage: str):
        if stage != self.stage or not self.match(request):
            return None
        with self.lock:
            if self.n is not None and self.done >= self.n:
                return None
            self.done += 1
        return self.fault


def _combined(*rules):
    def rule(request: Request, stage: str):
        for each in rules:
            fault = each(request, stage)
            if fault is not None:
                return fault
        return None
    return rule


def _s3(url: str, max_attempts: int):
    import connector_aws_s3.hooks

    host = Host(plugins=[connector_aws_s3.hooks],
                settings={"net.allow_loopback": True, "aws.max_attempts": max_attempts})
    return host, host.connect("aws.s3", emulator_values(url, force_path_style=True, bucket=BUCKET))


@pytest.fixture
def s3_setup(moto_endpoint, tmp_path):
    import boto3

    raw = boto3.client("s3", region_name="us-east-1", endpoint_url=moto_endpoint,
                       aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key="x")
    raw.create_bucket(Bucket=BUCKET)
    source = tmp_path / "big.bin"
    source.write_bytes(os.urandom(11 * MIB))  # three parts of 5, 5 and 1 MiB
    raw.put_object(Bucket=BUCKET, Key="src.bin", Body=source.read_bytes(), Tagging="keep=me",
                   Metadata={"origin": "erp"})
    return moto_endpoint, raw, source


def _no_orphans(raw, endpoint: str) -> bool:
    uploads = raw.list_multipart_uploads(Bucket=BUCKET).get("Uploads", [])
    cli = aws(endpoint, "s3api", "list-multipart-uploads", "--bucket", BUCKET).get("Uploads", [])
    return uploads == [] and cli == []


UPLOAD_FAILURES = {
    "UploadPart 500 (no retries)": (1, lambda: Times(lambda r: _part(r, "UploadPart", 2), s3_error("InternalError"))),
    "UploadPart 503 SlowDown every time (3 attempts)": (
        3, lambda: Times(lambda r: _part(r, "UploadPart", 2), s3_error("SlowDown", 503))),
    "UploadPart reset mid-body every time (3 attempts)": (
        3, lambda: Times(lambda r: _part(r, "UploadPart", 3), Fault.reset(), stage="headers")),
    "CompleteMultipartUpload 500 every time (3 attempts)": (
        3, lambda: Times(lambda r: r.method == "POST" and r.has("uploadId"), s3_error("InternalError"))),
    "UploadPart 500 every time and the first abort 500 (3 attempts)": (
        3, lambda: _combined(Times(lambda r: _part(r, "UploadPart", 1), s3_error("InternalError")),
                             Times(lambda r: r.method == "DELETE" and r.has("uploadId"), s3_error("InternalError"),
                                   n=1))),
}


@pytest.mark.parametrize("case", UPLOAD_FAILURES)
def test_a_failed_multipart_upload_leaves_no_upload_and_no_object(s3_setup, case):
    endpoint, raw, source = s3_setup
    attempts, make_rule = UPLOAD_FAILURES[case]
    with FaultProxy(endpoint, make_rule()) as proxy:
        host, conn = _s3(proxy.url, attempts)
        with pytest.raises(ConnectorError):
            host.run(conn, "upload_file", {"file_path": str(source), "key": "up.bin", **PARTS})
    clean = _no_orphans(raw, endpoint) and "up.bin" not in _keys(raw)
    record("S3 multipart upload/copy failures: no multipart upload or object left", 1, 0 if clean else 1)
    assert proxy.injected, "no fault was injected"
    assert clean


def _keys(raw) -> set[str]:
    return {o["Key"] for o in raw.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


COPY_FAILURES = {
    "UploadPartCopy 500 (no retries)": (1, lambda: Times(lambda r: _part(r, "UploadPartCopy", 2),
                                                         s3_error("InternalError"))),
    "UploadPartCopy reset every time (3 attempts)": (3, lambda: Times(lambda r: _part(r, "UploadPartCopy", 1),
                                                                     Fault.reset())),
    "UploadPartCopy 503 every time (3 attempts)": (3, lambda: Times(lambda r: _part(r, "UploadPartCopy", 3),
                                                                   s3_error("SlowDown", 503))),
}


@pytest.mark.parametrize("operation", ["copy_object", "move_object"])
@pytest.mark.parametrize("case", COPY_FAILURES)
def test_a_failed_multipart_copy_leaves_no_upload_and_keeps_the_source(s3_setup, case, operation):
    endpoint, raw, source = s3_setup
    attempts, make_rule = COPY_FAILURES[case]
    with FaultProxy(endpoint, make_rule()) as proxy:
        host, conn = _s3(proxy.url, attempts)
        with pytest.raises(ConnectorError):
            host.run(conn, operation, {"source_key": "src.bin", "key": "dst.bin", **PARTS})
    kept = raw.get_object_tagging(Bucket=BUCKET, Key="src.bin")["TagSet"] == [{"Key": "keep", "Value": "me"}]
    clean = _no_orphans(raw, endpoint) and "dst.bin" not in _keys(raw) and kept
    record("S3 multipart upload/copy failures: no multipart upload or object left", 1, 0 if clean else 1)
    assert proxy.injected, "no fault was injected"
    assert clean


ABSORBED = {
    "UploadPart 500 once": ("upload_file", lambda: Times(lambda r: _part(r, "UploadPart", 2),
                                                         s3_error("InternalError"), n=1)),
    "UploadPart reset mid-body once": ("upload_file", lambda: Times(lambda r: _part(r, "UploadPart", 1),
                                                                    Fault.reset(), n=1, stage="headers")),
    "UploadPart response lost once": ("upload_file", lambda: Times(lambda r: _part(r, "UploadPart", 3),
                                                                   Fault.lose_response(), n=1)),
    "UploadPartCopy 503 once": ("move_object", lambda: Times(lambda r: _part(r, "UploadPartCopy", 2),
                                                             s3_error("SlowDown", 503), n=1)),
    "UploadPartCopy reset once": ("move_object", lambda: Times(lambda r: _part(r, "UploadPartCopy", 1),
                                                               Fault.reset(), n=1)),
}


@pytest.mark.parametrize("case", ABSORBED)
def test_a_fault_that_a_retry_absorbs_leaves_a_complete_object(s3_setup, case):
    endpoint, raw, source = s3_setup
    operation, make_rule = ABSORBED[case]
    with FaultProxy(endpoint, make_rule()) as proxy:
        host, conn = _s3(proxy.url, 3)
        if operation == "upload_file":
            host.run(conn, "upload_file", {"file_path": str(source), "key": "dst.bin", **PARTS})
        else:
            host.run(conn, "move_object", {"source_key": "src.bin", "key": "dst.bin", **PARTS})
    body = raw.get_object(Bucket=BUCKET, Key="dst.bin")["Body"].read()
    exact = body == source.read_bytes() and _no_orphans(raw, endpoint)
    if operation == "move_object":
        tags = raw.get_object_tagging(Bucket=BUCKET, Key="dst.bin")["TagSet"]
        exact = exact and tags == [{"Key": "keep", "Value": "me"}] and "src.bin" not in _keys(raw)
    record("S3 multipart upload/copy: a fault a retry absorbs leaves an exact object, no upload", 1,
           0 if exact else 1)
    assert proxy.injected, "no fault was injected"
    assert exact
