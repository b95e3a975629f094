"""Test connection (one check each, with what to do) and the dropdowns' dynamic options."""

from __future__ import annotations

from .conftest import ACCOUNT


def _checks(result):
    return {c.name: c for c in result.checks}


def test_every_check_passes_against_a_working_account(host, conn):
    result = host.test(conn)
    assert result.ok, result.message
    assert [c.name for c in result.checks] == ["Credentials", "Account ID", "Region", "Event bus"]


def test_a_wrong_account_id_fails_its_check_and_says_what_to_do(host, make_conn):
    checks = _checks(host.test(make_conn(account_id="999999999999")))
    assert checks["Account ID"].status == "failed"
    assert ACCOUNT in checks["Account ID"].hint
    assert checks["Credentials"].status == "passed" and checks["Event bus"].status == "passed"


def test_no_account_id_skips_that_check(host, make_conn):
    result = host.test(make_conn(account_id=None))
    assert result.ok
    assert _checks(result)["Account ID"].status == "skipped"


def test_a_missing_configured_bus_fails_the_bus_check(host, make_conn):
    result = host.test(make_conn(event_bus="nope"))
    bus = _checks(result)["Event bus"]
    assert not result.ok and bus.status == "failed"
    assert "'nope'" in bus.message and "create it" in bus.hint


def test_an_unreachable_endpoint_fails_credentials_and_skips_the_rest(host, make_conn):
    import socket

    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = host.test(make_conn(endpoint_url=f"http://127.0.0.1:{port}"))
    checks = _checks(result)
    assert checks["Credentials"].status == "failed" and checks["Credentials"].hint
    assert [checks[n].status for n in ("Account ID", "Region", "Event bus")] == ["skipped"] * 3


def test_options_list_the_accounts_buses_rules_and_connections(host, conn):
    host.run(conn, "create_event_bus", {"name": "orders"})
    host.run(conn, "put_rule", {"name": "r1", "event_pattern": {"source": ["x"]}})
    created = host.run(conn, "create_connection", {"name": "c1", "authorization_type": "BASIC",
                                                   "basic": {"username": "u", "password": "Pass1234!"}})
    assert [o.value for o in host.options(conn, "event_bus")] == ["default", "orders"]
    assert [o.value for o in host.options(conn, "put_events.event_bus")] == ["default", "orders"]
    assert [o.value for o in host.options(conn, "put_targets.rule")] == ["r1"]
    assert [o.value for o in host.options(conn, "describe_rule.name")] == ["r1"]
    assert [(o.value, o.caption) for o in host.options(conn, "create_api_destination.connection_arn")] == [
        (created["arn"], "c1")]
    assert [o.value for o in host.options(conn, "delete_connection.name")] == ["c1"]
