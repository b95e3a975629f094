"""The toolkit through a real Host: a small third-party-style plugin that uses only the public API."""

from __future__ import annotations

import textwrap

import pytest

from connector_core import ErrorCode, Host, NotFoundError, OperationError, hookimpl
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
    def connector_requires(self):
        return ["connector_core.aws.plugin"]

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


# -- a third-party AWS plugin extends the toolkit through the contract ----------------------

SQS_MANIFEST = textwrap.dedent("""
    manifest_version: 1
    id: test.sqsprobe
    name: SQS probe
    version: 1.0.0
    extends: [aws.credentials]
    connection:
      fields:
        - {key: queue, label: Queue name, type: string, pattern: '[A-Za-z0-9_-]{1,80}'}
    iam_resources:
      "sqs:*": "arn:{partition}:sqs:{region}:{account}:{queue}"
    test_connection:
      iam_actions: [sqs:GetQueueUrl]
    operations:
      - id: queue_url
        label: Queue URL
        iam_actions: [sqs:GetQueueUrl]
        output:
          fields:
            - {key: url, label: URL, type: string, required: true}
""").lstrip()


def queue_url(connection, params, context):
    from connector_core.aws import aws_errors

    with aws_errors(connector=context.connector_id, action="sqs:GetQueueUrl", resource=connection["queue"]):
        return {"url": client(connection, context, "sqs").get_queue_url(QueueName=connection["queue"])["QueueUrl"]}


class SqsPlugin(ProbePlugin):
    __name__ = "sqsprobe"

    def __init__(self, manifest_path, codes):
        super().__init__(manifest_path)
        self.codes = codes

    @hookimpl
    def connector_implementations(self, connector_id):
        return {"queue_url": queue_url}

    @hookimpl
    def connector_error_codes(self):
        return self.codes


@pytest.fixture
def sqs_plugin(tmp_path):
    path = tmp_path / "sqsprobe.yaml"
    path.write_text(SQS_MANIFEST)
    return lambda codes: SqsPlugin(path, codes)


def test_a_plugin_maps_its_services_error_codes_to_typed_errors(sqs_plugin, moto_reset):
    codes = {"AWS.SimpleQueueService.NonExistentQueue": ErrorCode(NotFoundError, "check the queue name")}
    host = Host(plugins=[sqs_plugin(codes)], settings={"aws.allow_loopback_endpoints": True})
    connection = host.connect("test.sqsprobe", stored(moto_reset, queue="no-such-queue"))
    with pytest.raises(NotFoundError) as caught:
        host.run(connection, "queue_url")
    assert caught.value.code == "AWS.SimpleQueueService.NonExistentQueue"
    assert caught.value.hint == "check the queue name" and "no-such-queue" in caught.value.message


def test_without_the_mapping_the_same_error_stays_generic(sqs_plugin, moto_reset):
    host = Host(plugins=[sqs_plugin({})], settings={"aws.allow_loopback_endpoints": True})
    connection = host.connect("test.sqsprobe", stored(moto_reset, queue="no-such-queue"))
    with pytest.raises(OperationError) as caught:
        host.run(connection, "queue_url")
    assert type(caught.value) is OperationError and caught.value.code == "AWS.SimpleQueueService.NonExistentQueue"


def test_a_third_party_plugin_scopes_its_own_iam_resources(sqs_plugin):
    from connector_core.authoring.policy import policy_for

    host = Host(plugins=[sqs_plugin({})])
    policy = policy_for(host, "test.sqsprobe", [], {"queue": "orders", "region": "cn-north-1", "account_id": "1"})
    (statement,) = policy["Statement"]
    assert statement["Action"] == ["sqs:GetQueueUrl"]
    assert statement["Resource"] == "arn:aws-cn:sqs:cn-north-1:*:orders"  # account_id is no field here


def test_the_toolkit_declares_its_settings_with_descriptions(probe):
    host = Host(plugins=[probe], settings={"aws.read_timeout": 7})
    info = host.settings_help()
    assert info["aws.read_timeout"]["value"] == 7 and info["aws.read_timeout"]["default"] == 30
    assert info["aws.allow_default_chain"]["plugin"] == "connector_core.aws.plugin"
    assert all(entry["description"] for entry in info.values())
    assert host.settings["aws.max_clients"] == 128  # the default, from the toolkit
