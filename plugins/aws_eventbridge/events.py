"""Put events (Boomi's "Create"): validation, batching, concurrent sending, entry retries.

The flow: every entry is validated and sized locally (nothing is sent if one is bad);
entries are grouped into requests within the service limits (see :mod:`.batching`); a
bounded thread pool sends the requests; entries that fail with a retryable code
(``ThrottlingException``, ``InternalFailure``) are re-sent, alone, after an exponential
backoff with full jitter, up to ``max_attempts`` sends. Entries that succeeded are never
sent again, and every entry ends with exactly one outcome.

A request whose answer is lost (a read timeout) is sent again: nobody can know whether
the service took it, and EventBridge delivery is at-least-once anyway, so consumers
de-duplicate on their own keys.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from connector_core.aws import map_error
from connector_core import Connection, RunContext
from connector_core import (
    AccessDeniedError,
    AuthenticationError,
    ConnectorError,
    NotFoundError,
    ValidationError,
)

from .batching import entry_size, oversized, plan_batches
from .common import CONNECTOR, bus_arn, compact_json, default_bus, json_text, parse_time, put_events_client

#: Entry error codes worth sending again; anything else (MalformedDetail,
#: AccessDeniedException, InvalidArgument...) is final at once.
RETRYABLE_CODES = frozenset({"ThrottlingException", "InternalFailure"})
#: Full-jitter backoff: attempt n waits uniformly in [0, min(CAP, BASE * 2**(n-1))] seconds.
BACKOFF_BASE = 0.05
BACKOFF_CAP = 2.0
#: Seconds between progress reports while batches are being sent.
PROGRESS_INTERVAL = 0.2
#: The manifest's default for ``concurrency`` (tests build clients sized like the host's).
DEFAULT_CONCURRENCY = 8
# Listing every bad entry of a 100,000-entry input helps nobody.
_MAX_REPORTED_ERRORS = 50


def put_events(connection: Connection, params: Mapping[str, Any], context: RunContext) -> dict[str, Any]:
    """Publish ``params["entries"]``; one outcome per entry, in input order, plus counts.

    The host has checked the manifest's ``requires_connection`` and filled its defaults.
    """
    entries: Sequence[Mapping[str, Any]] = params["entries"]
    max_bytes = params["max_request_bytes"]
    api_entries = build_entries(connection, entries, params.get("event_bus"))
    sizes = [entry_size(e) for e in api_entries]
    _refuse_oversized(sizes, max_bytes)

    concurrency = params["concurrency"]
    client = put_events_client(connection, context, concurrency)
    buses = {e["EventBusName"] for e in api_entries}
    single_bus = buses.pop() if len(buses) == 1 else None
    sender = _Sender(client, api_entries, params["max_attempts"], single_bus)

    batches = plan_batches(range(len(api_entries)), sizes, max_bytes)
    total = len(api_entries)
    context.progress(0, total, "events")
    if len(batches) == 1:  # the common small call: no thread pool
        context.progress(sender.send(batches[0]), total, "events")
        return sender.result()
    # Each thread takes the next batch until none is left: no future and no wake-up of this
    # thread per request (they cost as much CPU as a tenth of the request itself).
    queue = _Batches(batches)
    workers = max(1, min(concurrency, len(batches)))
    # A pool per run: a run whose endpoint hangs holds only its own threads, never another
    # run's (a process-wide pool let one tenant's stuck requests starve every other's).
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="eventbridge-put") as pool:
        pending = {pool.submit(queue.drain, sender) for _ in range(workers)}
        while pending:
            finished, pending = wait(pending, timeout=PROGRESS_INTERVAL, return_when=FIRST_EXCEPTION)
            for future in finished:
                future.result()
            context.progress(queue.done, total, "events")
    return sender.result()


class _Batches:
    """The batches left to send, shared by the sending threads; counts the entries done."""

    def __init__(self, batches: list[list[int]]) -> None:
        self._left = iter(batches)
        self._lock = threading.Lock()
        self.done = 0

    def drain(self, sender: _Sender) -> None:
        while True:
            with self._lock:
                batch = next(self._left, None)
            if batch is None:
                return
            sent = sender.send(batch)
            with self._lock:
                self.done += sent


def build_entries(connection: Connection, entries: Sequence[Mapping[str, Any]],
                  event_bus: str | None) -> list[dict[str, Any]]:
    """API-shaped PutEvents entries; every problem of every entry in one ValidationError."""
    default = default_bus(connection, event_bus)
    arns: dict[str, str] = {}  # a 10,000-entry input names few buses
    api: list[dict[str, Any]] = []
    errors: dict[str, list[str]] = {}
    for index, entry in enumerate(entries):
        try:
            detail = entry.get("detail")
            item: dict[str, Any] = {
                "Source": entry["source"],
                "DetailType": entry["detail_type"],
                # A dict (what the manifest's map gives) is valid JSON as it is: no parse back.
                "Detail": compact_json(detail) if type(detail) is dict else json_text(
                    detail, f"entries[{index}].detail"),
            }
            if entry.get("resources"):
                item["Resources"] = list(entry["resources"])
            if entry.get("time"):
                item["Time"] = parse_time(entry["time"], f"entries[{index}].time")
            if entry.get("trace_header"):
                item["TraceHeader"] = entry["trace_header"]
            bus = entry.get("event_bus") or default
            if bus not in arns:
                arns[bus] = bus_arn(connection, bus)
            item["EventBusName"] = arns[bus]
            api.append(item)
        except ValidationError as exc:
            for key, messages in exc.errors.items():
                errors.setdefault(key, []).extend(messages)
            if len(errors) >= _MAX_REPORTED_ERRORS:
                break
        except KeyError as exc:
            errors.setdefault(f"entries[{index}].{exc.args[0]}", []).append("is required")
    if errors:
        raise ValidationError(errors, connector=CONNECTOR)
    return api


def _refuse_oversized(sizes: Sequence[int], max_bytes: int) -> None:
    too_big = oversized(sizes, max_bytes)
    if too_big:
        raise ValidationError(
            {
                f"entries[{i}]": [
                    f"is {sizes[i]} bytes by AWS's PutEvents entry-size formula, over "
                    f"max_request_bytes = {max_bytes}"
                ]
                for i in too_big[:_MAX_REPORTED_ERRORS]
            },
            hint="store large payloads elsewhere (S3, say) and send a reference, or raise "
            "max_request_bytes where AWS allows 1 MiB",
            connector=CONNECTOR,
        )


class _Sender:
    """Sends batches from many threads; records one outcome per entry."""

    def __init__(self, client: Any, entries: Sequence[dict[str, Any]], max_attempts: int,
                 single_bus: str | None, sleep: Callable[[float], None] = time.sleep) -> None:
        self._client = client
        self._entries = entries
        self._max_attempts = max(1, max_attempts)
        self._single_bus = single_bus
        self._sleep = sleep
        self._outcomes: list[dict[str, Any] | None] = [None] * len(entries)
        self._lock = threading.Lock()
        self._requests = 0
        # An error that makes every further request pointless (bad keys, missing bus).
        self._fatal: ConnectorError | None = None
        self._random = random.Random()

    def send(self, batch: list[int]) -> int:
        """Send one batch until each entry has a final outcome; returns the batch's size."""
        pending = batch
        for attempt in range(1, self._max_attempts + 1):
            if self._fatal is not None:
                self._fail(pending, "NotSent", f"not sent: {self._fatal.message}")
                return len(batch)
            try:
                response = self._client.put_events(Entries=[self._entries[i] for i in pending])
            except (ClientError, BotoCoreError, ConnectorError) as exc:
                # ConnectorError: the toolkit's credential providers (an AssumeRole refused...)
                error = exc if isinstance(exc, ConnectorError) else map_error(
                    exc, connector=CONNECTOR, action="events:PutEvents")
                self._count_request()
                if error.retryable and attempt < self._max_attempts:
                    self._backoff(attempt)
                    continue
                if self._is_fatal(error):
                    with self._lock:
                        self._fatal = self._fatal or error
                self._fail(pending, _error_code(exc), error.message)
                return len(batch)
            self._count_request()
            pending = self._record(pending, response.get("Entries") or [], last=attempt == self._max_attempts)
            if not pending:
                return len(batch)
            self._backoff(attempt)
        return len(batch)  # not reached: the last attempt records every entry

    def _record(self, pending: list[int], results: list[dict[str, Any]], last: bool) -> list[int]:
        retry: list[int] = []
        for position, index in enumerate(pending):
            result = results[position] if position < len(results) else {}
            if result.get("EventId"):
                self._outcomes[index] = {"index": index, "event_id": result["EventId"]}
                continue
            code = result.get("ErrorCode") or "NoResult"
            message = result.get("ErrorMessage") or "the service returned no outcome for this entry"
            if code in RETRYABLE_CODES and not last:
                retry.append(index)
            else:
                self._outcomes[index] = {"index": index, "error_code": code, "error_message": message}
        return retry

    def _fail(self, indices: list[int], code: str, message: str) -> None:
        for index in indices:
            self._outcomes[index] = {"index": index, "error_code": code, "error_message": message}

    def _backoff(self, attempt: int) -> None:
        self._sleep(self._random.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempt - 1))))

    def _count_request(self) -> None:
        with self._lock:
            self._requests += 1

    def _is_fatal(self, error: ConnectorError) -> bool:
        if isinstance(error, (AuthenticationError, AccessDeniedError)):
            return True
        return isinstance(error, NotFoundError) and self._single_bus is not None

    def result(self) -> dict[str, Any]:
        outcomes = [o if o is not None else {"index": i, "error_code": "NotSent",
                                              "error_message": "not sent"}
                    for i, o in enumerate(self._outcomes)]
        successful = sum(1 for o in outcomes if "event_id" in o)
        if successful == 0 and self._fatal is not None:
            # Nothing was published: the cause (a missing bus, refused keys) is the answer.
            if isinstance(self._fatal, NotFoundError) and self._single_bus:
                raise NotFoundError(
                    f"event bus {self._single_bus} does not exist",
                    hint="create it (create_event_bus), or name an existing bus in event_bus",
                    connector=CONNECTOR,
                )
            raise self._fatal
        return {
            "results": outcomes,
            "successful_count": successful,
            "failed_count": len(outcomes) - successful,
            "requests": self._requests,
        }


def _error_code(exc: Exception) -> str:
    if isinstance(exc, ConnectorError):
        return type(exc).__name__
    if isinstance(exc, ClientError):
        return exc.response.get("Error", {}).get("Code") or "ClientError"
    return type(exc).__name__
