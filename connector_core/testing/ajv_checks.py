"""Form checks in Ajv2020, the validator a host's browser runs (stock RJSF with Ajv2020).

Python's ``jsonschema`` and Ajv differ at the edges (formats, regular expressions, strict
mode), so agreeing with one does not prove agreeing with the other. These checks compile
every form in Ajv2020 with its default strict options (no warnings allowed) and send the
same generated documents through Ajv2020 and server-side validation.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from connector_core import ConnectorError

from .ajv import Ajv2020, AjvCompileError
from .form_checks import _show, form_targets
from .subject import Problem, Subject, unloadable


def check_forms_in_ajv2020(s: Subject, ajv: Ajv2020, examples: Mapping[str | None, list[Mapping[str, Any]]],
                           max_examples: int = 100) -> list[Problem]:
    """Each form compiles cleanly in Ajv2020 and accepts exactly what the server accepts."""
    manifest = s.loaded()
    if manifest is None:
        return [unloadable(s)]
    problems = []
    for name, op_id, section in form_targets(manifest):
        schema = s.host.form(s.connector_id, op_id)["schema"]
        try:
            warnings = ajv.compile(schema)
        except AjvCompileError as exc:
            problems.append(Problem(name, f"does not compile in Ajv2020: {exc}", _fix(manifest.source)))
            continue
        if warnings:
            problems.append(Problem(name, "Ajv2020 warns in strict mode: " + "; ".join(warnings),
                                    _fix(manifest.source)))
        # Host.validate: Host.connect without the secret binding (binding thousands of
        # generated secrets to the log masker would only slow every later log record down).
        server = _server_verdict(s, op_id)
        documents = _documents(section, tuple(examples.get(op_id, ())), max_examples)
        for document, verdict in zip(documents, ajv.validate(schema, documents)):
            accepted, reason = server(document)
            if verdict.valid != accepted:
                said = verdict.errors[0] if verdict.errors else {}
                problems.append(Problem(name, (
                    f"Ajv2020 {'accepts' if verdict.valid else 'rejects'} but the server "
                    f"{'accepts' if accepted else 'rejects'} {_show(document)} "
                    f"(Ajv: {said.get('path') or '(top level)'} {said.get('message', '')}; server: {reason})"),
                    _fix(manifest.source)))
                break
    return problems


def _server_verdict(s: Subject, op_id: str | None):
    """The server's answer for a document, as the host validates it (its settings applied)."""

    def verdict(document: Any) -> tuple[bool, str]:
        try:
            s.host.validate(s.connector_id, document, op_id)
        except ConnectorError as exc:
            return False, exc.message
        except Exception as exc:  # validation must never crash: that is a disagreement too
            return False, f"crashed: {type(exc).__name__}: {exc}"
        return True, "ok"
    return verdict


def _documents(section: Any, known: tuple[Mapping[str, Any], ...], max_examples: int) -> list[Any]:
    """The boundary inputs plus ``max_examples`` hypothesis-generated ones, JSON-safe for Node."""
    from hypothesis import HealthCheck, given, settings

    from .strategies import boundary_inputs, section_inputs

    documents = [d for d in boundary_inputs(section, known) if _json_safe(d)]
    collect = settings(max_examples=max_examples, deadline=None, database=None, derandomize=True,
                       suppress_health_check=list(HealthCheck))(
        given(section_inputs(section, known))(lambda d: documents.append(d) if _json_safe(d) else None))
    collect()
    return documents


def _json_safe(document: Any) -> bool:
    """Plain JSON that means the same in Node: no NaN, no integers past 2**53."""
    try:
        json.dumps(document, allow_nan=False)
    except (TypeError, ValueError):
        return False
    return not _big_int(document)


def _big_int(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return abs(value) > 2**53
    if isinstance(value, Mapping):
        return any(_big_int(v) for v in value.values())
    if isinstance(value, list):
        return any(_big_int(v) for v in value)
    return False


def _fix(source: Any) -> str:
    return (f"the form and server-side validation are generated from the same manifest ({source}); "
            "simplify the field or rule named above, and report the input to connector_core's maintainers")
