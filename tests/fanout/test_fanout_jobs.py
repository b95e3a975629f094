"""Fanned-out put_events through the local runner, against the stand-in endpoint on 127.0.0.1."""

from __future__ import annotations

import pytest

from connector_core import NotFoundError, ValidationError
from connector_core.aws.stand_in import PutEventsStandIn
from connector_core.jobs import FanoutJobs, Jobs, LocalRunner

from tests.fanout.conftest import (
    OTHER_TENANT, SECRET_KEY, TENANT, connection_values, entries, fast_settings, position_of,
)


def _fanout(store, workers=4):
    return FanoutJobs(Jobs(store, LocalRunner(workers), settings=fast_settings(workers=workers)))


def _connect(store, stand_in, tenant=TENANT):
    return store.create(tenant, "aws.eventbridge", "bus", connection_values(stand_in.url)).id


def test_every_entry_ends_with_one_outcome_in_input_order(fanout_store):
    with PutEventsStandIn(latency=0.002) as stand_in:
        fanout = _fanout(fanout_store)
        connection = _connect(fanout_store, stand_in)
        parent = fanout.submit(TENANT, connection, "put_events", {"entries": entries(2345)}, chunk_size=500)
        done = fanout.wait(TENANT, parent.id, timeout=120)
        fanout.jobs.close()
        received = stand_in.stats()
    assert done.state == "succeeded"
    assert [o["index"] for o in done.outcomes] == list(range(2345))
    assert all(o.get("event_id") for o in done.outcomes)
    assert (done.result["successful_count"], done.result["failed_count"]) == (2345, 0)
    assert done.result["requests"] == 235  # 10 per call, 500 per chunk: 50 + 50 + 50 + 50 + 35
    assert done.result["fanout"] == {"chunks": 5, "chunk_size": 500, "items": 2345,
                                     "failed_chunks": [], "rerun_chunks": []}
    assert (received["entries"], received["distinct"]) == (2345, 2345)
    chunks = fanout.chunks(TENANT, parent.id)
    assert [c.job.chunk_index for c in chunks] == [0, 1, 2, 3, 4]
    assert {c.job.parent_id for c in chunks} == {parent.id}
    assert done.progress.done == done.progress.total == 2345
    assert done.to_dict() == fanout.get(TENANT, parent.id).to_dict()  # what the merge returned is what it stored


def test_entries_the_service_refused_and_chunks_that_failed_say_which_and_why(fanout_store):
    # Entry 7 is refused by the service; every call of the chunk holding entry 250 is denied.
    reject = (lambda e: ("MalformedDetail", "entry 7 is malformed") if position_of(e["Detail"]) == 7 else None)
    refuse = (lambda batch: (400, "AccessDeniedException", f"denied for {SECRET_KEY}")
              if any(200 <= position_of(e["Detail"]) < 300 for e in batch) else None)
    with PutEventsStandIn(latency=0, reject=reject, refuse=refuse) as stand_in:
        fanout = _fanout(fanout_store)
        connection = _connect(fanout_store, stand_in)
        parent = fanout.submit(TENANT, connection, "put_events", {"entries": entries(450)}, chunk_size=100)
        done = fanout.wait(TENANT, parent.id, timeout=120)
        fanout.jobs.close()
    assert done.state == "succeeded"  # most entries were published: the outcomes say which were not
    assert len(done.outcomes) == 450 and [o["index"] for o in done.outcomes] == list(range(450))
    assert done.outcomes[7] == {"index": 7, "error_code": "MalformedDetail", "error_message": "entry 7 is malformed"}
    denied = done.outcomes[200:300]
    assert {o["error_code"] for o in denied} == {"AccessDeniedError"}
    assert all(SECRET_KEY not in o["error_message"] for o in denied)
    assert (done.result["successful_count"], done.result["failed_count"]) == (349, 101)
    [failed] = done.result["fanout"]["failed_chunks"]
    assert (failed["chunk"], failed["first"], failed["count"], failed["state"]) == (2, 200, 100, "failed")
    assert SECRET_KEY not in str(done.to_dict())


def test_the_same_idempotency_key_again_queues_nothing_new(fanout_store):
    with PutEventsStandIn(latency=0) as stand_in:
        fanout = _fanout(fanout_store)
        connection = _connect(fanout_store, stand_in)
        params = {"entries": entries(1200)}
        first = fanout.submit(TENANT, connection, "put_events", params, idempotency_key="order-42", chunk_size=500)
        fanout.wait(TENANT, first.id, timeout=120)
        again = fanout.submit(TENANT, connection, "put_events", params, idempotency_key="order-42", chunk_size=500)
        done = fanout.wait(TENANT, again.id, timeout=120)
        fanout.jobs.close()
        received = stand_in.stats()
    assert again.id == first.id and done.state == "succeeded"
    assert len(fanout.chunks(TENANT, first.id)) == 3
    assert (received["entries"], received["duplicates"]) == (1200, {})


def test_input_within_one_chunk_is_an_ordinary_job(fanout_store):
    with PutEventsStandIn(latency=0) as stand_in:
        fanout = _fanout(fanout_store)
        connection = _connect(fanout_store, stand_in)
        job = fanout.submit(TENANT, connection, "put_events", {"entries": entries(30)})
        done = fanout.wait(TENANT, job.id, timeout=60)
        fanout.jobs.close()
    assert done.job.parent_id is None and "fanout" not in done.result
    assert [o["index"] for o in done.result["results"]] == list(range(30))


def test_bad_input_and_other_tenants_are_refused_before_anything_is_queued(fanout_store):
    with PutEventsStandIn(latency=0) as stand_in:
        fanout = _fanout(fanout_store)
        connection = _connect(fanout_store, stand_in)
        bad = entries(1000)
        del bad[640]["source"]
        with pytest.raises(ValidationError) as caught:
            fanout.submit(TENANT, connection, "put_events", {"entries": bad}, chunk_size=100)
        assert "entries[640].source" in str(caught.value.errors)
        with pytest.raises(NotFoundError):
            fanout.submit(OTHER_TENANT, connection, "put_events", {"entries": entries(1000)}, chunk_size=100)
        assert fanout.jobs.list(TENANT) == [] and fanout.jobs.list(OTHER_TENANT) == []
        parent = fanout.submit(TENANT, connection, "put_events", {"entries": entries(300)}, chunk_size=100)
        with pytest.raises(NotFoundError):
            fanout.get(OTHER_TENANT, parent.id)
        assert fanout.wait(TENANT, parent.id, timeout=60).state == "succeeded"
        fanout.jobs.close()
        assert stand_in.stats()["entries"] == 300


def test_cancelling_a_parent_cancels_its_chunks_and_every_entry_still_has_an_outcome(fanout_store):
    with PutEventsStandIn(latency=0.05) as stand_in:
        fanout = _fanout(fanout_store, workers=1)
        connection = _connect(fanout_store, stand_in)
        parent = fanout.submit(TENANT, connection, "put_events",
                               {"entries": entries(2000), "concurrency": 1}, chunk_size=100)
        fanout.cancel(TENANT, parent.id)
        done = fanout.wait(TENANT, parent.id, timeout=60)
        fanout.jobs.close()
        received = stand_in.stats()
    assert done.state == "cancelled"
    assert [o["index"] for o in done.outcomes] == list(range(2000))
    published = [o for o in done.outcomes if o.get("event_id")]
    cancelled = [o for o in done.outcomes if o.get("error_code") == "Cancelled"]
    assert len(published) + len(cancelled) == 2000 and len(cancelled) >= 1000
    assert done.result["successful_count"] == len(published) == received["entries"]
    assert all(f["state"] == "cancelled" for f in done.result["fanout"]["failed_chunks"])


def test_s3_keys_are_deleted_in_chunks_and_refusals_merged(fanout_store, moto_endpoint):
    import boto3

    from tests.conftest import emulator_values

    s3 = boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1",
                      aws_access_key_id="x", aws_secret_access_key="y")
    s3.create_bucket(Bucket="fanout-bucket")
    kept = [f"keep/{n}" for n in range(3)]
    doomed = [f"logs/{n:04d}" for n in range(25)]
    for key in kept + doomed:
        s3.put_object(Bucket="fanout-bucket", Key=key, Body=b"x")
    fanout = _fanout(fanout_store)
    connection = fanout_store.create(TENANT, "aws.s3", "s3", emulator_values(moto_endpoint)).id
    keys = doomed + [f"never/{n}" for n in range(2475)]  # missing keys count as deleted, as in S3
    parent = fanout.submit(TENANT, connection, "delete_objects", {"bucket": "fanout-bucket", "keys": keys},
                           chunk_size=1000)
    done = fanout.wait(TENANT, parent.id, timeout=120)
    fanout.jobs.close()
    assert done.state == "succeeded", done.error
    assert (done.result["bucket"], done.result["deleted_count"], done.result["error_count"]) == ("fanout-bucket", 2500, 0)
    assert done.outcomes == [] and done.result["fanout"]["chunks"] == 3
    left = [o["Key"] for o in s3.list_objects_v2(Bucket="fanout-bucket").get("Contents", [])]
    assert sorted(left) == kept


def test_every_chunk_failing_fails_the_parent_and_names_each_key(fanout_store, moto_endpoint):
    from tests.conftest import emulator_values

    fanout = _fanout(fanout_store)
    connection = fanout_store.create(TENANT, "aws.s3", "s3", emulator_values(moto_endpoint)).id
    keys = [f"k/{n}" for n in range(25)]
    parent = fanout.submit(TENANT, connection, "delete_objects", {"bucket": "no-such-bucket", "keys": keys},
                           chunk_size=10)
    done = fanout.wait(TENANT, parent.id, timeout=120)
    fanout.jobs.close()
    assert done.state == "failed" and done.error["error"] == "NotFoundError"
    assert [o["key"] for o in done.outcomes] == keys
    assert {o["code"] for o in done.outcomes} == {"NotFoundError"}
    assert (done.result["deleted_count"], done.result["error_count"]) == (0, 25)
    assert [f["chunk"] for f in done.result["fanout"]["failed_chunks"]] == [0, 1, 2]


def test_jobs_submit_fans_out_by_itself_and_wait_merges(fanout_store):
    with PutEventsStandIn(latency=0) as stand_in:
        fanout = _fanout(fanout_store)
        jobs = fanout.jobs
        connection = _connect(fanout_store, stand_in)
        parent = jobs.submit(TENANT, connection, "put_events", {"entries": entries(4001)})  # the manifest's 2000
        done = jobs.wait(TENANT, parent.id, timeout=120)
        jobs.close()
    assert done.state == "succeeded" and done.result["fanout"]["chunks"] == 3
    assert [o["index"] for o in done.outcomes] == list(range(4001))
    with pytest.raises(ValidationError):
        jobs.submit(TENANT, connection, "put_events", {"entries": entries(10)}, chunk_size=0)


def test_a_hosts_own_engine_stores_chunks_as_the_projects_engine_does(fanout_store, store_url):
    """Chunk params are written once, as JSON text cut from the whole input, by the store's
    own engine; a host application's plain SQLAlchemy engine (its own JSON serializer) gets
    decoded values instead, and stores the same params."""
    from sqlalchemy import create_engine, select

    from connector_core.jobs.table import job_params, jobs as jobs_table
    from connector_core.store import ConnectionStore
    from connector_core.store.engine import normalize_url

    plain = create_engine(normalize_url(store_url))
    stores = [fanout_store, ConnectionStore(plain, fanout_store.host, fanout_store.keyring)]
    stored = []
    with PutEventsStandIn(latency=0) as stand_in:
        for store in stores:
            fanout = _fanout(store)
            connection = _connect(store, stand_in)
            parent = fanout.submit(TENANT, connection, "put_events", {"entries": entries(1001)}, chunk_size=400)
            done = fanout.wait(TENANT, parent.id, timeout=120)
            fanout.jobs.close()
            assert done.state == "succeeded" and [o["index"] for o in done.outcomes] == list(range(1001))
            with plain.connect() as db:
                rows = db.execute(select(jobs_table.c.chunk_index, job_params.c.params)
                                  .join(job_params, job_params.c.job_id == jobs_table.c.id)
                                  .where(jobs_table.c.parent_id == parent.id).order_by(jobs_table.c.chunk_index))
                stored.append([params for _, params in rows])
    plain.dispose()
    for chunks in stored:
        assert [e["detail"]["n"] for c in chunks for e in c["entries"]] == list(range(1001))
        assert [len(c["entries"]) for c in chunks] == [400, 400, 201]
    assert stored[0] == stored[1]
