"""The no-op plugin of bench_jobs, importable by a worker process (``--plugin bench.jobs_noop``)."""

from pathlib import Path

from connector_core import hookimpl


@hookimpl
def connector_manifests():
    return [Path(__file__).with_name("jobs_noop.yaml")]


@hookimpl
def connector_implementations():
    return {"noop": lambda connection, params, context: {"ok": True}}
