"""``connectors tenant ...`` and ``connectors token ...``: the reference host's tenants.

Defined outside :mod:`connector_core.web` so that listing commands imports neither the web
stack nor SQLAlchemy. A token is printed once, on stdout alone (scripts capture it); only
its argon2 hash is stored.
"""

from __future__ import annotations

import click


def _directory(ctx: click.Context):
    from .store import ConnectionStore
    from .web.tenants import TenantDirectory

    store = ConnectionStore.open(ctx.find_root().obj.host)
    ctx.call_on_close(store.close)
    return TenantDirectory(store.engine)


@click.group("tenant")
def tenant() -> None:
    """Tenants of the reference host (`connectors serve`), in the connection store."""


@tenant.command("create")
@click.argument("name")
@click.pass_context
def create_tenant(ctx: click.Context, name: str) -> None:
    """Create tenant NAME (lowercase letters, digits, '.', '_', '-')."""
    _directory(ctx).create_tenant(name)
    click.echo(f"tenant {name} created; make it a token with `connectors token create {name}`", err=True)


@tenant.command("list")
@click.pass_context
def list_tenants(ctx: click.Context) -> None:
    """Every tenant's name."""
    for name in _directory(ctx).list_tenants():
        click.echo(name)


@click.group("token")
def token() -> None:
    """API tokens: what API clients send as Bearer, and what the browser signs in with."""


@token.command("create")
@click.argument("tenant_name", metavar="TENANT")
@click.option("--label", default="", help="A note on what the token is for.")
@click.pass_context
def create_token(ctx: click.Context, tenant_name: str, label: str) -> None:
    """Print a new token for TENANT; it is shown once, and only its hash is kept."""
    value = _directory(ctx).create_token(tenant_name, label)
    click.echo(value)
    click.echo("this token is shown once; store it now (revoke it with `connectors token revoke ID`, "
               f"ID being {value.split('_')[1]})", err=True)


@token.command("revoke")
@click.argument("token_id")
@click.pass_context
def revoke_token(ctx: click.Context, token_id: str) -> None:
    """Revoke a token by its id (the part after ``cct_``)."""
    _directory(ctx).revoke_token(token_id)
    click.echo(f"token {token_id} revoked", err=True)


COMMANDS: list[click.Command] = [tenant, token]
