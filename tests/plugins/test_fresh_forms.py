"""What a user sees in a stock form (RJSF 6 + Ajv2020), computed from the schemas in Python.

- A fresh form holds the defaults RJSF fills in from the schema (top-level ``default``s and
  those of the if/then/else branches that apply to them): the server accepts every one of
  them; what it still asks for is only what the user must type.
- Each authentication mode shows exactly its fields (the branches whose ``if`` holds),
  the same set the server's rule plan treats as applicable.
"""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from connector_core import Host, ValidationError

HOST = Host.discover()
FORMS = [(m.id, op) for m in HOST.connectors() for op in [None, *m.operation_ids]]


def _branches(schema: dict[str, Any], data: dict[str, Any]) -> list[dict[str, Any]]:
    """The if/then/else branches of ``schema`` that apply to ``data``, as Ajv decides ``if``."""
    chosen = []
    for part in schema.get("allOf", []):
        if "if" in part:
            branch = part.get("then") if jsonschema.Draft202012Validator(part["if"]).is_valid(data) else part.get("else")
            if isinstance(branch, dict):
                chosen.append(branch)
    return chosen


def fresh_form(schema: dict[str, Any], picked: dict[str, Any] | None = None) -> dict[str, Any]:
    """The document a stock form starts with (after the user ``picked`` some choices):
    defaults, then the defaults of the branches they open."""
    data: dict[str, Any] = dict(picked or {})
    while True:
        before = dict(data)
        for props in [schema.get("properties", {}), *(b.get("properties", {}) for b in _branches(schema, data))]:
            for key, prop in props.items():
                if isinstance(prop, dict) and "default" in prop and key not in data:
                    data[key] = prop["default"]
        if data == before:
            return data


def shown(schema: dict[str, Any], data: dict[str, Any]) -> set[str]:
    """The fields a stock form shows for ``data``: the base properties and those of the branches that apply."""
    fields = set(schema.get("properties", {}))
    for branch in _branches(schema, data):
        for key, prop in branch.get("properties", {}).items():
            (fields.discard if prop is False else fields.add)(key)
    return fields


def _picks(connector_id: str, operation: str | None) -> list[dict[str, Any]]:
    """No choice made, and each choice of each short top-level choice list (modes, kinds, types)."""
    picks: list[dict[str, Any]] = [{}]
    for key, prop in HOST.form(connector_id, operation)["schema"].get("properties", {}).items():
        choices = [c["const"] for c in prop.get("oneOf", []) if isinstance(c, dict) and "const" in c]
        if 1 < len(choices) <= 8:
            picks += [{key: choice} for choice in choices]
    return picks


CASES = [(c, o, pick) for c, o in FORMS for pick in _picks(c, o)]


@pytest.mark.parametrize("connector_id,operation,picked", CASES,
                         ids=[f"{c}:{o or 'connection'}:{p or 'fresh'}" for c, o, p in CASES])
def test_a_fresh_forms_defaults_are_accepted_by_the_server(connector_id, operation, picked):
    schema = HOST.form(connector_id, operation)["schema"]
    defaults = fresh_form(schema, picked)
    try:
        HOST.validate(connector_id, defaults, operation)
    except ValidationError as exc:
        # Only what the user has yet to type may be asked for (a missing field, or a
        # choice between fields); no default may be refused.
        refused = {key: problems for key, problems in exc.errors.items() if key.split(".")[0] in defaults}
        assert not refused, f"the server refuses the form's own defaults {defaults}: {refused}"
        assert all("required" in problem for problems in exc.errors.values() for problem in problems), exc.errors
    # Ajv's view (jsonschema here) of the same document: nothing inside a default is wrong.
    errors = jsonschema.Draft202012Validator(schema).iter_errors(defaults)
    inside = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors if e.absolute_path]
    assert not inside, f"the form's own defaults {defaults} break its schema: {inside}"


COMMON = {"s3": {"auth_mode", "region", "endpoint_url", "proxy_url", "bucket", "force_path_style"},
          "eventbridge": {"auth_mode", "region", "endpoint_url", "proxy_url", "account_id", "event_bus"}}
KEYS = {"access_key_id", "secret_access_key", "session_token"}
ROLE = {"role_arn", "role_session_name", "session_duration"}
#: The Boomi and Mendix pages: static keys; keys plus a role to assume (with an external
#: id); IAM Roles Anywhere (certificate, key, trust anchor and profile) plus the role.
MODES = {
    "static": KEYS,
    "assume_role": KEYS | ROLE | {"external_id"},
    "roles_anywhere": ROLE | {"profile_arn", "trust_anchor_arn", "certificate", "private_key"},
}


@pytest.mark.parametrize("service", sorted(COMMON))
@pytest.mark.parametrize("mode", sorted(MODES))
def test_each_auth_mode_shows_exactly_its_fields(service, mode):
    connector_id = f"aws.{service}"
    schema = HOST.form(connector_id)["schema"]
    values = {"auth_mode": mode, "region": "eu-west-1"}
    assert shown(schema, values) == COMMON[service] | MODES[mode]
    # The server ignores exactly the fields the form hides (its rule plan says what applies).
    section = HOST.manifest(connector_id).connection
    assert set(section.plan.visible(values)) == COMMON[service] | MODES[mode]
    # Custom Region (the Boomi page): its field appears only for "Custom Region".
    assert shown(schema, {**values, "region": "custom"}) == COMMON[service] | MODES[mode] | {"custom_region"}


def test_the_default_credential_chain_is_not_offered_when_the_host_forbids_it():
    schema = HOST.form("aws.s3")["schema"]
    offered = {choice["const"] for choice in schema["properties"]["auth_mode"]["oneOf"]}
    assert offered == set(MODES)
