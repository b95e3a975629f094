"""The error hierarchy.

Every error carries a user message that says what to do, the connector or plugin
responsible (when known), and never a secret value. ``str(error)`` is the one-line
message the CLI prints; ``error.hint`` is the fix on its own.
"""

from __future__ import annotations

from collections.abc import Mapping


class ConnectorError(Exception):
    """Base class of every error the framework raises on purpose."""

    #: Whether trying the same call again later may succeed.
    retryable = False

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        connector: str | None = None,
        plugin: str | None = None,
        code: str | None = None,
    ) -> None:
        self.message = message
        self.hint = hint
        self.connector = connector
        self.plugin = plugin
        #: The service's own error code, when it gave one (``NoSuchBucket``): plugins map
        #: codes to typed errors with the ``connector_error_codes`` hook.
        self.code = code
        super().__init__(self.user_message)

    @property
    def user_message(self) -> str:
        """The message with its fix, prefixed by who is responsible."""
        who = self.connector or self.plugin
        text = f"{who}: {self.message}" if who else self.message
        if self.hint:
            text = f"{text} ({self.hint})"
        return text

    def to_dict(self) -> dict:
        return {
            "error": type(self).__name__,
            "message": self.message,
            "hint": self.hint,
            "connector": self.connector,
            "plugin": self.plugin,
            "retryable": self.retryable,
        }


class PluginLoadError(ConnectorError):
    """A plugin failed to import, declared a bad manifest, or broke a contract rule."""


class ManifestError(ConnectorError):
    """A manifest is not valid. Names the file, the line and the key path."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        path: str | None = None,
        hint: str | None = None,
        connector: str | None = None,
        plugin: str | None = None,
    ) -> None:
        self.file = file
        self.line = line
        self.path = path
        super().__init__(message, hint=hint, connector=connector, plugin=plugin)

    @property
    def user_message(self) -> str:
        where = self.file or "<manifest>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        if self.path:
            where = f"{where}: {self.path}"
        text = f"{where}: {self.message}"
        if self.hint:
            text = f"{text} ({self.hint})"
        return text

    def to_dict(self) -> dict:
        return {**super().to_dict(), "file": self.file, "line": self.line, "path": self.path}


class ValidationError(ConnectorError):
    """Input did not validate. ``errors`` maps a field path to its messages, all at once."""

    def __init__(
        self,
        errors: Mapping[str, list[str]],
        *,
        message: str | None = None,
        hint: str | None = None,
        connector: str | None = None,
        plugin: str | None = None,
    ) -> None:
        self.errors = {path: list(msgs) for path, msgs in errors.items()}
        if message is None:
            parts = [f"{path}: {'; '.join(msgs)}" for path, msgs in sorted(self.errors.items())]
            message = "invalid input: " + " | ".join(parts)
        super().__init__(
            message, hint=hint or "correct the fields listed", connector=connector, plugin=plugin
        )

    def to_dict(self) -> dict:
        return {**super().to_dict(), "errors": self.errors}


class SecretReferenceError(ConnectorError):
    """A secret given as a reference (``{$env: NAME}``, ``{$file: PATH}``) could not be read."""


class AuthenticationError(ConnectorError):
    """The credentials were refused: wrong key, bad signature, expired token."""


class AccessDeniedError(ConnectorError):
    """The credentials are valid but lack a permission. ``action`` names it when known."""

    def __init__(self, message: str, *, action: str | None = None, **kwargs) -> None:
        self.action = action
        super().__init__(message, **kwargs)


class NotFoundError(ConnectorError):
    """The named resource (bucket, event bus, rule, object...) does not exist."""


class WrongRegionError(ConnectorError):
    """The resource lives in another region. ``region`` names it when the service says."""

    def __init__(self, message: str, *, region: str | None = None, **kwargs) -> None:
        self.region = region
        super().__init__(message, **kwargs)


class ConfigurationError(ConnectorError):
    """The host's or connection's configuration forbids the call (endpoint policy, auth mode)."""


class RetryableError(ConnectorError):
    """A transient failure: trying again later may succeed."""

    retryable = True


class ThrottledError(RetryableError):
    """The service asked us to slow down."""


class UnavailableError(RetryableError):
    """The service or endpoint is unreachable, timing out, or failing internally."""


class OperationError(ConnectorError):
    """An operation failed for a reason not covered by a more specific class."""


__all__ = [
    "AccessDeniedError",
    "AuthenticationError",
    "ConfigurationError",
    "ConnectorError",
    "ManifestError",
    "NotFoundError",
    "OperationError",
    "PluginLoadError",
    "RetryableError",
    "SecretReferenceError",
    "ThrottledError",
    "UnavailableError",
    "ValidationError",
    "WrongRegionError",
]
