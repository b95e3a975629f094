"""``connectors worker``: a Celery worker that runs jobs (the ``jobs`` extra).

Kept outside :mod:`connector_core.jobs` so that defining the command imports neither
SQLAlchemy nor Celery: every other ``connectors`` command starts as fast as before.
"""

from __future__ import annotations

import click


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


COMMANDS = [worker]
