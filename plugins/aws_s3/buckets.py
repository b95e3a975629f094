"""Bucket operations: list, create (with a region constraint), delete (empty only), locate."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from connector_core.aws import region_of
from connector_core import Connection
from connector_core import Option

from .client import compact, redirect_region, s3, s3_errors
from .validation import check_bucket, resolve_bucket


def list_buckets(connection: Mapping[str, Any], params: Mapping[str, Any], context: Any) -> Iterator[dict]:
    """Yield the account's buckets page by page (ListBuckets paginates since 2024)."""
    client = s3(connection, context)
    prefix = params.get("prefix")
    kwargs = {"Prefix": prefix} if prefix else {}
    with s3_errors(connection, action="s3:ListAllMyBuckets"):
        pages = iter(client.get_paginator("list_buckets").paginate(**kwargs))
    while True:
        with s3_errors(connection, action="s3:ListAllMyBuckets"):
            page = next(pages, None)
        if page is None:
            return
        for bucket in page.get("Buckets", []):
            # Some S3-compatible stores ignore Prefix: filter again, cheaply.
            if prefix and not bucket["Name"].startswith(prefix):
                continue
            yield compact(
                {"name": bucket["Name"], "creation_date": bucket.get("CreationDate"),
                 "region": bucket.get("BucketRegion")}
            )


def bucket_options(connection: Mapping[str, Any], context: Any) -> list[Option]:
    """The account's buckets for the bucket dropdown, captioned with their region if known."""
    options = []
    for bucket in list_buckets(connection, {}, context):
        region = bucket.get("region")
        options.append(Option(bucket["name"], f"{bucket['name']} ({region})" if region else bucket["name"]))
    return options


def create_bucket(connection: Mapping[str, Any], params: Mapping[str, Any], context: Any) -> dict:
    """Create a bucket; outside us-east-1 the region goes in CreateBucketConfiguration."""
    bucket = check_bucket(params["bucket"])
    region = params.get("region") or region_of(connection)
    kwargs: dict[str, Any] = {"Bucket": bucket}
    # us-east-1 is the one region S3 refuses as an explicit location constraint.
    if region != "us-east-1":
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
    # The request must go to the bucket's region, or S3 answers IllegalLocationConstraint.
    client = s3(connection if region == region_of(connection) else _in_region(connection, region), context)
    with s3_errors(connection, action="s3:CreateBucket", bucket=bucket):
        response = client.create_bucket(**kwargs)
    return compact({"bucket": bucket, "region": region, "location": response.get("Location")})


def delete_bucket(connection: Mapping[str, Any], params: Mapping[str, Any], context: Any) -> dict:
    """Delete an empty bucket. S3 refuses a non-empty one: that becomes a clear error."""
    bucket = check_bucket(params["bucket"])
    with s3_errors(connection, action="s3:DeleteBucket", bucket=bucket):
        s3(connection, context).delete_bucket(Bucket=bucket)
    return {"bucket": bucket, "deleted": True}


def get_bucket_location(connection: Mapping[str, Any], params: Mapping[str, Any], context: Any) -> dict:
    """The bucket's region (S3 reports us-east-1 as an empty constraint, and EU as eu-west-1)."""
    bucket = resolve_bucket(connection, params)
    with s3_errors(connection, action="s3:GetBucketLocation", bucket=bucket):
        try:
            response = s3(connection, context).get_bucket_location(Bucket=bucket)
        except Exception as exc:  # a redirect already names the region: that is the answer
            region = redirect_region(exc)
            if region:
                return {"bucket": bucket, "region": region}
            raise
    constraint = response.get("LocationConstraint") or "us-east-1"
    return {"bucket": bucket, "region": "eu-west-1" if constraint == "EU" else constraint}


def _in_region(connection: Mapping[str, Any], region: str) -> Mapping[str, Any]:
    """The same connection values, pointed at another region (for CreateBucket)."""
    # "Custom Region" always takes custom_region (the Boomi rule), whatever the list holds.
    values = {**dict(connection), "region": "custom", "custom_region": region}
    return Connection(getattr(connection, "connector_id", "aws.s3"), values, name=getattr(connection, "name", None))
