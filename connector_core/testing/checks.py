"""The conformance checks, as plain functions returning problems.

Each check takes a :class:`Subject` (a host with the plugin under test) and returns a
list of :class:`Problem`: where (the operation or field), what is wrong, and what to
fix. :mod:`.conformance` turns them into pytest tests; nothing here depends on pytest.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from connector_core import ConnectorError, Host, Manifest, Option, TestResult, ValidationError
from connector_core.builtin import CorePlugin
from connector_core.manifest import Section
from connector_core.manifest_loader import parse_manifest, read_manifest_text, resolve_extends
from connector_core.registry import resolve_implementation
from connector_core.secrets import Secret, dumps

#: Items read from a streaming operation when sample params run it.
STREAM_LIMIT = 100
_UNEXPECTED_TEST = "the connector's test failed unexpectedly"


@dataclass(frozen=True)
class Problem:
    """One conformance failure: where, what, and the fix."""

    where: str
    what: str
    fix: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}\n      fix: {self.fix}"


@dataclass
class Subject:
    """The plugin under test, loaded in a host of its own."""

    host: Host
    plugin: object
    connector_id: str

    @property
    def plugin_name(self) -> str:
        for info in self.host.plugins():
            if self.connector_id in info.connectors:
                return info.name
        return getattr(self.plugin, "__name__", None) or type(self.plugin).__name__

    def loaded(self) -> Manifest | None:
        try:
            return self.host.manifest(self.connector_id)
        except ConnectorError:
            return None

    def declared(self) -> Manifest | None:
        """The manifest as declared, even if the host refused the plugin's operations."""
        manifest = self.loaded()
        if manifest is not None:
            return manifest
        return declared_manifest(self.plugin, self.connector_id)

    def source(self) -> str:
        manifest = self.declared()
        return manifest.source if manifest is not None else "the manifest"


def declared_manifest(plugin: object, connector_id: str) -> Manifest | None:
    """Parse a plugin's manifests directly (resolving the core's fragments); None if unreadable."""
    try:
        sources = list(getattr(plugin, "connector_manifests")() or [])
        core = list(CorePlugin(None).connector_manifests())
        parsed = [parse_manifest(*read_manifest_text(s))[1] for s in core + sources]
    except Exception:  # the manifest check reports why; here we only want the model
        return None
    fragments = {m.id: m for m in parsed if m.kind == "fragment"}
    for manifest in parsed:
        if manifest.kind != "fragment" and manifest.id == connector_id:
            try:
                return resolve_extends(manifest, fragments)
            except ConnectorError:
                return None
    return None


def _is_operation_mismatch(reason: str) -> bool:
    return "do not match its manifest" in reason or "connector_implementations" in reason


# -- manifest -------------------------------------------------------------------------


def check_manifest_loads(s: Subject) -> list[Problem]:
    """The plugin registers, its manifest parses and validates, and it declares the connector."""
    problems = []
    for failure in s.host.load_failures():
        if _is_operation_mismatch(failure.reason):
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


DOC_LEVELS = ("connection", "operations", "inputs")


def check_documented(s: Subject, levels: Iterable[str] = DOC_LEVELS) -> list[Problem]:
    """Every field and operation has a label; help/description at the levels asked for."""
    manifest = s.declared()
    if manifest is None:
        return [_unloadable(s)]
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
            if not (f.label or "").strip():
                problems.append(Problem(f"operation {op.id!r}, output field {f.key!r}", "has no label",
                                        f"add `label:` to the field in {src}"))
    return problems


def _unloadable(s: Subject) -> Problem:
    reasons = "; ".join(f.reason for f in s.host.load_failures()) or "no plugin declares it"
    return Problem(f"connector {s.connector_id!r}", f"the host did not load it ({reasons})",
                   "fix the problems reported by test_manifest_loads and "
                   "test_operations_match_implementations first")


# -- operations -----------------------------------------------------------------------


def check_operations_match(s: Subject) -> list[Problem]:
    """Declared operations are implemented, implementations are declared, and all import."""
    problems = []
    for failure in s.host.load_failures():
        if _is_operation_mismatch(failure.reason):
            problems.append(Problem(
                f"plugin {failure.plugin!r}", failure.reason,
                "make connector_implementations() return exactly one implementation per operation "
                "`id` in the manifest (add the missing ones, remove or declare the extra ones)"))
    if problems or s.loaded() is None:
        return problems or [_unloadable(s)]
    impls = s.host._registry.implementations.get(s.connector_id, {})  # noqa: SLF001 - same package
    for op_id, impl in sorted(impls.items()):
        try:
            fn = resolve_implementation(impl, s.connector_id)
        except ConnectorError as exc:
            problems.append(Problem(f"operation {op_id!r}", exc.message,
                                    "correct the 'package.module:function' string in connector_implementations()"))
            continue
        if not callable(fn):
            problems.append(Problem(f"operation {op_id!r}", f"implementation {impl!r} is not callable",
                                    "point it at a function fn(connection, params, context)"))
    return problems


def check_operations_run(s: Subject, values: Mapping[str, Any] | None,
                         params: Mapping[str, Mapping[str, Any]]) -> list[Problem]:
    """Each operation given sample params runs and returns what its manifest declares."""
    manifest = s.loaded()
    if manifest is None:
        return [_unloadable(s)]
    problems = []
    conn = _connect(s, values, "good_connection", problems)
    if conn is None:
        return problems
    for op_id, op_params in params.items():
        if op_id not in manifest.operation_ids:
            problems.append(Problem(f"operation_params[{op_id!r}]", "names no operation of the manifest",
                                    "use one of: " + ", ".join(manifest.operation_ids)))
            continue
        try:
            _consume(s.host.run(conn, op_id, dict(op_params)))
        except ConnectorError as exc:
            problems.append(Problem(f"operation {op_id!r}", f"failed with the sample params: {exc}",
                                    "fix the implementation, or the sample params in operation_params"))
    return problems


def _consume(result: Any) -> Any:
    if isinstance(result, Mapping):
        return result
    return list(itertools.islice(result, STREAM_LIMIT))


def _connect(s: Subject, values: Mapping[str, Any] | None, what: str, problems: list[Problem]):
    if values is None:
        return None
    try:
        return s.host.connect(s.connector_id, values, name=f"conformance-{what}")
    except ValidationError as exc:
        problems.append(Problem(f"the test's {what}", f"does not validate: {exc.message}",
                                f"correct {what} in the conformance test class"))
        return None


# -- forms ----------------------------------------------------------------------------


def form_targets(manifest: Manifest) -> list[tuple[str, str | None, Section]]:
    """(name, operation or None, section) for the connection form and each operation's form."""
    out: list[tuple[str, str | None, Section]] = [("connection form", None, manifest.connection)]
    out += [(f"operation {op.id!r} form", op.id, op.input) for op in manifest.operations]
    return out


def check_forms_valid(s: Subject) -> list[Problem]:
    """Every form (and output schema) is JSON and a valid draft 2020-12 JSON Schema."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    manifest = s.loaded()
    if manifest is None:
        return [_unloadable(s)]
    problems = []
    for name, op_id, _section in form_targets(manifest):
        form = s.host.form(s.connector_id, op_id)
        try:
            json.dumps(form)
        except (TypeError, ValueError) as exc:
            problems.append(Problem(name, f"is not JSON-serializable ({exc})",
                                    f"quote defaults and choice values in {manifest.source} "
                                    "(YAML reads 2024-01-01 as a date, for example)"))
            continue
        for key in ("schema", "outputSchema"):
            if key not in form:
                continue
            try:
                Draft202012Validator.check_schema(form[key])
            except SchemaError as exc:
                at = "/".join(str(p) for p in exc.absolute_path) or "(root)"
                problems.append(Problem(f"{name} ({key})", f"is not a valid JSON Schema at {at}: {exc.message}",
                                        f"correct the field behind {at} in {manifest.source}"))
    return problems


def check_forms_agree(s: Subject, examples: Mapping[str | None, list[Mapping[str, Any]]],
                      max_examples: int = 100) -> list[Problem]:
    """Each form's JSON Schema accepts exactly what server-side validation accepts (hypothesis)."""
    from hypothesis import HealthCheck, given, settings
    from jsonschema import Draft202012Validator

    from connector_core.validation import SectionValidator

    from .strategies import boundary_inputs, section_inputs

    manifest = s.loaded()
    if manifest is None:
        return [_unloadable(s)]
    problems = []
    for name, op_id, section in form_targets(manifest):
        validator = Draft202012Validator(s.host.form(s.connector_id, op_id)["schema"])
        # host.connect is this validator plus secret binding; binding thousands of generated
        # secrets to the process's log masker would only slow every later log record down.
        server = SectionValidator(section, connector=s.connector_id).load
        known = tuple(examples.get(op_id, ()))
        agree = _agreement(name, validator, server)
        try:
            for values in boundary_inputs(section, known):
                agree(values)
        except AssertionError as exc:
            problems.append(_disagreement(name, exc, manifest))
            continue
        strategy = section_inputs(section, known)
        run = settings(max_examples=max_examples, deadline=None, database=None, derandomize=True,
                       suppress_health_check=list(HealthCheck))(given(strategy)(agree))
        try:
            run()
        except AssertionError as exc:
            problems.append(_disagreement(name, exc, manifest))
    return problems


def _disagreement(name: str, exc: AssertionError, manifest: Manifest) -> Problem:
    return Problem(name, str(exc),
                   "the form and server-side validation are generated from the same manifest "
                   f"({manifest.source}); simplify the field or rule named above, and report the input "
                   "to connector_core's maintainers")


def _agreement(name: str, validator: Any, server: Any):
    def agree(values: Any) -> None:
        _compare(name, values, validator, server)
    return agree


def _compare(name: str, values: Any, validator: Any, server: Any) -> None:
    errors = sorted(validator.iter_errors(values), key=lambda e: list(e.absolute_path))
    try:
        server(values)
        server_error = None
    except ConnectorError as exc:
        server_error = exc
    except Exception as exc:  # validation must never crash: that is a disagreement too
        raise AssertionError(f"server-side validation crashed ({type(exc).__name__}: {exc}) "
                             f"on {_show(values)}") from None
    if errors and server_error is None:
        first = errors[0]
        at = "/".join(str(p) for p in first.absolute_path) or "(top level)"
        raise AssertionError(f"the JSON Schema rejects but the server accepts {_show(values)} "
                             f"(schema says at {at}: {first.message})")
    if not errors and server_error is not None:
        raise AssertionError(f"the JSON Schema accepts but the server rejects {_show(values)} "
                             f"(server says: {server_error.message})")


def _show(values: Any) -> str:
    try:
        return json.dumps(values, sort_keys=True, default=repr)
    except (TypeError, ValueError):
        return repr(values)


# -- test connection ------------------------------------------------------------------


def check_test_connection(s: Subject, values: Mapping[str, Any] | None, *, expect_ok: bool) -> list[Problem]:
    """"Test connection" returns a well-formed TestResult: ok for good values, failed for bad."""
    what = "good_connection" if expect_ok else "bad_connection"
    if s.loaded() is None:
        return [_unloadable(s)]
    problems: list[Problem] = []
    conn = _connect(s, values, what, problems)
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
                                "(use_aws_emulator = True points AWS connectors at the local emulator)"))
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
        return [_unloadable(s)]
    problems: list[Problem] = []
    conn = _connect(s, values, "good_connection", problems)
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


# -- secrets --------------------------------------------------------------------------


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
        self.problems: list[Problem] = []

    def look(self, where: str, text: str, fix: str) -> None:
        for value, field_name in self.secrets.items():
            if value in text:
                shown = " ".join(text.replace(value, f"<{field_name}>").split())
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
        return [_unloadable(s)]
    secrets = secret_values(manifest, (good, bad), params)
    if not secrets:
        return None
    scan = SecretScan(secrets)
    connections = []
    for what, values in (("good_connection", good), ("bad_connection", bad)):
        if values is None:
            continue
        problems: list[Problem] = []
        conn = _connect(s, values, what, problems)
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
        scan.look(f"test-connection result for {what}", dumps(result.to_dict()),
                  "never put credentials in Check messages or hints")
    if connections:
        for op_id, op_params in params.items():
            if op_id not in manifest.operation_ids:
                continue
            where = f"operation {op_id!r}"
            try:
                output = _consume(s.host.run(connections[0], op_id, dict(op_params)))
                scan.look(f"the result of {where}", dumps(output),
                          "never return secret values; declare outputs that must carry one as absent")
            except ConnectorError as exc:
                scan.look(f"the error of {where}", f"{exc} {dumps(exc.to_dict())}",
                          "build error messages without the secret (connector_core.aws.aws_errors does)")
    for record in log_records():
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            text += "\n" + record.exc_text
        scan.look(f"log record of logger {record.name!r} ({record.levelname})", text,
                  "log Secret objects (they print as **********), never secret.reveal(); call "
                  "context.add_secret(value) for secrets derived at run time")
    return _unique(scan.problems)


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
