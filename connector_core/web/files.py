"""Each tenant's file area: uploads for ``upload_file``, results of ``download_file``.

A tenant never names a server path. Files are addressed by a random ``file_id`` (32 hex
digits, checked before any filesystem call, so ``../`` and absolute paths cannot even be
spelt) inside a folder derived from a hash of the tenant's name: another tenant's id is
simply not in this tenant's folder. Uploads are streamed to disk under a size cap; files
older than ``max_age`` are removed as new ones arrive.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from .body import ApiError

FILE_ID = re.compile(r"^[0-9a-f]{32}$")
DEFAULT_MAX_BYTES = 256 * 1024 * 1024
DEFAULT_MAX_AGE = 24 * 3600.0
_NAME_CHARS = re.compile(r"[^A-Za-z0-9._ -]")


@dataclass(frozen=True)
class StoredFile:
    file_id: str
    path: Path
    filename: str
    size: int


class FileArea:
    """Files under ``root/<sha256(tenant)[:32]>/<file_id>``, with a ``.json`` beside each."""

    def __init__(self, root: Path, max_bytes: int = DEFAULT_MAX_BYTES, max_age: float = DEFAULT_MAX_AGE) -> None:
        self.root = Path(root).resolve()
        self.max_bytes = max_bytes
        self.max_age = max_age

    def folder(self, tenant: str) -> Path:
        folder = self.root / hashlib.sha256(tenant.encode()).hexdigest()[:32]
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        return folder

    def new_path(self, tenant: str) -> tuple[str, Path]:
        """A fresh id and the path an operation may write it to."""
        file_id = secrets.token_hex(16)
        return file_id, self.folder(tenant) / file_id

    async def save(self, tenant: str, filename: str, chunks: AsyncIterator[bytes],
                   declared_size: int | None = None) -> StoredFile:
        """Stream an upload to disk; over the cap it is removed and refused with 413."""
        if declared_size is not None and declared_size > self.max_bytes:
            raise _too_large(self.max_bytes)
        self._expire(tenant)
        file_id, path = self.new_path(tenant)
        size = 0
        try:
            with open(path, "xb") as out:
                async for chunk in chunks:
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise _too_large(self.max_bytes)
                    out.write(chunk)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        self.describe(tenant, file_id, filename)
        return StoredFile(file_id, path, _clean_name(filename), size)

    def describe(self, tenant: str, file_id: str, filename: str) -> None:
        meta = self.folder(tenant) / f"{file_id}.json"
        meta.write_text(json.dumps({"filename": _clean_name(filename)}))

    def get(self, tenant: str, file_id: object) -> StoredFile:
        """The tenant's file, or 404 ``not_found`` (a wrong id, another tenant's, a path)."""
        if not isinstance(file_id, str) or not FILE_ID.match(file_id):
            raise _not_found()
        path = self.folder(tenant) / file_id
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            raise _not_found() from None
        try:
            filename = json.loads((path.parent / f"{file_id}.json").read_text())["filename"]
        except (OSError, ValueError, KeyError):
            filename = file_id
        return StoredFile(file_id, path, filename, size)

    def discard(self, tenant: str, file_id: str) -> None:
        folder = self.folder(tenant)
        for name in (file_id, f"{file_id}.json"):
            (folder / name).unlink(missing_ok=True)

    def mask_paths(self, text: str) -> str:
        """``text`` without the server's file area path (error messages may quote it)."""
        return text.replace(str(self.root), "<files>")

    def _expire(self, tenant: str) -> None:
        cutoff = time.time() - self.max_age
        for entry in os.scandir(self.folder(tenant)):
            try:
                if entry.stat().st_mtime < cutoff:
                    os.unlink(entry.path)
            except FileNotFoundError:
                pass


def _clean_name(filename: str) -> str:
    base = os.path.basename(filename.replace("\\", "/")) if filename else ""
    return _NAME_CHARS.sub("_", base)[:200] or "file"


def _not_found() -> ApiError:
    return ApiError(404, "not_found", "no such file for this tenant", hint="upload it with POST /api/files")


def _too_large(max_bytes: int) -> ApiError:
    return ApiError(413, "body_too_large", f"the file is larger than {max_bytes} bytes")
