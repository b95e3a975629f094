"""Credential modes: static keys, STS AssumeRole (refreshable), default chain gating, masking."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

import pytest
from botocore.client import BaseClient

from .conftest import static_values
from connector_core.aws import client, session_for
from connector_core.aws import credentials as credentials_module
from connector_core.aws import refresh as refresh_module
from connector_core.aws.credentials import credentials_for, identity_of
from connector_core.connection import Connection
from connector_core.errors import ConfigurationError
from connector_core.secrets import MASK, Secret

ROLE = "arn:aws:iam::123456789012:role/integration"


def assume_role_values(endpoint, **extra):
    return static_values(endpoint, auth_mode="assume_role", role_arn=ROLE, session_duration=900, **extra)


@pytest.fixture
def sts_calls(monkeypatch):
    """Every AssumeRole request's parameters, as sent to STS."""
    calls = []
    real = BaseClient._make_api_call

    def spy(self, operation, params):
        if operation == "AssumeRole":
            calls.append(dict(params))
        return real(self, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", spy)
    return calls


@pytest.fixture
def clock(monkeypatch):
    """A clock the refreshable credentials read; tests move it forward instead of sleeping."""
    now = [refresh_module._now()]
    monkeypatch.setattr(refresh_module, "_now", lambda: now[0])
    return now


def frozen(conn, host):
    return session_for(conn, host.context()).get_credentials().get_frozen_credentials()


def test_static_keys_with_session_token(host, moto_reset):
    conn = Connection("aws.s3", static_values(moto_reset, session_token=Secret("FwoGZXIvYXdzEXAMPLETOKEN")))
    creds = frozen(conn, host)
    assert (creds.access_key, creds.token) == ("AKIAIOSFODNN7EXAMPLE", "FwoGZXIvYXdzEXAMPLETOKEN")
    assert host.masker.mask("x FwoGZXIvYXdzEXAMPLETOKEN y") == f"x {MASK} y"
    assert host.masker.mask("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY") == MASK


def test_static_without_secret_says_what_to_fill(host):
    values = static_values(None)
    del values["secret_access_key"]
    with pytest.raises(ConfigurationError, match="secret key"):
        credentials_for(Connection("aws.s3", values), host.context())


def test_assume_role_uses_sts_with_every_field(host, moto_reset, sts_calls):
    conn = Connection("aws.s3", assume_role_values(moto_reset, external_id="tenant-42", role_session_name="wf-7"))
    arn = client(conn, host.context(), "sts").get_caller_identity()["Arn"]
    assert arn == "arn:aws:sts::123456789012:assumed-role/integration/wf-7"
    assert sts_calls == [
        {"RoleArn": ROLE, "RoleSessionName": "wf-7", "DurationSeconds": 900, "ExternalId": "tenant-42"}
    ]


def test_assumed_credentials_are_masked_in_logs(host, moto_reset, installed_masker, debug_logs):
    conn = Connection("aws.s3", assume_role_values(moto_reset))
    creds = frozen(conn, host)
    assert creds.access_key.startswith("ASIA")
    logging.getLogger("tenant.workflow").warning("creds %s %s", creds.secret_key, creds.token)
    line = next(r for r in debug_logs if r.startswith("creds"))
    assert creds.secret_key not in line and creds.token not in line and MASK in line


def test_assume_role_refreshes_before_expiry(host, moto_reset, clock, sts_calls):
    conn = Connection("aws.s3", assume_role_values(moto_reset))
    first = frozen(conn, host)
    clock[0] += timedelta(seconds=60)
    assert frozen(conn, host).access_key == first.access_key  # far from expiry: no new call
    assert len(sts_calls) == 1
    clock[0] += timedelta(seconds=900 - 60 - 100)  # 100 s before expiry: inside the refresh window
    second = frozen(conn, host)
    assert second.access_key != first.access_key and len(sts_calls) == 2
    # moto dates the new set from the real clock: go back to it, so the set is fresh.
    clock[0] = datetime.now(timezone.utc)
    # The cached client signs with the refreshed credentials: no expired-token failure.
    c = client(conn, host.context(), "s3")
    c.create_bucket(Bucket="refreshed-bucket")
    signer_key = c._request_signer._credentials.get_frozen_credentials().access_key
    assert signer_key == frozen(conn, host).access_key != first.access_key


def test_mandatory_refresh_blocks_until_new_credentials(host, moto_reset, clock, sts_calls):
    conn = Connection("aws.s3", assume_role_values(moto_reset))
    c = client(conn, host.context(), "s3")
    c.list_buckets()
    first = frozen(conn, host)
    clock[0] += timedelta(seconds=900 - 30)  # 30 s left: below the mandatory window
    c.list_buckets()
    assert len(sts_calls) == 2 and frozen(conn, host).access_key != first.access_key


def test_refresh_window_scales_with_short_sessions():
    assert refresh_module._session_timeouts(900) == (225, 150)
    assert refresh_module._session_timeouts(3600) == (900, 600)


def test_assume_role_without_keys_needs_the_default_chain(host, moto_reset):
    values = assume_role_values(moto_reset)
    del values["access_key_id"], values["secret_access_key"]
    with pytest.raises(ConfigurationError, match="aws.allow_default_chain") as info:
        client(Connection("aws.s3", values), host.context(), "s3")
    assert "access key" in info.value.hint


def test_assume_role_from_the_default_chain_when_allowed(make_host, moto_reset, sts_calls):
    host = make_host({"net.allow_loopback": True, "aws.allow_default_chain": True})
    values = assume_role_values(moto_reset)
    del values["access_key_id"], values["secret_access_key"]
    arn = client(Connection("aws.s3", values), host.context(), "sts").get_caller_identity()["Arn"]
    assert arn.endswith(":assumed-role/integration/connector-core") and len(sts_calls) == 1


def test_default_chain_refused_unless_allowed(host, make_host, moto_reset):
    conn = Connection("aws.s3", {"auth_mode": "default_chain", "region": "us-east-1", "endpoint_url": moto_reset})
    with pytest.raises(ConfigurationError, match="does not allow"):
        client(conn, host.context(), "s3")
    allowed = make_host({"net.allow_loopback": True, "aws.allow_default_chain": True})
    creds = session_for(conn, allowed.context()).get_credentials().get_frozen_credentials()
    assert creds.access_key == "testing"  # the (fake) environment of the host


def test_unknown_auth_mode(host):
    with pytest.raises(ConfigurationError, match="unknown auth mode"):
        credentials_for(Connection("aws.s3", {"auth_mode": "magic", "region": "us-east-1"}), host.context())


def test_identity_depends_on_credentials_only():
    base = static_values("http://127.0.0.1:1")
    assert identity_of(Connection("aws.s3", base)) == identity_of(
        Connection("aws.eventbridge", {**base, "region": "eu-west-1", "bucket": "x"})
    )
    assert identity_of(Connection("aws.s3", base)) != identity_of(
        Connection("aws.s3", {**base, "secret_access_key": Secret("another-secret-key-value")})
    )
    # For session modes the STS endpoint and region decide the session too.
    role = assume_role_values("http://127.0.0.1:1")
    assert identity_of(Connection("x", role)) != identity_of(Connection("x", {**role, "region": "eu-west-1"}))


def test_identity_does_not_show_the_secret():
    ident = identity_of(Connection("aws.s3", static_values(None)))
    assert "wJalr" not in ident and len(ident) == 32
