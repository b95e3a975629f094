"""put_events sends with botocore's parameter validation off: the manifest's must cover it.

Two halves of one claim. Everything the host accepts becomes API entries that botocore's
own validator accepts too (so turning it off loses no check); and input that would reach
botocore with a wrong type, a missing member or an out-of-range length is refused by the
host first, naming the entry's field, with nothing sent.
"""

from __future__ import annotations

import pytest

from connector_core import ValidationError

from .conftest import ACCOUNT, FakePutEvents, event


def botocore_problems(client, api_entries) -> str:
    """botocore's own verdict on a PutEvents request ('' when it would send it)."""
    from botocore.validate import ParamValidator

    shape = client.meta.service_model.operation_model("PutEvents").input_shape
    report = ParamValidator().validate({"Entries": api_entries}, shape)
    return report.generate_report() if report.has_errors() else ""


ACCEPTED = [
    event(0),
    event(1, detail={"text": "Zürich ✓", "nested": {"list": [1, 2.5, None, True]}}),
    event(2, resources=["arn:aws:s3:::bucket", "arn:aws:sqs:us-east-1:123456789012:q"]),
    event(3, time="2026-01-31T12:00:00Z", trace_header="Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"),
    event(4, event_bus="orders"),
    event(5, event_bus=f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/other"),
    event(6, source="s" * 256, detail_type="d" * 128, trace_header="t" * 500, event_bus="b" * 1600),
]


def test_the_put_events_client_sends_what_botocore_would_refuse(events_client, inject):
    fake = inject(FakePutEvents(lambda n, attempt: None))
    # A number for a string would be a ParamValidationError with botocore's validation on.
    events_client["PutEvents"].put_events(Entries=[{"Source": 7, "DetailType": "T", "Detail": '{"n": 1}'}])
    assert len(fake.requests) == 1


def test_every_entry_the_host_accepts_passes_botocores_own_validation(host, conn, events_client):
    from connector_aws_eventbridge.events import build_entries

    clean = host.validate_input("aws.eventbridge", "put_events", {"entries": ACCEPTED})
    api = build_entries(conn, clean["entries"], None)
    client = events_client["PutEvents"]
    for start in range(0, len(api), 10):  # a request holds at most 10 entries
        assert botocore_problems(client, api[start:start + 10]) == ""


REFUSED = {
    "source is not text": (event(0, source=7), "entries[0].source"),
    "source is missing": ({"detail_type": "T", "detail": {}}, "entries[0].source"),
    "source is empty": (event(0, source=""), "entries[0].source"),
    "detail type is None": (event(0, detail_type=None), "entries[0].detail_type"),
    "detail is a list": (event(0, detail=[1, 2]), "entries[0].detail"),
    "detail is missing": ({"source": "s", "detail_type": "T"}, "entries[0].detail"),
    "resources is text": (event(0, resources="arn:aws:s3:::bucket"), "entries[0].resources"),
    "a resource is a number": (event(0, resources=[1]), "entries[0].resources[0]"),
    "time is not a time": (event(0, time="yesterday"), "entries[0].time"),
    "trace header too long": (event(0, trace_header="t" * 501), "entries[0].trace_header"),
    "trace header empty": (event(0, trace_header=""), "entries[0].trace_header"),
    "bus name too long": (event(0, event_bus="b" * 1601), "entries[0].event_bus"),
    "bus name empty": (event(0, event_bus=""), "entries[0].event_bus"),
    "unknown member": (event(0, DetailType="T"), "entries[0].DetailType"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_input_botocore_would_refuse_is_refused_first_naming_the_field(host, conn, inject, case):
    bad, path = REFUSED[case]
    fake = inject(FakePutEvents(lambda n, attempt: None))
    entries = [bad] + [event(i) for i in range(1, 12)]  # more than one request: the pool's path too
    with pytest.raises(ValidationError) as caught:
        host.run(conn, "put_events", {"entries": entries})
    assert path in caught.value.errors, caught.value.errors
    assert all(message.strip() for message in caught.value.errors[path])
    assert fake.requests == []


def test_a_request_botocore_would_refuse_as_a_whole_is_never_built(host, conn):
    # Entries: 1 to 10 per request, botocore's member limits: batching keeps every request inside them.
    with pytest.raises(ValidationError) as caught:
        host.run(conn, "put_events", {"entries": []})
    assert "entries" in caught.value.errors
