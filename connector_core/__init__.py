"""connector_core: a connector framework for integration platforms.

The public API is exactly ``__all__``. See README.md and docs/.
"""

from typing import TYPE_CHECKING

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
from .registry import LoadFailure, PluginInfo
from .secrets import Secret, SecretMasker
from .triggers import PollResult, Trigger, TriggerItem

if TYPE_CHECKING:  # imported on first use (see _LAZY); named here for type checkers
    from .net import NetworkPolicy
    from .results import Check, Option, TestResult

__version__ = "0.1.0"

# Jobs need the store (SQLAlchemy) and maybe Celery: imported on first use, so a host
# that only lists connectors and draws forms never pays for them. Neither does it pay for
# the network policy (socket, ipaddress, urllib) or test results.
_LAZY = {"Job": "jobs", "JobRecord": "jobs", "JobSettings": "jobs", "JobState": "jobs", "Jobs": "jobs",
         "LocalRunner": "jobs", "CeleryRunner": "jobs", "NetworkPolicy": "net", "Check": "results",
         "Option": "results", "TestResult": "results"}
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
