"""Copy and move objects so that the copy carries everything the source does, at every size.

Below the multipart threshold the transfer manager sends one CopyObject, and S3 copies
the content type, metadata and tags itself. Above it, the copy is a new multipart upload
(CreateMultipartUpload + UploadPartCopy): S3 copies only bytes, and s3transfer carries
tags over only when asked with ``TaggingDirective='COPY'`` (versions before 0.16 never do,
and its copy reads the source's tags after completion, when an in-place copy has already
replaced them). So we read the source once up front (HeadObject + GetObjectTagging), hand
its headers to the multipart upload, and check the result: size, headers and tags must
match the source, missing tags are written, and only a verified copy counts as done.
``move_object`` deletes the source only after that check.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connector_core import OperationError, ValidationError

from .client import CONNECTOR, compact, s3, s3_errors
from .transfer import Progress, run_transfer, transfer_config
from .validation import check_key, resolve_bucket

#: HeadObject fields that CopyObject copies and a multipart copy must be given explicitly.
CARRIED_HEADERS = ("ContentType", "ContentEncoding", "ContentDisposition", "ContentLanguage",
                   "CacheControl", "Expires", "WebsiteRedirectLocation", "Metadata")


def _tags(client: Any, location: Mapping[str, str]) -> dict[str, str]:
    tag_set = client.get_object_tagging(**location).get("TagSet", [])
    return {tag["Key"]: tag["Value"] for tag in tag_set}


def _carried(head: Mapping[str, Any]) -> dict[str, Any]:
    return {name: head[name] for name in CARRIED_HEADERS if head.get(name) not in (None, {})}


def _known_size(size: int, etag: str | None) -> Any:
    """A subscriber that gives the transfer manager the size and ETag we already read.

    It then skips its own HeadObject, so it decides single vs multipart copy on the same
    size as we do, and every UploadPartCopy is conditional on this ETag (a source changed
    mid-copy fails the copy instead of mixing two versions).
    """
    from s3transfer.subscribers import BaseSubscriber

    class KnownSize(BaseSubscriber):
        def on_queued(self, future: Any, **kwargs: Any) -> None:
            future.meta.provide_transfer_size(size)
            if etag:
                future.meta.provide_object_etag(etag)

    return KnownSize()


class PreconditionFailed(OperationError):
    """The source's ETag is no longer the one the caller listed (S3's own code when a
    CopyObject's ``CopySourceIfMatch`` fails): nothing was copied."""


def copy_object(connection: Mapping[str, Any], params: Mapping[str, Any], context: Any, *,
                if_match: str | None = None) -> dict:
    """Copy within or between buckets: one CopyObject below the threshold, a multipart copy above.

    A multipart copy is what makes objects over 5 GB (CopyObject's limit) copyable. Either
    way the copy has the source's content type, headers, metadata and tags, or this fails.
    With ``if_match`` (an ETag listed earlier: a prefix copy's chunk), a source rewritten
    since is refused with :class:`PreconditionFailed` before anything is copied.
    """
    source_bucket = resolve_bucket(connection, params, "source_bucket")
    source_key = check_key(params["source_key"], "source_key")
    bucket = resolve_bucket(connection, params)
    key = check_key(params["key"])
    in_place = (source_bucket, source_key) == (bucket, key)
    if in_place and not params.get("storage_class"):
        raise ValidationError({"key": ["the destination is the source: give another key or bucket"]})
    source = {"Bucket": source_bucket, "Key": source_key}
    if params.get("source_version_id"):
        source["VersionId"] = params["source_version_id"]
    config = transfer_config(params)
    client = s3(connection, context)
    with s3_errors(connection, action="s3:GetObject, s3:GetObjectTagging", bucket=source_bucket, key=source_key):
        source_head = client.head_object(**source)
        source_tags = _tags(client, source)
    size = int(source_head["ContentLength"])
    listed = (if_match or "").strip('"')
    if listed and (source_head.get("ETag") or "").strip('"') != listed:
        raise PreconditionFailed(f"s3://{source_bucket}/{source_key} changed since it was listed (its ETag is no "
                                 f"longer {listed}): not copied", hint="copy it again to copy it as it is now",
                                 connector=CONNECTOR)

    extra: dict[str, Any] = {"StorageClass": params["storage_class"]} if params.get("storage_class") else {}
    if size >= config.multipart_threshold:
        # A new upload: give it the source's headers. REPLACE tells s3transfer to use exactly these.
        extra.update(_carried(source_head), MetadataDirective="REPLACE")
    elif in_place:
        extra["MetadataDirective"] = "COPY"  # an in-place storage class change keeps the headers
    progress = Progress(context, size)
    subscribers = [_known_size(size, source_head.get("ETag")), progress.subscriber()]
    with s3_errors(connection, action="s3:GetObject, s3:PutObject", bucket=source_bucket, key=source_key):
        run_transfer(connection, context, params, lambda m: m.copy(
            source, bucket, key, extra_args=extra, subscribers=subscribers, source_client=client))
    progress.finish(size)
    head = _verify(connection, client, bucket, key, source_head, source_tags)
    return compact({"source_bucket": source_bucket, "source_key": source_key, "bucket": bucket, "key": key,
                    "size": size, "etag": (head.get("ETag") or "").strip('"') or None,
                    "version_id": head.get("VersionId")})


def _verify(connection: Mapping[str, Any], client: Any, bucket: str, key: str,
            source_head: Mapping[str, Any], source_tags: Mapping[str, str]) -> Mapping[str, Any]:
    """The copy's HeadObject, once its size, headers and tags are the source's (tags written if missing)."""
    where = f"s3://{bucket}/{key}"
    with s3_errors(connection, action="s3:GetObject, s3:GetObjectTagging", bucket=bucket, key=key):
        head = client.head_object(Bucket=bucket, Key=key)
        target = {"Bucket": bucket, "Key": key, **({"VersionId": head["VersionId"]} if head.get("VersionId") else {})}
        copied_tags = _tags(client, target)
    if copied_tags != dict(source_tags):
        with s3_errors(connection, action="s3:PutObjectTagging", bucket=bucket, key=key):
            tag_set = [{"Key": k, "Value": v} for k, v in source_tags.items()]  # [] clears
            client.put_object_tagging(**target, Tagging={"TagSet": tag_set})
            copied_tags = _tags(client, target)
        if copied_tags != dict(source_tags):
            raise OperationError(f"the copy at {where} did not keep the source's tags",
                                 hint="check s3:PutObjectTagging on the destination", connector=CONNECTOR)
    differing = [name for name in ("ContentLength", *CARRIED_HEADERS)
                 if (head.get(name) or None) != (source_head.get(name) or None)]
    if differing:
        raise OperationError(f"the copy at {where} differs from the source in {', '.join(differing)}",
                             hint="copy it again; the source was not changed", connector=CONNECTOR)
    return head


def move_object(connection: Mapping[str, Any], params: Mapping[str, Any], context: Any) -> dict:
    """Copy, then delete the source: the delete runs only once the copy is verified complete."""
    copied = copy_object(connection, params, context)  # raises before any delete on failure
    with s3_errors(connection, action="s3:DeleteObject", bucket=copied["source_bucket"], key=copied["source_key"]):
        s3(connection, context).delete_object(Bucket=copied["source_bucket"], Key=copied["source_key"])
    copied.pop("version_id", None)
    return {**copied, "source_deleted": True}
