"""The AWS toolkit as a plugin of the core: fragment, region list, settings, error codes.

An AWS connector (built in or third party) brings this plugin in with::

    @hookimpl
    def connector_requires():
        return ["connector_core.aws.plugin"]

Importing this module is cheap (no boto3, no botocore): the region list is named as a
``"module:function"`` string and read from botocore's data only when a manifest uses it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from connector_manifests import FOLDER as MANIFESTS

from ..errors import NotFoundError, RetryableError
from ..extensions import ErrorCode, Setting
from ..hookspecs import hookimpl

#: The fragment AWS connectors ``extends``: auth mode, keys, role, region, endpoint, proxy.
FRAGMENT = "aws.credentials"

SETTINGS: Mapping[str, Setting] = {
    "aws.allow_loopback_endpoints": Setting(
        False, "Deprecated alias of net.allow_loopback (warns when set): allow loopback endpoint URLs."),
    "aws.allow_private_endpoints": Setting(
        False, "Deprecated alias of net.allow_private (warns when set): allow private endpoint URLs."),
    "aws.allow_default_chain": Setting(
        False, "Let connections use the host's default credential chain (environment, instance role)."),
    "aws.connect_timeout": Setting(5, "Seconds to wait for a connection to an AWS endpoint."),
    "aws.read_timeout": Setting(30, "Seconds to wait for an AWS response."),
    "aws.max_attempts": Setting(3, "Attempts per AWS call, retries included (botocore standard retry mode)."),
    "aws.max_clients": Setting(128, "boto3 clients kept per host (least recently used are dropped)."),
    "aws.rolesanywhere_endpoint": Setting(
        None, "Override the IAM Roles Anywhere endpoint URL (tests, private endpoints)."),
}

#: Service error codes the generic mapping in :mod:`.errors` does not already type.
ERROR_CODES: Mapping[str, ErrorCode] = {
    "NoSuchTagSet": ErrorCode(NotFoundError, "the object has no tags"),
    "OperationAborted": ErrorCode(RetryableError, "another operation on the resource is in progress; retry"),
    "ConcurrentModificationException": ErrorCode(
        RetryableError, "another change to the resource is in progress; retry"),
}


@hookimpl
def connector_manifests() -> Iterable[Any]:
    """The shared ``aws.credentials`` fragment."""
    return [MANIFESTS / "aws_credentials.yaml"]


@hookimpl
def connector_choice_sources() -> Mapping[str, str]:
    """``aws.regions``: every region of every partition, from botocore's own data."""
    return {"aws.regions": "connector_core.aws.regions:region_choices"}


@hookimpl
def connector_settings() -> Mapping[str, Setting]:
    return SETTINGS


@hookimpl
def connector_error_codes() -> Mapping[str, ErrorCode]:
    return ERROR_CODES


@hookimpl
def connector_resource_values(manifest: Any, values: Mapping[str, Any]) -> Mapping[str, str] | None:
    """``{partition}``, ``{region}`` and ``{account}`` for connectors extending ``aws.credentials``."""
    if FRAGMENT not in manifest.extends:
        return None
    from .regions import partition_of, region_of

    try:
        region = region_of(values)
    except Exception:  # no region named: any region, in the commercial partition
        region = ""
    try:
        partition = partition_of(region) if region else "aws"
    except Exception:  # botocore's data unavailable: the commercial partition
        partition = "aws"
    return {"partition": partition, "region": region or "*", "account": str(values.get("account_id") or "*")}
