"""The Celery runner: jobs go to Celery workers through a Redis broker (the ``jobs`` extra).

The message carries the tenant and the job's id, nothing else; the worker reads the
job from the store, loads the connection and decrypts it itself. Delivery guarantees
come from both sides:

- the broker: ``acks_late`` (a message is acknowledged only after its delivery ended)
  and ``reject_on_worker_lost`` (a pool process killed mid-job puts its message back);
  Redis also re-delivers an unacknowledged message after ``visibility_timeout``;
- the store: each delivery claims the job under a lease first, so a re-delivered job
  that finished is a no-op, and one still running waits for the lease instead of
  running twice. Every worker reaps expired leases (a whole worker died) and sends
  those jobs again.

Settings: ``CONNECTOR_CORE_BROKER_URL`` (``redis://127.0.0.1:6379/0``),
``CONNECTOR_CORE_BROKER_KEY_PREFIX`` (a prefix for every Redis key, to share a server),
``CONNECTOR_CORE_BROKER_VISIBILITY_TIMEOUT`` (seconds, default 3600),
``CONNECTOR_CORE_BROKER_TRANSPORT_OPTIONS`` (JSON: more of kombu's Redis transport options).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

try:
    from celery import Celery
    from celery.signals import worker_process_init, worker_ready, worker_shutdown
except ImportError as exc:  # pragma: no cover - only without the extra
    from ..errors import ConfigurationError

    raise ConfigurationError("the Celery runner needs Celery",
                             hint="pip install 'connector-core[jobs]'") from exc

from ..errors import ConfigurationError
from .settings import ENV_BROKER_URL, JobSettings

if TYPE_CHECKING:
    from .execute import JobExecutor

log = logging.getLogger(__name__)

ENV_KEY_PREFIX = "CONNECTOR_CORE_BROKER_KEY_PREFIX"
ENV_VISIBILITY_TIMEOUT = "CONNECTOR_CORE_BROKER_VISIBILITY_TIMEOUT"
ENV_TRANSPORT_OPTIONS = "CONNECTOR_CORE_BROKER_TRANSPORT_OPTIONS"
#: The one task: deliver a job, given (tenant, job id).
TASK_NAME = "connector_core.jobs.deliver"


def make_celery_app(executor_factory: Callable[[], JobExecutor] | None = None, *,
                    environ: Mapping[str, str] | None = None, settings: JobSettings | None = None) -> Celery:
    """The Celery app for jobs. ``executor_factory`` (workers only) builds this process's
    executor: called once per process, after the pool forked, never in a producer."""
    env = os.environ if environ is None else environ
    settings = settings or JobSettings.from_environment(env)
    url = env.get(ENV_BROKER_URL, "").strip()
    if not url:
        raise ConfigurationError(f"the Celery runner needs {ENV_BROKER_URL}",
                                 hint=f"set {ENV_BROKER_URL}=redis://HOST:6379/0, or use the local runner")
    options: dict[str, Any] = {**_json_object(env, ENV_TRANSPORT_OPTIONS),
                               "visibility_timeout": _seconds(env, ENV_VISIBILITY_TIMEOUT, 3600)}
    if env.get(ENV_KEY_PREFIX):
        options["global_keyprefix"] = env[ENV_KEY_PREFIX]
    app = Celery("connector_core", set_as_current=False)
    app.conf.update(
        broker_url=url, broker_transport_options=options, broker_connection_retry_on_startup=True,
        task_default_queue=settings.queue, task_serializer="json", accept_content=["json"],
        task_ignore_result=True, task_acks_late=True, task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,  # a worker holds only what it runs: the rest stays for others
        broker_pool_limit=4,
    )
    context = _WorkerContext(executor_factory)

    @app.task(name=TASK_NAME, bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
    def deliver(task: Any, tenant: str, job_id: str) -> str:
        try:
            outcome = context.executor().deliver(tenant, job_id)
        except Exception:  # the store is down, say: the job stays queued (or its lease expires)
            log.exception("job %s: delivery failed; trying again in %.0fs", job_id, settings.lease_seconds)
            task.apply_async((tenant, job_id), countdown=settings.lease_seconds, queue=settings.queue)
            return f"error {job_id}"
        if outcome.kind in ("retry", "busy"):  # a new message; this one is acknowledged
            task.apply_async((tenant, job_id), countdown=outcome.delay, queue=settings.queue)
        return f"{outcome.kind} {job_id}"  # the worker's log line for the message says what it did

    context.send = lambda tenant, job_id, delay=0.0: deliver.apply_async(
        (tenant, job_id), countdown=max(0.0, delay), queue=settings.queue)
    if executor_factory is not None:
        reaper = _Reaper(context, lambda tenant, job_id: deliver.apply_async((tenant, job_id), queue=settings.queue),
                         interval=max(0.5, settings.lease_seconds / 2))
        # Each pool process builds its host and store as it starts, not on its first job.
        worker_process_init.connect(lambda **_: context.warm_up(), weak=False)
        worker_ready.connect(lambda **_: reaper.start(), weak=False)
        worker_shutdown.connect(lambda **_: reaper.stop(), weak=False)
    return app


class CeleryRunner:
    """Sends jobs to Celery workers (``connectors worker``). Built from the environment
    unless an ``app`` from :func:`make_celery_app` is given."""

    name = "celery"

    def __init__(self, app: Celery | None = None, *, settings: JobSettings | None = None) -> None:
        self.settings = settings or JobSettings.from_environment()
        self.app = app or make_celery_app(settings=self.settings)

    def start(self, executor: JobExecutor) -> None:
        """Nothing runs here: workers have their own executors."""

    def enqueue(self, tenant: str, job_id: str, *, delay: float = 0.0) -> None:
        self.app.send_task(TASK_NAME, args=(tenant, job_id), queue=self.settings.queue,
                           countdown=delay if delay > 0 else None,
                           retry_policy={"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5})

    def close(self, wait: bool = True) -> None:
        self.app.close()


class _WorkerContext:
    """This process's executor, built on first use in each process (a forked pool
    process must not share its parent's database connections)."""

    def __init__(self, factory: Callable[[], JobExecutor] | None) -> None:
        self._factory = factory
        self._pid: int | None = None
        self._executor: JobExecutor | None = None
        self._lock = threading.Lock()
        #: Sends a job to the workers; the executor queues the jobs it creates with it.
        self.send: Callable[..., Any] | None = None

    def executor(self) -> JobExecutor:
        if self._factory is None:
            raise ConfigurationError("this Celery app only sends jobs", hint="run workers with `connectors worker`")
        with self._lock:
            if self._executor is None or self._pid != os.getpid():
                self._executor, self._pid = self._factory(), os.getpid()
                self._executor.enqueue = self.send
            return self._executor

    def warm_up(self) -> None:
        """Build the executor now; if the store is down, the first job tries again."""
        try:
            self.executor()
        except Exception:
            log.exception("jobs: building this worker process's host and store failed")


class _Reaper:
    """In a worker's main process: re-queue jobs whose worker died, every half lease."""

    def __init__(self, context: _WorkerContext, send: Callable[[str, str], Any], interval: float) -> None:
        self._context = context
        self._interval = interval
        self._send = send
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="job-reaper", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                for tenant, job_id in self._context.executor().reap():
                    self._send(tenant, job_id)
            except Exception:  # the store or broker is down: try again next round
                log.exception("job reaper pass failed")


def _json_object(env: Mapping[str, str], name: str) -> dict[str, Any]:
    import json

    raw = env.get(name, "").strip()
    try:
        value = json.loads(raw) if raw else {}
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise ConfigurationError(f"{name} is not a JSON object",
                                 hint='e.g. {"unacked_restore_interval": 5}')
    return value


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    try:
        return float(raw) if raw else default
    except ValueError:
        raise ConfigurationError(f"{name}={raw!r} is not a number of seconds") from None
