"""Writing local files safely: a temporary name in the target folder, renamed when complete."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from connector_core import OperationError

from .client import CONNECTOR


@contextlib.contextmanager
def atomic_target(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it over ``target`` on success.

    The temporary file lives in the same folder so the final ``os.replace`` is an atomic
    rename on one filesystem. On any failure (or interruption) it is removed: a reader
    of ``target`` never sees a half-written file.
    """
    fd, temp_name = tempfile.mkstemp(prefix=f".{target.name[:100]}.", suffix=".part", dir=target.parent)
    os.close(fd)
    temp = Path(temp_name)
    try:
        yield temp
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise


def local_error(exc: OSError, path: Path, doing: str) -> OperationError:
    """A local file failure as a clear error naming the path (no AWS involved)."""
    reason = exc.strerror or type(exc).__name__
    return OperationError(f"could not {doing} {str(path)!r}: {reason}",
                          hint="check the path, its permissions and the free disk space",
                          connector=CONNECTOR)
