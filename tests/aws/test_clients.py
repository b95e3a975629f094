"""The client cache: configuration, sharing, threads, bounds, rebuild after expired tokens."""

from __future__ import annotations

import gc
import socket
import threading
import weakref

import pytest
from botocore.stub import Stubber

from .conftest import static_values
from connector_core.aws import client, session_for
from connector_core.aws.clients import ClientCache, client_cache
from connector_core.aws.errors import aws_errors
from connector_core.connection import Connection
from connector_core.errors import AuthenticationError, ConfigurationError
from connector_core.secrets import Secret


def test_client_has_explicit_config(host, moto_reset):
    host.settings.update({"aws.connect_timeout": 2, "aws.read_timeout": 7, "aws.max_attempts": 5})
    c = client(Connection("aws.s3", static_values(moto_reset)), host.context(), "s3")
    assert c.meta.config.connect_timeout == 2
    assert c.meta.config.read_timeout == 7
    assert c.meta.config.retries == {"mode": "standard", "total_max_attempts": 5}
    assert c.meta.config.user_agent_extra.startswith("connector-core/")
    assert c.meta.region_name == "us-east-1"
    assert c.meta.endpoint_url == moto_reset


def test_defaults_are_far_below_botocores(host, moto_reset):
    c = client(Connection("aws.s3", static_values(moto_reset)), host.context(), "s3")
    assert (c.meta.config.connect_timeout, c.meta.config.read_timeout) == (5, 30)
    assert c.meta.config.retries["total_max_attempts"] == 3


def test_path_style_and_proxy(host, moto_reset):
    values = static_values(moto_reset, force_path_style=True, proxy_url="http://127.0.0.1:3128")
    c = client(Connection("aws.s3", values), host.context(), "s3")
    assert c.meta.config.s3 == {"addressing_style": "path"}
    assert c.meta.config.proxies == {"http": "http://127.0.0.1:3128", "https": "http://127.0.0.1:3128"}
    # force_path_style is an S3 setting only.
    assert client(Connection("aws.s3", values), host.context(), "sqs").meta.config.s3 is None


def test_config_overrides_make_a_distinct_client(host, moto_reset):
    conn = Connection("aws.s3", static_values(moto_reset))
    plain = client(conn, host.context(), "s3")
    wide = client(conn, host.context(), "s3", max_pool_connections=32)
    assert wide is not plain and wide.meta.config.max_pool_connections == 32
    assert client(conn, host.context(), "s3", max_pool_connections=32) is wide


def test_custom_region_rule_reaches_the_client(host, moto_reset):
    values = static_values(moto_reset, region="custom", custom_region="ap-southeast-7")
    assert client(Connection("aws.s3", values), host.context(), "s3").meta.region_name == "ap-southeast-7"


def test_fresh_connection_from_stored_values_hits_the_cache(host, moto_reset):
    stored = Connection("aws.s3", static_values(moto_reset)).to_storage()
    first = client(Connection("aws.s3", {**stored, "secret_access_key": Secret(stored["secret_access_key"])}),
                   host.context(), "s3")
    for _ in range(5):
        again = Connection("aws.s3", {**stored, "secret_access_key": Secret(stored["secret_access_key"])})
        assert client(again, host.context("aws.s3", "head_bucket"), "s3") is first
    assert client_cache(host.context()).clients_built == 1


def test_one_session_per_credential_identity(host, moto_reset):
    s3 = Connection("aws.s3", static_values(moto_reset, bucket="x"))
    events = Connection("aws.eventbridge", static_values(moto_reset, account_id="123456789012"))
    other = Connection("aws.s3", static_values(moto_reset, access_key_id="AKIAOTHERKEY0000000"))
    assert session_for(s3, host.context()) is session_for(events, host.context())
    assert session_for(other, host.context()) is not session_for(s3, host.context())


def test_static_keys_are_used_not_the_environment(host, moto_reset):
    c = client(Connection("aws.s3", static_values(moto_reset)), host.context(), "sts")
    creds = c._request_signer._credentials.get_frozen_credentials()
    assert creds.access_key == "AKIAIOSFODNN7EXAMPLE"  # the conftest's env has "testing"


def test_sixteen_threads_build_exactly_one_client(host, moto_reset):
    cache = client_cache(host.context())
    barrier = threading.Barrier(16)
    got, errors = [], []

    def worker():
        try:
            conn = Connection("aws.s3", static_values(moto_reset))
            barrier.wait()
            got.append(client(conn, host.context(), "s3"))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(got) == 16 and len({id(c) for c in got}) == 1
    assert cache.clients_built == 1 and cache.sessions_built == 1


def test_cache_is_bounded_and_evicted_clients_are_freed(make_host, moto_reset):
    host = make_host({"net.allow_loopback": True, "aws.max_clients": 3})
    cache = client_cache(host.context())
    refs = []
    for i in range(12):
        conn = Connection("aws.s3", static_values(moto_reset, access_key_id=f"AKIAKEY{i:013d}"))
        refs.append(weakref.ref(client(conn, host.context(), "s3")))
    gc.collect()
    assert len(cache) == 3
    alive = [r for r in refs if r() is not None]
    assert len(alive) <= 3, f"{len(alive)} clients still in memory with max_clients=3"
    assert len(cache._sessions) <= 3


def test_lru_keeps_the_recently_used(make_host, moto_reset):
    host = make_host({"net.allow_loopback": True, "aws.max_clients": 2})
    conns = [Connection("aws.s3", static_values(moto_reset, region=r)) for r in ("us-east-1", "eu-west-1", "us-west-2")]
    first = client(conns[0], host.context(), "s3")
    client(conns[1], host.context(), "s3")
    assert client(conns[0], host.context(), "s3") is first  # used again: now the most recent
    client(conns[2], host.context(), "s3")  # evicts eu-west-1, not us-east-1
    assert client(conns[0], host.context(), "s3") is first


@pytest.mark.parametrize("code", ["ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId", "RequestExpired"])
def test_entry_rebuilt_after_stale_token_error(host, moto_reset, code):
    conn = Connection("aws.s3", static_values(moto_reset))
    old = client(conn, host.context(), "s3")
    old_session = session_for(conn, host.context())
    with Stubber(old) as stub:
        stub.add_client_error("head_bucket", service_error_code=code, http_status_code=400)
        with pytest.raises(AuthenticationError):
            with aws_errors(connector="aws.s3", action="s3:ListBucket", resource="bucket-1"):
                old.head_bucket(Bucket="bucket-1")
    new = client(conn, host.context(), "s3")
    assert new is not old
    assert session_for(conn, host.context()) is not old_session


def test_other_errors_keep_the_client(host, moto_reset):
    conn = Connection("aws.s3", static_values(moto_reset))
    old = client(conn, host.context(), "s3")
    with Stubber(old) as stub:
        stub.add_client_error("head_bucket", service_error_code="NoSuchBucket", http_status_code=404)
        with pytest.raises(Exception):
            old.head_bucket(Bucket="bucket-1")
    assert client(conn, host.context(), "s3") is old


def test_endpoint_policy_refuses_before_a_client_exists(monkeypatch):
    from .conftest import HostLike

    host = HostLike({})  # loopback not allowed
    opened = []
    monkeypatch.setattr(socket.socket, "connect", lambda self, a: opened.append(a))
    for url in ("http://127.0.0.1:4566", "http://0xa9fea9fe/", "http://[::ffff:169.254.169.254]/"):
        with pytest.raises(ConfigurationError):
            client(Connection("aws.s3", static_values(url)), host.context(), "s3").list_buckets()
    with pytest.raises(ConfigurationError, match="proxy"):
        client(Connection("aws.s3", static_values(None, proxy_url="http://169.254.169.254:80")),
               host.context(), "s3")
    assert opened == [] and len(client_cache(host.context())) == 0


def test_cache_rejects_a_zero_bound():
    with pytest.raises(ValueError):
        ClientCache(0)


def test_client_works_end_to_end(host, moto_reset):
    c = client(Connection("aws.s3", static_values(moto_reset)), host.context(), "s3")
    c.create_bucket(Bucket="bucket-1")
    assert [b["Name"] for b in c.list_buckets()["Buckets"]] == ["bucket-1"]
