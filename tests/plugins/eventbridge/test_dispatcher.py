"""One dispatcher per trigger queue, against moto: put_events -> rules -> one queue -> dispatcher -> instances.

The host runs with ``eventbridge.dispatcher``: polls of stored instances set up their
rule and never receive; one receive loop per queue routes each message to the instance
whose id the rule's input transformer wrote into it.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone

import boto3
import pytest

from tests.plugins.eventbridge.conftest import SETTINGS, event, values

from connector_core import Host
from connector_core.triggers.delivery import Poller
from connector_core.triggers.dispatch import InboxDispatcher

ORDERS = {"source": ["com.example.orders"]}
OTHER = {"source": ["com.example.other"]}
LATER = datetime.now(timezone.utc) + timedelta(days=1)  # every instance is due


@pytest.fixture
def world(endpoint, tmp_path):
    """A host in dispatcher mode, a store with two tenants' connections to one account, and its instances."""
    import connector_aws_eventbridge.hooks
    from connector_core.store import ConnectionStore, Keyring, generate_master_key
    from connector_core.triggers.instances import TriggerInstances

    host = Host(plugins=[connector_aws_eventbridge.hooks], settings={**SETTINGS, "eventbridge.dispatcher": True})
    store = ConnectionStore.open(host, f"sqlite:///{tmp_path / 'store.db'}",
                                 Keyring.from_text(generate_master_key(), source="test"))
    yield host, store, TriggerInstances(store.engine, host)
    store.close()


def _instances(world, endpoint, params):
    host, store, instances = world
    made = {}
    for tenant, name, pattern in [("acme", "orders", ORDERS), ("acme", "other", OTHER), ("globex", "orders", ORDERS)]:
        conn = store.create(tenant, "aws.eventbridge", f"eb-{tenant}-{name}", values(endpoint))
        made[(tenant, name)] = instances.create(tenant, conn.id, "events", {**params, "event_pattern": pattern})
    return made


def _set_up(world, endpoint):
    """Three instances set up (by their first polls) on the one shared queue, and its inbox."""
    from connector_aws_eventbridge.inbox import queue_inboxes

    host, store, instances = world
    made = _instances(world, endpoint, {"wait_seconds": 0})
    Poller(host, instances, store, lambda i, item: None).run_once()
    (inbox,) = queue_inboxes(host, instances, store, wait_seconds=1, visibility_timeout=1)
    return made, inbox


def _sqs(endpoint):
    return boto3.client("sqs", region_name="us-east-1", endpoint_url=endpoint,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def _queue_depth(endpoint, queue) -> int:
    attributes = _sqs(endpoint).get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def _dispatch_until(dispatcher, done, rounds=30):
    for _ in range(rounds):
        dispatcher.run_once()
        if done():
            return


def test_one_receive_loop_routes_every_event_to_each_matching_instance_exactly_once(world, endpoint):
    from connector_aws_eventbridge.inbox import queue_inboxes

    host, store, instances = world
    made = _instances(world, endpoint, {"wait_seconds": 0, "visibility_timeout": 30})
    handled: list[tuple[str, str]] = []
    poller = Poller(host, instances, store, lambda i, item: handled.append((i.id, item.dedupe_key)))
    assert poller.run_once().polled == 3  # set-up polls: three rules, one shared queue
    (inbox,) = queue_inboxes(host, instances, store, wait_seconds=1, visibility_timeout=30)
    conn = store.load_connection("acme", made[("acme", "orders")].connection_id)
    orders = [e["event_id"] for e in host.run(conn, "put_events", {"entries": [event(i) for i in range(12)]})["results"]]
    other = [e["event_id"] for e in host.run(conn, "put_events", {
        "entries": [event(i, source="com.example.other") for i in range(5)]})["results"]]

    assert poller.run_once(now=LATER).items == 0  # polls receive nothing: the messages wait for the dispatcher
    receives = Counter()
    original = inbox.receive

    def counted():
        receives["calls"] += 1
        return original()
    inbox.receive = counted
    dispatcher = InboxDispatcher(host, inbox, instances, lambda i, item: handled.append((i.id, item.dedupe_key)))
    _dispatch_until(dispatcher, lambda: len(handled) == 12 + 12 + 5)
    dispatcher.run_once()  # and nothing more comes

    by_instance = {key: sorted(k for i, k in handled if i == inst.id) for key, inst in made.items()}
    assert by_instance == {("acme", "orders"): sorted(orders), ("acme", "other"): sorted(other),
                           ("globex", "orders"): sorted(orders)}
    assert len(handled) == len(set(handled)) == 29  # every event exactly once per instance
    assert _queue_depth(endpoint, inbox.key) == 0  # every message deleted after its handler succeeded
    # 29 messages, 10 per receive: receive calls grow with the queue's messages, not with its instances.
    assert receives["calls"] <= 29 // 10 + 3 + 2
    assert {k: instances.get(k[0], v.id).delivered for k, v in made.items()} == {
        ("acme", "orders"): 12, ("acme", "other"): 5, ("globex", "orders"): 12}


def test_a_failing_handler_gets_its_events_again_and_the_others_are_not_repeated(world, endpoint):
    host, store, instances = world
    made, inbox = _set_up(world, endpoint)
    conn = store.load_connection("acme", made[("acme", "orders")].connection_id)
    ids = [e["event_id"] for e in host.run(conn, "put_events", {"entries": [event(i) for i in range(3)]})["results"]]
    failing = made[("globex", "orders")].id
    handled: list[tuple[str, str]] = []
    down = [True]

    def handler(instance, item):
        if instance.id == failing and down[0]:  # the first delivery to this instance fails, at its first item
            down[0] = False
            raise RuntimeError("the workflow engine is down")
        handled.append((instance.id, item.dedupe_key))

    dispatcher = InboxDispatcher(host, inbox, instances, handler)
    _dispatch_until(dispatcher, lambda: len(handled) == 6)
    assert sorted(k for i, k in handled if i == failing) == sorted(ids)  # came again after the timeout
    assert sorted(k for i, k in handled if i == made[("acme", "orders")].id) == sorted(ids)  # once, not repeated
    assert dispatcher.totals.failed >= 1
    stored = instances.get("globex", failing)
    assert stored.delivered == 3 and stored.last_error is None  # the retry succeeded and cleared the error
    assert _queue_depth(endpoint, inbox.key) == 0


def test_messages_of_a_deleted_instance_are_dropped_after_a_few_deliveries(world, endpoint):
    host, store, instances = world
    made, inbox = _set_up(world, endpoint)
    gone = made[("acme", "other")]
    instances.delete("acme", gone.id)  # without tearing its rule down: its events still arrive
    conn = store.load_connection("acme", made[("acme", "orders")].connection_id)
    host.run(conn, "put_events", {"entries": [event(1, source="com.example.other"), event(2)]})
    handled: list[str] = []
    dispatcher = InboxDispatcher(host, inbox, instances, lambda i, item: handled.append(i.id), orphan_receives=2)
    _dispatch_until(dispatcher, lambda: dispatcher.totals.dropped == 1)
    assert dispatcher.totals.dropped == 1
    assert sorted(handled) == sorted([made[("acme", "orders")].id, made[("globex", "orders")].id])
    assert _queue_depth(endpoint, inbox.key) == 0


def test_a_hand_written_message_naming_an_instance_of_another_queue_reaches_no_handler(world, endpoint):
    """An attack: anyone who may write to one queue names a trigger instance set up on another."""
    host, store, instances = world
    made, inbox = _set_up(world, endpoint)
    sqs = _sqs(endpoint)
    elsewhere = sqs.create_queue(QueueName="someone-elses-queue")["QueueUrl"]
    victim = made[("globex", "orders")].id
    forged = ('{"connector_core_rule": "x", "connector_core_trigger": "%s", "event": {"id": "forged-1", '
              '"source": "com.example.orders", "detail": {}}}' % victim)
    sqs.send_message(QueueUrl=elsewhere, MessageBody=forged)
    from connector_aws_eventbridge.inbox import QueueInbox

    other_inbox = QueueInbox(host, store.load_connection("acme", made[("acme", "orders")].connection_id),
                             elsewhere, wait_seconds=1, visibility_timeout=1)
    handled: list[str] = []
    dispatcher = InboxDispatcher(host, other_inbox, instances, lambda i, item: handled.append(item.dedupe_key),
                                 orphan_receives=2)
    _dispatch_until(dispatcher, lambda: dispatcher.totals.dropped == 1)
    assert handled == [] and dispatcher.totals.dropped == 1
    assert inbox.key != elsewhere


def test_a_disabled_instance_gets_its_events_once_it_is_enabled_again(world, endpoint):
    host, store, instances = world
    made, inbox = _set_up(world, endpoint)
    paused = made[("acme", "other")]
    instances.set_enabled("acme", paused.id, False)
    conn = store.load_connection("acme", paused.connection_id)
    (sent,) = [e["event_id"] for e in host.run(conn, "put_events", {
        "entries": [event(1, source="com.example.other")]})["results"]]
    handled: list[str] = []
    dispatcher = InboxDispatcher(host, inbox, instances, lambda i, item: handled.append(item.dedupe_key),
                                 orphan_receives=2)
    _dispatch_until(dispatcher, lambda: dispatcher.totals.left >= 3)  # received three times, never dropped
    assert handled == [] and dispatcher.totals.dropped == 0
    instances.set_enabled("acme", paused.id, True)
    _dispatch_until(dispatcher, lambda: handled == [sent])
    assert handled == [sent] and _queue_depth(endpoint, inbox.key) == 0
