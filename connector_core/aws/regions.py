"""Regions and partitions, read from botocore's own data without importing botocore.

Form generation (``choices_from: aws.regions``) calls :func:`region_choices` to draw a
dropdown, so this module must stay cheap: it finds botocore's ``data/partitions.json``
with :func:`importlib.util.find_spec` and json-loads it once. Importing botocore would
cost ~100 ms and megabytes for a list of strings.
"""

from __future__ import annotations

import importlib.util
import json
import re
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import ConfigurationError

#: The region dropdown's value meaning "use the Custom AWS Region field" (Boomi semantics).
CUSTOM_REGION = "custom"

_lock = threading.Lock()
_cache: dict[str, Any] = {}


def _partitions() -> list[dict[str, Any]]:
    """botocore's partitions, loaded once per process (the file is ~10 kB)."""
    data = _cache.get("partitions")
    if data is None:
        with _lock:
            data = _cache.get("partitions")
            if data is None:
                spec = importlib.util.find_spec("botocore")
                if spec is None or spec.origin is None:
                    raise ConfigurationError(
                        "botocore is not installed, so the AWS region list is unavailable",
                        hint="install boto3 (pip install boto3) in the host's environment",
                    )
                path = Path(spec.origin).parent / "data" / "partitions.json"
                data = json.loads(path.read_text(encoding="utf-8"))["partitions"]
                _cache["partitions"] = data
    return data


def _is_pseudo_region(name: str) -> bool:
    # "aws-global", "aws-cn-global"...: endpoint aliases, not places a resource lives in.
    return name.endswith("-global")


def region_choices() -> list[tuple[str, str]]:
    """Every region of every partition, as ``(value, caption)`` pairs for a dropdown.

    Captions are botocore's descriptions ("US East (N. Virginia)", "China (Beijing)",
    "AWS GovCloud (US-West)"); regions of the commercial partition come first, each
    partition sorted by region name.
    """
    choices: list[tuple[str, str]] = []
    for partition in _partitions():
        for name in sorted(partition["regions"]):
            if not _is_pseudo_region(name):
                caption = partition["regions"][name].get("description") or name
                choices.append((name, caption))
    return choices


def region_names(partition: str | None = None) -> list[str]:
    """Region names, of one partition or of all."""
    return [
        name
        for p in _partitions()
        if partition is None or p["id"] == partition
        for name in sorted(p["regions"])
        if not _is_pseudo_region(name)
    ]


def _partition_for(region: str) -> dict[str, Any]:
    parts = _partitions()
    # Explicitly listed regions first, then each partition's regex (a region newer than
    # this botocore), as botocore itself resolves them; the commercial partition is the
    # fallback for a name no regex claims.
    for partition in parts:
        if region in partition["regions"]:
            return partition
    for partition in parts:
        if re.match(partition["regionRegex"], region):  # compiled on first use (re caches it)
            return partition
    return next(p for p in parts if p["id"] == "aws")


def partition_of(region: str) -> str:
    """The partition of a region: ``"aws"``, ``"aws-cn"``, ``"aws-us-gov"``, ``"aws-iso"``..."""
    return _partition_for(region)["id"]


def dns_suffix(region: str) -> str:
    """The DNS suffix of a region's partition (``amazonaws.com``, ``amazonaws.com.cn``...)."""
    return _partition_for(region)["outputs"]["dnsSuffix"]


def arn(
    service: str,
    region: str,
    account: str,
    resource: str,
    partition: str | None = None,
) -> str:
    """An ARN in the region's partition: ``arn:aws-cn:s3:::bucket``, never a hard-coded ``arn:aws``.

    ``region`` and ``account`` may be empty for global resources (S3 buckets, IAM roles);
    then give ``partition`` explicitly unless it is the commercial one.
    """
    if partition is None:
        partition = partition_of(region) if region else "aws"
    return f"arn:{partition}:{service}:{region}:{account}:{resource}"


def region_of(connection: Mapping[str, Any]) -> str:
    """The region a connection uses, by the Boomi rule.

    The AWS Region dropdown wins; the Custom AWS Region field is used only when the
    dropdown says "Custom Region", and is then required.
    """
    region = connection.get("region")
    if region == CUSTOM_REGION:
        custom = (connection.get("custom_region") or "").strip()
        if not custom:
            raise ConfigurationError(
                'AWS Region is "Custom Region" but Custom AWS Region is empty',
                hint="enter the region's code in Custom AWS Region, e.g. us-east-2",
            )
        return custom
    if not region:
        raise ConfigurationError(
            "the connection names no AWS Region",
            hint='choose an AWS Region, or "Custom Region" and fill in Custom AWS Region',
        )
    return region


__all__ = [
    "CUSTOM_REGION",
    "arn",
    "dns_suffix",
    "partition_of",
    "region_choices",
    "region_of",
    "region_names",
]
