"""Single-object operations: head, get, put, delete, delete in bulk, and tagging."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from connector_core import ValidationError

from .client import compact, etag, s3, s3_errors
from .localfiles import atomic_target, local_error
from .transfer import upload_file
from .uploads import upload_args
from .validation import check_download_target, check_key, check_tags, resolve_bucket

#: DeleteObjects takes at most 1,000 keys per request.
DELETE_BATCH = 1000
#: Batches in flight at once: enough to hide latency without tripping S3's request rates.
DELETE_CONCURRENCY = 4
#: Bytes read per chunk when streaming a body to a file.
STREAM_CHUNK = 1024 * 1024


def _target(connection: Mapping[str, Any], params: Mapping[str, Any]) -> tuple[str, str]:
    return resolve_bucket(connection, params), check_key(params["key"])


def _version(params: Mapping[str, Any]) -> dict[str, str]:
    return {"VersionId": params["version_id"]} if params.get("version_id") else {}


def head_object(connection: Mapping[str, Any], params: Mapping[str, Any], context: Any) -> dict:
    """An object's size, type, ETag, metadata and encryption, without its content."""
    bucket, key = _target(connection, params)
    with s3_errors(connection, action="s3:GetObject", bucket=bucket, key=key):
        r = s3(connection, context).head_object(Bucket=bucket, Key=key, **_version(params))
    return compact({
        "bucket": bucket, "key": key, "size": r.get("ContentLength"), "content_type": r.get("ContentType"),
        "etag": etag(r.get("ETag")), "last_modified": r.get("LastModified"), "version_id": r.get("VersionId"),
        "storage_class": r.get("StorageClass") or "STANDARD",
        "server_side_encryption": r.get("ServerSideEncryption"), "kms_key_id": r.get("SSEKMSKeyId"),
        "metadata": r.get("Metadata") or {},
    })


def get_object(connection: Mapping[str, Any], params: Mapping[str, Any], context: Any) -> dict:
    """Read an object as text or base64 bytes (bounded by ``max_bytes``), or stream it to a file."""
    bucket, key = _target(connection, params)
    mode = params.get("result_as") or "text"
    target = None
    if mode == "file":
        if not params.get("file_path"):
            raise ValidationError({"file_path": ["required when result_as is file"]})
        target = check_download_target(params["file_path"], params.get("overwrite", True))
    encoding = params.get("encoding") or "utf-8"
    if mode == "text":
        _check_encoding(encoding)
    request: dict[str, Any] = {"Bucket": bucket, "Key": key, **_version(params)}
    if params.get("range"):
        request["Range"] = params["range"]
    max_bytes = int(params.get("max_bytes") or 10 * 1024 * 1024)

    with s3_errors(connection, action="s3:GetObject", bucket=bucket, key=key):
        r = s3(connection, context).get_object(**request)
        body = r["Body"]
        try:
            out = compact({
                "bucket": bucket, "key": key, "content_type": r.get("ContentType"),
                "content_range": r.get("ContentRange"), "etag": etag(r.get("ETag")),
                "last_modified": r.get("LastModified"), "version_id": r.get("VersionId"),
                "metadata": r.get("Metadata") or {},
            })
            length = r.get("ContentLength")
            if target is not None:
                out["size"] = _stream_to_file(body, target, length, context)
                out["file_path"] = str(target)
                return out
            # Refuse before reading: an object too large for memory goes to a file instead.
            if length is not None and length > max_bytes:
                raise ValidationError({"max_bytes": [
                    f"the object is {length} bytes, more than max_bytes ({max_bytes}): "
                    "return it as a local file, or read a byte range"]})
            data = body.read(max_bytes + 1)
            if len(data) > max_bytes:
                raise ValidationError({"max_bytes": [f"the object is larger than max_bytes ({max_bytes})"]})
        finally:
            body.close()
    out["size"] = len(data)
    if mode == "base64":
        out["body_base64"] = base64.b64encode(data).decode("ascii")
    else:
        try:
            out["text"] = data.decode(encoding)
        except UnicodeDecodeError as exc:
            raise ValidationError({"result_as": [
                f"the object is not valid {encoding} text (byte {exc.start}): return it as base64"]}) from None
    return out


def _stream_to_file(body: Any, target: Any, length: int | None, context: Any) -> int:
    done = 0
    try:
        with atomic_target(target) as temp, open(temp, "wb") as fh:
            for chunk in body.iter_chunks(STREAM_CHUNK):
                fh.write(chunk)
                done += len(chunk)
                context.progress(done, length, "B")
    except OSError as exc:
        if type(exc).__module__.startswith(("botocore", "urllib3")):
            raise
        raise local_error(exc, target, "write") from exc
    return done


def put_object(connection: Mapping[str, Any], params: Mapping[str, Any], context: Any) -> dict:
    """Write an object from text, base64 bytes, or a local file (via the transfer manager).

    The manifest's one_of rule guarantees exactly one body, and its default fills ``encoding``.
    """
    bucket, key = _target(connection, params)
    given = [name for name in ("text", "body_base64", "file_path") if name in params]
    if given == ["file_path"]:
        # A file may be large: parts, concurrency, progress.
        result = upload_file(connection, params, context)
        return {k: result[k] for k in ("bucket", "key", "size", "etag", "version_id") if k in result}
    if given == ["text"]:
        encoding = _check_encoding(params["encoding"])
        try:
            data = params["text"].encode(encoding)
        except UnicodeEncodeError as exc:
            raise ValidationError({"text": [f"cannot be encoded as {encoding} (character {exc.start})"]}) from None
    else:
        try:
            data = base64.b64decode(params["body_base64"], validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError({"body_base64": ["is not valid base64"]}) from None
    extra = upload_args(params)
    if "ContentType" not in extra and given == ["text"]:
        extra["ContentType"] = f"text/plain; charset={params['encoding']}"
    with s3_errors(connection, action="s3:PutObject", bucket=bucket, key=key):
        r = s3(connection, context).put_object(Bucket=bucket, Key=key, Body=data, **extra)
    return compact({"bucket": bucket, "key": key, "size": len(data), "etag": etag(r.get("ETag")),
                    "version_id": r.get("VersionId"), "server_side_encryption": r.get("ServerSideEncryption")})


def delete_object(connection: Mapping[str, Any], params: Mapping[str, Any], context: Any) -> dict:
    """Delete an object or one version of it (S3 succeeds for a missing key)."""
    bucket, key = _target(connection, params)
    with s3_errors(connection, action="s3:DeleteObject", bucket=bucket, key=key):
        r = s3(connection, context).delete_object(Bucket=bucket, Key=key, **_version(params))
    return compact({"bucket": bucket, "key": key, "version_id": r.get("VersionId"),
                    "delete_marker": r.get("DeleteMarker")})


def delete_objects(connection: Mapping[str, Any], params: Mapping[str, Any], context: Any) -> dict:
    """Delete keys 1,000 per request, a few requests at once; report each key S3 refused."""
    bucket = resolve_bucket(connection, params)
    keys = list(params["keys"])
    problems = {}
    for index, key in enumerate(keys):
        try:
            check_key(key, f"keys[{index}]")
        except ValidationError as exc:
            problems.update(exc.errors)
            if len(problems) >= 20:  # enough to fix the input; do not flood the message
                break
    if problems:
        raise ValidationError(problems)
    client = s3(connection, context)
    batches = [keys[i:i + DELETE_BATCH] for i in range(0, len(keys), DELETE_BATCH)]

    def delete(batch: list[str]) -> list[dict]:
        return delete_batch(connection, client, bucket, batch)

    failures: list[dict] = []
    done = 0
    with ThreadPoolExecutor(max_workers=min(DELETE_CONCURRENCY, len(batches))) as pool:
        for batch, errors in zip(batches, pool.map(delete, batches), strict=True):
            failures.extend(errors)
            done += len(batch)
            context.progress(done, len(keys), "keys")
    return {"bucket": bucket, "deleted_count": len(keys) - len(failures), "error_count": len(failures),
            "errors": failures}


def delete_batch(connection: Mapping[str, Any], client: Any, bucket: str, keys: list[str]) -> list[dict]:
    """One DeleteObjects request (at most DELETE_BATCH keys): the keys S3 refused, as
    ``{"key", "code", "message"}``; a failure of the whole request is raised, mapped."""
    with s3_errors(connection, action="s3:DeleteObject", bucket=bucket):
        r = client.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys], "Quiet": True})
    return [{"key": e.get("Key"), "code": e.get("Code"), "message": e.get("Message")} for e in r.get("Errors", [])]


def get_object_tagging(connection: Mapping[str, Any], params: Mapping[str, Any], context: Any) -> dict:
    """An object's tags as a ``{key: value}`` object."""
    bucket, key = _target(connection, params)
    with s3_errors(connection, action="s3:GetObjectTagging", bucket=bucket, key=key):
        r = s3(connection, context).get_object_tagging(Bucket=bucket, Key=key, **_version(params))
    return compact({"bucket": bucket, "key": key, "tags": {t["Key"]: t["Value"] for t in r.get("TagSet", [])},
                    "version_id": r.get("VersionId")})


def put_object_tagging(connection: Mapping[str, Any], params: Mapping[str, Any], context: Any) -> dict:
    """Replace an object's tags."""
    bucket, key = _target(connection, params)
    tags = check_tags(params["tags"])
    tagging = {"TagSet": [{"Key": k, "Value": v} for k, v in tags.items()]}
    with s3_errors(connection, action="s3:PutObjectTagging", bucket=bucket, key=key):
        r = s3(connection, context).put_object_tagging(Bucket=bucket, Key=key, Tagging=tagging, **_version(params))
    return compact({"bucket": bucket, "key": key, "tags": tags, "version_id": r.get("VersionId")})


def delete_object_tagging(connection: Mapping[str, Any], params: Mapping[str, Any], context: Any) -> dict:
    """Remove every tag of an object."""
    bucket, key = _target(connection, params)
    with s3_errors(connection, action="s3:DeleteObjectTagging", bucket=bucket, key=key):
        r = s3(connection, context).delete_object_tagging(Bucket=bucket, Key=key, **_version(params))
    return compact({"bucket": bucket, "key": key, "version_id": r.get("VersionId")})


def _check_encoding(name: str) -> str:
    import codecs

    try:
        codecs.lookup(name)
    except LookupError:
        raise ValidationError({"encoding": [f"unknown text encoding {name!r}"]}) from None
    return name
