"""Prefix deletes and copies as jobs on the local runner: chunks come from a listing (issue 13).

moto's server on 127.0.0.1 holds the objects; the job's worker lists the prefix page by
page and queues a chunk job per page of keys; the chunks run on the runner's threads and
their per-key outcomes merge in key order. Read back with boto3 and the AWS CLI.
"""

from __future__ import annotations

import threading
import time

import pytest

from connector_core import ValidationError
from connector_core.jobs import FanoutJobs, Jobs, LocalRunner

from tests.awscli import aws
from tests.conftest import emulator_values, seed_s3_objects
from tests.fanout.conftest import TENANT, fast_settings, stored_when_finished
from tests.plugins.s3.conftest import _faults, count_calls, inject  # noqa: F401  (rules on every S3 client)

BUCKET = "prefix-fanout-bucket"
WAIT = 180  # seconds: a bound for waits under load, never an assertion about speed


@pytest.fixture
def fanout_store(store_url):
    """A store whose host is this test's own: its S3 clients are built after this test's fault rules."""
    from connector_core import Host
    from connector_core.store import ConnectionStore, Keyring, generate_master_key

    host = Host.discover(settings={"net.allow_loopback": True, "aws.max_attempts": 1})
    with ConnectionStore.open(host, store_url, Keyring.from_text(generate_master_key(), source="test")) as store:
        yield store


@pytest.fixture
def s3(moto_endpoint):
    import boto3

    raw = boto3.client("s3", region_name="us-east-1", endpoint_url=moto_endpoint,
                       aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key="x")
    raw.create_bucket(Bucket=BUCKET)
    return raw


def _jobs(store, workers: int = 4, **settings) -> FanoutJobs:
    return FanoutJobs(Jobs(store, LocalRunner(workers), settings=fast_settings(workers=workers, **settings)))


def _connect(store, endpoint: str) -> str:
    values = emulator_values(endpoint, force_path_style=True, bucket=BUCKET)
    return store.create(TENANT, "aws.s3", "s3", values).id


def _keys(endpoint: str, bucket: str = BUCKET, prefix: str = "") -> list[str]:
    args = ["--bucket", bucket] + (["--prefix", prefix] if prefix else [])
    return [o["Key"] for o in aws(endpoint, "s3api", "list-objects-v2", *args).get("Contents", [])]


def test_delete_prefix_runs_a_chunk_per_listed_page_and_deletes_only_the_prefix(
        fanout_store, s3, moto_endpoint):
    doomed = [f"tmp/{n:05d}.log" for n in range(2500)]
    kept = ["tmp", "tmp.log", "tmq/1", "keep/tmp/1"]
    seed_s3_objects(BUCKET, doomed + kept)
    fanout = _jobs(fanout_store)
    connection = _connect(fanout_store, moto_endpoint)
    parent = fanout.submit(TENANT, connection, "delete_prefix", {"prefix": "tmp/", "page_size": 250},
                           chunk_size=500, idempotency_key="purge-tmp")
    done = fanout.wait(TENANT, parent.id, timeout=WAIT)
    chunks = fanout.chunks(TENANT, parent.id)
    again = fanout.submit(TENANT, connection, "delete_prefix", {"prefix": "tmp/", "page_size": 250},
                          chunk_size=500, idempotency_key="purge-tmp")
    fanout.jobs.close()

    assert done.state == "succeeded", done.error
    assert done.result["deleted_count"] == 2500 and done.result["error_count"] == 0
    assert done.result["bucket"] == BUCKET and done.result["prefix"] == "tmp/"
    assert done.result["fanout"] == {"chunks": 5, "chunk_size": 500, "items": 2500, "failed_chunks": [],
                                     "rerun_chunks": [], "listed_all": True}
    assert done.outcomes == []
    # Each chunk carried its own page of keys, in key order, every key in exactly one chunk.
    assert [c.job.chunk_index for c in chunks] == [0, 1, 2, 3, 4]
    assert [k for c in chunks for k in c.job.params["keys"]] == doomed
    assert all(c.state == "succeeded" and c.result["deleted_count"] == 500 for c in chunks)
    assert sorted(_keys(moto_endpoint)) == sorted(kept)
    assert again.id == parent.id  # the same idempotency key: the same job, nothing listed again
    # A chunk delivered a second time (its first end lost) is harmless: its keys are gone already.
    host = fanout_store.host
    rerun = host.run(fanout_store.load_connection(TENANT, connection, host), "delete_prefix", chunks[2].job.params)
    assert (rerun["deleted_count"], rerun["errors"]) == (500, [])
    assert sorted(_keys(moto_endpoint)) == sorted(kept)


def test_a_chunk_that_fails_as_a_whole_gives_each_of_its_keys_an_outcome_in_key_order(
        fanout_store, s3, moto_endpoint, inject):
    keys = [f"logs/{n:04d}" for n in range(1000)]
    seed_s3_objects(BUCKET, keys)
    inject("DeleteObjects", "AccessDenied", when=lambda call: b"<Key>logs/0400</Key>" in call["body"])
    fanout = _jobs(fanout_store)
    parent = fanout.submit(TENANT, _connect(fanout_store, moto_endpoint), "delete_prefix", {"prefix": "logs/"},
                           chunk_size=200)
    done = fanout.wait(TENANT, parent.id, timeout=WAIT)
    fanout.jobs.close()
    assert done.state == "succeeded"  # four chunks of five did their work: the outcomes say which keys did not
    assert (done.result["deleted_count"], done.result["error_count"]) == (800, 200)
    assert [o["key"] for o in done.outcomes] == keys[400:600]
    assert {o["code"] for o in done.outcomes} == {"AccessDeniedError"}
    assert [c["chunk"] for c in done.result["fanout"]["failed_chunks"]] == [2]
    assert _keys(moto_endpoint) == keys[400:600]


def test_copy_prefix_fans_out_and_every_copy_keeps_its_tags_and_headers(fanout_store, s3, moto_endpoint):
    s3.create_bucket(Bucket="archive-bucket")
    plain = [f"in/{n:04d}.csv" for n in range(150)]
    seed_s3_objects(BUCKET, plain)
    tagged = [f"in/t{n}.csv" for n in range(12)]
    for key in tagged:
        s3.put_object(Bucket=BUCKET, Key=key, Body=key.encode(), Tagging="team=ops&tier=gold",
                      ContentType="text/csv", Metadata={"origin": "erp"})
    fanout = _jobs(fanout_store)
    parent = fanout.submit(TENANT, _connect(fanout_store, moto_endpoint), "copy_prefix",
                           {"prefix": "in/", "bucket": "archive-bucket", "destination_prefix": "2024/",
                            "page_size": 100}, chunk_size=60)  # chunks need not match the listing's pages
    done = fanout.wait(TENANT, parent.id, timeout=WAIT)
    fanout.jobs.close()
    assert done.state == "succeeded", done.error
    assert (done.result["copied_count"], done.result["error_count"]) == (162, 0)
    assert done.result["fanout"]["chunks"] == 3 and done.result["destination_prefix"] == "2024/"
    assert _keys(moto_endpoint, "archive-bucket") == sorted("2024/" + k[len("in/"):] for k in plain + tagged)
    for key in ("2024/t0.csv", "2024/t11.csv"):
        tags = aws(moto_endpoint, "s3api", "get-object-tagging", "--bucket", "archive-bucket", "--key", key)
        assert {t["Key"]: t["Value"] for t in tags["TagSet"]} == {"team": "ops", "tier": "gold"}
        head = aws(moto_endpoint, "s3api", "head-object", "--bucket", "archive-bucket", "--key", key)
        assert head["ContentType"] == "text/csv" and head["Metadata"] == {"origin": "erp"}


def _copy_source_if_match_as_s3_does(inject) -> list:
    """moto (5.2) ignores ``x-amz-copy-source-if-match``: answer a CopyObject whose source's
    ETag is no longer the one it names as S3 does, 412 PreconditionFailed; the calls answered."""
    from urllib.parse import unquote

    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends

    def condition_fails(params) -> bool:
        wanted = params["headers"].get("x-amz-copy-source-if-match")
        bucket, _, key = unquote(params["headers"]["x-amz-copy-source"]).lstrip("/").partition("/")
        now = s3_backends[DEFAULT_ACCOUNT_ID]["aws"].get_object(bucket, key).etag
        return wanted is not None and wanted.strip('"') != now.strip('"')

    return inject("CopyObject", "PreconditionFailed", status=412,
                  message="At least one of the pre-conditions you specified did not hold", when=condition_fails)


def test_a_listed_copy_reads_no_object_and_reports_one_rewritten_since_the_listing(
        fanout_store, s3, moto_endpoint, count_calls, inject):
    s3.create_bucket(Bucket="archive-bucket")
    keys = [f"in/{n:03d}.csv" for n in range(120)]
    seed_s3_objects(BUCKET, keys, body=b"as listed")
    listed_etag = s3.head_object(Bucket=BUCKET, Key="in/000.csv")["ETag"]
    heads, copies = count_calls("HeadObject"), count_calls("CopyObject")

    def rewrite_before_its_copy(params):  # another writer replaces in/042.csv after the listing
        if params["headers"]["x-amz-copy-source"].endswith("/in/042.csv"):
            seed_s3_objects(BUCKET, ["in/042.csv"], body=b"rewritten later")

    inject("CopyObject", when=lambda params: bool(rewrite_before_its_copy(params)))
    refused = _copy_source_if_match_as_s3_does(inject)
    fanout = _jobs(fanout_store)
    connection = _connect(fanout_store, moto_endpoint)
    parent = fanout.submit(TENANT, connection, "copy_prefix", {"prefix": "in/", "bucket": "archive-bucket"},
                           chunk_size=50)
    done = fanout.wait(TENANT, parent.id, timeout=WAIT)
    chunks = fanout.chunks(TENANT, parent.id)
    fanout.jobs.close()

    assert done.state == "succeeded", done.error
    assert heads == []  # each chunk copied with the sizes and ETags listed: no object read first
    assert len(copies) == 120 and {c["headers"]["x-amz-copy-source-if-match"] for c in copies} == {listed_etag}
    assert (done.result["copied_count"], done.result["error_count"]) == (119, 1)
    [outcome] = done.outcomes
    assert (outcome["key"], outcome["code"]) == ("in/042.csv", "PreconditionFailed") and len(refused) == 1
    assert len(_keys(moto_endpoint, "archive-bucket")) == 119  # not copied as it is now
    assert chunks[0].job.params["sizes"] == [len(b"as listed")] * 50
    assert chunks[0].job.params["etags"] == [listed_etag.strip('"')] * 50
    # A chunk queued before chunks carried sizes (keys alone) still copies: it reads each key first.
    host = fanout_store.host
    keys_alone = {k: v for k, v in chunks[0].job.params.items() if k not in ("sizes", "etags")}
    out = host.run(fanout_store.load_connection(TENANT, connection, host), "copy_prefix", keys_alone)
    assert (out["copied_count"], out["error_count"], len(heads)) == (50, 0, 50)
    # Keys given with their sizes and ETags and split by the job: the chunks go without them, and read.
    fanout = _jobs(fanout_store)
    given = {**chunks[1].job.params, "destination_prefix": "given/"}
    split = fanout.wait(TENANT, fanout.submit(TENANT, connection, "copy_prefix", given, chunk_size=20).id, WAIT)
    split_chunks = fanout.chunks(TENANT, split.id)
    fanout.jobs.close()
    assert (split.result["copied_count"], split.result["fanout"]["chunks"], len(heads)) == (50, 3, 100)
    assert all("sizes" not in c.job.params and "etags" not in c.job.params for c in split_chunks)


def test_cancel_while_listing_stops_queueing_and_running_chunks(fanout_store, s3, moto_endpoint, inject):
    keys = [f"big/{n:04d}" for n in range(1000)]
    seed_s3_objects(BUCKET, keys)
    paused, release = threading.Event(), threading.Event()
    listings = []

    def second_page_waits(call) -> bool:  # the listing stops at its second page until released
        listings.append(call)
        if len(listings) == 2:
            paused.set()
            release.wait(WAIT)
        return False  # answer nothing: the request goes to moto

    inject("ListObjectsV2", when=second_page_waits)
    # One thread: the listing holds it, chunks wait in the queue. A 10 s lease: under load a
    # heartbeat may come seconds late, and a listing taken for dead would be re-queued.
    fanout = _jobs(fanout_store, workers=1, lease_seconds=10.0)
    parent = fanout.submit(TENANT, _connect(fanout_store, moto_endpoint), "delete_prefix",
                           {"prefix": "big/", "page_size": 100}, chunk_size=100)
    assert paused.wait(WAIT), "the listing never reached its second page"
    fanout.cancel(TENANT, parent.id)
    time.sleep(2 * fast_settings().check_interval + 0.5)  # the listing's heartbeat reads the request
    release.set()
    done = fanout.wait(TENANT, parent.id, timeout=WAIT)
    chunks = fanout.chunks(TENANT, parent.id)
    fanout.jobs.close()
    assert done.state == "cancelled"
    assert done.result["fanout"]["listed_all"] is False and "cancelled while listing" in done.error["message"]
    assert 1 <= len(chunks) <= 2 and all(c.state == "cancelled" for c in chunks)
    assert len(listings) == 2  # no page listed after the cancel
    assert _keys(moto_endpoint) == keys  # no chunk ran: nothing was deleted


def test_a_listing_cut_short_resumes_after_the_last_chunk_it_queued(fanout_store, s3, moto_endpoint, inject):
    keys = [f"r/{n:04d}" for n in range(700)]
    seed_s3_objects(BUCKET, keys)
    listings = []

    def third_page_throttled(call) -> bool:
        listings.append(call)
        return len(listings) == 3  # S3 asks to slow down once: the job is retried, the listing resumes

    inject("ListObjectsV2", "SlowDown", status=503, when=third_page_throttled)
    fanout = _jobs(fanout_store)
    parent = fanout.submit(TENANT, _connect(fanout_store, moto_endpoint), "delete_prefix",
                           {"prefix": "r/", "page_size": 100}, chunk_size=100)
    done = fanout.wait(TENANT, parent.id, timeout=WAIT)
    chunks = fanout.chunks(TENANT, parent.id)
    fanout.jobs.close()
    assert done.state == "succeeded", done.error
    assert done.result["deleted_count"] == 700 and done.result["fanout"]["chunks"] == 7
    assert [k for c in chunks for k in c.job.params["keys"]] == keys  # no key twice, none missed
    assert listings[3]["query_string"]["start-after"] == "r/0199"  # after chunk 1's last key
    assert fanout.get(TENANT, parent.id).attempts == 2
    assert _keys(moto_endpoint) == []


@pytest.mark.parametrize("operation, params, field", [
    ("delete_prefix", {}, "confirm_whole_bucket"),
    ("delete_prefix", {"prefix": "a/", "bucket": "192.168.5.4"}, "bucket"),
    ("delete_prefix", {"prefix": "é" * 600}, "prefix"),
    ("delete_prefix", {"prefix": "a/", "keys": ["a/1", "b/1"]}, "keys[1]"),
    # The destination is the connection's bucket: the overlap is seen before queueing too.
    ("copy_prefix", {"source_bucket": BUCKET, "prefix": "a/", "destination_prefix": "a/b/"}, "destination_prefix"),
    ("copy_prefix", {"prefix": "a/b/", "destination_prefix": "a/"}, "destination_prefix"),
    ("copy_prefix", {"prefix": "a/", "bucket": "xn--punycode"}, "bucket"),
])
def test_dangerous_or_invalid_input_is_refused_before_anything_is_queued(
        fanout_store, moto_endpoint, operation, params, field):
    fanout = _jobs(fanout_store)
    with pytest.raises(ValidationError) as refused:
        fanout.submit(TENANT, _connect(fanout_store, moto_endpoint), operation, params)
    queued = fanout.jobs.list(TENANT)
    fanout.jobs.close()
    assert field in refused.value.errors, refused.value.errors
    assert queued == []


def test_an_empty_prefix_ends_with_the_operations_own_output(fanout_store, s3, moto_endpoint):
    seed_s3_objects(BUCKET, ["other/1"])
    fanout = _jobs(fanout_store)
    parent = fanout.submit(TENANT, _connect(fanout_store, moto_endpoint), "delete_prefix", {"prefix": "none/"})
    done = fanout.wait(TENANT, parent.id, timeout=WAIT)
    fanout.jobs.close()
    assert done.state == "succeeded", done.error
    assert {k: done.result[k] for k in ("bucket", "prefix", "deleted_count", "error_count")} == {
        "bucket": BUCKET, "prefix": "none/", "deleted_count": 0, "error_count": 0}
    assert done.result["fanout"]["chunks"] == 1 and done.result["fanout"]["items"] == 0
    assert _keys(moto_endpoint) == ["other/1"]


def test_the_last_chunk_of_a_listing_finishes_the_parent_though_nobody_reads_it(fanout_store, s3, moto_endpoint):
    keys = [f"old/{n:04d}" for n in range(550)]
    seed_s3_objects(BUCKET, keys)
    fanout = _jobs(fanout_store)
    parent = fanout.submit(TENANT, _connect(fanout_store, moto_endpoint), "delete_prefix",
                           {"prefix": "old/", "page_size": 100}, chunk_size=100)
    stored = stored_when_finished(fanout.jobs, parent.id, WAIT)
    fanout.jobs.close()
    assert stored.state == "succeeded", stored.error
    assert stored.result["deleted_count"] == 550
    assert stored.result["fanout"] == {"chunks": 6, "chunk_size": 100, "items": 550, "failed_chunks": [],
                                       "rerun_chunks": [], "listed_all": True}
    assert _keys(moto_endpoint) == []


def test_chunks_ending_before_their_listing_leave_the_merge_to_it(fanout_store, s3, moto_endpoint, monkeypatch):
    from connector_core.jobs.records import JobStore

    keys = [f"slow/{n:04d}" for n in range(250)]
    seed_s3_objects(BUCKET, keys)
    fanout = _jobs(fanout_store)
    seen_while_listing = []
    real_hold = JobStore.hold_for_chunks

    def hold_once_every_chunk_ended(records, job_id, *args):  # a listing slow to record its end
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline and any(
                c.state != "succeeded" for c in fanout.jobs.records.list(TENANT, parent_id=job_id)):
            time.sleep(0.02)
        seen_while_listing.append(fanout.jobs.records.get(TENANT, job_id))
        return real_hold(records, job_id, *args)

    monkeypatch.setattr(JobStore, "hold_for_chunks", hold_once_every_chunk_ended)
    parent = fanout.submit(TENANT, _connect(fanout_store, moto_endpoint), "delete_prefix",
                           {"prefix": "slow/", "page_size": 100}, chunk_size=100)
    stored = stored_when_finished(fanout.jobs, parent.id, WAIT)
    chunks = fanout.jobs.records.list(TENANT, parent_id=parent.id)
    fanout.jobs.close()
    [listing] = seen_while_listing
    assert listing.state == "running"  # every chunk had ended: none merged a parent still listing
    assert len(chunks) == 3 and all(c.state == "succeeded" for c in chunks)
    assert stored.state == "succeeded", stored.error
    assert stored.result["deleted_count"] == 250 and stored.result["fanout"]["chunks"] == 3
    assert stored.finished_at > max(c.finished_at for c in chunks)
    assert _keys(moto_endpoint) == []
