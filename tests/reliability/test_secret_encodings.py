"""The secret-encoding hunt: no secret is readable in any log or output, in any encoding.

Secrets of every character class are planted in every secret connection field and every
secret operation input of both connectors (EventBridge connections: Basic, API key,
OAuth, and secret key/value parameters). Each carries an ASCII-only token; operations run
against moto with botocore's DEBUG logs on, and through the CLI with ``--debug``. The
token of a secret found anywhere is a leak: it means the secret was written in an
encoding the masker did not know (botocore writes JSON bodies inside a bytes repr, so
``ö`` becomes ``\\\\u00f6``).
"""

from __future__ import annotations

import base64
import json
import logging
import subprocess
import sys
import traceback
from urllib.parse import quote_plus, urlencode

import pytest

from connector_core import ConnectorError, Host, hookimpl
from tests.conftest import emulator_values

from .counts import record

#: The character classes a secret may hold; each planted secret has one, after its token.
CLASSES = {
    "ascii": "Plain0123",
    "non-ascii": "UNICöDE中✓",
    "quotes": "q\"uo'te",
    "backslash": "back\\slash\\u00f6",
    "newline": "new\nline\r\t",
    "spaces": "  sp a ce  ",
    "url-special": "+/=&%?#;",
    "everything": "ö\"'\\\n +/=&%中",
}
SETTINGS = {"aws.allow_loopback_endpoints": True, "aws.max_attempts": 1}
USERNAME = "plant-user"


def planted(where: str, cls: str) -> str:
    """A secret for ``where``: an ASCII token unique to it, then the class's characters."""
    token = "TOK" + base64.b32encode(f"{where}|{cls}".encode()).decode().rstrip("=")[:20]
    return token + CLASSES[cls]


def token_of(secret: str) -> str:
    return secret[:23]


def _keyvalues(prefix: str, cls: str) -> list[dict]:
    return [{"key": "x-plain", "value": "visible", "is_value_secret": False},
            {"key": "x-secret", "value": planted(f"{prefix}", cls), "is_value_secret": True}]


def _http_parameters(prefix: str, cls: str) -> dict:
    return {part: _keyvalues(f"{prefix}.{part}", cls) for part in ("body", "header", "query_string")}


def connection_inputs(cls: str, name: str) -> list[tuple[str, dict]]:
    """(operation, params) that put a planted secret in every secret input of EventBridge."""
    invocation = _http_parameters("invocation", cls)
    return [
        ("create_connection", {"name": f"{name}-basic", "authorization_type": "BASIC",
                               "basic": {"username": USERNAME, "password": planted("basic.password", cls)},
                               "invocation_http_parameters": invocation}),
        ("create_connection", {"name": f"{name}-key", "authorization_type": "API_KEY",
                               "api_key": {"key": "x-api-key", "value": planted("api_key.value", cls)}}),
        ("create_connection", {"name": f"{name}-oauth", "authorization_type": "OAUTH_CLIENT_CREDENTIALS",
                               "oauth": {"authorization_endpoint": "https://auth.example.com/token",
                                         "http_method": "POST",
                                         "client_parameters": {"client_id": "plant-client",
                                                               "client_secret": planted("oauth.secret", cls)},
                                         "oauth_http_parameters": _http_parameters("oauth", cls)}}),
        ("update_connection", {"name": f"{name}-basic",
                               "basic": {"username": USERNAME, "password": planted("update.password", cls)}}),
        ("update_connection", {"name": f"{name}-key", "api_key": {"value": planted("update.api_key", cls)}}),
    ]


def secrets_in(value) -> list[str]:
    """Every planted secret in a structure of params (strings starting with TOK)."""
    if isinstance(value, str):
        return [value] if value.startswith("TOK") else []
    if isinstance(value, dict):
        return [s for v in value.values() for s in secrets_in(v)]
    if isinstance(value, list):
        return [s for v in value for s in secrets_in(v)]
    return []


def hunt(texts: dict[str, str], secrets: list[str]) -> list[str]:
    """Where an ASCII token (or a base64 Basic credential) of a secret is readable."""
    found = []
    for secret in secrets:
        needles = {token_of(secret), base64.b64encode(f"{USERNAME}:{secret}".encode()).decode()}
        for where, text in texts.items():
            for needle in needles:
                if needle in text:
                    found.append(f"{where}: {text[max(0, text.index(needle) - 60):text.index(needle) + 80]!r}")
    return found


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append(self.format(record))


class HttpLikeLogger:
    """Owns nothing; wraps each run and logs the secrets as an HTTP library would send them.

    Form bodies and query strings (OAuth client secrets), Basic auth headers, a JSON body
    in a bytes repr: a third-party REST connector's SDK logs these at DEBUG.
    """

    __name__ = "http_like_logger"

    @hookimpl(wrapper=True)
    def connector_run(self, params):
        log = logging.getLogger("urllib3.connectionpool")
        for secret in (s.reveal() for s in _secret_objects(params)):
            log.debug("POST /token body=%s", urlencode({"client_secret": secret, "grant_type": "x"}))
            log.debug("GET /x?key=%s", quote_plus(secret))
            log.debug("headers: %r", {"Authorization": "Basic " + base64.b64encode(f"{USERNAME}:{secret}".encode()).decode()})
            log.debug("body: %r", json.dumps({"secret": secret}).encode())
            log.debug("body: %r", json.dumps({"secret": secret}, ensure_ascii=False).encode())
            log.debug("params: %r", {"secret": secret})
        return (yield)


def _secret_objects(value):
    from connector_core import Secret

    if isinstance(value, Secret):
        yield value
    elif isinstance(value, dict) or hasattr(value, "items"):
        for v in value.values():
            yield from _secret_objects(v)
    elif isinstance(value, list):
        for v in value:
            yield from _secret_objects(v)


@pytest.fixture
def debug_logs():
    handler = _Collect()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    for name in ("botocore", "urllib3", "boto3"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(old_level)


@pytest.mark.parametrize("cls", sorted(CLASSES))
def test_no_secret_of_any_class_is_readable_in_logs_or_outputs_of_either_connector(moto_endpoint, debug_logs, cls):
    import connector_aws_eventbridge.hooks
    import connector_aws_s3.hooks

    host = Host(plugins=[connector_aws_eventbridge.hooks, connector_aws_s3.hooks, HttpLikeLogger()],
                settings=SETTINGS)
    assert host.load_failures() == []
    outputs: dict[str, str] = {}
    secrets: list[str] = []
    # Connection secrets: the secret key and the session token, for both connectors.
    conn_secrets = {"secret_access_key": planted("secret_access_key", cls),
                    "session_token": planted("session_token", cls)}
    secrets += conn_secrets.values()
    connections = {}
    for connector_id in ("aws.eventbridge", "aws.s3"):
        values = emulator_values(moto_endpoint, **conn_secrets)
        if connector_id == "aws.eventbridge":
            values["account_id"] = "123456789012"
        else:
            values["force_path_style"] = True
        connections[connector_id] = conn = host.connect(connector_id, values)
        outputs[f"{connector_id} connection"] = f"{conn!r} {json.dumps(conn.to_dict())}"
        result = host.test(conn)
        outputs[f"{connector_id} test"] = f"{result!r} {json.dumps(result.to_dict())}"
    for s3_op, s3_params in (("list_buckets", {}), ("create_bucket", {"bucket": f"plant-{len(cls)}"})):
        _run(host, connections["aws.s3"], s3_op, s3_params, outputs)

    # Operation secrets: every secret input of EventBridge's connection operations, with
    # plain static keys (secrets with a newline cannot travel in a signed header).
    plain = host.connect("aws.eventbridge", emulator_values(moto_endpoint, account_id="123456789012"))
    for operation, params in connection_inputs(cls, f"plant-{cls}"):
        secrets += secrets_in(params)
        _run(host, plain, operation, params, outputs)

    outputs["logs"] = "\n".join(debug_logs.texts)
    assert any("botocore" in t for t in debug_logs.texts), "botocore's DEBUG logs were not captured"
    assert any(f"{USERNAME}" in t for t in debug_logs.texts)  # the operations really sent the inputs
    found = hunt(outputs, secrets)
    record("secrets masked in every encoding (API, moto, botocore DEBUG)", cases=len(secrets), failures=len(found))
    assert found == []


def _run(host: Host, conn, operation: str, params: dict, outputs: dict[str, str]) -> None:
    key = f"{operation} {sorted(params)}"
    try:
        result = host.run(conn, operation, params)
        outputs[key] = json.dumps(result, default=str)
    except ConnectorError as exc:
        outputs[key] = f"{exc} {exc!r} {json.dumps(exc.to_dict())} {''.join(traceback.format_exception(exc))}"


@pytest.mark.parametrize("cls", ["everything", "non-ascii", "backslash"])
def test_no_secret_is_readable_in_the_cli_debug_output(moto_endpoint, tmp_path, cls):
    conn_file = tmp_path / "conn.json"
    conn_file.write_text(json.dumps(emulator_values(moto_endpoint, account_id="123456789012")))
    secrets: list[str] = []
    outputs: dict[str, str] = {}
    for n, (operation, params) in enumerate(connection_inputs(cls, f"cli-{cls}")):
        secrets += secrets_in(params)
        input_file = tmp_path / f"input{n}.json"
        input_file.write_text(json.dumps(params, ensure_ascii=n % 2 == 0))
        argv = [sys.executable, "-c", "from connector_core.cli import main; main()", "--debug",
                "--setting", "aws.allow_loopback_endpoints=true", "--setting", "aws.max_attempts=1",
                "run", "aws.eventbridge", operation, "-c", str(conn_file), "-i", str(input_file)]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd=tmp_path)
        outputs[f"{operation} #{n}"] = f"[exit {done.returncode}]\n{done.stdout}\n{done.stderr}"
    text = "\n".join(outputs.values())
    assert "botocore" in text and "DEBUG" in text, text[-2000:]
    found = hunt(outputs, secrets)
    record("secrets masked in every encoding (CLI --debug)", cases=len(secrets), failures=len(found))
    assert found == []
