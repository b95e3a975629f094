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
from .manifest import Field, Manifest, Operation, Section
from .net import NetworkPolicy
from .registry import LoadFailure, PluginInfo
from .results import Check, Option, TestResult
from .secrets import Secret, SecretMasker
from .triggers import PollResult, Trigger, TriggerItem

__version__ = "0.1.0"

__all__ = [
    "AccessDeniedError",
    "AuthenticationError",
    "Check",
    "ConfigurationError",
    "Connection",
    "ConnectorError",
    "ErrorCode",
    "Field",
    "Host",
    "LoadFailure",
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
