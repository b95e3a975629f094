"""The aws.eventbridge plugin runs the plugin author's conformance suite, against the local emulator."""

from __future__ import annotations

from typing import Any

import connector_aws_eventbridge.hooks

from connector_core import ConnectorError, Host
from connector_core.testing import ConnectorConformance

BUS = "conformance-bus"
CONNECTION = "conformance-connection"


class TestEventBridgeConformance(ConnectorConformance):
    plugin = connector_aws_eventbridge.hooks
    connector_id = "aws.eventbridge"
    connection_base = "aws_connection_values"
    good_connection = {"account_id": "123456789012", "event_bus": BUS}
    bad_connection = {"account_id": "123456789012", "event_bus": "conformance-no-such-bus"}
    operation_params = {
        "list_event_buses": {},
        "put_events": {"entries": [{"source": "com.example.orders", "detail_type": "Order placed",
                                    "detail": {"id": 1}}]},
        "put_rule": {"name": "conformance-rule", "event_pattern": {"source": ["com.example.orders"]}},
        "list_rules": {},
        # A nested secret: the secrets check looks for its value in results, errors and logs.
        "create_connection": {"name": CONNECTION, "authorization_type": "API_KEY",
                              "api_key": {"key": "x-api-key", "value": "conformance-api-key-0123"}},
    }
    # Every connection field, operation, input and output is documented (the default).
    hypothesis_examples = 20
    trigger_params = {"events": {"event_pattern": {"source": ["com.example.trigger"]}, "wait_seconds": 1,
                                 "rule_name": "conformance-trigger"}}

    def prepare(self, host: Host, good: dict[str, Any] | None) -> None:
        conn = host.connect(self.connector_id, good)
        try:
            host.run(conn, "create_event_bus", {"name": BUS})
        except ConnectorError:
            pass  # made by an earlier test of this session
        try:  # operation_params creates it again in each test that runs them
            host.run(conn, "delete_connection", {"name": CONNECTION})
        except ConnectorError:
            pass


    def make_trigger_items(self, host: Host, good: dict[str, Any], trigger: str, params: dict[str, Any],
                           count: int) -> list[str]:
        """Put ``count`` matching events on the bus; their event ids are the dedupe keys."""
        conn = host.connect(self.connector_id, good)
        entries = [{"source": "com.example.trigger", "detail_type": "Made", "detail": {"n": n}} for n in range(count)]
        return [r["event_id"] for r in host.run(conn, "put_events", {"entries": entries})["results"]]
