from __future__ import annotations

import pytest

pytest.importorskip("httpx2", reason="the HTTP toolkit needs the `http` extra: pip install -e '.[http]'")

from connector_core import Host, hookimpl  # noqa: E402

from . import server as local  # noqa: E402

MANIFEST = """
manifest_version: 1
id: test.rest
name: Test REST
version: 1.0.0
extends: [http.credentials]
operations:
  - id: call
    label: Call
    output:
      fields:
        - {key: result, label: Result, type: json}
  - id: items
    label: Items
    output:
      stream: true
      fields:
        - {key: id, label: Id, type: integer}
"""

#: Loopback allowed (the test server), short backoffs (no test waits long).
SETTINGS = {"net.allow_loopback": True, "aws.allow_loopback_endpoints": True,
            "http.backoff_base": 0.01, "http.backoff_max": 0.05}


class RestPlugin:
    """A REST connector whose operation body each test sets: ``plugin.action = fn(api, connection, context)``."""

    def __init__(self, tmp_path) -> None:
        self.path = tmp_path / "rest.yaml"
        self.path.write_text(MANIFEST)
        self.refreshed: list = []
        self.action = None

    @hookimpl
    def connector_manifests(self):
        return [str(self.path)]

    @hookimpl
    def connector_implementations(self):
        return {"call": self.call, "items": self.call}

    @hookimpl
    def connector_token_refreshed(self, connection, token):
        self.refreshed.append((connection.name, dict(token)))

    def call(self, connection, params, context):
        from connector_core.http import client

        result = self.action(client(connection, context), connection, context)
        return result if hasattr(result, "__next__") else {"result": result}  # a stream, or one value


@pytest.fixture
def server():
    srv = local.start()
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


@pytest.fixture
def plugin(tmp_path):
    return RestPlugin(tmp_path)


@pytest.fixture
def host(plugin):
    return Host(plugins=[plugin], settings=SETTINGS)


@pytest.fixture
def run(host, plugin):
    """``run(values, action, **run_kwargs)``: connect with ``values``, run ``action(api, connection, context)``."""

    def run(values, action, operation="call", **kwargs):
        plugin.action = action
        connection = values if not isinstance(values, dict) else host.connect("test.rest", values, name="c1")
        result = host.run(connection, operation, **kwargs)
        return result["result"] if operation == "call" else list(result)

    return run
