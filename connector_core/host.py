"""The Host: the typed façade an iPaaS host uses. Nothing else calls ``pm.hook`` directly."""

from __future__ import annotations

import copy
import logging
import threading
import types
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from .builtin import CorePlugin
from .connection import Connection, ProgressCallback, RunContext, SharedObjects
from .errors import ConfigurationError, ConnectorError, NotFoundError, OperationError, ValidationError
from .forms import connection_form, operation_form
from .manifest import Manifest, Section
from .registry import ASYNC_HINT, CORE_PLUGIN, LoadFailure, PluginInfo, Registry, resolve_implementation
from .rules import for_host, keep_secrets
from .secrets import Secret, SecretMasker
from .triggers.contract import checked_result, stored_cursor
from .triggers.model import PollResult, Trigger

if TYPE_CHECKING:  # imported when a connection is tested or options are asked: not on every start
    from .results import Option, TestResult

log = logging.getLogger(__name__)

#: The core's own settings and their defaults (the network policy, see :mod:`.net`).
#: Plugins declare theirs with the ``connector_settings`` hook (a toolkit's
#: ``PREFIX.*``); other keys are allowed, except in these settings' own namespaces
#: (``net.*``, ``secrets.*``), where an unknown key is a misspelling (ConfigurationError).
DEFAULT_SETTINGS: Mapping[str, Any] = {
    "net.allow_loopback": False,
    "net.allow_private": False,
    "net.connect_timeout": 10,
    # Accept {$env: NAME} / {$file: PATH} references for secrets (forms and connect() alike).
    # Turn off where tenants fill forms: a reference reads the host's environment and files.
    "secrets.allow_references": True,
}


def _refuse_misspelt_settings(settings: Mapping[str, Any], declared: Mapping[str, Any]) -> None:
    """An unknown key in the core's own namespaces would be ignored in silence: refuse it."""
    from .settings_check import did_you_mean, namespaces, unknown_settings

    unknown = unknown_settings(settings, {*DEFAULT_SETTINGS, *declared}, namespaces(DEFAULT_SETTINGS))
    if unknown:
        named = "; ".join(f"{key!r}{did_you_mean(close)}" for key, close in unknown.items())
        raise ConfigurationError(f"unknown host setting {named}",
                                 hint="the core's settings are " + ", ".join(sorted(DEFAULT_SETTINGS))
                                 + "; host.settings_help() lists the plugins' settings")


class Host:
    """Loads connector plugins and runs them.

    ``Host(plugins=[...])`` registers exactly the plugins given (tests, embedding);
    :meth:`Host.discover` loads every plugin of the ``connector_core`` entry-point group.
    A plugin that fails to load is reported by :meth:`load_failures`; the others work.
    A host is thread-safe: many threads may ``run`` and ``test`` at once.
    """

    def __init__(
        self,
        plugins: Iterable[object] = (),
        *,
        settings: Mapping[str, Any] | None = None,
        entry_points: bool = False,
    ) -> None:
        self._registry = Registry()
        self._registry.register(CorePlugin(self._run_implementation, self._poll_implementation),
                                name=CORE_PLUGIN)
        if entry_points:
            self._registry.register_entry_points()
        for plugin in plugins:
            self._registry.register(plugin)
        self._registry.finish()
        declared = {name: s.default for name, s in self._registry.contributions.settings.items()}
        _refuse_misspelt_settings(settings or {}, declared)
        self.settings: Mapping[str, Any] = {**DEFAULT_SETTINGS, **declared, **(settings or {})}
        self._masker = SecretMasker.for_process()
        self._shared = SharedObjects()
        self._validators: dict[tuple[str, str, str, bool], Any] = {}
        self._sections: dict[tuple[str, str, str], Section] = {}
        self._resolved: dict[tuple[str, str], Callable[..., Any]] = {}
        self._lock = threading.Lock()

    @classmethod
    def discover(cls, plugins: Iterable[object] = (), *, settings: Mapping[str, Any] | None = None) -> Host:
        """A host with every plugin registered under the ``connector_core`` entry-point group."""
        return cls(plugins, settings=settings, entry_points=True)

    # -- what is loaded -----------------------------------------------------------------

    def connectors(self) -> list[Manifest]:
        """The loaded connectors' manifests, by id."""
        return [self._registry.manifests[k] for k in sorted(self._registry.manifests)]

    def manifest(self, connector_id: str) -> Manifest:
        try:
            return self._registry.manifests[connector_id]
        except KeyError:
            known = ", ".join(sorted(self._registry.manifests)) or "none"
            failed = [f for f in self._registry.failures if f.connector_id == connector_id]
            hint = f"its plugin failed to load: {failed[0].reason}" if failed else f"loaded connectors: {known}"
            raise NotFoundError(f"no connector {connector_id!r}", hint=hint) from None

    def fragments(self) -> dict[str, Manifest]:
        """The shared fragments (``kind: fragment``) that manifests may ``extends``."""
        return dict(self._registry.fragments)

    def read_manifest(self, source: Any) -> Manifest:
        """Read one manifest file as this host would: strict YAML, this host's choice sources,
        and (for a connector) ``extends`` resolved against this host's fragments.

        Nothing is registered; a :class:`~connector_core.ManifestError` names the file and line.
        """
        from .manifest_loader import parse_manifest, read_manifest_text, resolve_extends

        _, manifest = parse_manifest(*read_manifest_text(source), choice_sources=self._registry.choice_sources())
        if manifest.kind == "connector":
            manifest = resolve_extends(manifest, self._registry.fragments)
        return manifest

    def settings_help(self) -> dict[str, dict[str, Any]]:
        """Every declared setting: ``{name: {"default", "value", "description", "plugin"}}``."""
        contributions = self._registry.contributions
        return {
            name: {"default": s.default, "value": self.settings.get(name, s.default), "description": s.description,
                   "plugin": contributions.owners.get(("settings", name))}
            for name, s in sorted(contributions.settings.items())
        }

    def resource_values(self, connector_id: str, values: Mapping[str, Any]) -> dict[str, str]:
        """The values ``iam_resources`` templates may use: the connection's own non-secret
        values, plus what plugins derive (``connector_resource_values``, e.g. the partition)."""
        manifest = self.manifest(connector_id)
        out = {k: str(v) for k, v in values.items()
               if isinstance(v, (str, int)) and not isinstance(v, bool) and v != ""}
        for answer in self._registry.answers_owner_last("connector_resource_values", connector_id,
                                                        manifest=manifest, values=values):
            out.update({k: str(v) for k, v in (answer or {}).items() if v is not None})
        return out

    def load_failures(self) -> list[LoadFailure]:
        return list(self._registry.failures)

    def plugins(self) -> list[PluginInfo]:
        return self._registry.plugins()

    # -- forms and connections ----------------------------------------------------------

    def form(self, connector_id: str, operation: str | None = None, *, editing: bool = False) -> dict[str, Any]:
        """JSON Schema (draft 2020-12) + UI schema for the connection, or an operation's input.

        The form is this host's: choices its settings turn off are left out. ``editing``: the
        form for editing a stored connection, whose secrets may be left blank ("unchanged");
        submit it with ``connect(..., previous=stored)``.
        """
        manifest = self.manifest(connector_id)
        if operation is None:
            section = self._section(connector_id, "", "connection", manifest.connection)
            return copy.deepcopy(connection_form(manifest, section, editing=editing))
        op = self._operation(manifest, operation)
        section = self._section(connector_id, operation, "input", op.input)
        return copy.deepcopy(operation_form(manifest, operation, section))

    def connect(self, connector_id: str, values: Mapping[str, Any], name: str | None = None, *,
                previous: Mapping[str, Any] | None = None) -> Connection:
        """Validate connection values; a :class:`Connection`, or a ValidationError listing every bad field.

        ``previous``: the stored connection being edited (a :class:`Connection` or its
        :meth:`~Connection.to_storage` values). Secrets are write-only: a secret left blank
        (missing, ``""`` or ``None``) keeps the previous one; a value replaces it.
        """
        manifest = self.manifest(connector_id)
        if previous is not None:
            values = keep_secrets(manifest.connection, values, previous)
        validated = self._validator(connector_id, "", "connection", manifest.connection).load(values)
        _bind_secrets(validated, self._masker.add)
        return Connection(connector_id, validated, name=name)

    def validate_input(self, connector_id: str, operation: str, params: Mapping[str, Any],
                       connection: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """An operation's input as :meth:`run` would validate it (defaults applied), without running.

        Raises ValidationError listing every bad field; a form page submits drafts here.
        The owner's ``connector_check_input`` sees the result too, with ``connection`` (the
        connection's values without secrets, when known).
        """
        clean = self.validate(connector_id, params, operation)
        self._check_input(connector_id, operation, clean, connection or {})
        return clean

    def _check_input(self, connector_id: str, operation: str, clean: Mapping[str, Any],
                     connection: Mapping[str, Any]) -> None:
        hook = self._registry.owner_hook("connector_check_input", connector_id)
        try:
            hook(connector_id=connector_id, operation=operation, params=clean, connection=connection)
        except ConnectorError as exc:
            raise self._scrubbed(exc)

    def validate(self, connector_id: str, values: Mapping[str, Any], operation: str | None = None) -> dict[str, Any]:
        """Validate connection values (or an operation's input) as ``connect``/``run`` do.

        Returns the values with defaults filled in, or raises a ValidationError listing every
        bad field. Unlike :meth:`connect`, secret values are not taught to the log masker:
        for test kits that validate thousands of generated inputs.
        """
        manifest = self.manifest(connector_id)
        if operation is None:
            return self._validator(connector_id, "", "connection", manifest.connection).load(values)
        op = self._operation(manifest, operation)
        return self._validator(connector_id, operation, "input", op.input).load(values)

    def implementation(self, connector_id: str, operation: str) -> Callable[..., Any]:
        """The function that runs an operation, imported now if it was given as ``"module:function"``.

        Raises a PluginLoadError naming the string when it does not import.
        """
        self._operation(self.manifest(connector_id), operation)
        key = (connector_id, operation)
        fn = self._resolved.get(key)
        if fn is None:
            impl = self._registry.implementations[connector_id][operation]
            fn = self._resolved[key] = resolve_implementation(impl, connector_id)
        return fn

    # -- running ------------------------------------------------------------------------

    def test(self, connection: Connection) -> TestResult:
        """"Test connection": the owner's checks; expected failures are failed checks, not exceptions."""
        from .results import Check, TestResult

        connection = self._check_connection(connection)
        context = self._context(connection.connector_id, None, None)
        hook = self._registry.owner_hook("connector_test_connection", connection.connector_id)
        try:
            result = hook(connector_id=connection.connector_id, connection=connection, context=context)
        except ConnectorError as exc:
            exc = self._scrubbed(exc)
            return TestResult.from_checks([Check.failed("test", exc.message, exc.hint)])
        except Exception as exc:
            log.exception("test-connection hook of %s failed", connection.connector_id)
            return TestResult.from_checks([Check.failed(
                "test", f"the connector's test failed unexpectedly: {type(exc).__name__}",
                "report this to the plugin's author")])
        if result is None:
            return TestResult.from_checks([
                Check.passed("validation", "the connection's values are valid"),
                Check.skipped("test", "this connector has no connection test"),
            ])
        if not isinstance(result, TestResult):
            raise OperationError("connector_test_connection must return a TestResult",
                                 connector=connection.connector_id)
        return self._masked_result(result)

    def run(
        self,
        connection: Connection,
        operation: str,
        params: Mapping[str, Any] | None = None,
        *,
        progress: ProgressCallback | None = None,
        timeout: float | None = None,
        cancel: threading.Event | None = None,
        checked_input: bool = False,
        copy_result: bool = True,
    ) -> Any:
        """Run an operation: validated params in, validated result out.

        Returns the result mapping, or for operations whose output is declared
        ``stream: true`` an iterator of item mappings, validated as they arrive.
        ``timeout`` (seconds) bounds the run: toolkits cap each request's timeouts and
        retry waits by what is left. Setting ``cancel`` stops it before its next request
        or retry (the HTTP toolkit checks both; an operation may call
        ``context.check_cancelled()``). ``checked_input``: ``params`` are this host's
        :meth:`validate_input` output of the same manifest, read back from JSON (a job's
        fan-out chunk, checked whole when it was submitted), so they are not validated again
        -- unless the input has secret fields, which JSON carries as plain values to re-wrap.
        ``copy_result=False``: the validated result may share objects with what the plugin
        returned (no copy of a bulk result), for a caller that writes it out at once (a job's
        delivery); by default the caller gets a copy of its own.
        """
        connection = self._check_connection(connection)
        connector_id = connection.connector_id
        manifest = self.manifest(connector_id)
        op = self._operation(manifest, operation)
        missing = [k for k in op.requires_connection if connection.get(k) in (None, "")]
        if missing:
            raise ValidationError(
                {f"connection.{k}": [f"is required for {operation}"] for k in missing},
                hint="edit the connection and fill in " + ", ".join(missing), connector=connector_id)
        validator = self._validator(connector_id, operation, "input", op.input)
        if checked_input and not validator.wraps_secrets:
            clean = dict(params or {})  # validated when submitted, then JSON: nothing to check or re-type
        else:
            clean = validator.load(params or {})
            _bind_secrets(clean, self._masker.add)  # secret inputs (an API key to store) never reach logs
        self._check_input(connector_id, operation, clean, connection)
        context = self._context(connector_id, operation, progress, timeout=timeout, cancel=cancel)
        hook = self._registry.owner_hook("connector_run", connector_id)
        try:
            result = hook(connector_id=connector_id, operation=operation, connection=connection,
                          params=clean, context=context)
        except ConnectorError as exc:
            raise self._scrubbed(exc)
        except Exception as exc:
            raise self._unexpected(exc, connector_id, operation) from self._safe_cause(exc)
        output = self._validator(connector_id, operation, "output", op.output, share=not copy_result)
        if op.output.stream:
            return self._validated_stream(result, output, connector_id, operation)
        return self._validated_output(result, output, connector_id, operation)

    def poll(
        self, connection: Connection, trigger: str, params: Mapping[str, Any] | None = None, cursor: Any = None,
        *, instance: str | None = None,
    ) -> PollResult:
        """Poll a trigger once: validated params and the last cursor in, new items and the next cursor out.

        ``cursor`` is what the previous poll returned (``None`` the first time). Each
        item's data is validated against the trigger's output; the returned cursor has
        been through JSON, as a store keeps it. Store it, handle the items, then call
        ``result.commit()``; see docs/triggers.md for delivery with durable cursors.
        ``instance`` is the stored trigger instance's id, if any (``context.trigger_instance``).
        """
        connection = self._check_connection(connection)
        connector_id = connection.connector_id
        spec, clean = self.trigger_params(connector_id, trigger, params)
        key = f"trigger:{trigger}"
        cursor = stored_cursor(cursor, connector_id)
        context = self._context(connector_id, key, None, trigger_instance=instance)
        hook = self._registry.owner_hook("connector_poll", connector_id)
        try:
            result = hook(connector_id=connector_id, trigger=trigger, connection=connection, params=clean,
                          cursor=cursor, context=context)
        except ConnectorError as exc:
            raise self._scrubbed(exc)
        except Exception as exc:
            raise self._unexpected(exc, connector_id, f"trigger {trigger}") from self._safe_cause(exc)
        output = self._validator(connector_id, key, "output", spec.output)
        return checked_result(result, output, connector_id, trigger)

    def trigger_params(
        self, connector_id: str, trigger: str, params: Mapping[str, Any] | None = None
    ) -> tuple[Trigger, dict[str, Any]]:
        """The declared trigger and its params validated (defaults applied), or a ValidationError."""
        spec = self._trigger(self.manifest(connector_id), trigger)
        key = f"trigger:{trigger}"  # trigger ids are lowercase words: never an operation id
        clean = self._validator(connector_id, key, "input", spec.input).load(params or {})
        _bind_secrets(clean, self._masker.add)
        return spec, clean

    def context(self, connector_id: str, operation: str | None = None, *,
                progress: ProgressCallback | None = None, timeout: float | None = None,
                cancel: threading.Event | None = None) -> RunContext:
        """The run context :meth:`run` would hand ``operation``, for work outside ``run``/``poll``:
        a plugin's host-side work (a dispatcher's inbox, ``operation`` None) or a test that
        calls an operation's function directly.

        It carries the host's settings, shared objects (the client caches) and secret
        masker; ``progress``, ``timeout`` and ``cancel`` as for :meth:`run` (no deadline
        by default). Raises :class:`NotFoundError` for a connector or operation this host
        does not serve (naming the operations there are).
        """
        manifest = self.manifest(connector_id)
        if operation is not None:
            self._operation(manifest, operation)
        return self._context(connector_id, operation, progress, timeout=timeout, cancel=cancel)

    def mask(self, text: str) -> str:
        """``text`` with every secret value this host has seen masked (for errors a host records)."""
        return self._masker.mask(text)

    def options(self, connection: Connection, field: str) -> list[Option]:
        """A dynamic option list: ``field`` is a connection field or ``OPERATION.FIELD``."""
        connection = self._check_connection(connection)
        manifest = self.manifest(connection.connector_id)
        section: Section = manifest.connection
        if "." in field:
            op_id, _, key = field.partition(".")
            section = self._operation(manifest, op_id).input
        else:
            key = field
        if key not in section.keys or not section.field(key).dynamic_options:
            raise ValidationError({field: ["has no dynamic options (the manifest says `options: dynamic`)"]},
                                  connector=connection.connector_id)
        context = self._context(connection.connector_id, None, None)
        hook = self._registry.owner_hook("connector_options", connection.connector_id)
        try:
            options = hook(connector_id=connection.connector_id, connection=connection, field=field,
                           context=context)
        except ConnectorError as exc:
            raise self._scrubbed(exc)
        except Exception as exc:
            raise self._unexpected(exc, connection.connector_id, f"options for {field}") from self._safe_cause(exc)
        if options is None:
            raise OperationError(f"the plugin does not fill the options of {field!r}",
                                 hint="report this to the plugin's author", connector=connection.connector_id)
        from .results import Option

        return [o if isinstance(o, Option) else Option(*o) for o in options]

    # -- internals ----------------------------------------------------------------------

    def _check_connection(self, connection: Connection) -> Connection:
        if not isinstance(connection, Connection):
            raise TypeError("expected a Connection from Host.connect()")
        self.manifest(connection.connector_id)
        return connection

    def _operation(self, manifest: Manifest, operation: str):
        try:
            return manifest.operation(operation)
        except KeyError:
            raise NotFoundError(f"no operation {operation!r}",
                                hint="operations: " + ", ".join(manifest.operation_ids),
                                connector=manifest.id) from None

    def _trigger(self, manifest: Manifest, trigger: str) -> Trigger:
        try:
            return manifest.trigger(trigger)
        except KeyError:
            raise NotFoundError(f"no trigger {trigger!r}",
                                hint="triggers: " + (", ".join(manifest.trigger_ids) or "none"),
                                connector=manifest.id) from None

    def _section(self, connector_id: str, operation: str, what: str, section: Section) -> Section:
        """The section as this host offers it (its settings applied), built once."""
        key = (connector_id, operation, what)
        adapted = self._sections.get(key)
        if adapted is None:
            adapted = self._sections[key] = for_host(section, self.settings)
        return adapted

    def _validator(self, connector_id: str, operation: str, what: str, section: Section, *, share: bool = False):
        key = (connector_id, operation, what, share)
        validator = self._validators.get(key)
        if validator is None:
            from .validation import SectionValidator  # marshmallow: only when validating

            section = self._section(connector_id, operation, what, section)
            validator = self._validators[key] = SectionValidator(section, connector=connector_id, what=what,
                                                                 share=share)
        return validator

    def _context(self, connector_id: str, operation: str | None, progress, *, timeout: float | None = None,
                 cancel: threading.Event | None = None, trigger_instance: str | None = None) -> RunContext:
        return RunContext(connector_id, operation, self.settings, self._shared, self._masker, progress,
                          timeout=timeout, cancel=cancel, on_token=self._token_refreshed,
                          trigger_instance=trigger_instance)

    def _token_refreshed(self, connection: Connection, token: Mapping[str, Any]) -> None:
        for key in ("access_token", "refresh_token", "id_token"):
            if isinstance(token.get(key), str):
                self._masker.add(token[key])
        try:
            self._registry.pm.hook.connector_token_refreshed(connection=connection, token=token)
        except Exception:  # the request succeeded; a failing store must not fail it
            log.exception("connector_token_refreshed failed for %s", connection.connector_id)

    def _run_implementation(self, connector_id, operation, connection, params, context) -> Any:
        fn = self._resolved.get((connector_id, operation)) or self.implementation(connector_id, operation)
        result = fn(connection, params, context)
        if isinstance(result, types.CoroutineType):  # an async callable the load-time check could not see
            result.close()
            raise OperationError(f"operation {operation!r} returned a coroutine; operations are synchronous",
                                 hint=ASYNC_HINT, connector=connector_id)
        return result

    def _poll_implementation(self, connector_id, trigger, connection, params, cursor, context) -> Any:
        key = (connector_id, f"trigger:{trigger}")
        fn = self._resolved.get(key)
        if fn is None:
            impl = self._registry.trigger_implementations[connector_id][trigger]
            fn = self._resolved[key] = resolve_implementation(impl, connector_id)
        return fn(connection, params, cursor, context)

    def _validated_output(self, result, validator, connector_id, operation) -> dict[str, Any]:
        try:
            return validator.load(result if result is not None else {})
        except ValidationError as exc:
            raise OperationError(
                f"{operation} returned a result that does not match its manifest: {exc.message}",
                hint="this is a bug in the plugin; report it to its author", connector=connector_id) from None

    def _validated_stream(self, result, validator, connector_id, operation) -> Iterator[dict[str, Any]]:
        try:
            for item in result:
                yield self._validated_output(item, validator, connector_id, operation)
        except ConnectorError as exc:
            raise self._scrubbed(exc)
        except Exception as exc:
            raise self._unexpected(exc, connector_id, operation) from self._safe_cause(exc)

    # Plugins may put secret values in messages; nothing they raise or report leaves unmasked.

    def _scrubbed(self, exc: ConnectorError) -> ConnectorError:
        """The plugin's error, typed by its service code (``connector_error_codes``), with
        known secret values masked in its message and hint."""
        exc.message = self._masker.mask(exc.message)
        if exc.hint:
            exc.hint = self._masker.mask(exc.hint)
        exc.args = (exc.user_message,)
        if exc.__cause__ is not None and self._safe_cause(exc.__cause__) is None:
            exc.__cause__ = None
            exc.__suppress_context__ = True
        typed = self._registry.contributions.typed_error(exc)
        if typed is not exc:
            typed.hint = self._masker.mask(typed.hint) if typed.hint else typed.hint
            typed.args = (typed.user_message,)
        return typed

    def _safe_cause(self, exc: BaseException) -> BaseException | None:
        """``exc`` to chain from, or None when its traceback text shows a secret value."""
        import traceback

        text = "".join(traceback.format_exception(exc))
        return exc if self._masker.mask(text) == text else None

    def _masked_result(self, result: TestResult) -> TestResult:
        from .results import Check, TestResult

        mask = self._masker.mask
        checks = [Check(mask(c.name), c.status, mask(c.message), mask(c.hint) if c.hint else c.hint) for c in result.checks]
        return TestResult(tuple(checks), mask(result.message))

    def _unexpected(self, exc: Exception, connector_id: str, what: str) -> OperationError:
        log.debug("unexpected error in %s %s", connector_id, what, exc_info=True)
        return OperationError(
            f"{what} failed: {type(exc).__name__}: {self._masker.mask(str(exc))}",
            hint="run with --traceback for details; report it to the plugin's author if it persists",
            connector=connector_id)


def _bind_secrets(value: Any, add: Callable[..., None], siblings: tuple[str, ...] = ()) -> None:
    """Have every secret in ``value`` register with the masker when revealed.

    A secret's sibling strings (the ``username`` beside a ``password``, the ``client_id``
    beside a ``client_secret``) may pair with it in a Basic auth header, so they go along.
    """
    kind = type(value)
    if kind in _LEAVES:  # most of a 100,000-entry input: skipped without the ABC checks below
        return
    if kind is dict or (kind is not list and not isinstance(value, Secret) and isinstance(value, Mapping)):
        values = value.values()
        if any(type(v) not in _LEAVES for v in values):  # leaves alone: nothing to bind, no siblings needed
            strings = tuple(v for v in values if isinstance(v, str))
            for v in values:
                _bind_secrets(v, add, strings)
    elif isinstance(value, Secret):
        value.bind(lambda revealed: add(revealed, siblings))
    elif isinstance(value, list):
        for v in value:
            _bind_secrets(v, add)


#: Types that never hold a secret (a ``str`` subclass might be anything: it is looked at).
_LEAVES = frozenset({str, int, float, bool, type(None)})
