"""``connectors worker`` (a Celery worker that runs jobs) and ``connectors jobs ...``.

Kept outside :mod:`connector_core.jobs` so that defining the commands imports neither
SQLAlchemy nor Celery: every other ``connectors`` command starts as fast as before.
"""

from __future__ import annotations

import json
from typing import Any

import click

_tenant_option = click.option("--tenant", "-t", required=True, help="The tenant whose jobs these are.")
_json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def _store(ctx: click.Context) -> Any:
    from .store import ConnectionStore

    store = ConnectionStore.open(ctx.find_root().obj.host)
    ctx.call_on_close(store.close)
    return store


def _jobs(ctx: click.Context) -> Any:
    """Jobs on the runner the environment configures (CONNECTOR_CORE_JOBS_RUNNER); a local
    runner here runs only what this command submits (the host runs the rest)."""
    import os

    from .jobs import Jobs, LocalRunner
    from .jobs.settings import ENV_RUNNER

    local = os.environ.get(ENV_RUNNER, "local").strip() in ("", "local")
    jobs = Jobs(_store(ctx), LocalRunner(recover=False) if local else None)
    ctx.call_on_close(jobs.close)
    return jobs


def _records(ctx: click.Context) -> Any:
    """The jobs table alone: reading and cancelling start no runner."""
    from .jobs import JobStore

    return JobStore(_store(ctx).engine)


def _print(record: Any, as_json: bool, chunks: Any = None) -> None:
    """A job as JSON or as lines; ``chunks``: a fan-out parent's ChunkSummary, whose
    progress (added up from the chunks) replaces the parent's own."""
    if as_json:
        click.echo(json.dumps(record.to_dict(), indent=2, ensure_ascii=False))
        return
    job = record.job
    click.echo(f"{job.id}  {record.state}  {job.connector_id} {job.operation}  attempts {record.attempts}"
               f"/{record.max_attempts}" + (f"  {record.duration:.3f}s" if record.duration is not None else ""))
    progress = chunks.progress if chunks is not None else record.progress
    if progress:
        total = f"/{progress.total}" if progress.total is not None else ""
        click.echo(f"  progress: {progress.done}{total} {progress.unit}".rstrip())
    if chunks is not None:
        from .jobs.chunk_summary import summary_lines

        for line in summary_lines(chunks):
            click.echo(line)
        if chunks.all_finished and not record.finished:
            click.echo("  every chunk finished: the worker that ended the last one merges them into the parent "
                       "(if it died first, the host does when it next reads it)")
    if record.error:
        hint = record.error.get("hint")  # what to do: as `connectors run` prints it
        click.echo(f"  error: {record.error.get('error')}: {record.error.get('message')}"
                   + (f" ({hint})" if hint else ""))
    if record.result is not None:  # a parent's "fanout" part is in the chunk lines above (and in --json)
        result = {k: v for k, v in record.result.items() if k != "fanout"} if chunks is not None else record.result
        click.echo("  result: " + json.dumps(result, ensure_ascii=False))


@click.group("jobs")
def jobs_group() -> None:
    """Background jobs: submit, show, list, cancel (see docs/jobs.md).

    The runner is CONNECTOR_CORE_JOBS_RUNNER: `local` (default; `submit` then waits, as
    the job runs in this process) or `celery` (workers run it; `submit` returns at once
    unless --wait).
    """


@jobs_group.command("submit")
@_tenant_option
@click.argument("connection_id")
@click.argument("operation")
@click.option("--input", "-i", "input_path", type=click.Path(dir_okay=False, allow_dash=True),
              help="A JSON or YAML file of the operation's input.")
@click.option("--key", "idempotency_key", help="Idempotency key: submitting it again returns the first job.")
@click.option("--wait/--no-wait", default=None, help="Wait for the result (default: with the local runner).")
@click.option("--timeout", type=float, default=None, help="Seconds to wait at most.")
@_json_option
@click.pass_context
def submit(ctx: click.Context, tenant: str, connection_id: str, operation: str, input_path: str | None,
           idempotency_key: str | None, wait: bool | None, timeout: float | None, as_json: bool) -> None:
    """Validate and queue OPERATION on a stored connection; print the job."""
    from .cli import _read_data

    jobs = _jobs(ctx)
    params = _read_data(input_path, "input file") if input_path else {}
    record = jobs.submit(tenant, connection_id, operation, params, idempotency_key=idempotency_key)
    if wait if wait is not None else jobs.runner.name == "local":
        record = jobs.wait(tenant, record.id, timeout=timeout)
    _print(record, as_json)
    if record.state == "failed":
        ctx.exit(1)


@jobs_group.command("show")
@_tenant_option
@click.argument("job_id")
@_json_option
@click.pass_context
def show(ctx: click.Context, tenant: str, job_id: str, as_json: bool) -> None:
    """One job: state, progress, result or masked error, attempts, timing; for a fan-out's
    parent also its chunks: counts by state, failed and re-run chunks."""
    records = _records(ctx)
    record = records.get(tenant, job_id)
    if as_json:
        _print(record, True)
        return
    from .jobs.chunk_summary import summarize

    _print(record, False, summarize(records, record))


@jobs_group.command("list")
@_tenant_option
@click.option("--state", type=click.Choice(["queued", "running", "succeeded", "failed", "cancelled"]))
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
@click.option("--chunks-of", "parent_id", metavar="JOB_ID", help="List this fan-out job's chunk jobs instead.")
@_json_option
@click.pass_context
def list_jobs(ctx: click.Context, tenant: str, state: str | None, limit: int, parent_id: str | None,
              as_json: bool) -> None:
    """The tenant's jobs, newest first (a fan-out's chunks only with --chunks-of)."""
    records = _records(ctx).list(tenant, state=state, limit=limit, parent_id=parent_id, chunks=False)
    if as_json:
        click.echo(json.dumps([r.to_dict() for r in records], indent=2, ensure_ascii=False))
        return
    if not records:
        click.echo(f"no jobs for tenant {tenant}")
    for record in records:
        _print(record, False)


@jobs_group.command("cancel")
@_tenant_option
@click.argument("job_id")
@_json_option
@click.pass_context
def cancel(ctx: click.Context, tenant: str, job_id: str, as_json: bool) -> None:
    """Cancel a job: a queued one at once, a running one at its next check."""
    _print(_records(ctx).request_cancel(tenant, job_id), as_json)


@click.command("worker")
@click.option("--concurrency", "-c", type=click.IntRange(1, 512), default=None,
              help="Jobs run at once (pool processes or threads); default: the CPU count.")
@click.option("--pool", type=click.Choice(["prefork", "threads", "solo"]), default="prefork", show_default=True,
              help="prefork: one process per job slot (a crash loses one job's process, which is re-queued).")
@click.option("--loglevel", "-l", default="INFO", show_default=True, help="Celery's log level.")
@click.option("--beat", is_flag=True,
              help="Also run Celery beat in this worker: it sends the trigger polling ticks (run exactly one).")
@click.pass_context
def worker(ctx: click.Context, concurrency: int | None, pool: str, loglevel: str, beat: bool) -> None:
    """Run jobs from the Celery broker (CONNECTOR_CORE_BROKER_URL).

    Each process loads connections from the store (CONNECTOR_CORE_DATABASE_URL) and
    decrypts them with the master keys (CONNECTOR_CORE_MASTER_KEYS); --plugin and
    --setting apply to the host each process builds. See docs/jobs.md.

    With CONNECTOR_CORE_TRIGGER_HANDLER=module:function set, workers also poll due
    triggers, a batch per tick that beat sends (--beat); see docs/triggers.md.
    """
    try:
        from .jobs.celery_runner import make_celery_app
    except ImportError as exc:
        raise click.ClickException(f"`connectors worker` needs the jobs extra ({exc.name} is missing): "
                                   "pip install 'connector-core[jobs]'") from None
    state = ctx.find_root().obj
    plugins, settings = state.plugins, state.settings
    state.host  # a misspelt --setting is refused (or warned about) here, not by every job's host

    import os

    opened: dict[int, tuple] = {}  # this process's host and store, shared by jobs and trigger polls

    def host_and_store():
        if os.getpid() not in opened:
            from .host import Host
            from .store import ConnectionStore

            host = Host.discover([state._import(name) for name in plugins], settings=settings)
            opened.clear()
            opened[os.getpid()] = (host, ConnectionStore.open(host))
        return opened[os.getpid()]

    def executor_factory():
        from .jobs.execute import JobExecutor
        from .jobs.records import JobStore
        from .jobs.settings import JobSettings

        store = host_and_store()[1]
        return JobExecutor(store, JobStore(store.engine), JobSettings.from_environment())

    from .jobs.settings import JobSettings
    from .triggers.celery_polling import add_trigger_polling, poller_settings

    app = make_celery_app(executor_factory)
    polling = poller_settings()
    if polling:
        def make_poller():
            from .triggers.delivery import Poller
            from .triggers.instances import TriggerInstances

            host, store = host_and_store()
            return Poller(host, TriggerInstances(store.engine, host), store, **polling)

        add_trigger_polling(app, make_poller, queue=JobSettings.from_environment().queue)
    elif beat:
        raise click.ClickException("--beat schedules trigger polls: set CONNECTOR_CORE_TRIGGER_HANDLER="
                                   "module:function (called for every trigger item) first")
    argv = ["worker", f"--loglevel={loglevel}", f"--pool={pool}", "--without-gossip", "--without-mingle"]
    if beat:
        from .store import engine as engines

        folder = engines.data_dir(os.environ)
        folder.mkdir(parents=True, exist_ok=True)
        argv += ["--beat", f"--schedule={folder / 'celerybeat-schedule'}"]
    if concurrency:
        argv.append(f"--concurrency={concurrency}")
    app.worker_main(argv)


COMMANDS = [worker, jobs_group]
