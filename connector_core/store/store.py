"""The connection store: per-tenant connections, secrets sealed at rest, migrated on load.

Every call takes the tenant, and every query is filtered by it: another tenant's id is
"not found", exactly like an id that never existed. Writes are single transactions
(encrypt first, then one statement, then commit), so a crash at any point leaves either
the old record or the new one, never a mix.
"""

from __future__ import annotations

import inspect
import os
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection as DBConnection
from sqlalchemy import Engine, and_, delete, insert, select, update
from sqlalchemy.exc import OperationalError

from ..errors import NotFoundError, ValidationError
from ..secrets import MASK
from . import engine as engines
from .envelope import Sealed, open_sealed, seal
from .errors import ConflictError, MigrationError
from .keys import Keyring
from .schema import connections
from .values import display_values, join_secrets, split_secrets

if TYPE_CHECKING:
    from ..connection import Connection
    from ..host import Host

_MAX_TENANT = 255
_MAX_NAME = 200


@dataclass(frozen=True)
class StoredConnection:
    """A stored connection as any API may show it: no secret value, ever.

    ``values`` leaves out top-level secret fields (listed in ``secret_fields``) and shows
    nested secrets as the mask.
    """

    id: str
    tenant: str
    connector_id: str
    manifest_version: str
    name: str
    values: dict[str, Any]
    secret_fields: tuple[str, ...]
    created_at: datetime
    updated_at: datetime
    revision: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "tenant": self.tenant, "connector_id": self.connector_id,
            "manifest_version": self.manifest_version, "name": self.name, "values": self.values,
            "secret_fields": list(self.secret_fields), "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(), "revision": self.revision,
        }


class ConnectionStore:
    """Connections per tenant. Thread-safe; open one per process and share it.

    ``ConnectionStore.open(host)`` reads the database URL and master keys from the
    environment (see docs/store.md); tests and embedders pass ``url`` and ``keyring``.
    """

    def __init__(self, engine: Engine, host: Host, keyring: Keyring | None = None,
                 *, keyring_loader: Callable[[], Keyring] | None = None) -> None:
        self.engine = engine
        self.host = host
        self._keyring = keyring
        self._keyring_loader = keyring_loader or Keyring.from_environment
        #: Test hook: called inside each write's transaction, after its statement, before
        #: the commit, with the write's kind ("create", "update", "rotate"...). Crash tests
        #: end the process here to prove the old record survives.
        self.before_commit: Callable[[str], None] | None = None

    @classmethod
    def open(cls, host: Host, url: str | None = None, keyring: Keyring | None = None, *,
             development: bool = False, environ: Mapping[str, str] | None = None) -> ConnectionStore:
        """Open (and upgrade) the store at ``url``, else the configured database.

        Master keys come from the environment when first needed. ``development``: with none
        configured, use (or create, mode 0600) ``master.key`` in the data folder; for demos
        and one developer's machine only (see docs/store.md).
        """
        env = os.environ if environ is None else environ
        engine = engines.create_store_engine(url or engines.database_url(env))
        engines.upgrade(engine)
        folder = engines.data_dir(env)
        return cls(engine, host, keyring,
                   keyring_loader=lambda: Keyring.for_development(folder, env, create=development))

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> ConnectionStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def keyring(self) -> Keyring:
        """The master keys, read on first use (listing needs none)."""
        if self._keyring is None:
            self._keyring = self._keyring_loader()
        return self._keyring

    # -- the API ------------------------------------------------------------------------

    def create(self, tenant: str, connector_id: str, name: str, values: Mapping[str, Any]) -> StoredConnection:
        """Validate ``values`` for the connector and store them; the new record."""
        tenant, name = _tenant(tenant), _name(name)
        manifest = self.host.manifest(connector_id)
        connection = self.host.connect(connector_id, values, name=name)
        record_id = uuid.uuid4().hex
        public, sealed = self._seal(tenant, record_id, connection)
        now = _now()
        row = {
            "id": record_id, "tenant": tenant, "connector_id": connector_id,
            "manifest_version": manifest.version, "name": name, "public_values": public,
            "key_id": sealed.key_id, "wrapped_key": sealed.wrapped_key, "secrets": sealed.ciphertext,
            "revision": 1, "created_at": now, "updated_at": now,
        }
        with self._write("create") as db:
            db.execute(insert(connections).values(**row))
        return _record(row)

    def get(self, tenant: str, connection_id: str) -> StoredConnection:
        return _record(self._row(_tenant(tenant), connection_id))

    def list(self, tenant: str, connector_id: str | None = None,
             where: Mapping[str, str | int | bool] | None = None) -> list[StoredConnection]:
        """The tenant's connections, oldest first; ``where`` filters on non-secret top-level values."""
        query = select(connections).where(connections.c.tenant == _tenant(tenant))
        if connector_id is not None:
            query = query.where(connections.c.connector_id == connector_id)
        for key, value in (where or {}).items():
            element = connections.c.public_values[key]
            if isinstance(value, bool):
                query = query.where(element.as_boolean() == value)
            elif isinstance(value, int):
                query = query.where(element.as_integer() == value)
            else:
                query = query.where(element.as_string() == str(value))
        query = query.order_by(connections.c.created_at, connections.c.id)
        with self._read() as db:
            return [_record(row._mapping) for row in db.execute(query)]

    def update(self, tenant: str, connection_id: str, values: Mapping[str, Any] | None = None, *,
               name: str | None = None) -> StoredConnection:
        """Replace the values (a secret left blank keeps its stored value) and/or the name."""
        tenant = _tenant(tenant)
        row = self._row(tenant, connection_id)
        changes: dict[str, Any] = {}
        if name is not None:
            changes["name"] = _name(name)
        if values is not None:
            manifest = self.host.manifest(row["connector_id"])
            previous = self._connect(row, self.host, save_migrated=False)  # this write saves it
            connection = self._connect_keeping_secrets(row["connector_id"], values, previous)
            public, sealed = self._seal(tenant, row["id"], connection)
            changes.update(public_values=public, manifest_version=manifest.version, key_id=sealed.key_id,
                           wrapped_key=sealed.wrapped_key, secrets=sealed.ciphertext)
        if not changes:
            return _record(row)
        return self._save(row, changes, "update")

    def delete(self, tenant: str, connection_id: str) -> None:
        tenant = _tenant(tenant)
        with self._write("delete") as db:
            deleted = db.execute(delete(connections).where(
                connections.c.tenant == tenant, connections.c.id == connection_id)).rowcount
        if not deleted:
            raise _not_found(connection_id)

    def load_connection(self, tenant: str, connection_id: str, host: Host | None = None) -> Connection:
        """The validated :class:`~connector_core.Connection`, secrets decrypted.

        A connection saved with an older manifest version is migrated, re-validated and
        saved back once; :class:`MigrationError` says why one cannot be, and which version
        made it.
        """
        row = self._row(_tenant(tenant), connection_id)
        return self._connect(row, host or self.host, save_migrated=True)

    def count_by_key(self) -> dict[str, int]:
        """Records per master key id, across tenants (what rotation has left to do)."""
        from sqlalchemy import func

        query = select(connections.c.key_id, func.count()).group_by(connections.c.key_id)
        with self._read() as db:
            return {kid: n for kid, n in db.execute(query)}

    def rotate(self, *, batch_size: int = 200, reencrypt: bool = False,
               on_record: Callable[[str], None] | None = None):
        """Re-wrap every record's data key with the newest master key (see :mod:`.rotation`)."""
        from .rotation import rotate

        return rotate(self, batch_size=batch_size, reencrypt=reencrypt, on_record=on_record)

    # -- internals ----------------------------------------------------------------------

    def _seal(self, tenant: str, record_id: str, connection: Connection) -> tuple[dict, Sealed]:
        public, secrets = split_secrets(dict(connection.items()))
        return public, seal(self.keyring, tenant, record_id, secrets)

    def _values(self, row: Mapping[str, Any]) -> dict[str, Any]:
        sealed = Sealed(row["key_id"], bytes(row["wrapped_key"]), bytes(row["secrets"]))
        return join_secrets(row["public_values"], open_sealed(self.keyring, row["tenant"], row["id"], sealed))

    def _connect(self, row: Mapping[str, Any], host: Host, *, save_migrated: bool) -> Connection:
        values = self._values(row)
        manifest = host.manifest(row["connector_id"])
        if row["manifest_version"] == manifest.version:
            return host.connect(row["connector_id"], values, name=row["name"])
        from ..migrations import migrate_values

        made_with = row["manifest_version"]
        migrated = migrate_values(manifest, made_with, values)
        try:
            connection = host.connect(row["connector_id"], migrated, name=row["name"])
        except ValidationError as exc:
            raise MigrationError(
                f"the connection {row['name']!r} was made with version {made_with} and no longer validates "
                f"under {manifest.version}: {exc.message}",
                hint="edit the connection and fill in the fields listed, or ask the plugin's author for a "
                     "migration", made_with=made_with, current=manifest.version, connector=manifest.id) from None
        if save_migrated:
            public, sealed = self._seal(row["tenant"], row["id"], connection)
            try:
                self._save(row, {"public_values": public, "manifest_version": manifest.version,
                                 "key_id": sealed.key_id, "wrapped_key": sealed.wrapped_key,
                                 "secrets": sealed.ciphertext}, "migrate")
            except ConflictError:
                pass  # another process saved it first (migrated, or edited): either is newer than ours
        return connection

    def _connect_keeping_secrets(self, connector_id: str, values: Mapping[str, Any], previous: Connection):
        """Validate an edit; a secret field left blank (or sent as the mask) keeps its value."""
        connect = self.host.connect
        if "previous" in inspect.signature(connect).parameters:  # the host knows how (forms)
            return connect(connector_id, values, previous=previous)
        manifest = self.host.manifest(connector_id)
        merged = dict(values)
        for field in manifest.connection.fields:
            if field.is_secret and merged.get(field.key) in (None, "", MASK) and field.key in previous:
                merged[field.key] = previous[field.key]
        return connect(connector_id, merged)

    def _save(self, row: Mapping[str, Any], changes: dict[str, Any], kind: str) -> StoredConnection:
        changes = {**changes, "revision": row["revision"] + 1, "updated_at": _now()}
        with self._write(kind) as db:
            saved = db.execute(update(connections).where(and_(
                connections.c.tenant == row["tenant"], connections.c.id == row["id"],
                connections.c.revision == row["revision"])).values(**changes)).rowcount
        if not saved:
            raise ConflictError(f"connection {row['id']} changed while it was being saved",
                                hint="read it again and retry")
        return _record({**row, **changes})

    def _row(self, tenant: str, connection_id: str) -> Mapping[str, Any]:
        if not isinstance(connection_id, str):
            raise _not_found(connection_id)
        query = select(connections).where(connections.c.tenant == tenant, connections.c.id == connection_id)
        with self._read() as db:
            row = db.execute(query).first()
        if row is None:
            raise _not_found(connection_id)
        return dict(row._mapping)

    @contextmanager
    def _read(self) -> Iterator[DBConnection]:
        try:
            with self.engine.connect() as db:
                yield db
        except OperationalError as exc:
            raise engines.unavailable(self.engine, exc) from None

    @contextmanager
    def _write(self, kind: str) -> Iterator[DBConnection]:
        try:
            with self.engine.begin() as db:
                yield db
                if self.before_commit is not None:
                    self.before_commit(kind)
        except OperationalError as exc:
            raise engines.unavailable(self.engine, exc) from None


def _record(row: Mapping[Any, Any]) -> StoredConnection:  # a dict or SQLAlchemy's RowMapping
    values, secret_fields = display_values(row["public_values"])
    return StoredConnection(
        id=row["id"], tenant=row["tenant"], connector_id=row["connector_id"],
        manifest_version=row["manifest_version"], name=row["name"], values=values,
        secret_fields=secret_fields, created_at=_utc(row["created_at"]), updated_at=_utc(row["updated_at"]),
        revision=row["revision"])


def _tenant(tenant: Any) -> str:
    if not isinstance(tenant, str) or not tenant.strip() or len(tenant) > _MAX_TENANT:
        raise ValidationError({"tenant": [f"must be a non-empty string of at most {_MAX_TENANT} characters"]},
                              hint="pass the tenant the caller is signed in as")
    return tenant


def _name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip() or len(name) > _MAX_NAME:
        raise ValidationError({"name": [f"must be a non-empty string of at most {_MAX_NAME} characters"]},
                              hint="give the connection a short name")
    return name.strip()


def _not_found(connection_id: Any) -> NotFoundError:
    # The same words whether the id is unknown or another tenant's: nothing to probe.
    return NotFoundError(f"no connection {str(connection_id)[:64]!r}",
                         hint="list this tenant's connections with `connectors store list --tenant T`")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
