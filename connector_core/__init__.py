"""connector_core: a connector framework for integration platforms.

The public API is exactly ``__all__``. See README.md and docs/.
"""

from .connection import Connection, ProgressCallback, RunContext
from .errors import (
    AccessDeniedError,
    AuthenticationError,
    ConfigurationError,
    ConnectorError,
    ManifestError,
    NotFoundError,
    OperationError,
    PluginLoadError,
    RetryableError,
    SecretReferenceError,
    ThrottledError,
    UnavailableError,
    ValidationError,
    WrongRegionError,
)
from .extensions import ErrorCode, Setting
from .hookspecs import hookimpl, hookspec
from .host import Host
from .lazy_exports import lazy_exports
from .manifest import Field, Manifest, Operation, Section
from .net import NetworkPolicy
from .registry import LoadFailure, PluginInfo
from .results import Check, Option, TestResult
from .secrets import Secret, SecretMasker
from .triggers import PollResult, Trigger, TriggerItem

__version__ = "0.1.0"

# Jobs need the store (SQLAlchemy) and maybe Celery: imported on first use, so a host
# that only lists connectors and draws forms never pays for them.
_LAZY = {"Job": "jobs", "JobRecord": "jobs", "JobSettings": "jobs", "JobState": "jobs", "Jobs": "jobs",
         "LocalRunner": "jobs", "CeleryRunner": "jobs"}
__getattr__, __dir__ = lazy_exports(__name__, _LAZY)

__all__ = [
    "AccessDeniedError",
    "AuthenticationError",
    "CeleryRunner",
    "Check",
    "ConfigurationError",
    "Connection",
    "ConnectorError",
    "ErrorCode",
    "Field",
    "Host",
    "Job",
    "JobRecord",
    "JobSettings",
    "JobState",
    "Jobs",
    "LoadFailure",
    "LocalRunner",
    "Manifest",
    "ManifestError",
    "NetworkPolicy",
    "NotFoundError",
    "Operation",
    "OperationError",
    "Option",
    "PluginInfo",
    "PluginLoadError",
    "PollResult",
    "ProgressCallback",
    "RetryableError",
    "RunContext",
    "Secret",
    "SecretMasker",
    "SecretReferenceError",
    "Setting",
    "Section",
    "TestResult",
    "ThrottledError",
    "Trigger",
    "TriggerItem",
    "UnavailableError",
    "ValidationError",
    "WrongRegionError",
    "hookimpl",
    "hookspec",
    "__version__",
]
