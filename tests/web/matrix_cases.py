"""Value sets entered through the form page, with what a user must see and the right verdict.

Each case is steps a user takes (type into a field, choose a caption, tick a box, add a list
item), the top-level fields that must then show (``visible``; ``maybe`` may or may not),
and whether the values are valid. Expectations come from the manifests' rules and the
reference documents, not from the generated schema.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Step = tuple[str, str, Any]  # (FormPage method, field path, value)


@dataclass(frozen=True)
class Case:
    name: str
    connector: str
    operation: str | None
    steps: tuple[Step, ...]
    visible: frozenset[str]
    valid: bool
    maybe: frozenset[str] = field(default=frozenset())


KEYS = {"access_key_id": "AKIAIOSFODNN7EXAMPLE", "secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
ROLE = "arn:aws:iam::123456789012:role/integration"
CERT = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUZm9ybXM=\n-----END CERTIFICATE-----\n"
PEM_KEY = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n"

# auth_mode caption -> (fields that then show, required values in entry order)
AUTH_MODES: dict[str, tuple[str, frozenset[str], tuple[tuple[str, str], ...]]] = {
    "static": ("Static credentials (access key and secret key)",
               frozenset({"access_key_id", "secret_access_key", "session_token"}),
               tuple(KEYS.items())),
    "assume_role": ("Session credentials (assume an IAM role)",
                    frozenset({"access_key_id", "secret_access_key", "session_token", "role_arn",
                               "role_session_name", "session_duration", "external_id"}),
                    (("role_arn", ROLE),)),
    "roles_anywhere": ("Session credentials (IAM Roles Anywhere)",
                       frozenset({"role_arn", "profile_arn", "trust_anchor_arn", "certificate", "private_key",
                                  "role_session_name", "session_duration"}),
                       (("profile_arn", "arn:aws:rolesanywhere:us-east-1:123456789012:profile/p-1"),
                        ("trust_anchor_arn", "arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/t-1"),
                        ("certificate", CERT), ("private_key", PEM_KEY), ("role_arn", ROLE))),
}

# name -> (steps choosing the region, shows custom_region, valid)
REGIONS: dict[str, tuple[tuple[Step, ...], bool, bool]] = {
    "default-region": ((), False, True),
    "eu-west-1": ((("fill", "region", "Europe (Ireland)"),), False, True),
    "custom-filled": ((("fill", "region", "Custom Region"), ("fill", "custom_region", "eu-south-9")), True, True),
    "custom-empty": ((("fill", "region", "Custom Region"),), True, False),
}

S3_ALWAYS = frozenset({"auth_mode", "region", "bucket", "endpoint_url", "proxy_url", "force_path_style"})
EB_ALWAYS = frozenset({"auth_mode", "region", "account_id", "event_bus", "endpoint_url", "proxy_url"})


def _auth_steps(mode: str, complete: bool) -> tuple[Step, ...]:
    caption, _, required = AUTH_MODES[mode]
    values = required if complete else required[1:]  # incomplete: the first required value left out
    return (("fill", "auth_mode", caption), *(("fill", k, v) for k, v in values))


def _connection_cases() -> list[Case]:
    cases = []
    for mode, (_, shows, _) in AUTH_MODES.items():
        for region, (region_steps, custom, region_ok) in REGIONS.items():
            for complete in (True, False):
                steps = _auth_steps(mode, complete) + region_steps + (("fill", "bucket", "reports-2024"),)
                visible = S3_ALWAYS | shows | ({"custom_region"} if custom else set())
                cases.append(Case(f"s3-{mode}-{region}-{'complete' if complete else 'incomplete'}", "aws.s3",
                                  None, steps, frozenset(visible), complete and region_ok))
        for region in ("default-region", "custom-filled", "custom-empty"):
            region_steps, custom, region_ok = REGIONS[region]
            for account, account_ok in (("123456789012", True), ("12345", False)):
                steps = _auth_steps(mode, True) + region_steps + (("fill", "account_id", account),)
                visible = EB_ALWAYS | shows | ({"custom_region"} if custom else set())
                cases.append(Case(f"eventbridge-{mode}-{region}-account-{'ok' if account_ok else 'bad'}",
                                  "aws.eventbridge", None, steps, frozenset(visible), region_ok and account_ok))
    static = S3_ALWAYS | AUTH_MODES["static"][1]
    assume = S3_ALWAYS | AUTH_MODES["assume_role"][1]
    cases += [
        Case("s3-static-bad-access-key", "aws.s3", None,
             (("fill", "access_key_id", "not a key"), ("fill", "secret_access_key", "x" * 40)), static, False),
        Case("s3-static-with-session-token", "aws.s3", None,
             (*_auth_steps("static", True), ("fill", "session_token", "FwoGZXIvYXdzEXAMPLE")), static, True),
        Case("s3-static-loopback-endpoint", "aws.s3", None,
             (*_auth_steps("static", True), ("fill", "endpoint_url", "http://127.0.0.1:4566")), static, True),
        Case("s3-static-endpoint-not-ascii", "aws.s3", None,
             (*_auth_steps("static", True), ("fill", "endpoint_url", "http://exämple.com")), static, False),
        Case("s3-static-endpoint-bad-escape", "aws.s3", None,
             (*_auth_steps("static", True), ("fill", "endpoint_url", "http://h/%zz")), static, False),
        Case("s3-assume-role-short-external-id", "aws.s3", None,
             (*_auth_steps("assume_role", True), ("fill", "external_id", "x")), assume, False),
        Case("s3-assume-role-session-too-short", "aws.s3", None,
             (*_auth_steps("assume_role", True), ("fill", "session_duration", "100")), assume, False),
        Case("s3-roles-anywhere-certificate-not-pem", "aws.s3", None,
             (*_auth_steps("roles_anywhere", True), ("fill", "certificate", "not a certificate")),
             S3_ALWAYS | AUTH_MODES["roles_anywhere"][1], False),
        Case("s3-custom-region-then-listed-region", "aws.s3", None,
             (*_auth_steps("static", True), ("fill", "region", "Custom Region"), ("fill", "custom_region", "eu-south-9"),
              ("fill", "region", "Europe (Ireland)")), static, True),
        Case("s3-assume-role-then-static", "aws.s3", None,
             (*_auth_steps("assume_role", True), *_auth_steps("static", True)), static, True),
    ]
    return cases


PUT_EVENTS_FIELDS = frozenset({"entries", "event_bus", "max_request_bytes", "max_attempts", "concurrency"})
PRESIGN_FIELDS = frozenset({"bucket", "key", "method", "expires_in"})  # + content_type for PUT, version_id for GET
CONN_ALWAYS = frozenset({"name", "description", "authorization_type", "invocation_http_parameters",
                         "kms_key_identifier", "invocation_connectivity_parameters"})
AUTH_TYPES: dict[str, tuple[str, str, tuple[tuple[str, str], ...]]] = {
    "API_KEY": ("API key", "api_key", (("api_key.key", "x-api-key"), ("api_key.value", "k-0123456789"))),
    "BASIC": ("Basic (username and password)", "basic", (("basic.username", "svc"), ("basic.password", "pa55word"))),
    "OAUTH_CLIENT_CREDENTIALS": ("OAuth client credentials", "oauth", (
        ("oauth.authorization_endpoint", "https://auth.example.com/oauth2/token"),
        ("oauth.http_method", "POST"),
        ("oauth.client_parameters.client_id", "client-1"),
        ("oauth.client_parameters.client_secret", "client-secret-1"))),
}


def _eventbridge_operation_cases() -> list[Case]:
    cases = []
    for auth, (caption, block, values) in AUTH_TYPES.items():
        for complete in (True, False):
            steps = (("fill", "name", "orders-api"), ("fill", "authorization_type", caption),
                     *(("fill", k, v) for k, v in (values if complete else values[:-1])))
            cases.append(Case(f"create-connection-{auth}-{'complete' if complete else 'incomplete'}",
                              "aws.eventbridge", "create_connection", steps, CONN_ALWAYS | {block}, complete))
    api_key, basic, oauth = (AUTH_TYPES[t] for t in ("API_KEY", "BASIC", "OAUTH_CLIENT_CREDENTIALS"))
    cases += [
        Case("create-connection-api-key-then-basic", "aws.eventbridge", "create_connection",
             (("fill", "name", "orders-api"), ("fill", "authorization_type", api_key[0]),
              *(("fill", k, v) for k, v in api_key[2]), ("fill", "authorization_type", basic[0]),
              *(("fill", k, v) for k, v in basic[2])), CONN_ALWAYS | {"basic"}, True),
        Case("create-connection-oauth-then-api-key", "aws.eventbridge", "create_connection",
             (("fill", "name", "orders-api"), ("fill", "authorization_type", oauth[0]),
              *(("fill", k, v) for k, v in oauth[2]), ("fill", "authorization_type", api_key[0]),
              *(("fill", k, v) for k, v in api_key[2])), CONN_ALWAYS | {"api_key"}, True),
        Case("create-connection-oauth-over-http", "aws.eventbridge", "create_connection",
             (("fill", "name", "orders-api"), ("fill", "authorization_type", oauth[0]),
              *(("fill", k, "http://auth.example.com/token" if k.endswith("endpoint") else v) for k, v in oauth[2])),
             CONN_ALWAYS | {"oauth"}, False),
        Case("create-connection-header-name-with-colon", "aws.eventbridge", "create_connection",
             (("fill", "name", "orders-api"), ("fill", "authorization_type", api_key[0]),
              ("fill", "api_key.key", "bad header:"), ("fill", "api_key.value", "k")), CONN_ALWAYS | {"api_key"}, False),
        Case("create-connection-invocation-header-not-a-token", "aws.eventbridge", "create_connection",
             (("fill", "name", "orders-api"), ("fill", "authorization_type", api_key[0]),
              *(("fill", k, v) for k, v in api_key[2]),
              ("item", "invocation_http_parameters.header.0", None),
              ("fill", "invocation_http_parameters.header.0.key", "bad header:"),
              ("fill", "invocation_http_parameters.header.0.value", "v")), CONN_ALWAYS | {"api_key"}, False),
        Case("put-events-one-entry", "aws.eventbridge", "put_events",
             (("item", "entries.0", None), ("fill", "entries.0.source", "com.example.orders"),
              ("fill", "entries.0.detail_type", "OrderPlaced"), ("fill_json", "entries.0.detail", {"order": "1"})),
             PUT_EVENTS_FIELDS, True),
        Case("put-events-missing-detail-type", "aws.eventbridge", "put_events",
             (("item", "entries.0", None), ("fill", "entries.0.source", "com.example.orders"),
              ("fill_json", "entries.0.detail", {"order": "1"})),
             PUT_EVENTS_FIELDS, False),
    ]
    return cases


BODIES = {"text": "hello, world", "body_base64": "aGVsbG8=", "file_path": "/tmp/report.csv"}
ENCRYPTION: dict[str, tuple[tuple[Step, ...], bool]] = {  # -> (steps, shows kms_key_id)
    "bucket-default": ((), False),
    "sse-s3": ((("fill", "server_side_encryption", "S3 managed keys (SSE-S3)"),), False),
    "sse-kms-with-key": ((("fill", "server_side_encryption", "AWS KMS keys (SSE-KMS)"),
                          ("fill", "kms_key_id", "alias/data")), True),
    "sse-kms-account-key": ((("fill", "server_side_encryption", "AWS KMS keys (SSE-KMS)"),), True),
}
PUT_ALWAYS = frozenset({"bucket", "key", "content_type", "metadata", "tags", "server_side_encryption",
                        "storage_class"})


def _s3_operation_cases() -> list[Case]:
    cases = []
    for body, value in BODIES.items():
        for encryption, (enc_steps, kms) in ENCRYPTION.items():
            steps = (("fill", "key", "reports/q1.csv"), ("fill", body, value), *enc_steps)
            visible = PUT_ALWAYS | {body} | ({"kms_key_id"} if kms else set())
            maybe = frozenset(set(BODIES) - {body}) | {"encoding"}
            cases.append(Case(f"put-object-{body}-{encryption}", "aws.s3", "put_object", steps, frozenset(visible),
                              True, maybe))
    maybe_all = frozenset(BODIES) | {"encoding"}
    cases += [
        Case("put-object-no-body", "aws.s3", "put_object", (("fill", "key", "a.txt"),), PUT_ALWAYS, False, maybe_all),
        Case("put-object-storage-class", "aws.s3", "put_object",
             (("fill", "key", "a.txt"), ("fill", "text", "x"), ("fill", "storage_class", "Standard-IA")),
             PUT_ALWAYS | {"text"}, True, maybe_all - {"text"}),
        Case("put-object-metadata", "aws.s3", "put_object",
             (("fill", "key", "a.txt"), ("fill", "text", "x"), ("fill_json", "metadata", {"team": "data"})),
             PUT_ALWAYS | {"text"}, True, maybe_all - {"text"}),
        Case("put-object-tags", "aws.s3", "put_object",
             (("fill", "key", "a.txt"), ("fill", "text", "x"), ("fill_json", "tags", {"project": "x"})),
             PUT_ALWAYS | {"text"}, True, maybe_all - {"text"}),
        Case("presign-url-put", "aws.s3", "presign_url",
             (("fill", "key", "a.txt"), ("fill", "method", "PUT (upload)"), ("fill", "expires_in", "600")),
             PRESIGN_FIELDS | {"content_type"}, True),
        Case("presign-url-too-long", "aws.s3", "presign_url",
             (("fill", "key", "a.txt"), ("fill", "expires_in", "10000000")),
             PRESIGN_FIELDS | {"version_id"}, False),
        Case("presign-url-no-key", "aws.s3", "presign_url", (("fill", "method", "GET (download)"),),
             PRESIGN_FIELDS | {"version_id"}, False),
    ]
    return cases


CASES = _connection_cases() + _eventbridge_operation_cases() + _s3_operation_cases()
