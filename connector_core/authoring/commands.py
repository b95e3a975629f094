"""The authoring commands of the ``connectors`` CLI: ``new``, ``docs`` and ``policy``.

``connector_core.cli`` adds every command of :data:`COMMANDS` to its group. Errors are
:class:`~connector_core.ConnectorError` and print as one line there.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from connector_core.errors import ValidationError

from .versions import diff_manifest


def _host(ctx: click.Context):
    """The CLI's host (with its --plugin and --setting options), or a discovered one."""
    state = ctx.find_root().obj
    host = getattr(state, "host", None)
    if host is not None:
        return host
    from connector_core import Host

    return Host.discover()


def _write(text: str, output: str | None) -> None:
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)


@click.command("new")
@click.argument("name")
@click.option("--id", "connector_id", metavar="ID", help="The connector id (default: NAME with dots, acme.widgets).")
@click.option("--directory", "-C", default=".", type=click.Path(file_okay=False),
              help="Where to create the NAME folder (default: here).")
@click.option("--template", "-t", default="http", show_default=True, metavar="TEMPLATE",
              help="What to generate: http, a REST API connector; or a toolkit's template (a wrong name "
              "lists them all).")
def new(name: str, connector_id: str | None, directory: str, template: str) -> None:
    """Scaffold a connector plugin package in ./NAME (e.g. acme-widgets)."""
    from .scaffold import PluginNames, scaffold

    written = scaffold(name, directory, connector_id, template)
    names = PluginNames.from_name(name, connector_id)
    root = Path(directory) / names.name
    for path in written:
        click.echo(f"created {path}")
    click.echo(f"\nnext: cd {root} && pip install -e '.[test]' && pytest && connectors list\n"
               f"connector {names.connector_id} in package {names.package}")


@click.command("docs")
@click.argument("connector_id")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write to FILE instead of stdout.")
@click.pass_context
def docs(ctx: click.Context, connector_id: str, output: str | None) -> None:
    """A Markdown reference of a connector, generated from its manifest alone."""
    from .docs import render

    _write(render(_host(ctx).manifest(connector_id)), output)


@click.command("policy")
@click.argument("connector_id")
@click.option("--operation", "-o", "operations", multiple=True, metavar="OP",
              help="An operation (or trigger) the policy must allow. Repeatable; default every operation.")
@click.option("--connection", "-c", "connection_path", type=click.Path(dir_okay=False, exists=True),
              help="A connection file (JSON or YAML); its values (a bucket, a region...) scope the resources.")
@click.option("--no-test-connection", "without_test", is_flag=True,
              help='Leave out the actions "Test connection" uses (included by default).')
@click.pass_context
def policy(ctx: click.Context, connector_id: str, operations: tuple[str, ...], connection_path: str | None,
           without_test: bool) -> None:
    """The least-privilege IAM policy (JSON) for the chosen operations and "Test connection"."""
    from .policy import policy_for

    connection = _read_mapping(connection_path) if connection_path else None
    document = policy_for(_host(ctx), connector_id, operations, connection, test_connection=not without_test)
    click.echo(json.dumps(document, indent=2))


def _read_mapping(path: str) -> dict[str, Any]:
    from ..yaml_loader import load_data  # the CLI's strict reader: no file can crash or hang it

    data = load_data(Path(path).read_bytes(), f"connection file {path}")
    if not isinstance(data, dict):
        raise ValidationError({path: ["must hold a mapping of connection field names to values"]})
    return data


COMMANDS: list[click.Command] = [new, docs, policy, diff_manifest]
