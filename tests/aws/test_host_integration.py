"""The toolkit through a real Host: a small third-party-style plugin that uses only the public API."""

from __future__ import annotations

import textwrap

import pytest

from connector_core import Host, hookimpl
from connector_core.aws import caller_identity, check_account, client
from connector_core.errors import ConfigurationError
from connector_core.results import TestResult

MANIFEST = textwrap.dedent("""
    manifest_version: 1
    id: test.awsprobe
    name: AWS probe
    version: 1.0.0
    extends: [aws.credentials]
    connection:
      fields:
        - key: account_id
          label: AWS Account ID
          type: string
          pattern: '[0-9]{12}'
    operations:
      - id: whoami
        label: Who am I
        iam_actions: [sts:GetCallerIdentity]
        output:
          fields:
            - {key: account, label: Account, type: string, required: true}
            - {key: client_id, label: Client object id, type: integer, required: true}
""").lstrip()


def whoami(connection, params, context):
    sts = client(connection, context, "sts")
    return {"account": caller_identity(connection, context)["account"], "client_id": id(sts)}


class ProbePlugin:
    __name__ = "awsprobe"

    def __init__(self, manifest_path):
        self.manifest_path = manifest_path

    @hookimpl
    def connector_manifests(self):
        return [self.manifest_path]

    @hookimpl
    def connector_implementations(self, connector_id):
        return {"whoami": whoami}

    @hookimpl
    def connector_test_connection(self, connector_id, connection, context):
        return TestResult.from_checks([check_account(connection, context, connection.get("account_id"))])


@pytest.fixture
def probe(tmp_path):
    path = tmp_path / "awsprobe.yaml"
    path.write_text(MANIFEST)
    return ProbePlugin(path)


def stored(endpoint, **extra):
    return {"auth_mode": "static", "access_key_id": "AKIAIOSFODNN7EXAMPLE",
            "secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "region": "us-east-1",
            "endpoint_url": endpoint, **extra}


def test_fresh_connections_per_request_share_one_client(probe, moto_reset):
    host = Host(plugins=[probe], settings={"net.allow_loopback": True})
    results = [host.run(host.connect("test.awsprobe", stored(moto_reset)), "whoami") for _ in range(5)]
    assert {r["account"] for r in results} == {"123456789012"}
    assert len({r["client_id"] for r in results}) == 1


def test_host_default_settings_refuse_loopback(probe, moto_reset):
    host = Host(plugins=[probe])
    with pytest.raises(ConfigurationError, match="net.allow_loopback"):
        host.run(host.connect("test.awsprobe", stored(moto_reset)), "whoami")


def test_test_connection_reports_account_mismatch(probe, moto_reset):
    host = Host(plugins=[probe], settings={"net.allow_loopback": True})
    good = host.test(host.connect("test.awsprobe", stored(moto_reset, account_id="123456789012")))
    assert good.ok
    bad = host.test(host.connect("test.awsprobe", stored(moto_reset, account_id="210987654321")))
    assert not bad.ok and "belong to account 123456789012, not 210987654321" in bad.message


def test_region_choices_reach_the_form(probe):
    host = Host(plugins=[probe])
    form = host.form("test.awsprobe")
    text = repr(form)
    assert "cn-north-1" in text and "US East (N. Virginia)" in text and "custom" in text
