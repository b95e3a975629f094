"""Targets of a rule: put, list, remove, with per-target outcomes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from connector_core import Connection, RunContext

from .common import call, default_bus, invalid, json_text, pages, parse_json, prune

#: EventBridge's limit on a target's constant input (botocore's TargetInput shape).
MAX_INPUT_CHARS = 8192


def put_targets(connection: Connection, params: Mapping[str, Any], context: RunContext) -> dict:
    """Add or update targets of a rule; each target's success or failure is reported."""
    rule, bus = params["rule"], default_bus(connection, params.get("event_bus"))
    targets = [_target(t, f"targets[{i}]") for i, t in enumerate(params["targets"])]
    ids = [t["Id"] for t in targets]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise invalid("targets", f"target IDs must be unique in one call; repeated: {', '.join(duplicates)}")
    response = call(connection, context, "PutTargets", f"rule/{bus}/{rule}",
                    Rule=rule, EventBusName=bus, Targets=targets)
    return _outcomes(ids, response)


def list_targets(connection: Connection, params: Mapping[str, Any], context: RunContext) -> Iterator[dict]:
    """The targets of a rule, each with every field :func:`put_targets` writes, named as it takes them."""
    rule, bus = params["rule"], default_bus(connection, params.get("event_bus"))
    for target in pages(connection, context, "ListTargetsByRule", "Targets", Rule=rule, EventBusName=bus):
        yield _from_api(target)


def remove_targets(connection: Connection, params: Mapping[str, Any], context: RunContext) -> dict:
    """Remove targets from a rule; each target's success or failure is reported."""
    rule, bus = params["rule"], default_bus(connection, params.get("event_bus"))
    ids = list(params["ids"])
    response = call(connection, context, "RemoveTargets", f"rule/{bus}/{rule}",
                    Rule=rule, EventBusName=bus, Ids=ids, Force=params.get("force") or None)
    return _outcomes(ids, response)


def _target(target: Mapping[str, Any], path: str) -> dict[str, Any]:
    """An API-shaped target from the manifest's snake_case fields."""
    out: dict[str, Any] = {"Id": target["id"], "Arn": target["arn"], "RoleArn": target.get("role_arn")}
    given = [k for k in ("input", "input_path", "input_transformer") if target.get(k) is not None]
    if len(given) > 1:
        raise invalid(path, f"give at most one of input, input_path and input_transformer, not {', '.join(given)}")
    if target.get("input") is not None:
        out["Input"] = json_text(target["input"], f"{path}.input", limit=MAX_INPUT_CHARS, object_only=False)
    out["InputPath"] = target.get("input_path")
    transformer = target.get("input_transformer")
    if transformer is not None:
        if not isinstance(transformer, dict) or not isinstance(transformer.get("input_template"), str):
            raise invalid(f"{path}.input_transformer", 'must be {"input_paths_map": {...}, "input_template": "..."}')
        out["InputTransformer"] = prune({
            "InputPathsMap": transformer.get("input_paths_map"),
            "InputTemplate": transformer["input_template"],
        })
    if target.get("dead_letter_arn"):
        out["DeadLetterConfig"] = {"Arn": target["dead_letter_arn"]}
    retry = prune({"MaximumRetryAttempts": target.get("maximum_retry_attempts"),
                   "MaximumEventAgeInSeconds": target.get("maximum_event_age_seconds")})
    if retry:
        out["RetryPolicy"] = retry
    if target.get("message_group_id"):
        out["SqsParameters"] = {"MessageGroupId": target["message_group_id"]}
    http = target.get("http_parameters") or {}
    http_parameters = prune({api: http.get(name) or None for name, api in _HTTP_PARAMETERS.items()})
    if http_parameters:
        out["HttpParameters"] = http_parameters
    return prune(out)


#: ``http_parameters`` members and their HttpParameters names (API destinations, API Gateway).
_HTTP_PARAMETERS = {"path_parameter_values": "PathParameterValues", "header_parameters": "HeaderParameters",
                    "query_string_parameters": "QueryStringParameters"}


def _from_api(target: Mapping[str, Any]) -> dict[str, Any]:
    """The manifest's snake_case fields from an API-shaped target: the inverse of :func:`_target`."""
    transformer = target.get("InputTransformer")
    retry = target.get("RetryPolicy") or {}
    http = target.get("HttpParameters") or {}
    return prune({
        "id": target.get("Id"),
        "arn": target.get("Arn"),
        "role_arn": target.get("RoleArn"),
        "input": parse_json(target.get("Input")),
        "input_path": target.get("InputPath"),
        "input_transformer": prune({"input_paths_map": transformer.get("InputPathsMap"),
                                    "input_template": transformer.get("InputTemplate")}) if transformer else None,
        "dead_letter_arn": (target.get("DeadLetterConfig") or {}).get("Arn"),
        "maximum_retry_attempts": retry.get("MaximumRetryAttempts"),
        "maximum_event_age_seconds": retry.get("MaximumEventAgeInSeconds"),
        "message_group_id": (target.get("SqsParameters") or {}).get("MessageGroupId"),
        "http_parameters": prune({name: http.get(api) for name, api in _HTTP_PARAMETERS.items()}) or None,
    })


def _outcomes(ids: list[str], response: Mapping[str, Any]) -> dict:
    failed = {f.get("TargetId"): f for f in response.get("FailedEntries") or []}
    results = []
    for target_id in ids:
        failure = failed.get(target_id)
        if failure is None:
            results.append({"id": target_id, "ok": True})
        else:
            results.append(prune({"id": target_id, "ok": False, "error_code": failure.get("ErrorCode"),
                                  "error_message": failure.get("ErrorMessage")}))
    return {"failed_count": sum(1 for r in results if not r["ok"]), "results": results}


__all__ = ["list_targets", "put_targets", "remove_targets"]
