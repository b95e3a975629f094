"""What ``connectors serve`` runs: the store opened, the session key found, the app built.

- the store: ``CONNECTOR_CORE_DATABASE_URL`` (PostgreSQL), else SQLite in the data folder;
  master keys from the environment, or with ``development`` a ``master.key`` file there;
- the session key: ``CONNECTOR_CORE_SESSION_KEY`` (32+ bytes, URL-safe base64), else with
  ``development`` a ``session.key`` file (mode 0600) in the data folder, else random per
  process (sessions then end when it stops);
- tenants' files: ``files/`` in the data folder.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigurationError
from ..host import Host
from ..store import ConnectionStore
from ..store.engine import data_dir

ENV_SESSION_KEY = "CONNECTOR_CORE_SESSION_KEY"
SESSION_KEY_FILE = "session.key"


@dataclass
class Hosted:
    app: object
    store: ConnectionStore
    sign_in_token: str | None


def build(host: Host, *, development: bool = False, sign_in_tenant: str | None = None,
          environ: Mapping[str, str] | None = None) -> Hosted:
    """Open the store and build the app; ``sign_in_tenant``: create it if missing and mint a token."""
    from .host_app import create_host_app
    from .tenants import TenantDirectory

    env = os.environ if environ is None else environ
    folder = data_dir(env)
    store = ConnectionStore.open(host, development=development, environ=env)
    store.keyring  # noqa: B018 - fail now, not on the first request, when no master key is set
    app = create_host_app(host, store, session_key=session_key(folder, env, development),
                          files_dir=folder / "files")
    token = None
    if sign_in_tenant is not None:
        tenants = TenantDirectory(store.engine)
        if not tenants.tenant_exists(sign_in_tenant):
            tenants.create_tenant(sign_in_tenant)
        token = tenants.create_token(sign_in_tenant, label="connectors serve")
    return Hosted(app, store, token)


def session_key(folder: Path, environ: Mapping[str, str], development: bool) -> bytes | None:
    configured = environ.get(ENV_SESSION_KEY, "").strip()
    if configured:
        try:
            key = base64.urlsafe_b64decode(configured + "=" * (-len(configured) % 4))
        except (binascii.Error, ValueError):
            key = b""
        if len(key) < 32:
            raise ConfigurationError(f"{ENV_SESSION_KEY} must be at least 32 bytes in URL-safe base64",
                                     hint="generate one with `connectors store generate-key`")
        return key
    if not development:
        return None
    path = folder / SESSION_KEY_FILE
    folder.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return base64.urlsafe_b64decode(path.read_text().strip())
    with os.fdopen(fd, "w") as fh:
        fh.write(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
    return base64.urlsafe_b64decode(path.read_text().strip())
