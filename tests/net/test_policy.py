"""NetworkPolicy: settings, URL checks, and the connect function that closes DNS rebinding."""

from __future__ import annotations

import ipaddress
import socket
import warnings

import pytest

from connector_core import net
from connector_core.aws.endpoints import network_policy
from connector_core.errors import ConfigurationError
from connector_core.net import NetworkPolicy

LOOPBACK = NetworkPolicy(allow_loopback=True)


def test_defaults_refuse_loopback_and_private():
    policy = NetworkPolicy.from_settings({})
    assert (policy.allow_loopback, policy.allow_private) == (False, False)
    assert policy.connect_timeout == 10


def test_net_settings_are_read_including_cli_strings():
    policy = NetworkPolicy.from_settings(
        {"net.allow_loopback": "true", "net.allow_private": True, "net.connect_timeout": 2})
    assert policy == NetworkPolicy(allow_loopback=True, allow_private=True, connect_timeout=2.0)


def test_aws_names_are_deprecated_aliases_that_warn_once():
    net._warn_deprecated.cache_clear()
    with pytest.warns(DeprecationWarning, match="aws.allow_loopback_endpoints is deprecated; use net.allow_loopback"):
        policy = network_policy({"aws.allow_loopback_endpoints": True, "net.allow_loopback": False})
    assert policy.allow_loopback and not policy.allow_private
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        network_policy({"aws.allow_loopback_endpoints": True})  # no second warning
        network_policy({"aws.allow_loopback_endpoints": False})  # an alias left off never warns
    with pytest.warns(DeprecationWarning, match="use net.allow_private"):
        assert network_policy({"aws.allow_private_endpoints": True}).allow_private


def test_the_core_policy_does_not_read_toolkit_names():
    assert not NetworkPolicy.from_settings({"aws.allow_loopback_endpoints": True}).allow_loopback


def test_check_url_returns_what_the_socket_will_use(fake_dns):
    fake_dns["api.example.com"] = ["93.184.216.34"]
    policy = NetworkPolicy()
    assert policy.check_url("https://API.example.com/v1?x=1") == ("https", "api.example.com", 443)
    assert policy.check_url("http://api.example.com:8080") == ("http", "api.example.com", 8080)
    assert policy.check_url("HTTPS://[2606:4700::1111]:8443/") == ("https", "2606:4700::1111", 8443)


def test_refusals_name_the_field_and_the_fix():
    with pytest.raises(ConfigurationError) as info:
        NetworkPolicy().check_url("http://127.0.0.1:9000", what="base URL")
    assert str(info.value) == ("the base URL points at 127.0.0.1, a loopback address "
                               "(remove the base URL, or have the host administrator set net.allow_loopback)")
    with pytest.raises(ConfigurationError, match=r"proxy URL contains a user name or password") as info:
        LOOPBACK.check_url("http://user:pw@127.0.0.1:3128", what="proxy")
    assert "credential fields" in info.value.hint


def test_check_address_accepts_strings_and_objects():
    assert LOOPBACK.check_address("::1") == ipaddress.IPv6Address("::1")
    with pytest.raises(ConfigurationError, match="never allowed"):
        LOOPBACK.check_address(ipaddress.ip_address("169.254.169.254"), what="webhook")
    with pytest.raises(ConfigurationError, match="not an IP address"):
        LOOPBACK.check_address("example.com")


def test_create_connection_connects_to_an_allowed_address(listener, connects):
    sock = LOOPBACK.create_connection(("127.0.0.1", listener), timeout=3,
                                      socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])
    with sock:
        assert sock.getpeername() == ("127.0.0.1", listener)
        assert sock.gettimeout() == 3
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    assert connects == [("127.0.0.1", listener)]


def test_create_connection_without_timeout_uses_the_policy_timeout(listener):
    with NetworkPolicy(allow_loopback=True, connect_timeout=4).create_connection(("localhost", listener)) as sock:
        assert sock.gettimeout() == 4
    with LOOPBACK.create_connection(("127.0.0.1", listener), timeout=None) as sock:
        assert sock.gettimeout() is None


def test_create_connection_refuses_before_connecting(listener, connects):
    with pytest.raises(ConfigurationError, match="net.allow_loopback"):
        NetworkPolicy().create_connection(("127.0.0.1", listener))
    with pytest.raises(ConfigurationError, match="never allowed"):
        LOOPBACK.create_connection(("169.254.169.254", 80))
    with pytest.raises(ConfigurationError, match="never allowed"):
        LOOPBACK.create_connection(("[::ffff:a9fe:a9fe]", 80))
    assert connects == []


def test_dns_rebinding_is_refused_at_connect_time(fake_dns, listener, connects):
    """The name is public when the URL is checked and the metadata address when the socket opens."""
    answers = iter([["93.184.216.34"], ["169.254.169.254"]])
    fake_dns["rebind.example"] = lambda: next(answers)
    policy = NetworkPolicy()
    assert policy.check_url("http://rebind.example/") == ("http", "rebind.example", 80)
    with pytest.raises(ConfigurationError, match="169.254.169.254, a link-local or instance-metadata"):
        policy.create_connection(("rebind.example", 80), timeout=1)
    assert connects == []


def test_every_resolved_address_must_pass(fake_dns, connects):
    """A resolver may rotate its answers: one refused address refuses the name."""
    fake_dns["mixed.example"] = ["127.0.0.1", "10.0.0.7"]
    with pytest.raises(ConfigurationError, match="10.0.0.7"):
        LOOPBACK.create_connection(("mixed.example", 80))
    assert connects == []


def test_the_connected_peer_is_checked(monkeypatch, listener):
    """Belt and braces: a socket layer that lands elsewhere than asked (a transparent
    redirect, a patched resolver) is caught on getpeername."""
    monkeypatch.setattr(socket.socket, "getpeername", lambda self: ("169.254.169.254", 80))
    with pytest.raises(ConfigurationError, match="never allowed"):
        LOOPBACK.create_connection(("127.0.0.1", listener), timeout=2)


def test_unreachable_address_is_an_os_error(fake_dns):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    with pytest.raises(ConnectionRefusedError):
        LOOPBACK.create_connection(("127.0.0.1", port), timeout=2)


def test_urllib_opener_connects_through_the_policy(fake_dns, connects):
    """For code on urllib.request (the Roles Anywhere exchange): same checks, same connect."""
    import http.server
    import threading

    class Ok(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Ok)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    answers = iter([["127.0.0.1"], ["169.254.169.254"]])
    fake_dns["flaky.example"] = lambda: next(answers)
    try:
        with LOOPBACK.build_opener().open(f"http://flaky.example:{port}/", timeout=3) as response:
            assert response.status == 204
        with pytest.raises(ConfigurationError, match="flaky.example resolved to 169.254.169.254"):
            LOOPBACK.build_opener().open(f"http://flaky.example:{port}/", timeout=3)
        with pytest.raises(ConfigurationError, match="net.allow_loopback"):
            NetworkPolicy().build_opener().open(f"http://127.0.0.1:{port}/", timeout=3)
    finally:
        server.shutdown()
        server.server_close()
    assert connects == [("127.0.0.1", port)]


def test_a_host_starts_from_the_strict_policy():
    from connector_core import Host

    settings = Host().settings
    assert {k: settings[k] for k in net.DEFAULTS} == dict(net.DEFAULTS)
    assert NetworkPolicy.from_settings(settings) == NetworkPolicy()


def test_a_misspelt_setting_of_the_core_is_refused_naming_the_closest_ones():
    from connector_core import Host

    with pytest.raises(ConfigurationError) as refused:
        Host(settings={"net.allow_loopbak": True})
    assert "unknown host setting 'net.allow_loopbak' (did you mean net.allow_loopback" in str(refused.value)
    with pytest.raises(ConfigurationError, match="'secrets.allow_reference' .did you mean secrets.allow_references"):
        Host.discover(settings={"secrets.allow_reference": False})
    # Other namespaces are the plugins' and host components' own: passed on as given.
    host = Host(settings={"net.allow_loopback": True, "web.run_timeout": 60, "acme.timeout": 3})
    assert NetworkPolicy.from_settings(host.settings).allow_loopback and host.settings["acme.timeout"] == 3
