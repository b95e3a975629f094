"""The conformance checks, as plain functions returning problems.

Each check takes a :class:`Subject` (a host with the plugin under test) and returns a
list of :class:`Problem`: where (the operation or field), what is wrong, and what to
fix. :mod:`.conformance` turns them into pytest tests; nothing here depends on pytest.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from connector_core import ConnectorError, Manifest, Option, TestResult

from .form_checks import check_forms_agree, check_forms_valid, form_targets
from .secret_checks import check_secrets, secret_values
from .subject import (
    Problem,
    Subject,
    connect,
    consume,
    is_operation_mismatch,
    unloadable,
)

_UNEXPECTED_TEST = "the connector's test failed unexpectedly"

__all__ = [
    "DOC_LEVELS", "Problem", "Subject", "check_documented", "check_forms_agree", "check_forms_valid",
    "check_manifest_loads", "check_operations_match", "check_operations_run", "check_options",
    "check_secrets", "check_test_connection", "dynamic_fields", "form_targets", "result_problems",
    "secret_values",
]

# -- manifest -------------------------------------------------------------------------


def check_manifest_loads(s: Subject) -> list[Problem]:
    """The plugin registers, its manifest parses and validates, and it declares the connector."""
    problems = []
    for failure in s.host.load_failures():
        if is_operation_mismatch(failure):
            continue  # check_operations_match reports it
        hint = getattr(failure.error, "hint", None)
        problems.append(Problem(
            f"plugin {failure.plugin!r}", f"does not load: {failure.reason}",
            hint or "correct the manifest or hook named above; `connectors validate-manifest FILE` "
                    "checks a manifest on its own"))
    if not problems and s.loaded() is None and s.declared() is None:
        known = ", ".join(m.id for m in s.host.connectors()) or "none"
        problems.append(Problem(
            f"connector {s.connector_id!r}", f"is not declared by the plugin (it declares: {known})",
            "return the manifest from connector_manifests(), and make its `id:` match the test's "
            "connector_id"))
    return problems


DOC_LEVELS = ("connection", "operations", "inputs", "outputs")


def check_documented(s: Subject, levels: Iterable[str] = DOC_LEVELS) -> list[Problem]:
    """Every field and operation has a label; help/description at the levels asked for."""
    manifest = s.declared()
    if manifest is None:
        return [unloadable(s)]
    levels = set(levels)
    src = manifest.source
    problems = []
    if not (manifest.description or "").strip():
        problems.append(Problem(f"connector {manifest.id!r}", "has no description",
                                f"add a one-paragraph `description:` at the top of {src}"))
    for f in manifest.connection.fields:
        where = f"connection field {f.key!r}"
        if not (f.label or "").strip():
            problems.append(Problem(where, "has no label", f"add `label:` to the field in {src}"))
        if "connection" in levels and not (f.help or "").strip():
            problems.append(Problem(where, "has no help text",
                                    f"add `help:` (a sentence saying what to enter) to the field in {src}"))
    for op in manifest.operations:
        where = f"operation {op.id!r}"
        if not (op.label or "").strip():
            problems.append(Problem(where, "has no label", f"add `label:` to the operation in {src}"))
        if "operations" in levels and not (op.description or "").strip():
            problems.append(Problem(where, "has no description",
                                    f"add `description:` (what the operation does) to it in {src}"))
        for f in op.input.fields:
            fwhere = f"operation {op.id!r}, input field {f.key!r}"
            if not (f.label or "").strip():
                problems.append(Problem(fwhere, "has no label", f"add `label:` to the field in {src}"))
            if "inputs" in levels and not (f.help or "").strip():
                problems.append(Problem(fwhere, "has no help text", f"add `help:` to the field in {src}"))
        for f in op.output.fields:
            fwhere = f"operation {op.id!r}, output field {f.key!r}"
            if not (f.label or "").strip():
                problems.append(Problem(fwhere, "has no label", f"add `label:` to the field in {src}"))
            if "outputs" in levels and not (f.help or "").strip():
                problems.append(Problem(fwhere, "has no help text",
                                        f"add `help:` (what the value means) to the field in {src}"))
    return problems



# -- operations -----------------------------------------------------------------------


def check_operations_match(s: Subject) -> list[Problem]:
    """Declared operations are implemented, implementations are declared, and all import."""
    problems = []
    for failure in s.host.load_failures():
        if is_operation_mismatch(failure):
            problems.append(Problem(
                f"plugin {failure.plugin!r}", failure.reason,
                "make connector_implementations() return exactly one implementation per operation "
                "`id` in the manifest (add the missing ones, remove or declare the extra ones)"))
    manifest = s.loaded()
    if problems or manifest is None:
        return problems or [unloadable(s)]
    for op_id in sorted(manifest.operation_ids):
        try:
            fn = s.host.implementation(s.connector_id, op_id)
        except ConnectorError as exc:
            problems.append(Problem(f"operation {op_id!r}", exc.message,
                                    "correct the 'package.module:function' string in connector_implementations()"))
            continue
        if not callable(fn):
            problems.append(Problem(f"operation {op_id!r}", f"implementation {fn!r} is not callable",
                                    "point it at a function fn(connection, params, context)"))
    return problems


def check_operations_run(s: Subject, values: Mapping[str, Any] | None,
                         params: Mapping[str, Mapping[str, Any]]) -> list[Problem]:
    """Each operation given sample params runs and returns what its manifest declares."""
    manifest = s.loaded()
    if manifest is None:
        return [unloadable(s)]
    problems: list[Problem] = []
    conn = connect(s, values, "good_connection", problems)
    if conn is None:
        return problems
    for op_id, op_params in params.items():
        if op_id not in manifest.operation_ids:
            problems.append(Problem(f"operation_params[{op_id!r}]", "names no operation of the manifest",
                                    "use one of: " + ", ".join(manifest.operation_ids)))
            continue
        try:
            consume(s.host.run(conn, op_id, dict(op_params)))
        except ConnectorError as exc:
            problems.append(Problem(f"operation {op_id!r}", f"failed with the sample params: {exc}",
                                    "fix the implementation, or the sample params in operation_params"))
    return problems



# -- test connection ------------------------------------------------------------------


def check_test_connection(s: Subject, values: Mapping[str, Any] | None, *, expect_ok: bool) -> list[Problem]:
    """"Test connection" returns a well-formed TestResult: ok for good values, failed for bad."""
    what = "good_connection" if expect_ok else "bad_connection"
    if s.loaded() is None:
        return [unloadable(s)]
    problems: list[Problem] = []
    conn = connect(s, values, what, problems)
    if conn is None:
        return problems
    where = f"connector_test_connection with {what}"
    try:
        result = s.host.test(conn)
    except ConnectorError as exc:
        return [Problem(where, str(exc), "return a connector_core.TestResult (TestResult.from_checks([...]))")]
    problems += result_problems(where, result)
    if problems:
        return problems
    if expect_ok and not result.ok:
        problems.append(Problem(where, f"failed: {result.message}",
                                "fix the plugin's test, or give working values in good_connection "
                                "(connection_base names a toolkit fixture pointing the connection at a local stand-in)"))
    if not expect_ok and result.ok:
        problems.append(Problem(where, f"passed ({result.message}), but these values must fail",
                                "make the test really reach the service with the credentials (a bad key "
                                "or a missing resource must be a failed Check), or correct bad_connection"))
    return problems


def result_problems(where: str, result: Any) -> list[Problem]:
    """What makes a TestResult ill-formed, each with its fix."""
    if not isinstance(result, TestResult):
        return [Problem(where, f"returned {type(result).__name__}, not a TestResult",
                        "return TestResult.from_checks([Check.passed(...), ...])")]
    problems = []
    for check in result.checks:
        if check.status == "failed" and check.name == "test" and check.message.startswith(_UNEXPECTED_TEST):
            problems.append(Problem(where, "raised an exception instead of returning a failed Check "
                                           f"({check.message})",
                                    "catch expected failures (bad key, missing resource, wrong region) and "
                                    "return Check.failed(name, message, hint) for each"))
            return problems
    if not result.checks:
        problems.append(Problem(where, "returned a TestResult with no checks",
                                "return one Check per step (credentials, resource access, ...)"))
    for check in result.checks:
        if not isinstance(check.name, str) or not check.name.strip():
            problems.append(Problem(where, f"a check has no name ({check!r})", "name every Check"))
        if check.status == "failed" and not (check.message or "").strip():
            problems.append(Problem(where, f"failed check {check.name!r} has no message",
                                    "say what is wrong: Check.failed(name, message, hint)"))
        if check.status == "failed" and not (check.hint or "").strip():
            problems.append(Problem(where, f"failed check {check.name!r} has no hint",
                                    "say what the user should do: Check.failed(name, message, hint=...)"))
    if not isinstance(result.message, str) or not result.message.strip():
        problems.append(Problem(where, "the TestResult has no message",
                                "build it with TestResult.from_checks(...), which writes one"))
    try:
        json.dumps(result.to_dict())
    except (TypeError, ValueError) as exc:
        problems.append(Problem(where, f"the result is not JSON-serializable ({exc})",
                                "use strings in Check names, messages and hints"))
    return problems


# -- dynamic options ------------------------------------------------------------------


def dynamic_fields(manifest: Manifest) -> list[str]:
    """Every field with ``options: dynamic``: ``key`` or ``operation.key``."""
    out = [f.key for f in manifest.connection.fields if f.dynamic_options]
    out += [f"{op.id}.{f.key}" for op in manifest.operations for f in op.input.fields if f.dynamic_options]
    return out


def check_options(s: Subject, values: Mapping[str, Any] | None) -> list[Problem]:
    """Every ``options: dynamic`` field gets a well-formed option list from the plugin."""
    manifest = s.loaded()
    if manifest is None:
        return [unloadable(s)]
    problems: list[Problem] = []
    conn = connect(s, values, "good_connection", problems)
    if conn is None:
        return problems
    for name in dynamic_fields(manifest):
        where = f"options of field {name!r}"
        try:
            options = s.host.options(conn, name)
        except ConnectorError as exc:
            if type(exc).__name__ == "OperationError":
                problems.append(Problem(where, str(exc),
                                        f"make connector_options(connection, field, context) return a list "
                                        f"of connector_core.Option for field == {name!r}"))
            continue  # NotFound, AccessDenied...: an expected, explained failure
        except Exception as exc:
            problems.append(Problem(where, f"raised {type(exc).__name__}: {exc}",
                                    "return a list of Option(value, caption)"))
            continue
        seen: set[str] = set()
        for option in options:
            if not isinstance(option, Option) or not isinstance(option.value, str) or not option.value:
                problems.append(Problem(where, f"{option!r} is not an Option with a non-empty string value",
                                        "return Option(value, caption) objects with string values"))
                break
            if not isinstance(option.caption, str):
                problems.append(Problem(where, f"{option!r} has a caption that is not a string",
                                        "give captions as strings (or leave them empty)"))
                break
            if option.value in seen:
                problems.append(Problem(where, f"value {option.value!r} is listed twice",
                                        "list each value once"))
                break
            seen.add(option.value)
    return problems


