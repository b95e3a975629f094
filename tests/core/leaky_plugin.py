"""A deliberately careless plugin: it logs, raises and reports its secrets everywhere it can.

Used by test_secret_leaks.py (API paths) and usable by the CLI's leak test:
``PYTHONPATH=tests/core connectors --plugin leaky_plugin --debug ...``. The host must
keep every one of these values out of output, logs and exceptions.
"""

from __future__ import annotations

import logging
from pathlib import Path

from connector_core import AuthenticationError, Check, TestResult, hookimpl

#: The secret values a connection of ``test.leaky`` is given; none may ever be shown.
PASSWORD = "Leak-Canary-8c41f2e9d7"
PARAM_SECRET = "Leak-KV-Canary-55aa31"
SECRETS = (PASSWORD, PARAM_SECRET)

#: Connection values using them (``user`` picks how the test-connection hook misbehaves).
VALUES = {"user": "alice", "password": PASSWORD,
          "params": [{"key": "api-key", "value": PARAM_SECRET, "is_value_secret": True}]}

MANIFEST = Path(__file__).with_name("leaky_plugin.yaml")
log = logging.getLogger("leaky_plugin")


def _secrets(connection) -> str:
    return f"{connection['password'].reveal()} / {connection['params'][0]['value'].reveal()}"


@hookimpl
def connector_manifests():
    return [MANIFEST]


@hookimpl
def connector_implementations():
    return {"echo": echo, "fail_plain": fail_plain, "fail_auth": fail_auth, "bad_output": bad_output}


@hookimpl
def connector_test_connection(connection, context):
    log.debug("testing with %s", _secrets(connection))
    if connection["user"] == "raise":
        raise AuthenticationError(f"password {_secrets(connection)} refused", hint=f"not {_secrets(connection)}")
    if connection["user"] == "crash":
        raise RuntimeError(f"crashed on {_secrets(connection)}")
    return TestResult.from_checks([Check.failed("login", f"login with {_secrets(connection)} failed",
                                                f"check {_secrets(connection)}")])


@hookimpl
def connector_options(connection, field, context):
    raise RuntimeError(f"cannot list with {_secrets(connection)}")


def echo(connection, params, context):
    log.debug("echo with %s", _secrets(connection))
    logging.getLogger("botocore.endpoint").debug("Sending http request: Authorization=%s", _secrets(connection))
    return {"ok": True}


def fail_plain(connection, params, context):
    raise RuntimeError(f"server said: bad password {_secrets(connection)}")


def fail_auth(connection, params, context):
    raise AuthenticationError(f"the key {_secrets(connection)} was refused", hint=f"replace {_secrets(connection)}")


def bad_output(connection, params, context):
    return {"ok": connection["password"].reveal()}
