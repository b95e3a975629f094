"""Where a toolkit client's sockets open: through the network policy, and nowhere else.

The URL check when a client is built cannot see what the socket reaches later: S3
prefixes the bucket to the endpoint's host, a proxy is connected to by name, and a name
can resolve elsewhere by the time a connection opens (DNS rebinding). So each client
built by the toolkit gets urllib3 connection classes whose ``_new_conn`` opens sockets
with :meth:`NetworkPolicy.create_connection`, which checks every resolved address and
the connected peer. Only the toolkit's own clients are affected: botocore's module-level
classes and every other urllib3 user in the process stay as they are.

Two ``needs-retry`` guards go with it: a policy refusal is raised at once (botocore
would retry it as a transport error), and an S3 ``HeadBucket`` redirected without a
region is an error instead of botocore's unbounded region lookup (HEAD the bucket to
learn its region, which redirects again...).
"""

from __future__ import annotations

import dataclasses
import functools
import socket
from typing import Any

from ..errors import ConnectorError, WrongRegionError
from ..net import NetworkPolicy

REDIRECT_STATUSES = (301, 302, 307)
_REDIRECT_CODES = frozenset({"301", "302", "307", "PermanentRedirect", "IllegalLocationConstraintException"})


@functools.lru_cache(maxsize=64)
def pool_classes(policy: NetworkPolicy) -> dict[str, type]:
    """``{"http": pool class, "https": pool class}`` whose connections open through ``policy``."""
    from botocore.awsrequest import (
        AWSHTTPConnection,
        AWSHTTPConnectionPool,
        AWSHTTPSConnection,
        AWSHTTPSConnectionPool,
    )

    def with_policy(connection_cls: type, pool_cls: type) -> type:
        connection = type(f"Policy{connection_cls.__name__}", (_PolicyConnection, connection_cls),
                          {"network_policy": policy})
        return type(f"Policy{pool_cls.__name__}", (pool_cls,), {"ConnectionCls": connection})

    return {"http": with_policy(AWSHTTPConnection, AWSHTTPConnectionPool),
            "https": with_policy(AWSHTTPSConnection, AWSHTTPSConnectionPool)}


class _PolicyConnection:
    """Mixin for urllib3 connections: ``_new_conn`` as urllib3 writes it, with the policy's connect."""

    network_policy: NetworkPolicy

    def _new_conn(self) -> socket.socket:
        from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError

        try:
            return self.network_policy.create_connection(
                (self._dns_host, self.port), self.timeout,  # type: ignore[attr-defined]
                source_address=self.source_address, socket_options=self.socket_options,  # type: ignore[attr-defined]
            )
        except socket.gaierror as exc:
            raise NameResolutionError(self.host, self, exc) from exc  # type: ignore[attr-defined, arg-type]
        except TimeoutError as exc:
            raise ConnectTimeoutError(
                self, f"Connection to {self.host} timed out. (connect timeout={self.timeout})"  # type: ignore
            ) from exc
        except OSError as exc:
            raise NewConnectionError(self, f"Failed to establish a new connection: {exc}") from exc  # type: ignore


def socket_policy(policy: NetworkPolicy, *, custom_route: bool) -> NetworkPolicy:
    """The policy for a client's sockets. Without an endpoint or proxy URL of the
    connection's own, the client reaches AWS's own names (``s3.<region>.amazonaws.com``),
    which AWS's private DNS resolves to private addresses inside a VPC with interface
    endpoints: private addresses are then allowed; metadata and loopback rules stay."""
    return policy if custom_route or policy.allow_private else dataclasses.replace(policy, allow_private=True)


def apply_policy(client: Any, policy: NetworkPolicy) -> Any:
    """Route every connection of a botocore ``client`` (proxies included) through ``policy``.

    botocore has no public way to choose its connection classes: this replaces the
    entries of the client's own ``URLLib3Session`` pool-class map, which its direct and
    proxy pool managers share. If botocore's layout changes, it fails here, when the
    client is built, rather than connecting unchecked.
    """
    http_session = getattr(getattr(client, "_endpoint", None), "http_session", None)
    classes = getattr(http_session, "_pool_classes_by_scheme", None)
    manager = getattr(http_session, "_manager", None)
    layout_changed = RuntimeError("this botocore version builds its HTTP session differently; "
                                  "connector_core.aws.transport must be updated before clients can be built")
    if getattr(manager, "pool_classes_by_scheme", None) is not classes:
        raise layout_changed
    if not isinstance(classes, dict):
        raise layout_changed
    classes.update(pool_classes(policy))
    client.meta.events.register_first("needs-retry", _raise_policy_refusal)
    if client.meta.service_model.service_name == "s3":
        client.meta.events.register_first("needs-retry.s3.HeadBucket", _refuse_redirect_without_region)
    return client


def _raise_policy_refusal(caught_exception: BaseException | None = None, **_: Any) -> None:
    # botocore wraps what the connection raised in HTTPClientError(error=...) and would retry it.
    inner = getattr(caught_exception, "kwargs", {}).get("error") if caught_exception is not None else None
    if isinstance(inner, ConnectorError):
        raise inner


def _refuse_redirect_without_region(response: Any = None, **_: Any) -> None:
    """botocore answers a redirect without a region by HEADing the bucket to learn it; when
    that HEAD is redirected the same way, it would HEAD again, until RecursionError."""
    if response is None:
        return
    http, parsed = response
    status = getattr(http, "status_code", None)
    error = parsed.get("Error") or {}
    headers = {k.lower(): v for k, v in (parsed.get("ResponseMetadata") or {}).get("HTTPHeaders", {}).items()}
    redirected = status in REDIRECT_STATUSES or str(error.get("Code") or "") in _REDIRECT_CODES
    if redirected and not headers.get("x-amz-bucket-region") and not error.get("Region"):
        raise WrongRegionError(
            f"the endpoint redirected (HTTP {status}) without naming a region",
            hint="check the Endpoint URL and the AWS Region: an S3-compatible endpoint must serve the "
            "bucket in the connection's region or name it in the x-amz-bucket-region header",
        )


__all__ = ["apply_policy", "pool_classes", "socket_policy"]
