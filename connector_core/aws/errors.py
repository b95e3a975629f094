"""botocore and AWS errors as the framework's typed errors, with a message that says what to do.

``map_error`` never copies a request parameter or a credential into its message: botocore's
``ParamValidationError`` repeats the values it rejects, so only the parameter names and
the expected types are kept, and the original is not chained to the new error.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Any

from .. import errors as E

AUTH_CODES = frozenset({
    "InvalidAccessKeyId", "SignatureDoesNotMatch", "UnrecognizedClientException",
    "InvalidClientTokenId", "InvalidSignatureException", "IncompleteSignature",
    "AuthFailure", "MissingAuthenticationToken", "InvalidToken",
})
EXPIRED_CODES = frozenset({"ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"})
ACCESS_DENIED_CODES = frozenset({
    "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AllAccessDisabled",
    "AuthorizationError", "403",
})
NOT_FOUND_CODES = frozenset({
    "NoSuchBucket", "NoSuchKey", "NoSuchUpload", "NoSuchVersion", "NoSuchEntity", "NotFound",
    "ResourceNotFoundException", "ResourceNotFound", "NoSuchLifecycleConfiguration", "404",
})
WRONG_REGION_CODES = frozenset({"PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException", "301"})
THROTTLE_CODES = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottled",
    "RequestThrottledException", "TooManyRequestsException", "SlowDown",
    "ProvisionedThroughputExceededException", "RequestLimitExceeded", "BandwidthLimitExceeded",
    "LimitExceededException", "TooManyRequests", "PriorRequestNotComplete", "EC2ThrottledException",
})
UNAVAILABLE_CODES = frozenset({
    "ServiceUnavailable", "ServiceUnavailableException", "InternalError", "InternalFailure",
    "InternalServerError", "InternalServiceError", "InternalException", "RequestTimeout",
    "RequestTimeoutException", "Unavailable",
})

_ACTION_RE = re.compile(r"not authorized to perform:?\s+([a-z0-9-]+:[A-Za-z0-9*]+)")
_PARAM_PATTERNS = [
    (re.compile(r"Missing required parameter in input: \"([^\"]+)\""), lambda m: (m[1], "is required")),
    (re.compile(r"Missing required parameter in ([\w.\[\]]+): \"([^\"]+)\""),
     lambda m: (f"{m[1]}.{m[2]}", "is required")),
    (re.compile(r"Unknown parameter in (?:input|([\w.\[\]]+)): \"([^\"]+)\""),
     lambda m: (f"{m[1]}.{m[2]}" if m[1] else m[2], "is not a parameter of this call")),
    (re.compile(r"Invalid type for parameter ([\w.\[\]]+), value: .*?, type: .*?, valid types: (.+)$"),
     lambda m: (m[1], "must be of type " + ", ".join(re.findall(r"<class '(\w+)'>", m[2]) or ["the documented type"]))),
    (re.compile(r"Invalid length for parameter ([\w.\[\]]+), value: .*?, valid (min|max) length: (\d+)"),
     lambda m: (m[1], f"must have a {m[2]}imum length of {m[3]}")),
    (re.compile(r"Invalid range for parameter ([\w.\[\]]+), value: .*?, valid (min|max) value: (\S+)"),
     lambda m: (m[1], f"must be at {'least' if m[2] == 'min' else 'most'} {m[3]}")),
    (re.compile(r"Invalid (?:bucket name|value for parameter) \"?([\w.\[\]]+)?"),
     lambda m: (m[1] or "Bucket", "is not a valid value")),
]


def _param_errors(report: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for line in report.splitlines():
        for pattern, render in _PARAM_PATTERNS:
            match = pattern.search(line)
            if match:
                path, message = render(match)
                errors.setdefault(path, []).append(message)
                break
    return errors or {"params": ["rejected by the AWS SDK's validation"]}


def _what(action: str | None, resource: str | None) -> str:
    parts = [p for p in (action, resource) if p]
    return f" ({' on '.join(parts)})" if parts else ""


def _client_error(exc: Any, connector: str | None, action: str | None, resource: str | None) -> E.ConnectorError:
    response = getattr(exc, "response", None) or {}
    error = response.get("Error") or {}
    # For query-compatible JSON services (SQS) botocore puts the classic code
    # (AWS.SimpleQueueService.NonExistentQueue) in Code, the JSON one in QueryErrorCode.
    code = str(error.get("Code") or "")
    aws_message = str(error.get("Message") or "")
    meta = response.get("ResponseMetadata") or {}
    status = int(meta.get("HTTPStatusCode") or 0)
    headers = {k.lower(): v for k, v in (meta.get("HTTPHeaders") or {}).items()}
    what = _what(action, resource)
    kw = {"connector": connector}

    if code in EXPIRED_CODES:
        return E.AuthenticationError(
            f"AWS says the session credentials expired{what} [{code}]",
            hint="the client is rebuilt with fresh credentials on the next call; for static keys, "
            "replace the session token (or remove it for long-term keys)", **kw)
    if code in AUTH_CODES:
        return E.AuthenticationError(
            f"AWS refused the credentials{what} [{code}]",
            hint="check the access key and secret key (copy them again from the IAM console), "
            "and that the host's clock is correct", **kw)
    if code in WRONG_REGION_CODES or status == 301:
        region = headers.get("x-amz-bucket-region") or error.get("Region") or None
        where = f"region {region}" if region else "another region"
        return E.WrongRegionError(
            f"the resource{what} is in {where}, not in the connection's region",
            region=region, hint=f"set the connection's AWS Region to {region or 'the resource region'}", **kw)
    if code in ACCESS_DENIED_CODES or status == 403:
        match = _ACTION_RE.search(aws_message)
        denied = match[1] if match else action
        return E.AccessDeniedError(
            f"access denied{_what(denied, resource)} [{code or status}]",
            action=denied,
            hint=f"grant the connection's IAM identity {denied}" if denied else
            "grant the connection's IAM identity the permission this operation needs", **kw)
    if code in NOT_FOUND_CODES or status == 404:
        return E.NotFoundError(
            f"not found{_what(None, resource) or what} [{code or status}]",
            hint="check the name and the connection's region", **kw)
    if code in THROTTLE_CODES or status == 429:
        return E.ThrottledError(
            f"AWS is throttling requests{what} [{code or status}]",
            hint="retry later or lower the request rate", **kw)
    if code in UNAVAILABLE_CODES or status >= 500:
        return E.UnavailableError(
            f"the AWS service failed or is unavailable{what} [{code or status}]",
            hint="retry later; if it persists, check the AWS Health Dashboard", **kw)
    detail = f": {aws_message}" if aws_message else ""
    # Plugins type service-specific codes through the connector_error_codes hook: the
    # host looks ``code`` up when the error leaves the plugin.
    return E.OperationError(f"AWS error {code or status}{what}{detail}",
                            hint="see the AWS documentation of the error code", code=code or None, **kw)


def _botocore_error(exc: Any, connector: str | None, action: str | None, resource: str | None) -> E.ConnectorError | None:
    from botocore import exceptions as B

    what = _what(action, resource)
    kw = {"connector": connector}
    if isinstance(exc, B.ParamValidationError):
        report = exc.kwargs.get("report", "") if hasattr(exc, "kwargs") else ""
        return E.ValidationError(_param_errors(report), hint="correct the parameters listed", **kw)
    if isinstance(exc, (B.NoCredentialsError, B.PartialCredentialsError)):
        return E.ConfigurationError(
            f"no usable AWS credentials{what}",
            hint="fill in the access key and secret key, or choose another auth mode", **kw)
    if isinstance(exc, B.CredentialRetrievalError):
        return E.AuthenticationError(
            f"could not obtain session credentials{what}",
            hint="check the role ARN, its trust policy and the source credentials", **kw)
    if isinstance(exc, B.NoRegionError):
        return E.ConfigurationError(f"no AWS region{what}", hint="choose an AWS Region", **kw)
    if isinstance(exc, B.InvalidRegionError):
        return E.ConfigurationError(
            f"the region name is not valid{what}", hint="choose a region from the list or fix Custom AWS Region", **kw)
    if isinstance(exc, B.ProxyConnectionError):
        return E.UnavailableError(
            f"cannot connect to the proxy{what}", hint="check the Proxy URL and that the proxy is up", **kw)
    if isinstance(exc, (B.ConnectTimeoutError, B.ReadTimeoutError)):
        kind = "connecting" if isinstance(exc, B.ConnectTimeoutError) else "waiting for a response"
        return E.UnavailableError(
            f"timed out {kind}{what}",
            hint="retry later; check the endpoint and network, or raise aws.connect_timeout / aws.read_timeout", **kw)
    if isinstance(exc, B.SSLError):
        return E.UnavailableError(
            f"TLS failed talking to the endpoint{what}",
            hint="check the endpoint URL's scheme and certificate", **kw)
    if isinstance(exc, (B.EndpointConnectionError, B.ConnectionClosedError, B.HTTPClientError)):
        endpoint = getattr(exc, "kwargs", {}).get("endpoint_url")
        where = f" {endpoint}" if endpoint else ""
        return E.UnavailableError(
            f"cannot reach the endpoint{where}{what}",
            hint="check the region, Endpoint URL and network; retry later", **kw)
    if isinstance(exc, B.ClientError):
        return _client_error(exc, connector, action, resource)
    if isinstance(exc, B.BotoCoreError):
        return E.OperationError(f"AWS SDK error{what}: {type(exc).__name__}", hint="see the host's logs", **kw)
    return None


def map_error(
    exc: BaseException, *, connector: str | None = None, action: str | None = None, resource: str | None = None
) -> E.ConnectorError:
    """The framework error for a botocore/AWS exception (a ConnectorError is returned as is).

    ``action`` (``"s3:PutObject"``) and ``resource`` (``"bucket/key"``) are named in the
    message; AWS's own "not authorized to perform: X" wins over ``action`` when present.
    """
    if isinstance(exc, E.ConnectorError):
        return exc
    import sys

    if "botocore" in sys.modules:  # an exception from botocore means botocore is loaded
        mapped = _botocore_error(exc, connector, action, resource)
        if mapped is not None:
            return mapped
    return E.OperationError(
        f"unexpected {type(exc).__name__}{_what(action, resource)}", hint="see the host's logs", connector=connector
    )


@contextlib.contextmanager
def aws_errors(
    *, connector: str | None = None, action: str | None = None, resource: str | None = None
) -> Iterator[None]:
    """Re-raise botocore and AWS errors inside the block as framework errors (see :func:`map_error`)."""
    try:
        yield
    except E.ConnectorError:
        raise
    except Exception as exc:
        mapped = map_error(exc, connector=connector, action=action, resource=resource)
        if not isinstance(mapped, E.ValidationError):
            raise mapped from exc
        _raise_without_context(mapped)


def _raise_without_context(error: BaseException) -> None:
    # The original of a validation error repeats the rejected values: the new error must
    # carry it neither as __cause__ nor as __context__ (error trackers walk both). A bare
    # re-raise does not set __context__ again.
    try:
        raise error from None
    except BaseException as raised:
        raised.__context__ = None
        raise


__all__ = ["aws_errors", "map_error"]
