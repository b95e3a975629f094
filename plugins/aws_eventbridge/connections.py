"""Connections (Terraform's aws_cloudwatch_event_connection): create, update, describe, list,
delete, deauthorize.

Secret values (API key value, password, client secret, parameters marked
``is_value_secret``) are revealed only to build the request. Outputs are built from a
whitelist of response keys, so a secret never comes back, even from an emulator that
echoes the authorization parameters.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from connector_core import Connection, RunContext
from connector_core import ConnectorError, ValidationError
from connector_core import Secret

from .common import CONNECTOR, call, invalid, pages, prune, shape

_BLOCK_OF = {"API_KEY": "api_key", "BASIC": "basic", "OAUTH_CLIENT_CREDENTIALS": "oauth"}
_LIST_OF = {"body": "BodyParameters", "header": "HeaderParameters", "query_string": "QueryStringParameters"}
# botocore's model: HeaderKey, QueryStringKey and the 512-character values.
_KEY_PATTERNS = {
    "header": re.compile(r"[!#$%&'*+\-.^_`|~0-9a-zA-Z]+"),
    "query_string": re.compile(r"[^\x00-\x1F\x7F]+"),
    "body": re.compile(r".+", re.S),
}
_MAX_PARAMETER_CHARS = 512
_MAX_PARAMETERS = 100

_SUMMARY = {
    "name": "Name",
    "arn": "ConnectionArn",
    "state": "ConnectionState",
    "authorization_type": "AuthorizationType",
    "creation_time": "CreationTime",
}


def create_connection(connection: Connection, params: Mapping[str, Any], context: RunContext) -> dict:
    """Create a connection; returns its ARN, secret ARN and state."""
    name = params["name"]
    auth_type = params["authorization_type"]
    _check_blocks(params, auth_type, required=True)
    response = call(
        connection, context, "CreateConnection", f"connection/{name}",
        Name=name,
        Description=params.get("description"),
        AuthorizationType=auth_type,
        AuthParameters=_auth_parameters(params),
        InvocationConnectivityParameters=_connectivity(params),
        KmsKeyIdentifier=params.get("kms_key_identifier"),
    )
    return {**shape(response, {"arn": "ConnectionArn", "state": "ConnectionState", "creation_time": "CreationTime"}),
            "name": name, **_secret_arn(connection, context, name)}


def update_connection(connection: Connection, params: Mapping[str, Any], context: RunContext) -> dict:
    """Change a connection's description, authorization or connectivity."""
    name = params["name"]
    auth_type = params.get("authorization_type")
    _check_blocks(params, auth_type, required=False)
    auth = _auth_parameters(params)
    response = call(
        connection, context, "UpdateConnection", f"connection/{name}",
        Name=name,
        Description=params.get("description"),
        AuthorizationType=auth_type,
        AuthParameters=auth or None,
        InvocationConnectivityParameters=_connectivity(params),
        KmsKeyIdentifier=params.get("kms_key_identifier"),
    )
    return {**shape(response, {"arn": "ConnectionArn", "state": "ConnectionState",
                               "last_modified_time": "LastModifiedTime"}),
            "name": name, **_secret_arn(connection, context, name)}


def describe_connection(connection: Connection, params: Mapping[str, Any], context: RunContext) -> dict:
    """A connection's settings, ARNs and state; authorization parameters without secret values."""
    name = params["name"]
    response = call(connection, context, "DescribeConnection", f"connection/{name}", Name=name)
    return shape(response, {
        **_SUMMARY,
        "state_reason": "StateReason",
        "description": "Description",
        "secret_arn": "SecretArn",
        "kms_key_identifier": "KmsKeyIdentifier",
        "auth_parameters": lambda r: safe_auth_parameters(r.get("AuthParameters") or {}),
        "resource_configuration_arn": lambda r: ((r.get("InvocationConnectivityParameters") or {})
                                                  .get("ResourceParameters") or {}).get("ResourceConfigurationArn"),
        "last_modified_time": "LastModifiedTime",
        "last_authorized_time": "LastAuthorizedTime",
    })


def list_connections(connection: Connection, params: Mapping[str, Any], context: RunContext) -> Iterator[dict]:
    """The account's connections (optionally by name prefix and state)."""
    for item in pages(connection, context, "ListConnections", "Connections",
                      NamePrefix=params.get("name_prefix"), ConnectionState=params.get("state")):
        yield shape(item, _SUMMARY)


def delete_connection(connection: Connection, params: Mapping[str, Any], context: RunContext) -> dict:
    """Delete a connection (and its secret)."""
    name = params["name"]
    response = call(connection, context, "DeleteConnection", f"connection/{name}", Name=name)
    return {"name": name, **shape(response, {"arn": "ConnectionArn", "state": "ConnectionState"})}


def deauthorize_connection(connection: Connection, params: Mapping[str, Any], context: RunContext) -> dict:
    """Remove a connection's stored authorization (its state becomes DEAUTHORIZING/DEAUTHORIZED)."""
    name = params["name"]
    response = call(connection, context, "DeauthorizeConnection", f"connection/{name}", Name=name)
    return {"name": name, **shape(response, {"arn": "ConnectionArn", "state": "ConnectionState"})}


def safe_auth_parameters(auth: Mapping[str, Any]) -> dict[str, Any]:
    """Authorization parameters as a whitelist of non-secret keys (names, endpoints, flags)."""
    out: dict[str, Any] = {}
    if "ApiKeyAuthParameters" in auth:
        out["api_key"] = prune({"key": auth["ApiKeyAuthParameters"].get("ApiKeyName")})
    if "BasicAuthParameters" in auth:
        out["basic"] = prune({"username": auth["BasicAuthParameters"].get("Username")})
    if "OAuthParameters" in auth:
        oauth = auth["OAuthParameters"]
        out["oauth"] = prune({
            "authorization_endpoint": oauth.get("AuthorizationEndpoint"),
            "http_method": oauth.get("HttpMethod"),
            "client_parameters": prune({"client_id": (oauth.get("ClientParameters") or {}).get("ClientID")}),
            "oauth_http_parameters": _safe_http(oauth.get("OAuthHttpParameters")),
        })
    if auth.get("InvocationHttpParameters"):
        out["invocation_http_parameters"] = _safe_http(auth["InvocationHttpParameters"])
    return out


def _safe_http(http: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not http:
        return None
    out = {}
    for ours, theirs in _LIST_OF.items():
        if http.get(theirs):
            out[ours] = [
                prune({"key": p.get("Key"), "is_value_secret": bool(p.get("IsValueSecret")),
                       # a secret parameter's value is never shown, whatever the service says
                       "value": None if p.get("IsValueSecret") else p.get("Value")})
                for p in http[theirs]
            ]
    return out


def _check_blocks(params: Mapping[str, Any], auth_type: str | None, required: bool) -> None:
    """Exactly the auth block matching the authorization type (the manifest's rules, for direct calls)."""
    given = [block for block in _BLOCK_OF.values() if params.get(block) is not None]
    if auth_type is not None:
        wanted = _BLOCK_OF[auth_type]
        if required and wanted not in given:
            raise invalid(wanted, f"is required when authorization_type is {auth_type}")
        extra = [b for b in given if b != wanted]
        if extra:
            raise invalid(extra[0], f"must be absent when authorization_type is {auth_type}")
    elif len(given) > 1:
        raise invalid(given[1], f"give one authorization block, not {' and '.join(given)}")


def _auth_parameters(params: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    if params.get("api_key") is not None:
        block = params["api_key"]
        out["ApiKeyAuthParameters"] = prune({"ApiKeyName": block.get("key"), "ApiKeyValue": _reveal(block.get("value"))})
    if params.get("basic") is not None:
        block = params["basic"]
        out["BasicAuthParameters"] = prune({"Username": block.get("username"), "Password": _reveal(block.get("password"))})
    if params.get("oauth") is not None:
        block = params["oauth"]
        client = block.get("client_parameters") or {}
        out["OAuthParameters"] = prune({
            "AuthorizationEndpoint": block.get("authorization_endpoint"),
            "HttpMethod": block.get("http_method"),
            "ClientParameters": prune({"ClientID": client.get("client_id"),
                                       "ClientSecret": _reveal(client.get("client_secret"))}) or None,
            "OAuthHttpParameters": _http(block.get("oauth_http_parameters"), "oauth.oauth_http_parameters", errors),
        })
    invocation = _http(params.get("invocation_http_parameters"), "invocation_http_parameters", errors)
    if invocation is not None:
        out["InvocationHttpParameters"] = invocation
    if errors:
        raise ValidationError(errors, connector=CONNECTOR)
    return out


def _http(http: Mapping[str, Any] | None, path: str, errors: dict[str, list[str]]) -> dict | None:
    """API-shaped HTTP parameters; each item's limits checked, problems collected in ``errors``."""
    if not http:
        return None
    out: dict[str, Any] = {}
    for ours, theirs in _LIST_OF.items():
        items = http.get(ours) or []
        if len(items) > _MAX_PARAMETERS:
            errors.setdefault(f"{path}.{ours}", []).append(f"has {len(items)} items; the limit is {_MAX_PARAMETERS}")
            continue
        converted = []
        for i, item in enumerate(items):
            key, value = item.get("key"), _reveal(item.get("value"))
            where = f"{path}.{ours}[{i}]"
            if not key or len(key) > _MAX_PARAMETER_CHARS or not _KEY_PATTERNS[ours].fullmatch(key):
                errors.setdefault(f"{where}.key", []).append(
                    f"must be 1 to {_MAX_PARAMETER_CHARS} characters valid in a {ours.replace('_', ' ')} name")
            if value is not None and len(value) > _MAX_PARAMETER_CHARS:
                errors.setdefault(f"{where}.value", []).append(
                    f"is {len(value)} characters; the limit is {_MAX_PARAMETER_CHARS}")
            converted.append(prune({"Key": key, "Value": value,
                                    "IsValueSecret": bool(item.get("is_value_secret"))}))
        if converted:
            out[theirs] = converted
    return out or None


def _connectivity(params: Mapping[str, Any]) -> dict | None:
    block = params.get("invocation_connectivity_parameters")
    if not block:
        return None
    arn = (block.get("resource_parameters") or {}).get("resource_configuration_arn")
    return {"ResourceParameters": {"ResourceConfigurationArn": arn}}


def _secret_arn(connection: Connection, context: RunContext, name: str) -> dict[str, str]:
    # Create/Update do not return the secret's ARN; a describe does. Best effort: a policy
    # that allows CreateConnection but not DescribeConnection still creates it.
    try:
        response = call(connection, context, "DescribeConnection", f"connection/{name}", Name=name)
    except ConnectorError:
        return {}
    return {"secret_arn": response["SecretArn"]} if response.get("SecretArn") else {}


def _reveal(value: Any) -> Any:
    return value.reveal() if isinstance(value, Secret) else value


__all__ = ["create_connection", "deauthorize_connection", "delete_connection", "describe_connection",
           "list_connections", "safe_auth_parameters", "update_connection"]
