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
@click.pass_context
def worker(ctx: click.Context, concurrency: int | None, pool: str, loglevel: str) -> None:
    """Run jobs from the Celery broker (CONNECTOR_CORE_BROKER_URL).

    Each process loads connections from the store (CONNECTOR_CORE_DATABASE_URL) and
    decrypts them with the master keys (CONNECTOR_CORE_MASTER_KEYS); --plugin and
    --setting apply to the host each process builds. See docs/jobs.md.
    """
    try:
        from .jobs.celery_runner import make_celery_app
    except ImportError as exc:
        raise click.ClickException(f"`connectors worker` needs the jobs extra ({exc.name} is missing): "
                                   "pip install 'connector-core[jobs]'") from None
    state = ctx.find_root().obj
    plugins, settings = state.plugins, state.settings

    def executor_factory():
        from .host import Host
        from .jobs.execute import JobExecutor
        from .jobs.records import JobStore
        from .jobs.settings import JobSettings
        from .store import ConnectionStore

        host = Host.discover([state._import(name) for name in plugins], settings=settings)
        store = ConnectionStore.open(host)
        return JobExecutor(store, JobStore(store.engine), JobSettings.from_environment())

    app = make_celery_app(executor_factory)
    argv = ["worker", f"--loglevel={loglevel}", f"--pool={pool}", "--without-gossip", "--without-mingle"]
    if concurrency:
        argv.append(f"--concurrency={concurrency}")
    app.worker_main(argv)


COMMANDS = [worker]
