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
    log.debug("LEAKY-PROBE-TEST uses %s", _secrets(connection))
    if connection["user"] == "raise":
        raise AuthenticationError(f"password {_secrets(connection)} refused", hint=f"not {_secrets(connection)}")
    if connection["user"] == "crash":
        raise RuntimeError(f"crashed on {_secrets(connection)}")
    return TestResult.from_checks([Check.failed("login", f"LEAKY-PROBE-LOGIN {_secrets(connection)} LEAKY-PROBE-END",
                                                f"check {_secrets(connection)}")])


@hookimpl
def connector_options(connection, field, context):
    raise RuntimeError(f"cannot list with {_secrets(connection)}")


def echo(connection, params, context):
    log.debug("LEAKY-PROBE-ECHO uses %s", _secrets(connection))
    logging.getLogger("botocore.endpoint").debug("LEAKY-PROBE-HTTP Authorization=%s", _secrets(connection))
    return {"ok": True}


def fail_plain(connection, params, context):
    raise RuntimeError(f"server said: bad password {_secrets(connection)}")


def fail_auth(connection, params, context):
    raise AuthenticationError(f"the key {_secrets(connection)} was refused", hint=f"replace {_secrets(connection)}")


def bad_output(connection, params, context):
    return {"ok": connection["password"].reveal()}


def find_leaks(*texts: str) -> list[str]:
    """The secret values of this plugin found in ``texts`` (empty: nothing leaked)."""
    return [secret for secret in SECRETS for text in texts if secret in text]


def cli_outputs(workdir: Path, connectors: list[str]) -> dict[str, str]:
    """Run the CLI's paths against ``test.leaky`` with --debug; stdout+stderr of each, by command.

    ``connectors`` is how to start the CLI, e.g. ``[sys.executable, "-c", "from connector_core.cli import main; main()"]``
    or ``[".venv/bin/connectors"]``. Every run registers this module with ``--plugin``.
    """
    import json
    import os
    import subprocess

    files = {}
    for user in ("alice", "raise", "crash"):
        files[user] = workdir / f"leaky-{user}.json"
        files[user].write_text(json.dumps({**VALUES, "user": user}))
    files["invalid"] = workdir / "leaky-invalid.json"
    files["invalid"].write_text(json.dumps({**VALUES, "password": PASSWORD * 2, "user": 5}))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")])}
    base = [*connectors, "--debug", "--plugin", "leaky_plugin"]
    runs = {
        "check": ["check", "test.leaky", "-c", files["alice"]],
        "check --json": ["check", "test.leaky", "-c", files["alice"], "--json"],
        "check invalid": ["check", "test.leaky", "-c", files["invalid"]],
        "check invalid --json": ["check", "test.leaky", "-c", files["invalid"], "--json"],
        "show": ["show", "test.leaky"],
        "form": ["form", "test.leaky"],
    }
    for user in ("alice", "raise", "crash"):
        runs[f"test {user}"] = ["test", "test.leaky", "-c", files[user]]
        runs[f"test {user} --json"] = ["test", "test.leaky", "-c", files[user], "--json"]
    for op in ("echo", "fail_plain", "fail_auth", "bad_output"):
        runs[f"run {op}"] = ["run", "test.leaky", op, "-c", files["alice"]]
        runs[f"run {op} --traceback"] = ["--traceback", "run", "test.leaky", op, "-c", files["alice"]]
    outputs = {}
    for name, args in runs.items():
        argv = base[:len(connectors)] + (["--traceback"] if args[0] == "--traceback" else []) + base[len(connectors):]
        argv += [str(a) for a in args if a != "--traceback"]
        done = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=workdir, timeout=60)
        outputs[name] = f"$ {' '.join(argv)}\n[exit {done.returncode}]\n{done.stdout}\n{done.stderr}"
    return outputs
