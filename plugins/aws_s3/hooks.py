"""The Amazon S3 plugin's hook implementations (registered by entry point).

Cheap to import: no boto3, no operation code. Operations are named as
``"module:function"`` strings that the host imports on first use.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from connector_manifests import FOLDER as MANIFESTS
from connector_core import hookimpl

_OPERATIONS = {
    "list_buckets": "buckets:list_buckets",
    "create_bucket": "buckets:create_bucket",
    "delete_bucket": "buckets:delete_bucket",
    "get_bucket_location": "buckets:get_bucket_location",
    "list_objects": "listing:list_objects",
    "head_object": "objects:head_object",
    "get_object": "objects:get_object",
    "put_object": "objects:put_object",
    "delete_object": "objects:delete_object",
    "delete_objects": "objects:delete_objects",
    "delete_prefix": "prefix_batches:delete_prefix",
    "copy_prefix": "prefix_batches:copy_prefix",
    "get_object_tagging": "objects:get_object_tagging",
    "put_object_tagging": "objects:put_object_tagging",
    "delete_object_tagging": "objects:delete_object_tagging",
    "upload_file": "transfer:upload_file",
    "download_file": "transfer:download_file",
    "copy_object": "copies:copy_object",
    "move_object": "copies:move_object",
    "presign_url": "presign:presign_url",
}


@hookimpl
def connector_requires() -> list[str]:
    """The AWS toolkit: the ``aws.credentials`` fragment, region list, ``aws.*`` settings, error codes."""
    return ["connector_core.aws.plugin"]


@hookimpl
def connector_manifests() -> Iterable[Any]:
    """The ``aws.s3`` manifest (it extends the shared ``aws.credentials`` fragment)."""
    return [MANIFESTS / "aws_s3.yaml"]


@hookimpl
def connector_implementations() -> Mapping[str, str]:
    """Every declared operation, as a lazy ``connector_aws_s3.MODULE:FUNCTION`` string."""
    return {op: f"connector_aws_s3.{target}" for op, target in _OPERATIONS.items()}


@hookimpl
def connector_triggers() -> Mapping[str, str]:
    """``new_objects``: new or overwritten objects under a prefix (see ``triggers``)."""
    return {"new_objects": "connector_aws_s3.triggers:new_objects"}


#: Operations with refusals their manifest cannot state (see ``prefix_batches.check_input``).
_CHECKED_INPUT = {"delete_prefix", "copy_prefix"}


@hookimpl
def connector_check_input(operation: str, params: Mapping[str, Any], connection: Mapping[str, Any]) -> None:
    """Prefix operations: S3's bucket and key rules, the whole-bucket confirmation, no overlapping copy."""
    if operation in _CHECKED_INPUT:
        from .validation import check_prefix_input  # no boto3: cheap enough for every submit

        check_prefix_input(operation, params, connection)


@hookimpl
def connector_test_connection(connection: Any, context: Any) -> Any:
    """HeadBucket on the configured bucket, then a one-key listing (see ``checks``)."""
    from . import checks

    return checks.test_connection(connection, context)


@hookimpl
def connector_options(connection: Any, field: str, context: Any) -> Any:
    """The account's buckets, for every ``bucket``-like dropdown."""
    if field == "bucket" or field.endswith((".bucket", ".source_bucket")):
        from . import buckets

        return buckets.bucket_options(connection, context)
    return None
