"""The AWS fragment's rules (the Boomi region rule, auth modes), requires_connection and outputs."""

from __future__ import annotations

import pytest

from connector_core import OperationError, ValidationError

AWS_CONNECTOR = """
manifest_version: 1
id: test.aws
name: AWS test
version: 1.0.0
extends: [aws.credentials]
connection:
  fields:
    - {key: account_id, label: Account ID, type: string, pattern: '[0-9]{12}'}
operations:
  - id: put
    label: Put
    requires_connection: [account_id]
    input:
      fields:
        - {key: n, label: N, type: integer, default: 2}
    output:
      fields:
        - {key: account, label: Account, type: string}
  - id: listing
    label: Listing
    input:
      fields:
        - {key: n, label: N, type: integer, default: 2}
    output:
      stream: true
      fields:
        - {key: i, label: I, type: integer}
"""

KEYS = {"access_key_id": "AKIAIOSFODNN7EXAMPLE", "secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}


def _impls(stream_items=None):
    def put(connection, params, context):
        return {"account": connection["account_id"]}

    def listing(connection, params, context):
        yield from (stream_items if stream_items is not None else ({"i": i} for i in range(params["n"])))

    return {"put": put, "listing": listing}


@pytest.fixture
def host(make_host):
    return make_host(AWS_CONNECTOR, _impls())


def test_custom_region_is_required_only_when_region_is_custom(host):
    with pytest.raises(ValidationError) as info:
        host.connect("test.aws", {**KEYS, "region": "custom"})
    assert info.value.errors == {"custom_region": ["is required when region is 'custom'"]}
    conn = host.connect("test.aws", {**KEYS, "region": "custom", "custom_region": "xx-future-1"})
    assert (conn["region"], conn["custom_region"]) == ("custom", "xx-future-1")
    assert "custom_region" not in host.connect("test.aws", {**KEYS, "region": "eu-west-1"})


def test_when_both_are_given_and_region_is_not_custom_the_dropdown_wins(host):
    conn = host.connect("test.aws", {**KEYS, "region": "eu-west-1", "custom_region": "xx-future-1"})
    assert conn["region"] == "eu-west-1"
    assert "custom_region" not in conn  # the connection does not carry it


@pytest.mark.parametrize("stale", ["Not A Region", None, 12, {"x": 1}])
def test_a_hidden_field_is_ignored_whatever_it_holds(host, stale):
    """A stock form keeps (and submits) what a field held before it was hidden: not the user's choice."""
    conn = host.connect("test.aws", {**KEYS, "region": "eu-west-1", "custom_region": stale,
                                     "role_arn": stale, "private_key": stale})
    assert conn["region"] == "eu-west-1"
    assert not {"custom_region", "role_arn", "private_key"} & set(conn)


def test_auth_mode_rules_report_every_missing_field(host):
    assert host.connect("test.aws", KEYS)["auth_mode"] == "static"  # the default mode
    with pytest.raises(ValidationError) as info:
        host.connect("test.aws", {})
    assert info.value.errors == {"access_key_id": ["is required when auth_mode is 'static'"],
                                 "secret_access_key": ["is required when auth_mode is 'static'"]}
    with pytest.raises(ValidationError) as info:
        host.connect("test.aws", {"auth_mode": "roles_anywhere"})
    assert set(info.value.errors) == {"role_arn", "profile_arn", "trust_anchor_arn", "certificate", "private_key"}
    with pytest.raises(ValidationError) as info:
        host.connect("test.aws", {"auth_mode": "assume_role", "region": "nowhere-1"})
    assert set(info.value.errors) == {"role_arn", "region"}


def test_fields_hidden_by_the_auth_mode_are_not_carried(host):
    conn = host.connect("test.aws", {"auth_mode": "assume_role", "role_arn": "arn:aws:iam::123456789012:role/r",
                                     "profile_arn": "arn:aws:rolesanywhere:us-east-1:123456789012:profile/p"})
    assert "profile_arn" not in conn and conn["role_session_name"] == "connector-core"


def test_requires_connection_is_enforced_by_run(host):
    conn = host.connect("test.aws", KEYS)
    with pytest.raises(ValidationError) as info:
        host.run(conn, "put", {})
    assert info.value.errors == {"connection.account_id": ["is required for put"]}
    assert "account_id" in info.value.hint
    # Operations that do not need it run without it.
    assert list(host.run(conn, "listing", {})) == [{"i": 0}, {"i": 1}]
    with_account = host.connect("test.aws", {**KEYS, "account_id": "123456789012"})
    assert host.run(with_account, "put", {}) == {"account": "123456789012"}


def test_a_streamed_bad_item_is_an_operation_error_naming_the_connector(make_host):
    host = make_host(AWS_CONNECTOR, _impls([{"i": 1}, {"i": "two"}]))
    items = host.run(host.connect("test.aws", KEYS), "listing", {})
    assert next(items) == {"i": 1}
    with pytest.raises(OperationError) as info:
        next(items)
    assert info.value.connector == "test.aws" and "listing returned a result" in info.value.message


def test_unknown_operation_and_connector_say_what_exists(host):
    from connector_core import NotFoundError

    conn = host.connect("test.aws", KEYS)
    with pytest.raises(NotFoundError) as info:
        host.run(conn, "pot", {})
    assert "put" in info.value.hint and "listing" in info.value.hint
    with pytest.raises(NotFoundError) as info:
        host.connect("test.awz", {})
    assert "test.aws" in info.value.hint
