"""The aws.s3 plugin runs the plugin author's conformance suite, against the local emulator."""

from __future__ import annotations

from typing import Any

import connector_aws_s3.hooks

from connector_core import ConnectorError, Host
from connector_core.testing import ConnectorConformance

BUCKET = "conformance-bucket"


class TestS3Conformance(ConnectorConformance):
    plugin = connector_aws_s3.hooks
    connector_id = "aws.s3"
    connection_base = "aws_connection_values"
    good_connection = {"bucket": BUCKET, "force_path_style": True}
    bad_connection = {"bucket": "conformance-no-such-bucket", "force_path_style": True}
    operation_params = {
        "list_buckets": {},
        "put_object": {"key": "docs/a.txt", "text": "hello"},
        "get_object": {"key": "docs/a.txt"},
        "head_object": {"key": "docs/a.txt"},
        "list_objects": {"prefix": "docs/"},
        "put_object_tagging": {"key": "docs/a.txt", "tags": {"team": "data"}},
        "get_object_tagging": {"key": "docs/a.txt"},
        "presign_url": {"key": "docs/a.txt"},
    }
    # Every connection field, operation, input and output is documented (the default).
    hypothesis_examples = 30
    trigger_params = {"new_objects": {"prefix": "trigger/", "settle_seconds": 1}}

    def prepare(self, host: Host, good: dict[str, Any] | None) -> None:
        conn = host.connect(self.connector_id, good)
        try:
            host.run(conn, "create_bucket", {"bucket": BUCKET})
        except ConnectorError:
            pass  # made by an earlier test of this session

    def make_trigger_items(self, host: Host, good: dict[str, Any], trigger: str, params: dict[str, Any],
                           count: int) -> list[str]:
        """Put ``count`` new objects under the trigger's prefix; their dedupe keys as the listing dates them."""
        from datetime import datetime

        conn = host.connect(self.connector_id, good)
        keys = []
        for _ in range(count):
            key = f"{params['prefix']}{next(self._names)}.txt"
            host.run(conn, "put_object", {"key": key, "text": key})
            (listed,) = host.run(conn, "list_objects", {"prefix": key})
            ms = int(datetime.fromisoformat(listed["last_modified"]).timestamp() * 1000)
            keys.append(f"{key}@{ms}:{listed['etag']}")
        return keys

    _names = iter(range(10**9))
