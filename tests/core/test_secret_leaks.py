"""No secret value appears in any output, log record or exception of the API paths.

The plugin (leaky_plugin.py) is careless on purpose: it logs its secrets at DEBUG,
puts them in exception messages, hints and check results. The host must mask them.
"""

from __future__ import annotations

import json
import logging
import traceback

import leaky_plugin
import pytest
from leaky_plugin import PASSWORD, VALUES, cli_outputs, find_leaks

from connector_core import ConnectorError, Host, ValidationError


def _exception_texts(exc: BaseException) -> list[str]:
    texts = [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
    if isinstance(exc, ConnectorError):
        texts.append(json.dumps(exc.to_dict()))
    return texts


@pytest.fixture
def host():
    host = Host(plugins=[leaky_plugin])
    assert host.load_failures() == []
    return host


def test_no_secret_in_any_output_log_or_exception(host, caplog):
    outputs: list[str] = []
    errors: list[BaseException] = []

    def attempt(fn, *args, **kwargs):
        try:
            result = fn(*args, **kwargs)
        except Exception as exc:  # every error is collected and inspected
            errors.append(exc)
            return None
        outputs.append(repr(result))
        outputs.append(json.dumps(result.to_dict()) if hasattr(result, "to_dict") else repr(result))
        return result

    with caplog.at_level(logging.DEBUG):
        logging.getLogger().setLevel(logging.DEBUG)
        conn = attempt(host.connect, "test.leaky", VALUES, name="leaky connection")
        attempt(host.connect, "test.leaky", {**VALUES, "password": PASSWORD * 2, "user": 5})
        attempt(host.connect, "test.leaky", {**VALUES, "surplus": PASSWORD})
        attempt(host.test, conn)
        for user in ("raise", "crash"):
            attempt(host.test, host.connect("test.leaky", {**VALUES, "user": user}))
        for op in ("echo", "fail_plain", "fail_auth", "bad_output"):
            attempt(host.run, conn, op, {})
        attempt(host.run, conn, "echo", {"unexpected": PASSWORD})
        attempt(host.options, conn, "bucket")
        outputs += [repr(conn), str(conn), json.dumps(conn.to_dict()), conn.fingerprint]

    assert len(errors) == 7, [type(e).__name__ for e in errors]
    assert {type(e).__name__ for e in errors} >= {"ValidationError", "OperationError", "AuthenticationError"}
    # The plugin did log its secrets, and the host did see them in errors.
    assert any("LEAKY-PROBE-TEST" in r.getMessage() for r in caplog.records)
    assert any("LEAKY-PROBE-HTTP" in r.getMessage() for r in caplog.records)

    log_text = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    assert find_leaks(log_text) == [], "a secret was logged"
    assert find_leaks(*outputs) == [], "a secret was returned"
    for exc in errors:
        assert find_leaks(*_exception_texts(exc)) == [], f"a secret is in {type(exc).__name__}: {exc}"


def test_a_failed_test_connection_keeps_its_message_but_not_the_secret(host):
    result = host.test(host.connect("test.leaky", VALUES))
    assert not result.ok
    (check,) = result.checks
    assert check.message.startswith("LEAKY-PROBE-LOGIN ") and check.message.endswith(" LEAKY-PROBE-END")
    assert find_leaks(check.message, check.hint or "", result.message) == []


def test_a_plugin_error_keeps_its_type_and_hint_shape(host):
    conn = host.connect("test.leaky", VALUES)
    from connector_core import AuthenticationError

    with pytest.raises(AuthenticationError) as info:
        host.run(conn, "fail_auth", {})
    assert info.value.message.startswith("the key ") and info.value.message.endswith(" was refused")
    assert info.value.hint.startswith("replace ")
    assert find_leaks(*_exception_texts(info.value)) == []


def test_validation_never_echoes_a_secret_given_in_the_wrong_place(host):
    with pytest.raises(ValidationError) as info:
        host.connect("test.leaky", {"user": ["x"], "password": PASSWORD * 3,
                                    "params": [{"key": "k", "value": PASSWORD, "is_value_secret": "yes"}]})
    assert set(info.value.errors) == {"user", "password", "params[0].is_value_secret"}
    assert find_leaks(*_exception_texts(info.value)) == []


def test_no_secret_in_any_cli_output_debug_log_or_traceback(tmp_path):
    import sys

    outputs = cli_outputs(tmp_path, [sys.executable, "-c", "from connector_core.cli import main; main()"])
    # The paths really ran: the careless plugin was reached and logged at DEBUG.
    assert "[exit 0]" in outputs["check"] and "[exit 1]" in outputs["check invalid"]
    assert "LEAKY-PROBE-TEST" in outputs["test alice"] and "Traceback" in outputs["run fail_plain --traceback"]
    assert "[exit 1]" in outputs["run fail_auth"] and "error:" in outputs["run fail_auth"]
    leaks = {name: find_leaks(text) for name, text in outputs.items() if find_leaks(text)}
    assert leaks == {}, "\n\n".join(outputs[name] for name in leaks)
