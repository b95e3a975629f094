"""Input rules checked before any request: S3 bucket names, object keys, local paths.

The manifest already limits lengths and patterns, but some rules need code: a key's
limit is 1,024 UTF-8 *bytes* (not characters), a bucket name must not look like an IP
address, and a local path's existence can only be known at run time. Every failure is
a :class:`~connector_core.ValidationError` naming the field path and the rule.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from connector_core import ValidationError

#: S3 keys are limited to 1,024 bytes of UTF-8.
MAX_KEY_BYTES = 1024

#: The value ``confirm_whole_bucket`` must hold for a prefix delete without a prefix.
WHOLE_BUCKET = "delete-every-object"
#: Bad keys named in one refusal: enough to fix the input, not a flood.
MAX_PROBLEMS = 20

_BUCKET_CHARS = re.compile(r"[a-z0-9.-]+")
_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")


def bucket_name_problems(name: str) -> list[str]:
    """The S3 general-purpose bucket naming rules that ``name`` breaks (empty if none)."""
    problems: list[str] = []
    if not 3 <= len(name) <= 63:
        problems.append(f"must be 3 to 63 characters long (has {len(name)})")
    if not _BUCKET_CHARS.fullmatch(name or "-"):
        problems.append("may contain only lowercase letters, digits, dots (.) and hyphens (-)")
    if name and not (name[0].isalnum() and name[-1].isalnum()):
        problems.append("must begin and end with a lowercase letter or a digit")
    if ".." in name:
        problems.append("must not contain two adjacent dots")
    try:
        ipaddress.IPv4Address(name)
        problems.append("must not be formatted as an IP address (e.g. 192.168.5.4)")
    except ValueError:
        pass
    for prefix in _RESERVED_PREFIXES:
        if name.startswith(prefix):
            problems.append(f"must not start with the reserved prefix {prefix!r}")
    for suffix in _RESERVED_SUFFIXES:
        if name.endswith(suffix):
            problems.append(f"must not end with the reserved suffix {suffix!r}")
    return problems


def key_problems(key: str) -> list[str]:
    """The S3 object key rules that ``key`` breaks (empty if none)."""
    if not key:
        return ["must not be empty"]
    try:
        size = len(key.encode("utf-8"))
    except UnicodeEncodeError:
        return ["must be valid UTF-8 (it contains an unpaired surrogate)"]
    if size > MAX_KEY_BYTES:
        return [f"must be at most {MAX_KEY_BYTES} bytes of UTF-8 (has {size} bytes)"]
    return []


def check_bucket(name: str, path: str = "bucket") -> str:
    """Return ``name`` if it is a valid bucket name, else raise naming ``path`` and the rules."""
    problems = bucket_name_problems(name)
    if problems:
        raise ValidationError({path: [f"bucket name {name!r} {p}" for p in problems]})
    return name


def check_key(key: str, path: str = "key") -> str:
    """Return ``key`` if it is a valid object key, else raise naming ``path`` and the rule."""
    problems = key_problems(key)
    if problems:
        raise ValidationError({path: [f"object key {p}" for p in problems]})
    return key


def check_prefix(prefix: str, path: str = "prefix") -> str:
    """A prefix obeys the key byte limit but may be empty."""
    return check_key(prefix, path) if prefix else prefix


def resolve_bucket(connection: Mapping[str, Any], params: Mapping[str, Any], path: str = "bucket") -> str:
    """The bucket named in ``params[path]``, else the connection's bucket, validated.

    Not ``requires_connection: [bucket]``: a connection without a bucket still works for
    operations that name one in their input.
    """
    name = params.get(path) or connection.get("bucket")
    if not name:
        raise ValidationError(
            {path: ["no bucket given and the connection has none: fill in the connection's "
                    "bucket name or give one here"]}
        )
    return check_bucket(name, path)


def check_readable_file(file_path: str, path: str = "file_path") -> Path:
    """The local file to upload: it must exist, be a regular file and be readable."""
    target = Path(file_path).expanduser()
    if not target.exists():
        raise ValidationError({path: [f"local file {str(target)!r} does not exist"]})
    if not target.is_file():
        raise ValidationError({path: [f"{str(target)!r} is not a regular file"]})
    if not os.access(target, os.R_OK):
        raise ValidationError({path: [f"local file {str(target)!r} is not readable by this process"]})
    return target


def check_download_target(file_path: str, overwrite: bool, path: str = "file_path") -> Path:
    """The local file to download into: its folder must exist and be writable."""
    target = Path(file_path).expanduser()
    folder = target.parent
    if target.name in ("", ".", ".."):
        raise ValidationError({path: [f"{file_path!r} names a folder, not a file"]})
    if not folder.is_dir():
        raise ValidationError(
            {path: [f"folder {str(folder)!r} does not exist: create it first or choose another path"]}
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ValidationError({path: [f"folder {str(folder)!r} is not writable by this process"]})
    if target.is_dir():
        raise ValidationError({path: [f"{str(target)!r} is a folder, not a file"]})
    if target.exists() and not overwrite:
        raise ValidationError({path: [f"{str(target)!r} already exists and overwrite is false"]})
    return target


def check_string_map(value: Any, path: str, *, max_items: int | None = None) -> dict[str, str]:
    """Metadata and tags: a JSON object of string keys to string values."""
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ValidationError({path: ['must be an object of text values, e.g. {"team": "data"}']})
    if max_items is not None and len(value) > max_items:
        raise ValidationError({path: [f"at most {max_items} entries (has {len(value)})"]})
    return dict(value)


def check_tags(value: Any, path: str = "tags") -> dict[str, str]:
    """Object tags: at most 10, keys up to 128 and values up to 256 characters."""
    tags = check_string_map(value, path, max_items=10)
    problems = []
    for k, v in tags.items():
        if not 1 <= len(k) <= 128:
            problems.append(f"tag key {k!r} must be 1 to 128 characters")
        if len(v) > 256:
            problems.append(f"value of tag {k!r} must be at most 256 characters")
    if problems:
        raise ValidationError({path: problems})
    return tags


def check_metadata(value: Any, path: str = "metadata") -> dict[str, str]:
    """User metadata: text values, at most 2 KB of keys and values together (S3's limit)."""
    meta = check_string_map(value, path)
    # User metadata travels in x-amz-meta-* HTTP headers, which S3 takes as ASCII only.
    for key, text in meta.items():
        for what, part in (("key", key), ("value", text)):
            if not part.isascii():
                raise ValidationError({f"{path}.{key}": [
                    f"the {what} is not ASCII: S3 user metadata must be ASCII (it is sent as an x-amz-meta-* "
                    "HTTP header); encode it first, e.g. percent-encode it (urllib.parse.quote) or base64 it, "
                    "and decode it when you read the object"]})
    size = sum(len(k.encode()) + len(v.encode()) for k, v in meta.items())
    if size > 2048:
        raise ValidationError({path: [f"user metadata must be at most 2 KB in total (has {size} bytes)"]})
    return meta


def check_prefix_input(operation: str, params: Mapping[str, Any], connection: Mapping[str, Any]) -> None:
    """Refuse bad input before anything runs or is queued (the ``connector_check_input`` hook).

    Bucket names and prefixes by S3's rules, the whole-bucket confirmation of a delete, the
    ``keys`` a chunk carries (each under the prefix; listed ``sizes`` and ``etags``, one
    per key), and a copy whose destination range
    overlaps its source: it would copy its own copies.
    """
    problems: dict[str, list[str]] = {}
    for field in ("bucket", "source_bucket"):
        name = params.get(field)
        if name and bucket_name_problems(name):
            problems[field] = [f"bucket name {name!r} {p}" for p in bucket_name_problems(name)]
    prefix = params.get("prefix") or ""
    for field in ("prefix", "destination_prefix"):
        if params.get(field) and key_problems(params[field]):
            problems[field] = [f"prefix {p}" for p in key_problems(params[field])]
    if operation == "delete_prefix" and not prefix and params.get("confirm_whole_bucket") != WHOLE_BUCKET:
        problems["confirm_whole_bucket"] = [
            f"without a prefix every object in the bucket is deleted: set it to {WHOLE_BUCKET!r} to confirm"]
    for index, key in enumerate(params.get("keys") or ()):
        if len(problems) >= MAX_PROBLEMS:
            break
        if key_problems(key) or not key.startswith(prefix):
            problems[f"keys[{index}]"] = [f"object key {p}" for p in key_problems(key)] or [
                f"{key!r} is not under the prefix {prefix!r}"]
    for field, needs in (("sizes", "keys"), ("etags", "sizes")):  # what a listing said, key by key
        given = params.get(field)
        if given is not None and (params.get(needs) is None or len(given) != len(params.get("keys") or ())):
            problems[field] = [f"give one per key, in the order of keys, and only with {needs}"]
    if operation == "copy_prefix" and not problems:
        source_bucket = params.get("source_bucket") or connection.get("bucket")
        bucket = params.get("bucket") or connection.get("bucket")
        target = destination_prefix(params)
        if source_bucket and source_bucket == bucket and (target.startswith(prefix) or prefix.startswith(target)):
            problems["destination_prefix"] = [
                f"s3://{bucket}/{target} overlaps the source s3://{source_bucket}/{prefix}: the copy would copy "
                "its own copies (or overwrite its sources); give another destination bucket, or a destination "
                "prefix that neither starts with the source prefix nor is the start of it"]
    if problems:
        raise ValidationError(problems)


def destination_prefix(params: Mapping[str, Any]) -> str:
    """Where a prefix copy goes: ``destination_prefix``, else the source prefix (the same keys elsewhere)."""
    target = params.get("destination_prefix")
    return (params.get("prefix") or "") if target is None else target
