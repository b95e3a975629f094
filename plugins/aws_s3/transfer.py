"""Large transfers through boto3's transfer manager: upload and download (copies: :mod:`.copies`).

The transfer manager splits work into parts above ``multipart_threshold``, runs
``max_concurrency`` parts at once; memory is bounded by the parts in flight plus, on
downloads, the write-behind queue (capped at ``DOWNLOAD_WRITE_QUEUE`` chunks below),
whatever the file size. We use it directly (not ``client.upload_file``)
so that a failure keeps S3's error code instead of boto3's ``S3UploadFailedError``
wrapper. On failure s3transfer aborts the multipart upload it started, so no parts
are left behind (and billed).
"""

from __future__ import annotations

import errno
import threading
from collections.abc import Mapping
from typing import Any

from connector_core.aws import client as aws_client

from .client import s3, s3_errors
from .localfiles import atomic_target, local_error
from .uploads import upload_args
from .validation import check_download_target, check_key, check_readable_file, resolve_bucket

MIB = 1024 * 1024
#: Report progress at most every this many bytes: the host may draw a bar per call.
PROGRESS_STEP = 4 * MIB
#: Downloaded chunks waiting for the one writer thread. boto3's default (100 x 256 KiB)
#: lets 25 MiB pile up whenever the disk lags the network, in buffers allocated by every
#: reader thread (so spread over glibc's per-thread arenas, which keep them): the peak RSS
#: of a 256 MiB download went from ~80 to 110-135 MiB, by how loaded the machine was.
#: Eight (2 MiB) keep the writer busy at any speed a local disk has; a full queue only
#: makes the readers wait. See ``python -m bench s3_transfer``.
DOWNLOAD_WRITE_QUEUE = 8


def transfer_config(params: Mapping[str, Any]) -> Any:
    """A ``TransferConfig`` from the operation's (manifest-limited) tuning inputs."""
    from boto3.s3.transfer import TransferConfig

    return TransferConfig(
        multipart_threshold=int(params.get("multipart_threshold") or 8 * MIB),
        multipart_chunksize=int(params.get("multipart_chunksize") or 8 * MIB),
        max_concurrency=int(params.get("max_concurrency") or 10),
        max_io_queue=DOWNLOAD_WRITE_QUEUE,
        use_threads=True,
    )


class Progress:
    """Adds up the bytes each part's thread reports and forwards them, throttled, to the host."""

    def __init__(self, context: Any, total: int | None) -> None:
        self._context = context
        self._total = total
        self._done = 0
        self._reported = 0
        self._lock = threading.Lock()

    def subscriber(self) -> Any:
        from s3transfer.subscribers import BaseSubscriber

        progress = self

        class Subscriber(BaseSubscriber):
            def on_progress(self, future: Any, bytes_transferred: int, **kwargs: Any) -> None:
                if progress._total is None:  # downloads and copies learn the size from HeadObject
                    progress._total = future.meta.size
                progress.add(bytes_transferred)

        return Subscriber()

    def add(self, amount: int) -> None:
        with self._lock:
            self._done += amount
            if self._done - self._reported < PROGRESS_STEP and self._done != self._total:
                return
            self._reported = done = self._done
        self._context.progress(done, self._total, "B")

    def finish(self, total: int) -> None:
        if self._reported != total:
            self._context.progress(total, total, "B")


def run_transfer(connection: Mapping[str, Any], context: Any, params: Mapping[str, Any], submit: Any) -> Any:
    """Run one transfer in its own manager; leaving the ``with`` cancels and cleans up on error."""
    from boto3.s3.transfer import create_transfer_manager

    config = transfer_config(params)
    client = s3(connection, context)
    if config.max_request_concurrency > 10:  # botocore's default pool holds 10 connections
        client = aws_client(connection, context, "s3", max_pool_connections=config.max_request_concurrency)
    with create_transfer_manager(client, config) as manager:
        future = submit(manager)
        future.result()
    return future


def upload_file(connection: Mapping[str, Any], params: Mapping[str, Any], context: Any) -> dict:
    """Upload a local file, in concurrent parts above the multipart threshold."""
    bucket = resolve_bucket(connection, params)
    key = check_key(params["key"])
    source = check_readable_file(params["file_path"])
    extra = upload_args(params)
    try:
        size = source.stat().st_size
    except OSError as exc:
        raise local_error(exc, source, "read") from exc
    progress = Progress(context, size)
    with s3_errors(connection, action="s3:PutObject", bucket=bucket, key=key):
        try:
            run_transfer(connection, context, params, lambda m: m.upload(
                str(source), bucket, key, extra_args=extra, subscribers=[progress.subscriber()]))
        except OSError as exc:
            if _is_local(exc):
                raise local_error(exc, source, "read") from exc
            raise
    progress.finish(size)
    return {"bucket": bucket, "key": key, "size": size}


def download_file(connection: Mapping[str, Any], params: Mapping[str, Any], context: Any) -> dict:
    """Download to a temporary name beside the target, renamed only once complete."""
    bucket = resolve_bucket(connection, params)
    key = check_key(params["key"])
    target = check_download_target(params["file_path"], params.get("overwrite", True))
    extra = {"VersionId": params["version_id"]} if params.get("version_id") else {}
    progress = Progress(context, None)
    with s3_errors(connection, action="s3:GetObject", bucket=bucket, key=key):
        try:
            with atomic_target(target) as temp:
                future = run_transfer(connection, context, params, lambda m: m.download(
                    bucket, key, str(temp), extra_args=extra, subscribers=[progress.subscriber()]))
        except OSError as exc:
            if _is_local(exc):
                raise local_error(exc, target, "write") from exc
            raise
    size = int(future.meta.size or 0)
    progress.finish(size)
    return {"bucket": bucket, "key": key, "size": size, "file_path": str(target)}


def _is_local(exc: OSError) -> bool:
    """A local filesystem failure, as opposed to a network error (which botocore raises as OSError too)."""
    if type(exc).__module__.startswith(("botocore", "urllib3", "s3transfer")):
        return False
    local = (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError)
    return isinstance(exc, local) or exc.errno in (errno.ENOSPC, errno.EDQUOT)

