"""Jobs: operations run in the background, on this process's threads or on Celery workers.

A job is (tenant, connection id, operation, validated params, idempotency key), without
a secret; its state, result, progress and masked error live in the store. See docs/jobs.md.
Needs the ``store`` extra; the Celery runner also the ``jobs`` extra.
"""

from __future__ import annotations

from ..lazy_exports import lazy_exports
from .model import Job, JobRecord, JobState, Progress

# The rest needs SQLAlchemy (the store) or Celery: imported on first use.
_EXPORTS = {
    "CeleryRunner": "celery_runner",
    "FanoutJobs": "fanout",
    "JobExecutor": "execute",
    "JobSettings": "settings",
    "JobStore": "records",
    "Jobs": "service",
    "LocalRunner": "local",
    "Outcome": "execute",
    "Runner": "service",
}

__all__ = ["CeleryRunner", "FanoutJobs", "Job", "JobExecutor", "JobRecord", "JobSettings", "JobState", "JobStore",
           "Jobs", "LocalRunner", "Outcome", "Progress", "Runner"]

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
