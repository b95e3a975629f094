"""The account ID from STS GetCallerIdentity, and the "account ID matches" check."""

from __future__ import annotations

import pytest
from botocore.client import BaseClient

from .conftest import static_values
from connector_core.aws import caller_identity, check_account
from connector_core.connection import Connection


@pytest.fixture
def identity_calls(monkeypatch):
    calls = []
    real = BaseClient._make_api_call

    def spy(self, operation, params):
        if operation == "GetCallerIdentity":
            calls.append(operation)
        return real(self, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", spy)
    return calls


def test_caller_identity_asked_once_per_identity(host, moto_reset, identity_calls):
    conn = Connection("aws.eventbridge", static_values(moto_reset))
    who = caller_identity(conn, host.context())
    assert who["account"] == "123456789012" and who["arn"].startswith("arn:aws:")
    assert set(who) == {"account", "arn", "user_id"}
    again = caller_identity(Connection("aws.s3", static_values(moto_reset)), host.context())
    assert again == who and identity_calls == ["GetCallerIdentity"]


def test_assumed_role_identity(host, moto_reset):
    conn = Connection("aws.s3", static_values(moto_reset, auth_mode="assume_role",
                                              role_arn="arn:aws:iam::123456789012:role/app", session_duration=900))
    assert caller_identity(conn, host.context())["arn"].endswith(":assumed-role/app/connector-core")


def test_account_matches(host, moto_reset):
    check = check_account(Connection("x", static_values(moto_reset)), host.context(), "123456789012")
    assert check.status == "passed" and "123456789012" in check.message


def test_account_mismatch_says_what_to_do(host, moto_reset):
    check = check_account(Connection("x", static_values(moto_reset)), host.context(), "999999999999")
    assert check.status == "failed"
    assert check.message == "the credentials belong to account 123456789012, not 999999999999"
    assert "AWS Account ID" in check.hint


def test_no_expected_account_is_skipped(host, moto_reset):
    assert check_account(Connection("x", static_values(moto_reset)), host.context(), None).status == "skipped"


def test_unreadable_identity_is_a_failed_check(make_host):
    host = make_host({})  # loopback refused: the policy error becomes the check's message
    check = check_account(Connection("x", static_values("http://127.0.0.1:4566")), host.context(), "123456789012")
    assert check.status == "failed" and "loopback" in check.message and "net.allow_loopback" in check.hint
