"""Credentials for a connection, by its auth mode, and the identity that keys the caches.

- ``static``: the connection's access key, secret key and optional session token.
- ``assume_role``: STS AssumeRole as refreshable credentials; the source identity is the
  connection's static keys if given, else the host's default chain if the host allows it.
- ``roles_anywhere``: IAM Roles Anywhere CreateSession (see :mod:`.rolesanywhere`).
- ``default_chain``: the host's own environment/profile/instance role, only when the host
  sets ``aws.allow_default_chain``: a multi-tenant host must not lend its identity.

Every temporary secret is registered with ``context.add_secret`` so logs mask it.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Mapping
from typing import Any

from ..errors import ConfigurationError
from ..secrets import Secret
from .refresh import refreshable, temporary_metadata

ALLOW_DEFAULT_CHAIN = "aws.allow_default_chain"

AUTH_MODES = ("static", "assume_role", "roles_anywhere", "default_chain")

# The fields that decide which AWS identity a connection acts as, per auth mode. Region,
# endpoint and proxy matter for the session modes: their STS / Roles Anywhere calls go there.
_STATIC_FIELDS = ("access_key_id", "secret_access_key", "session_token")
_SESSION_FIELDS = ("role_arn", "role_session_name", "session_duration", "region", "custom_region",
                   "endpoint_url", "proxy_url")
_IDENTITY_FIELDS = {
    "static": _STATIC_FIELDS,
    "assume_role": _STATIC_FIELDS + _SESSION_FIELDS + ("external_id",),
    "roles_anywhere": _SESSION_FIELDS + ("profile_arn", "trust_anchor_arn", "certificate", "private_key"),
    "default_chain": (),
}

# Per-process key: identities only name in-memory cache entries and must not let anyone
# confirm a guessed secret.
_IDENTITY_KEY = os.urandom(32)


def _storage(value: Any) -> Any:
    return value.to_storage() if isinstance(value, Secret) else value


def identity_of(connection: Mapping[str, Any]) -> str:
    """A stable, non-reversible name for the AWS identity a connection acts as.

    Built from the credential fields only, so connections of different connectors (or
    rebuilt from the same stored values on every request) that use the same credentials
    share one boto3 session.
    """
    # Called on every client() lookup: one repr and one keyed BLAKE2 (a MAC), ~3 us.
    get = connection.get
    mode = get("auth_mode") or "static"
    fields = _IDENTITY_FIELDS.get(mode, ())
    values = (mode,) + tuple(_storage(v) if (v := get(name)) != "" else None for name in fields)
    return hashlib.blake2b(repr(values).encode(), key=_IDENTITY_KEY, digest_size=16).hexdigest()


def _reveal(connection: Mapping[str, Any], name: str, context: Any) -> str | None:
    value = connection.get(name)
    if value is None or value == "":
        return None
    text = value.reveal() if isinstance(value, Secret) else str(value)
    if isinstance(value, Secret):
        context.add_secret(text)
    return text


def _static_credentials(connection: Mapping[str, Any], context: Any):
    from botocore.credentials import Credentials

    access_key = _reveal(connection, "access_key_id", context)
    secret_key = _reveal(connection, "secret_access_key", context)
    if not access_key or not secret_key:
        raise ConfigurationError(
            "static credentials need both an access key and a secret key",
            hint="fill in Amazon AWS access key and Amazon AWS secret key",
            connector=getattr(connection, "connector_id", None),
        )
    return Credentials(access_key, secret_key, _reveal(connection, "session_token", context), method="connection")


def _require_default_chain(connection: Mapping[str, Any], context: Any, why: str) -> None:
    if not context.settings.get(ALLOW_DEFAULT_CHAIN, False):
        raise ConfigurationError(
            f"{why} needs the host's default credential chain, which this host does not allow",
            hint=(
                "give the connection an access key and secret key, or have the host "
                f"administrator set {ALLOW_DEFAULT_CHAIN}"
            ),
            connector=getattr(connection, "connector_id", None),
        )


_SECRETS_IN_BODY = re.compile(
    r"<(?:SecretAccessKey|SessionToken)>\s*([^<\s]+)\s*<|\"(?:SecretAccessKey|SessionToken)\"\s*:\s*\"([^\"]+)\""
)


def _register_secrets_in_body(context: Any) -> Callable[..., None]:
    def before_parse(response_dict: Mapping[str, Any] | None = None, **_: Any) -> None:
        body = (response_dict or {}).get("body") or b""
        text = body.decode("utf-8", "replace") if isinstance(body, (bytes, bytearray)) else str(body)
        for match in _SECRETS_IN_BODY.finditer(text):
            context.add_secret(match.group(1) or match.group(2))

    return before_parse


def _assume_role_credentials(connection: Mapping[str, Any], context: Any):
    import boto3
    from botocore.session import Session as BotocoreSession

    from .config import build_config, config_key
    from .endpoints import network_policy
    from .errors import aws_errors
    from .regions import region_of
    from .transport import apply_policy, socket_policy

    role_arn = connection.get("role_arn")
    connector = getattr(connection, "connector_id", None)
    if not role_arn:
        raise ConfigurationError(
            "assuming a role needs a Role ARN", hint="fill in Role ARN", connector=connector
        )
    if connection.get("access_key_id"):
        source = session_with(_static_credentials(connection, context))
    else:
        _require_default_chain(connection, context, "assuming a role without an access key")
        source = boto3.session.Session(botocore_session=BotocoreSession())
    endpoint = connection.get("endpoint_url") or None
    policy = network_policy(context.settings)
    if endpoint:
        policy.check_url(endpoint)
    if connection.get("proxy_url"):
        policy.check_url(connection["proxy_url"], what="proxy")
    key = config_key(connection, context.settings, "sts", {})
    sts = source.client(
        "sts", region_name=region_of(connection), endpoint_url=endpoint, config=build_config(key)
    )
    apply_policy(sts, socket_policy(policy, custom_route=bool(endpoint or connection.get("proxy_url"))))
    # botocore's DEBUG log prints the AssumeRole response body before fetch() returns:
    # register the new secrets from the raw body first, so even that line is masked.
    sts.meta.events.register("before-parse.sts.AssumeRole", _register_secrets_in_body(context))
    duration = int(connection.get("session_duration") or 3600)
    request = {
        "RoleArn": role_arn,
        "RoleSessionName": connection.get("role_session_name") or "connector-core",
        "DurationSeconds": duration,
    }
    if connection.get("external_id"):
        request["ExternalId"] = connection["external_id"]

    def fetch() -> dict:
        with aws_errors(connector=connector, action="sts:AssumeRole", resource=role_arn):
            response = sts.assume_role(**request)
        c = response["Credentials"]
        return temporary_metadata(
            c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"], c["Expiration"], context
        )

    return refreshable(fetch, "assume-role", duration)


def credentials_for(connection: Mapping[str, Any], context: Any):
    """botocore credentials for the connection's auth mode; ``None`` means the default chain.

    Raises :class:`ConfigurationError` for an unknown mode, missing fields, or the default
    chain on a host that does not allow it.
    """
    mode = connection.get("auth_mode") or "static"
    if mode == "static":
        return _static_credentials(connection, context)
    if mode == "assume_role":
        return _assume_role_credentials(connection, context)
    if mode == "roles_anywhere":
        from .rolesanywhere import rolesanywhere_credentials

        return rolesanywhere_credentials(connection, context)
    if mode == "default_chain":
        _require_default_chain(connection, context, 'the auth mode "default credential chain"')
        return None
    raise ConfigurationError(
        f"unknown auth mode {mode!r}",
        hint=f"choose one of: {', '.join(AUTH_MODES)}",
        connector=getattr(connection, "connector_id", None),
    )


def session_with(credentials: Any):
    """A boto3 session that uses exactly ``credentials`` (``None``: the default chain).

    With explicit credentials the session's resolver holds only them, so nothing falls
    back to the host's environment, shared files or instance role.
    """
    import boto3
    from botocore.credentials import CredentialProvider, CredentialResolver
    from botocore.session import Session as BotocoreSession

    core = BotocoreSession()
    if credentials is not None:

        class ConnectionProvider(CredentialProvider):
            METHOD = "connection"
            CANONICAL_NAME = "connection"

            def load(self):
                return credentials

        core.register_component("credential_provider", CredentialResolver([ConnectionProvider()]))
    return boto3.session.Session(botocore_session=core)


__all__ = [
    "ALLOW_DEFAULT_CHAIN",
    "AUTH_MODES",
    "credentials_for",
    "identity_of",
    "refreshable",
    "session_with",
    "temporary_metadata",
]
