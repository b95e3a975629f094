"""The ``connectors`` command line.

Every command that lists or returns something takes ``--json`` (before or after the
command's name). Errors print one line and exit non-zero (1 for a failure, 2 for bad
usage); ``--traceback`` shows the trace. Connection and input files are read with the
strict loader (:func:`connector_core.yaml_loader.load_data`): no aliases or tags, and
caps on size, depth and digits, so no file can crash or hang a command.
Listing connectors and printing forms never import a vendor SDK or plugin operation code.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from .errors import ConnectorError, ValidationError
from .secrets import dumps


class _State:
    def __init__(self, traceback: bool, settings: dict[str, Any], plugins: tuple[str, ...], as_json: bool) -> None:
        self.traceback = traceback
        self.settings = settings
        self.plugins = plugins
        self.as_json = as_json
        self._host = None

    @property
    def host(self):
        if self._host is None:
            from .host import Host

            self._host = Host.discover([self._import(name) for name in self.plugins], settings=self.settings)
            if self.settings:
                _warn_unknown_settings(self._host, self.settings)
        return self._host

    def _import(self, name: str) -> Any:
        import importlib

        try:
            return importlib.import_module(name)
        except Exception as exc:  # any import-time failure of the module the user named
            if self.traceback:
                raise
            raise click.ClickException(
                f"cannot import plugin module {name!r} given with --plugin: {type(exc).__name__}: {exc} "
                "(check the module name and that it is on PYTHONPATH)") from None


def _warn_unknown_settings(host: Any, settings: dict[str, Any]) -> None:
    """A misspelt setting of a plugin's namespace (``<plugin>.max_atempts``) is ignored: say so.

    The host itself refused one of its own namespaces (``net.*``). Only namespaces someone
    declares are checked: ``web.*`` and other undeclared names a host component reads
    itself pass without a word.
    """
    from .host import DEFAULT_SETTINGS
    from .settings_check import did_you_mean, namespaces, unknown_settings

    known = set(DEFAULT_SETTINGS) | set(host.settings_help())
    for key, close in unknown_settings(settings, known, namespaces(known)).items():
        click.echo(f"warning: unknown setting {key!r} is ignored{did_you_mean(close)}", err=True)


#: Commands defined in other modules (each exports ``COMMANDS``), imported only when one of
#: them runs or ``--help`` lists them: the plugin author kit, jobs and the worker (Celery
#: only when run), the store (SQLAlchemy only when run), the reference host's tenants.
LAZY_COMMANDS = {
    "new": ".authoring.commands", "docs": ".authoring.commands", "policy": ".authoring.commands",
    "diff-manifest": ".authoring.commands", "worker": ".jobs_commands", "jobs": ".jobs_commands",
    "store": ".store_commands", "tenant": ".tenant_commands", "token": ".tenant_commands",
}


class _Group(click.Group):
    """Turns framework errors into one line on stderr, unless --traceback was given;
    imports the modules of :data:`LAZY_COMMANDS` on demand."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = LAZY_COMMANDS.get(cmd_name)
        if module is not None and cmd_name not in self.commands:
            import importlib

            for command in importlib.import_module(module, __package__).COMMANDS:
                self.add_command(command)
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConnectorError as exc:
            state = ctx.find_object(_State)
            if state is not None and state.traceback:
                raise
            click.echo(f"error: {exc.user_message}", err=True)
            ctx.exit(1)


class _OneLineFormatter(logging.Formatter):
    """``warning: message`` on one line, never a traceback (--debug shows those)."""

    def format(self, record: logging.LogRecord) -> str:
        return f"{record.levelname.lower()}: {' '.join(record.getMessage().split())}"


def _parse_setting(ctx, param, values) -> dict[str, Any]:
    settings: dict[str, Any] = {}
    for item in values:
        key, sep, raw = item.partition("=")
        if not sep:
            raise click.BadParameter(f"{item!r} is not KEY=VALUE", ctx=ctx, param=param)
        try:
            settings[key] = json.loads(raw)
        except json.JSONDecodeError:
            settings[key] = raw
    return settings


@click.group(cls=_Group)
@click.option("--traceback", is_flag=True, help="Show the full traceback of errors.")
@click.option("--debug", is_flag=True, help="Log at DEBUG level to stderr (secrets are masked).")
@click.option("--setting", "settings", multiple=True, callback=_parse_setting, metavar="KEY=VALUE",
              help="A host setting, e.g. net.allow_loopback=true. Repeatable.")
@click.option("--plugin", "plugins", multiple=True, metavar="MODULE",
              help="Also register this importable plugin module. Repeatable.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (also accepted after the command's name).")
@click.version_option(package_name="connector-core", prog_name="connectors")
@click.pass_context
def main(ctx: click.Context, traceback: bool, debug: bool, settings: dict, plugins: tuple[str, ...],
         as_json: bool) -> None:
    """List connectors, draw their forms, validate and test connections, run operations."""
    if debug:
        from .secrets import SecretMasker

        SecretMasker.for_process()
        logging.basicConfig(level=logging.DEBUG, stream=sys.stderr,
                            format="%(levelname)s %(name)s: %(message)s")
    elif not logging.getLogger().handlers:
        # Without this, Python's last-resort handler prints warnings with their tracebacks.
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(_OneLineFormatter())
        handler.setLevel(logging.WARNING)
        logging.getLogger().addHandler(handler)
    ctx.obj = _State(traceback, settings, plugins, as_json)


def _json_anywhere(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    """``--json`` after the command, or before it (``connectors --json list``)."""
    state = ctx.find_object(_State)
    return value or (state is not None and state.as_json)


_json_option = click.option("--json", "as_json", is_flag=True, callback=_json_anywhere, help="Print JSON.")


def _emit(data: Any) -> None:
    click.echo(_json_text(data, indent=2))


def _json_text(data: Any, **kwargs: Any) -> str:
    try:
        return dumps(data, ensure_ascii=False, allow_nan=False, **kwargs)
    except ValueError as exc:  # NaN or infinity: JSON has neither, so print nothing invalid
        raise click.ClickException(f"cannot print the result as JSON: {exc}") from None


@main.command("list")
@_json_option
@click.pass_obj
def list_connectors(state: _State, as_json: bool) -> None:
    """The installed connectors, with their connection fields."""
    manifests = state.host.connectors()
    if as_json:
        _emit([m.summary() for m in manifests])
        return
    if not manifests:
        click.echo("no connectors installed")
    for m in manifests:
        count = len(m.operations)
        click.echo(f"{m.id}  {m.name} {m.version}  ({count} operation{'' if count == 1 else 's'})")
        click.echo(f"    fields: {', '.join(f.key for f in m.connection.fields)}")
    for failure in state.host.load_failures():
        click.echo(f"! plugin {failure.plugin} failed to load: {failure.reason}", err=True)


@main.command()
@click.argument("connector_id")
@_json_option
@click.pass_obj
def show(state: _State, connector_id: str, as_json: bool) -> None:
    """A connector's fields, operations and triggers."""
    m = state.host.manifest(connector_id)
    data = {
        **m.summary(),
        "fields": [_field_summary(f, m.connection) for f in m.connection.fields],
        "operations": [
            {"id": op.id, "label": op.label, "description": op.description,
             "requires_connection": list(op.requires_connection), "iam_actions": list(op.iam_actions),
             "input": [f.key for f in op.input.fields], "output": [f.key for f in op.output.fields],
             "stream": op.output.stream}
            for op in m.operations
        ],
    }
    if as_json:
        _emit(data)
        return
    click.echo(f"{m.name} ({m.id} {m.version})")
    if m.description:
        click.echo(f"  {m.description}")
    click.echo("\nConnection fields:")
    for f in data["fields"]:
        flags = ", ".join(x for x in (f["type"], "required" if f["required"] else "",
                                      f"shown when {f['shown_when']}" if f["shown_when"] else "") if x)
        click.echo(f"  {f['key']:<22} {f['label']}  [{flags}]")
    click.echo("\nOperations:")
    for op in data["operations"]:
        needs = f"  (needs {', '.join(op['requires_connection'])})" if op["requires_connection"] else ""
        click.echo(f"  {op['id']:<28} {op['label']}{needs}")
    if m.triggers:
        click.echo("\nTriggers (polled):")
        for trigger in m.triggers:
            click.echo(f"  {trigger.id:<28} {trigger.label}  (every {trigger.poll_interval} s by default)")


def _field_summary(f, section) -> dict[str, Any]:
    applies = section.plan.conditional.get(f.key)
    shown = applies.describe() if applies is not None else None
    return {"key": f.key, "label": f.label, "type": f.type, "required": f.required, "secret": f.is_secret,
            "default": None if not f.has_default else f.default, "shown_when": shown or None}


@main.command()
@click.argument("connector_id")
@click.option("--operation", "-o", help="The form of this operation's input instead of the connection.")
@click.pass_obj
def form(state: _State, connector_id: str, operation: str | None) -> None:
    """JSON Schema + UI schema of the connection form (always JSON)."""
    _emit(state.host.form(connector_id, operation=operation))


@main.command("validate-manifest")
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False))
@_json_option
@click.pass_obj
def validate_manifest(state: _State, paths: tuple[str, ...], as_json: bool) -> None:
    """Check manifest files (fragments they extend come from installed plugins)."""
    results = []
    for path in paths:
        try:
            manifest = state.host.read_manifest(path)
            results.append({"path": path, "ok": True, "id": manifest.id})
        except ConnectorError as exc:
            results.append({"path": path, "ok": False, "error": exc.user_message})
    if as_json:
        _emit(results)
    else:
        for r in results:
            click.echo(f"ok: {r['path']} ({r['id']})" if r["ok"] else f"error: {r['error']}", err=not r["ok"])
    if not all(r["ok"] for r in results):
        sys.exit(1)


def _read_data(path: str, what: str) -> Any:
    from .yaml_loader import load_data

    try:
        raw = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        raise click.ClickException(f"cannot read {what} {path}: {exc.strerror}") from None
    data = load_data(raw, f"{what} {path}") if raw.strip() else {}
    if not isinstance(data, dict):
        raise click.ClickException(f"{what} {path} must hold a mapping of field names to values")
    return data


def _connection(state: _State, connector_id: str, path: str, name: str | None):
    values = _read_data(path, "connection file")
    return state.host.connect(connector_id, values, name=name or Path(path).stem)


_connection_option = click.option("--connection", "-c", "connection_path", required=True,
                                  type=click.Path(dir_okay=False, allow_dash=True),
                                  help="A JSON or YAML file of connection values.")


def _input_option(of: str):
    return click.option("--input", "-i", "input_path", type=click.Path(dir_okay=False, allow_dash=True),
                        help=f"A JSON or YAML file of the {of}'s params; - reads standard input.")


@main.command()
@click.argument("connector_id")
@_connection_option
@_json_option
@click.pass_obj
def check(state: _State, connector_id: str, connection_path: str, as_json: bool) -> None:
    """Validate a connection file without contacting the service."""
    try:
        conn = _connection(state, connector_id, connection_path, None)
    except ValidationError as exc:
        if as_json:
            _emit({"ok": False, "errors": exc.errors})
        else:
            click.echo(f"invalid connection for {connector_id}:", err=True)
            for path, messages in sorted(exc.errors.items()):
                click.echo(f"  {path}: {'; '.join(messages)}", err=True)
        sys.exit(1)
    if as_json:
        _emit({"ok": True, "values": conn.to_dict()})
    else:
        click.echo(f"ok: a valid {connector_id} connection")
        for key, value in conn.to_dict().items():
            click.echo(f"  {key}: {value}")


@main.command()
@click.argument("connector_id")
@_connection_option
@_json_option
@click.pass_obj
def test(state: _State, connector_id: str, connection_path: str, as_json: bool) -> None:
    """Test a connection ("Test connection"): one line per check."""
    result = state.host.test(_connection(state, connector_id, connection_path, None))
    if as_json:
        _emit(result.to_dict())
    else:
        marks = {"passed": "ok  ", "failed": "FAIL", "skipped": "skip"}
        for c in result.checks:
            click.echo(f"{marks[c.status]} {c.name}: {c.message}" + (f" -> {c.hint}" if c.hint else ""))
        click.echo(("connection ok: " if result.ok else "connection failed: ") + result.message)
    if not result.ok:
        sys.exit(1)


@main.command()
@click.argument("connector_id")
@click.argument("operation")
@_connection_option
@_input_option("operation")
@click.option("--json", "as_json", is_flag=True, callback=_json_anywhere,
              help="Compact JSON (streams: one JSON line per item).")
@click.option("--progress/--no-progress", default=True, help="Draw a progress bar on stderr for long work.")
@click.pass_obj
def run(state: _State, connector_id: str, operation: str, connection_path: str, input_path: str | None,
        as_json: bool, progress: bool) -> None:
    """Run an operation and print its result as JSON."""
    conn = _connection(state, connector_id, connection_path, None)
    params = _read_data(input_path, "input file") if input_path else {}
    bar = _ProgressBar() if progress and sys.stderr.isatty() else None
    try:
        result = state.host.run(conn, operation, params, progress=bar)
        if isinstance(result, Iterator):
            # Streams print JSON lines as items arrive, in bounded memory.
            for item in result:
                click.echo(_json_text(item))
            return
    finally:
        if bar is not None:
            bar.close()
    click.echo(_json_text(result) if as_json else _json_text(result, indent=2))


@main.command()
@click.argument("connector_id")
@click.argument("trigger")
@_connection_option
@_input_option("trigger")
@click.option("--cursor", "cursor_path", type=click.Path(dir_okay=False),
              help="A file keeping the cursor between polls: read if present, written after the poll.")
@click.pass_obj
def poll(state: _State, connector_id: str, trigger: str, connection_path: str, input_path: str | None,
         cursor_path: str | None) -> None:
    """Poll a trigger once: one JSON line per new item (dedupe_key, data).

    Without --cursor every poll is a first poll (most triggers then report nothing older);
    with it, the next call reports only what is new since this one.
    """
    from .yaml_loader import load_data

    conn = _connection(state, connector_id, connection_path, None)
    params = _read_data(input_path, "input file") if input_path else {}
    cursor_file = Path(cursor_path) if cursor_path else None
    cursor = None
    if cursor_file is not None and cursor_file.exists():
        raw = cursor_file.read_bytes()
        cursor = load_data(raw, f"cursor file {cursor_path}") if raw.strip() else None
    result = state.host.poll(conn, trigger, params, cursor=cursor)
    for item in result.items:
        click.echo(_json_text({"dedupe_key": item.dedupe_key, "data": item.data}))
    if cursor_file is not None:
        # Stored only after the items were printed, then acknowledged: at least once.
        cursor_file.write_text(json.dumps(result.cursor) + "\n", encoding="utf-8")
        result.commit()
        click.echo(f"{len(result.items)} new item(s); cursor saved to {cursor_path}", err=True)
    else:
        click.echo(f"{len(result.items)} new item(s); pass --cursor FILE to poll on from here", err=True)


class _ProgressBar:
    """A progress callback drawing one line on stderr."""

    def __init__(self) -> None:
        self._drawn = False

    def __call__(self, done: int, total: int | None, unit: str) -> None:
        if total:
            width = 30
            filled = int(width * min(done, total) / total)
            line = f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {unit}"
        else:
            line = f"{done} {unit}"
        click.echo(f"\r{line}", nl=False, err=True)
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            click.echo("", err=True)


@main.command()
@_json_option
@click.pass_obj
def plugins(state: _State, as_json: bool) -> None:
    """Each plugin, its version, its connectors, and load failures."""
    infos = state.host.plugins()
    failures = state.host.load_failures()
    if as_json:
        _emit({"plugins": [p.to_dict() for p in infos], "failures": [f.to_dict() for f in failures]})
        return
    for p in infos:
        click.echo(f"{p.name} {p.version or ''}".rstrip() + f": {', '.join(p.connectors) or 'no connectors'}")
    for f in failures:
        click.echo(f"! {f.plugin}: {f.reason}")


@main.command()
@click.option("--host", "bind", default="127.0.0.1", show_default=True,
              help="Loopback address to listen on (plain HTTP: loopback only).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on; 0 picks a free one.")
@click.option("--development", is_flag=True,
              help="Keep the master key and session key in files in the data folder (one developer's machine).")
@click.option("--sign-in-token", "sign_in_tenant", metavar="TENANT",
              help="Create TENANT if missing and print a new sign-in token for it.")
@click.pass_obj
def serve(state: _State, bind: str, port: int, development: bool, sign_in_tenant: str | None) -> None:
    """Serve the reference host: tenants, stored connections, tests and runs (needs the web and store extras).

    Tenants fill its forms, so secret references ({$env}, {$file}) are turned off.
    """
    try:
        from .web.host_app import TENANT_SAFE_SETTINGS
        from .web.server import serve as run_server
    except ImportError as exc:
        raise click.ClickException(
            f"`connectors serve` needs the web and store extras ({exc.name} is missing): "
            "pip install 'connector-core[web,store]'") from None
    state.settings.update(TENANT_SAFE_SETTINGS)  # before the host is built
    run_server(state.host, bind, port, development=development, sign_in_tenant=sign_in_tenant)

