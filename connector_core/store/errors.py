"""The store's errors: each a :class:`~connector_core.ConnectorError` with a one-line fix."""

from __future__ import annotations

from ..errors import ConfigurationError, ConnectorError


class MasterKeyError(ConfigurationError):
    """No master key is configured, or a configured key is malformed."""


class DecryptionError(ConnectorError):
    """A record's secrets cannot be decrypted: unknown master key, or tampered/copied ciphertext."""


class MigrationError(ConnectorError):
    """A stored connection made with an older manifest version cannot be brought up to date."""

    def __init__(self, message: str, *, made_with: str, current: str, **kwargs) -> None:
        self.made_with = made_with
        self.current = current
        super().__init__(message, **kwargs)


class ConflictError(ConnectorError):
    """The record changed between read and write (another process saved it first)."""

    retryable = True
