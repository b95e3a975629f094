"""``connectors store ...``: the connection store from the command line.

Kept outside :mod:`connector_core.store` so that defining the commands imports no
SQLAlchemy: every other ``connectors`` command starts as fast as before.
Secrets are never printed; errors are one line (the CLI's group turns them into that).
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

_json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")
_tenant_option = click.option("--tenant", "-t", required=True, help="The tenant whose connections to use.")


def _store(ctx: click.Context):
    from .store import ConnectionStore

    state = ctx.find_root().obj
    store = ConnectionStore.open(state.host)
    ctx.call_on_close(store.close)
    return store


def _emit(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


@click.group("store")
def store() -> None:
    """Stored connections: list, show, create, delete; master key rotation.

    The database is CONNECTOR_CORE_DATABASE_URL (PostgreSQL), else SQLite in
    CONNECTOR_CORE_DATA_DIR; master keys come from CONNECTOR_CORE_MASTER_KEYS or
    CONNECTOR_CORE_MASTER_KEY_FILE (see docs/store.md).
    """


@store.command("generate-key")
def generate_key() -> None:
    """Print a new master key (put it first in CONNECTOR_CORE_MASTER_KEYS)."""
    from .store.keys import generate_master_key

    click.echo(generate_master_key())


@store.command("list")
@_tenant_option
@click.option("--connector", "connector_id", help="Only connections of this connector.")
@_json_option
@click.pass_context
def list_connections(ctx: click.Context, tenant: str, connector_id: str | None, as_json: bool) -> None:
    """The tenant's connections (no secret values)."""
    records = _store(ctx).list(tenant, connector_id)
    if as_json:
        _emit([r.to_dict() for r in records])
        return
    if not records:
        click.echo(f"no connections for tenant {tenant}")
    for r in records:
        click.echo(f"{r.id}  {r.connector_id} {r.manifest_version}  {r.name}")


@store.command("show")
@_tenant_option
@click.argument("connection_id")
@_json_option
@click.pass_context
def show(ctx: click.Context, tenant: str, connection_id: str, as_json: bool) -> None:
    """One connection: its non-secret values and which secrets are set."""
    r = _store(ctx).get(tenant, connection_id)
    if as_json:
        _emit(r.to_dict())
        return
    click.echo(f"{r.name} ({r.connector_id} {r.manifest_version}, id {r.id})")
    click.echo(f"  created {r.created_at.isoformat()}, updated {r.updated_at.isoformat()}")
    for key, value in r.values.items():
        click.echo(f"  {key}: {json.dumps(value, ensure_ascii=False)}")
    for key in r.secret_fields:
        click.echo(f"  {key}: (secret, set)")


@store.command("create")
@_tenant_option
@click.argument("connector_id")
@click.option("--name", "-n", required=True, help="The connection's name.")
@click.option("--connection", "-c", "connection_path", required=True,
              type=click.Path(dir_okay=False, allow_dash=True), help="A JSON or YAML file of connection values.")
@_json_option
@click.pass_context
def create(ctx: click.Context, tenant: str, connector_id: str, name: str, connection_path: str,
           as_json: bool) -> None:
    """Validate a connection file and store it (secrets encrypted)."""
    from .cli import _read_data

    r = _store(ctx).create(tenant, connector_id, name, _read_data(connection_path, "connection file"))
    if as_json:
        _emit(r.to_dict())
    else:
        click.echo(f"created {r.id} ({r.connector_id} {r.manifest_version}, {r.name})")


@store.command("delete")
@_tenant_option
@click.argument("connection_id")
@click.pass_context
def delete(ctx: click.Context, tenant: str, connection_id: str) -> None:
    """Delete one connection."""
    _store(ctx).delete(tenant, connection_id)
    click.echo(f"deleted {connection_id}")


@store.command("keys")
@_json_option
@click.pass_context
def keys(ctx: click.Context, as_json: bool) -> None:
    """Records per master key id, and which keys are configured (newest first)."""
    s = _store(ctx)
    counts = s.count_by_key()
    configured = s.keyring.ids
    rows = [{"key_id": kid, "records": counts.get(kid, 0), "configured": kid in configured,
             "newest": kid == configured[0]} for kid in dict.fromkeys([*configured, *counts])]
    if as_json:
        _emit(rows)
        return
    for row in rows:
        flags = "newest" if row["newest"] else ("configured" if row["configured"] else "NOT CONFIGURED")
        click.echo(f"{row['key_id']}  {row['records']:>8} records  {flags}")


@store.command("rotate-key")
@click.option("--reencrypt", is_flag=True,
              help="Also give each record it re-wraps a new data key (re-encrypts its secrets); "
              "records already on the newest key are left as they are.")
@_json_option
@click.pass_context
def rotate_key(ctx: click.Context, reencrypt: bool, as_json: bool) -> None:
    """Re-wrap every record with the newest master key. Safe to interrupt and run again."""
    s = _store(ctx)
    report = s.rotate(reencrypt=reencrypt)
    if as_json:
        _emit(report.to_dict())
    else:
        click.echo(f"re-wrapped {report.rewrapped} record(s) with master key {report.key_id}")
        for record_id, reason in report.failed.items():
            click.echo(f"error: {record_id}: {reason}", err=True)
        if report.complete:
            click.echo("every record now uses the newest key; older keys may be removed")
    if not report.complete:
        sys.exit(1)


COMMANDS: list[click.Command] = [store]
