"""Where the store lives: the database URL, the engine, and the schema upgrade on open.

- ``CONNECTOR_CORE_DATABASE_URL=postgresql://user@host/db``: PostgreSQL through psycopg 3.
- otherwise SQLite, ``connections.db`` in the data folder: ``CONNECTOR_CORE_DATA_DIR``, else
  ``$XDG_DATA_HOME/connector_core``, else ``~/.local/share/connector_core``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from ..errors import ConfigurationError, UnavailableError
from .json_column import json_serializer

ENV_DATABASE_URL = "CONNECTOR_CORE_DATABASE_URL"
ENV_DATA_DIR = "CONNECTOR_CORE_DATA_DIR"
SQLITE_FILE_NAME = "connections.db"
# One number for the store's upgrade lock on PostgreSQL: two processes opening a new
# database at once must not both create the tables.
_UPGRADE_LOCK = 0x636F6E6E  # "conn"


def data_dir(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    if env.get(ENV_DATA_DIR):
        return Path(env[ENV_DATA_DIR]).expanduser()
    base = env.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "connector_core"


def database_url(environ: Mapping[str, str] | None = None) -> str:
    """The configured database URL, with the driver SQLAlchemy needs spelled out."""
    env = os.environ if environ is None else environ
    url = env.get(ENV_DATABASE_URL, "").strip()
    if not url:
        return f"sqlite:///{data_dir(env) / SQLITE_FILE_NAME}"
    return normalize_url(url)


def normalize_url(url: str) -> str:
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def create_store_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, a busy timeout and its folder created."""
    url = normalize_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigurationError(f"{ENV_DATABASE_URL} is not a database URL",
                                 hint="write postgresql://USER@HOST:PORT/DATABASE, or unset it for SQLite") from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": 30}, json_serializer=json_serializer)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if backend == "postgresql":
        if parsed.get_driver_name() != "psycopg":
            parsed = parsed.set(drivername="postgresql+psycopg")
        return create_engine(parsed, pool_pre_ping=True, connect_args={"connect_timeout": 10},
                             json_serializer=json_serializer)
    raise ConfigurationError(f"unsupported database {backend!r}",
                             hint="use postgresql://... or leave the URL unset for SQLite")


def stores_encoded_json(engine: Engine) -> bool:
    """Whether ``engine`` writes :class:`~.json_column.EncodedJSON` as it is (one from :func:`create_store_engine`);
    a host's own engine encodes JSON its own way, so its callers pass decoded values."""
    return getattr(engine.dialect, "_json_serializer", None) is json_serializer


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # WAL: readers never block the writer; NORMAL sync is durable across process crashes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision shipped with the package."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "connector_core.store:migrations")
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _UPGRADE_LOCK})
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except OperationalError as exc:
        raise unavailable(engine, exc) from None


def unavailable(engine: Engine, exc: Exception) -> UnavailableError:
    where = engine.url.render_as_string(hide_password=True)
    reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return UnavailableError(f"cannot use the database {where}: {reason}",
                            hint=f"check that it is running and {ENV_DATABASE_URL} is right")
