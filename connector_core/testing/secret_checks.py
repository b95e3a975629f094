"""The secrets check: secret values never appear where a user or a log could see them."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from connector_core import ConnectorError, Manifest
from connector_core.manifest import Section
from connector_core.secret_forms import secret_forms
from connector_core.secrets import Secret, dumps

from .subject import Problem, Subject, connect, consume, unloadable


def secret_values(manifest: Manifest, connection_values: Iterable[Mapping[str, Any] | None],
                  params: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """Literal secret values in the test's connections and sample params: value -> field name."""
    found: dict[str, str] = {}
    for values in connection_values:
        found.update(_section_secrets(manifest.connection, values or {}, "connection field"))
    for op_id, op_params in params.items():
        try:
            section = manifest.operation(op_id).input
        except KeyError:
            continue
        found.update(_section_secrets(section, op_params, f"operation {op_id!r} input"))
    return found


def _section_secrets(section: Section, values: Mapping[str, Any], where: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for f in section.fields:
        value = values.get(f.key)
        if f.type == "secret" and isinstance(value, str) and len(value) >= 4:
            found[value] = f"{where} {f.key!r}"
        elif f.type == "keyvalue" and isinstance(value, list):
            for item in value:
                if isinstance(item, Mapping) and item.get("is_value_secret") and isinstance(item.get("value"), str):
                    found[item["value"]] = f"{where} {f.key!r} (secret value of {item.get('key')!r})"
        elif f.type == "object" and f.section is not None and isinstance(value, Mapping):
            found.update(_section_secrets(f.section, value, f"{where} {f.key!r} >"))
    return found


class SecretScan:
    """Collects texts the user could see and reports any that contains a secret."""

    def __init__(self, secrets: Mapping[str, str]) -> None:
        self.secrets = dict(secrets)
        # Every encoding the value may be written in (JSON-escaped, URL-encoded, base64...).
        self._forms = {value: sorted(secret_forms(value), key=len, reverse=True) for value in self.secrets}
        self.problems: list[Problem] = []

    def look(self, where: str, text: str, fix: str) -> None:
        for value, field_name in self.secrets.items():
            form = next((f for f in self._forms[value] if len(f) >= 4 and f in text), None)
            if form is not None:
                shown = " ".join(text.replace(form, f"<{field_name}>").split())
                if len(shown) > 300:
                    shown = shown[:300] + "..."
                self.problems.append(Problem(where, f"shows the value of secret {field_name} in: {shown}", fix))


def check_secrets(s: Subject, good: Mapping[str, Any] | None, bad: Mapping[str, Any] | None,
                  params: Mapping[str, Mapping[str, Any]], log_records: Any) -> list[Problem] | None:
    """Secret values never appear in reprs, errors, test results, operation results or logs.

    ``log_records`` is called at the end and returns the log records captured meanwhile.
    Returns None when the test's values hold no secret to look for.
    """
    manifest = s.loaded()
    if manifest is None:
        return [unloadable(s)]
    secrets = secret_values(manifest, (good, bad), params)
    if not secrets:
        return None
    scan = SecretScan(secrets)
    connections = []
    for what, values in (("good_connection", good), ("bad_connection", bad)):
        if values is None:
            continue
        problems: list[Problem] = []
        conn = connect(s, values, what, problems)
        if conn is None:
            return problems
        connections.append(conn)
        scan.look(f"repr() of the {what} Connection", repr(conn), "keep secrets in Secret fields (type: secret)")
        scan.look(f"{what}.to_dict()", dumps(conn.to_dict()), "declare the field as `type: secret`")
        for key, value in conn.items():
            if not isinstance(value, Secret):
                scan.look(f"{what} value {key!r}", dumps(value), "declare the field as `type: secret`")
        _scan_errors(s, scan, values, what)
        result = s.host.test(conn)
        scan.look(f"test-connection result for {what}", f"{result!r} {dumps(result.to_dict())}",
                  "never put credentials in Check names, messages or hints")
    if connections:
        for op_id, op_params in params.items():
            if op_id not in manifest.operation_ids:
                continue
            where = f"operation {op_id!r}"
            try:
                output = consume(s.host.run(connections[0], op_id, dict(op_params)))
                scan.look(f"the result of {where}", dumps(output),
                          "never return secret values; declare outputs that must carry one as absent")
            except ConnectorError as exc:
                scan.look(f"the error of {where}", f"{exc} {exc!r} {dumps(exc.to_dict())}",
                          "build error messages without the secret (the toolkits' error mappers do)")
    for record in log_records():
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            text += "\n" + record.exc_text
        scan.look(f"log record of logger {record.name!r} ({record.levelname})", text,
                  "log Secret objects (they print as **********), never secret.reveal(); register every "
                  "value you reveal for an SDK (which logs its requests at DEBUG) or derive at run time "
                  "with context.add_secret(value) first")
        # Structured-logging handlers (JSON logs) print `extra=` fields, which no message mask covers.
        extra = {k: v for k, v in vars(record).items() if k not in _STANDARD_RECORD_KEYS}
        if extra:
            scan.look(f"the extra fields of a log record of logger {record.name!r}", repr(extra),
                      "never pass revealed secrets in a log call's `extra=` (JSON log handlers print them)")
    return _unique(scan.problems)


_STANDARD_RECORD_KEYS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


def _scan_errors(s: Subject, scan: SecretScan, values: Mapping[str, Any], what: str) -> None:
    """Validation errors must not echo values: type each secret into the wrong places."""
    manifest = s.loaded()
    assert manifest is not None
    wrong = dict(values)
    for secret in list(scan.secrets)[:1]:
        wrong["not_a_field"] = secret
        for f in manifest.connection.fields:
            if f.type in ("string", "enum", "url", "integer", "boolean"):
                wrong[f.key] = secret
    try:
        s.host.connect(s.connector_id, wrong)
    except ConnectorError as exc:
        scan.look(f"the validation error for a mistyped {what}", f"{exc} {dumps(exc.to_dict())}",
                  "validation messages must not repeat the value given")


def _unique(problems: list[Problem]) -> list[Problem]:
    seen, out = set(), []
    for p in problems:
        if (p.where, p.what) not in seen:
            seen.add((p.where, p.what))
            out.append(p)
    return out
