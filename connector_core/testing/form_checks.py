"""Form checks: every form is a valid JSON Schema that validates exactly as the server does."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from connector_core import ConnectorError, Manifest
from connector_core.manifest import Section

from .subject import Problem, Subject, unloadable


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
        return [unloadable(s)]
    problems = []
    for name, op_id, _section in form_targets(manifest):
        form = s.host.form(s.connector_id, op_id)
        try:
            json.dumps(form, allow_nan=False)
        except (TypeError, ValueError) as exc:
            problems.append(Problem(name, f"is not JSON-serializable ({exc})",
                                    f"quote defaults and choice values in {manifest.source} "
                                    "(JSON has no .inf or .nan, for example)"))
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

    from .strategies import boundary_inputs, section_inputs

    manifest = s.loaded()
    if manifest is None:
        return [unloadable(s)]
    problems = []
    for name, op_id, section in form_targets(manifest):
        validator = Draft202012Validator(s.host.form(s.connector_id, op_id)["schema"])
        # host.connect is this validator plus secret binding; binding thousands of generated
        # secrets to the process's log masker would only slow every later log record down.
        server = _validate(s, op_id)
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


def _validate(s: Subject, op_id: str | None):
    return lambda values: s.host.validate(s.connector_id, values, op_id)

