"""Ajv2020 from Python: the validator a host's browser runs, in one long-lived Node process.

The form page validates with Ajv2020 + ajv-formats (what stock react-jsonschema-form uses
with ``customizeValidator({AjvClass: Ajv2020})``). To prove that a form accepts exactly
what the server accepts, tests send the same documents through both. Starting Node per
document costs a Node start-up and a schema compile each; one process compiles each
schema once and validates thousands of documents per second (``python -m bench ajv_harness``).

.. code-block:: python

    with Ajv2020() as ajv:
        ajv.compile(schema)                      # warnings, or AjvCompileError
        [r.valid for r in ajv.validate(schema, documents)]

The harness (``ajv_harness.cjs`` beside this module) is built by esbuild from the same
lockfile as the form page, so it needs only ``node`` (18+), not ``node_modules``.
Node's numbers are IEEE doubles: keep generated integers within ±2**53.
"""

from __future__ import annotations

import hashlib
import json
import os
import selectors
import shutil
import subprocess
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HARNESS = Path(__file__).with_name("ajv_harness.cjs")


class AjvUnavailable(RuntimeError):
    """Node or the harness is missing; the message says what to install."""


class AjvCompileError(ValueError):
    """Ajv2020 (default strict options) refused to compile the schema."""


@dataclass(frozen=True)
class AjvResult:
    valid: bool
    #: Ajv's errors: ``{"path": "/field", "keyword": ..., "message": ..., "schemaPath": ...}``.
    errors: tuple[dict[str, Any], ...] = field(default=())


def find_node() -> str:
    """The ``node`` executable (``$NODE`` first), or AjvUnavailable saying how to get one."""
    node = os.environ.get("NODE") or shutil.which("node") or shutil.which("nodejs")
    if not node:
        raise AjvUnavailable("Node.js is not installed: install `nodejs` (18 or newer) or set $NODE")
    if not HARNESS.is_file():
        raise AjvUnavailable(f"{HARNESS} is missing: run `npm ci && npm run build` in connector_core/web/frontend")
    return node


class Ajv2020:
    """One Node process running Ajv2020; thread-safe, started on first use, closed by :meth:`close`."""

    def __init__(self, node: str | None = None, *, timeout: float = 60.0) -> None:
        self._node = node
        self._timeout = timeout
        self._process: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()
        self._sent: set[str] = set()  # keys the running process has compiled

    def __enter__(self) -> Ajv2020:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def validate(self, schema: Mapping[str, Any], documents: Iterable[Any]) -> list[AjvResult]:
        """Each document's verdict. Raises AjvCompileError when the schema does not compile."""
        reply = self._request(schema, list(documents))
        return [AjvResult(r["valid"], tuple(r.get("errors", ()))) for r in reply["results"]]

    def accepts(self, schema: Mapping[str, Any], document: Any) -> bool:
        return self.validate(schema, [document])[0].valid

    def compile(self, schema: Mapping[str, Any]) -> list[str]:
        """The warnings Ajv logged while compiling (strict-mode notes); [] when clean."""
        return list(self._request(schema, [])["warnings"])

    def close(self) -> None:
        with self._lock:
            process, self._process = self._process, None
        if process is not None:
            process.stdin.close()  # type: ignore[union-attr]
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    # -- internals ----------------------------------------------------------------------

    def _request(self, schema: Mapping[str, Any], documents: list[Any]) -> dict[str, Any]:
        # allow_nan=False: NaN/Infinity are not JSON, and Node would read them differently.
        schema_text = json.dumps(schema, allow_nan=False, sort_keys=True, separators=(",", ":"))
        key = hashlib.sha256(schema_text.encode()).hexdigest()[:32]
        docs = json.dumps(documents, allow_nan=False, separators=(",", ":"))
        with self._lock:
            for _ in range(2):  # a second time when the process no longer holds the schema
                process = self._started()
                body = f'"schema":{schema_text},' if key not in self._sent else ""
                reply = self._exchange(process, f'{{"key":"{key}",{body}"documents":{docs}}}\n')
                if not reply.get("unknown_key"):
                    break
                self._sent.discard(key)
            if reply["ok"]:
                self._sent.add(key)
        if not reply["ok"]:
            raise AjvCompileError(reply["error"])
        return reply

    def _exchange(self, process: subprocess.Popen[str], line: str) -> dict[str, Any]:
        try:
            process.stdin.write(line)  # type: ignore[union-attr]
            process.stdin.flush()  # type: ignore[union-attr]
            return json.loads(self._read_line(process))
        except (BrokenPipeError, AjvUnavailable):
            self._process = None
            process.kill()
            raise AjvUnavailable("the Ajv2020 Node process died: " + _stderr_tail(process)) from None

    def _started(self) -> subprocess.Popen[str]:
        if self._process is None or self._process.poll() is not None:
            self._sent.clear()
            node = self._node or find_node()
            self._process = subprocess.Popen(
                [node, str(HARNESS)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, text=True, encoding="utf-8", bufsize=1,
            )
        return self._process

    def _read_line(self, process: subprocess.Popen[str]) -> str:
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)  # type: ignore[arg-type]
            if not selector.select(self._timeout):
                raise AjvUnavailable(f"no answer within {self._timeout} s")
        answer = process.stdout.readline()  # type: ignore[union-attr]
        if not answer:
            raise AjvUnavailable("the process exited")
        return answer


def _stderr_tail(process: subprocess.Popen[str]) -> str:
    try:
        _, err = process.communicate(timeout=2)
    except (subprocess.TimeoutExpired, ValueError):
        return "(no output)"
    return (err or "").strip()[-500:] or "(no output)"
