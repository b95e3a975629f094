"""The connection store: connections per tenant, secrets encrypted at rest, migrated on load.

SQLite in the data folder by default; PostgreSQL when ``CONNECTOR_CORE_DATABASE_URL`` is
set. See docs/store.md. Needs the ``store`` extra: ``pip install 'connector-core[store]'``.
"""

from __future__ import annotations

try:
    import sqlalchemy  # noqa: F401
except ImportError as exc:  # pragma: no cover - only without the extra
    from ..errors import ConfigurationError

    raise ConfigurationError("the connection store needs SQLAlchemy",
                             hint="pip install 'connector-core[store]'") from exc

from .errors import ConflictError, DecryptionError, MasterKeyError, MigrationError
from .keys import Keyring, generate_master_key
from .rotation import RotationReport
from .store import ConnectionStore, StoredConnection

__all__ = [
    "ConflictError",
    "ConnectionStore",
    "DecryptionError",
    "Keyring",
    "MasterKeyError",
    "MigrationError",
    "RotationReport",
    "StoredConnection",
    "generate_master_key",
]
