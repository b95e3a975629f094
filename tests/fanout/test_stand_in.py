"""The stand-in PutEvents endpoint: botocore talks to it, and it counts what it received."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError

from connector_core.aws.stand_in import PutEventsStandIn, fetch_stats, stand_in_process


def _client(url):
    return boto3.client("events", region_name="us-east-1", endpoint_url=url,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def _entries(numbers):
    return [{"Source": "test", "DetailType": "T", "Detail": json.dumps({"n": n})} for n in numbers]


def test_botocore_gets_one_event_id_per_entry_and_duplicates_are_counted():
    with PutEventsStandIn(latency=0) as stand_in:
        client = _client(stand_in.url)
        first = client.put_events(Entries=_entries(range(10)))
        client.put_events(Entries=_entries([3, 4, 10]))
        assert first["FailedEntryCount"] == 0
        ids = [e["EventId"] for e in first["Entries"]]
        assert len(set(ids)) == 10
        assert stand_in.duplicates() == {'{"n": 3}': 2, '{"n": 4}': 2}
        assert stand_in.stats()["entries"] == 13 and stand_in.stats()["distinct"] == 11


def test_rejected_entries_come_back_as_failed_entries():
    reject = (lambda e: ("MalformedDetail", "detail n=2 refused") if json.loads(e["Detail"])["n"] == 2 else None)
    with PutEventsStandIn(latency=0, reject=reject) as stand_in:
        response = _client(stand_in.url).put_events(Entries=_entries(range(4)))
    assert response["FailedEntryCount"] == 1
    assert response["Entries"][2] == {"ErrorCode": "MalformedDetail", "ErrorMessage": "detail n=2 refused"}
    assert all("EventId" in response["Entries"][i] for i in (0, 1, 3))


def test_other_operations_are_refused_the_way_the_service_refuses_them():
    with PutEventsStandIn(latency=0) as stand_in:
        with pytest.raises(ClientError) as caught:
            _client(stand_in.url).list_event_buses()
    assert caught.value.response["Error"]["Code"] == "UnknownOperationException"


def test_a_stand_in_in_its_own_process_reports_its_counts():
    with stand_in_process(latency=0) as url:
        _client(url).put_events(Entries=_entries([1, 1, 2]))
        stats = fetch_stats(url)
    assert (stats["requests"], stats["entries"], stats["duplicates"]) == (1, 3, {'{"n": 1}': 2})


@pytest.mark.parametrize("url", ["http://169.254.169.254:80", "http://localhost:80", "https://127.0.0.1:1",
                                 "http://127.0.0.1:80/../x", "http://127.0.0.1"])
def test_reading_counts_goes_only_to_a_loopback_stand_in(url):
    with pytest.raises(ValueError, match="not a stand-in URL"):
        fetch_stats(url)


def test_a_refused_call_fails_whole_and_its_entries_are_not_received():
    refuse = (lambda entries: (400, "AccessDeniedException", "not allowed") if len(entries) == 2 else None)
    with PutEventsStandIn(latency=0, refuse=refuse) as stand_in:
        with pytest.raises(ClientError) as caught:
            _client(stand_in.url).put_events(Entries=_entries([1, 2]))
        assert stand_in.stats()["entries"] == 0
    assert caught.value.response["Error"]["Code"] == "AccessDeniedException"
