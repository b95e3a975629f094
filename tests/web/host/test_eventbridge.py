"""EventBridge through the host's API against moto: Custom Region, test, put 25 events."""

from __future__ import annotations

import json


def _values(aws_emulator, **extra) -> dict:
    return aws_emulator.connection_values(**{"account_id": aws_emulator.account_id, **extra})


def test_eventbridge_connection_with_custom_region_tests_and_puts_25_events(acme, aws_emulator):
    aws_emulator.reset()
    values = _values(aws_emulator, region="custom", custom_region="us-east-1")
    draft = acme.client.post("/api/connections/test", json={"connector_id": "aws.eventbridge", "values": values})
    assert draft.status_code == 200, draft.text
    assert draft.json()["ok"] is True, draft.json()
    assert [c["name"] for c in draft.json()["checks"]] == ["Credentials", "Account ID", "Region", "Event bus"]
    saved = acme.create(values, connector_id="aws.eventbridge", name="events")
    assert saved["values"]["custom_region"] == "us-east-1" and saved["secrets_set"] == ["secret_access_key"]

    entries = [{"source": "com.example.orders", "detail_type": "OrderPlaced", "detail": {"n": i}} for i in range(25)]
    path = f"/api/connections/{saved['id']}/run/put_events"
    inline = acme.client.post(path, json={"input": {"entries": entries}})
    assert inline.status_code == 200, inline.text
    results = inline.json()["result"]["results"]
    assert len(results) == 25 and all(r.get("event_id") for r in results)
    streamed = acme.client.post(path, json={"input": {"entries": entries}}, headers={"accept": "application/x-ndjson"})
    events = [json.loads(line) for line in streamed.text.splitlines()]
    assert events[-1]["type"] == "result" and len(events[-1]["result"]["results"]) == 25
    assert aws_emulator.secret_access_key not in inline.text + streamed.text


def test_a_wrong_account_id_fails_its_check_with_a_hint(acme, aws_emulator):
    reply = acme.client.post("/api/connections/test", json={
        "connector_id": "aws.eventbridge", "values": _values(aws_emulator, account_id="999999999999")})
    checks = {c["name"]: c for c in reply.json()["checks"]}
    assert reply.json()["ok"] is False and checks["Account ID"]["status"] == "failed"
    assert aws_emulator.account_id in checks["Account ID"]["hint"]


def test_put_events_needs_the_account_id_of_the_connection(acme, aws_emulator):
    values = aws_emulator.connection_values()  # no account_id
    saved = acme.create(values, connector_id="aws.eventbridge", name="no account")
    reply = acme.client.post(f"/api/connections/{saved['id']}/run/put_events", json={"input": {
        "entries": [{"source": "a.b", "detail_type": "T", "detail": {}}]}})
    assert reply.status_code == 422, reply.text
    assert "connection.account_id" in reply.json()["errors"]
