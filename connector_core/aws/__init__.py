"""The AWS toolkit: regions, endpoint policy, credentials, cached clients, error mapping.

Importing this package imports neither boto3 nor botocore: each name is loaded from its
module on first use, so a host that only lists connectors or draws forms stays fast.

.. code-block:: python

    from connector_core.aws import client, region_of, aws_errors

    with aws_errors(connector="aws.s3", action="s3:ListBucket", resource=bucket):
        client(connection, context, "s3").head_bucket(Bucket=bucket)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy_exports import lazy_exports

# name -> module (relative to this package) that defines it.
_EXPORTS = {
    "CUSTOM_REGION": "regions",
    "arn": "regions",
    "dns_suffix": "regions",
    "partition_of": "regions",
    "region_choices": "regions",
    "region_of": "regions",
    "region_names": "regions",
    "check_endpoint": "endpoints",
    "check_address": "endpoints",
    "credentials_for": "credentials",
    "identity_of": "credentials",
    "ClientCache": "clients",
    "client": "clients",
    "client_cache": "clients",
    "session_for": "clients",
    "aws_errors": "errors",
    "map_error": "errors",
    "caller_identity": "identity",
    "check_account": "identity",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:  # pragma: no cover
    from .clients import ClientCache, client, client_cache, session_for
    from .credentials import credentials_for, identity_of
    from .endpoints import check_address, check_endpoint
    from .errors import aws_errors, map_error
    from .identity import caller_identity, check_account
    from .regions import (
        CUSTOM_REGION,
        arn,
        dns_suffix,
        partition_of,
        region_choices,
        region_of,
        region_names,
    )


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
