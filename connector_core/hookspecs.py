"""The contract between the host and connector plugins.

Every hook is named ``connector_*``. A plugin is a module or object with functions
decorated by :data:`hookimpl`, registered through the ``connector_core`` entry-point
group (or passed to ``Host(plugins=[...])``). A hook implementation may accept any
subset of a hook's arguments, by name.

Dispatch rules the host enforces, so that plugins need no boilerplate:

- Each connector id has exactly one owner: the plugin whose manifest declares it.
- Hooks that take a ``connector_id`` are called on the owner only. Plugins that own
  no connector (auditing, policy, timing plugins) see every call, but may only *wrap*
  these hooks (``@hookimpl(wrapper=True)`` or ``hookwrapper=True``): a plain
  implementation would answer for every connector, so it is a load failure
  (``LoadFailure.kind == "non-owner-hook"``) naming the plugin and the hooks.
- The operations a manifest declares and the implementations its owner provides must
  match both ways, or the plugin fails to load. The same holds for triggers.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Union

import pluggy

if TYPE_CHECKING:  # importlib.resources brings zipfile, tempfile, bz2 and lzma: not at every start
    from importlib.resources.abc import Traversable

    from .connection import Connection, RunContext
    from .errors import ConnectorError
    from .extensions import ChoiceSource, ErrorCode, Setting
    from .manifest import Manifest
    from .results import Option, TestResult
    from .triggers.model import PollResult

PROJECT = "connector_core"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

#: Where a manifest comes from: a file path or an ``importlib.resources`` file.
ManifestSource = Union[str, os.PathLike, "Traversable"]

#: An operation implementation: ``fn(connection, params, context) -> result``, or
#: ``"package.module:function"``, imported the first time the operation runs (so that
#: listing connectors and drawing forms never imports operation code or vendor SDKs).
#: The result is a mapping matching the manifest's ``output``, or, for operations whose
#: output is declared ``stream: true``, an iterable of such mappings.
OperationImpl = Union[Callable[..., Any], str]

#: A trigger's poll implementation: ``fn(connection, params, cursor, context) -> PollResult``,
#: or ``"package.module:function"``, imported on the first poll (as for operations).
TriggerImpl = Union[Callable[..., Any], str]


@hookspec
def connector_manifests() -> Iterable[ManifestSource] | None:
    """Declare the connectors (and shared fragments) this plugin provides.

    Called once, when the host loads plugins. Return the YAML manifest files; a
    document with ``kind: fragment`` is a shared fragment other manifests may
    ``extends``. The plugin that returns a connector manifest owns that connector id;
    two plugins declaring the same id is a load error naming both.

    :return: manifest sources. ``None`` or an empty list: this plugin declares nothing
        (an auditing plugin, say).
    """


@hookspec(firstresult=True)
def connector_implementations(connector_id: str) -> Mapping[str, OperationImpl] | None:
    """Provide the implementations of a connector's declared operations.

    Called on the owning plugin only, once at load time (to check that declared and
    implemented operations match) and cached. Must be cheap and must not import
    vendor SDKs: give ``"module:function"`` strings for lazy import.

    :param connector_id: the connector, for plugins that own several.
    :return: operation id -> implementation. Each implementation is called as
        ``fn(connection, params, context)`` with validated ``params``.
    """


@hookspec(firstresult=True)
def connector_run(
    connector_id: str,
    operation: str,
    connection: Connection,
    params: Mapping[str, Any],
    context: RunContext,
) -> Any:
    """Run one operation. The interception point for cross-cutting concerns.

    The host implements this hook itself (it calls the owner's implementation), so
    plugins normally do not. Implement it as a wrapper (``@hookimpl(wrapper=True)``)
    to audit, time, rate-limit or refuse operation runs: the wrapper sees every run
    of every connector, with validated params, and the result or the exception.

    :return: the implementation's raw result; the host validates it against the
        manifest's output afterwards.
    """


@hookspec(firstresult=True)
def connector_check_input(
    connector_id: str, operation: str, params: Mapping[str, Any], connection: Mapping[str, Any]
) -> None:
    """Refuse an operation's input for reasons its manifest cannot state.

    Called on the owning plugin only, after the manifest's own validation and before
    anything runs or is queued: by :meth:`Host.validate_input` (so ``Jobs.submit`` and a
    form page's check) and by :meth:`Host.run`. For rules across fields and the
    connection, such as a copy whose destination lies inside its source. Must be cheap:
    no request, no vendor SDK.

    :param params: the validated input, defaults applied.
    :param connection: the connection's values when known: the :class:`Connection` in
        a run, its stored values without secrets for ``Jobs.submit``, ``{}`` for a form
        draft checked on its own.
    :raise ValidationError: naming each bad field and what to write instead.
    :return: ``None``, whether the input passed or the plugin has no such checks.
    """


@hookspec(firstresult=True)
def connector_test_connection(
    connector_id: str, connection: Connection, context: RunContext
) -> TestResult | None:
    """Check that a connection works ("Test connection" in a UI).

    Called on the owning plugin only. Expected failures (a wrong key, a missing
    bucket, a wrong region) are not exceptions: return a
    :class:`~connector_core.TestResult` with one :class:`~connector_core.Check` per
    check, each failed check saying what to do.

    :return: the result. ``None``: the plugin has no test; the host reports that the
        connection validated but was not tested.
    """


@hookspec(firstresult=True)
def connector_options(
    connector_id: str, connection: Connection, field: str, context: RunContext
) -> Iterable[Option] | None:
    """Fill a dynamic option list (a dropdown of buckets or event buses).

    Called on the owning plugin only, for a field whose manifest says
    ``options: dynamic``. ``field`` is the field's key, or ``OPERATION.FIELD`` for an
    operation input field.

    :return: the options. ``None``: this plugin does not fill that field (an error
        for the host, since the manifest promised it).
    """


@hookspec(firstresult=True)
def connector_triggers(connector_id: str) -> Mapping[str, TriggerImpl] | None:
    """Provide the poll implementations of a connector's declared triggers.

    Called on the owning plugin only, once at load time, like
    :func:`connector_implementations`: declared and implemented triggers must match both
    ways or the plugin fails to load. Must be cheap: give ``"module:function"`` strings.

    :param connector_id: the connector, for plugins that own several.
    :return: trigger id -> implementation, called as ``fn(connection, params, cursor,
        context)`` and returning a :class:`~connector_core.PollResult`. ``None``: this
        plugin implements no trigger (an error if its manifest declares any).
    """


@hookspec(firstresult=True)
def connector_poll(
    connector_id: str,
    trigger: str,
    connection: Connection,
    params: Mapping[str, Any],
    cursor: Any,
    context: RunContext,
) -> PollResult | None:
    """Poll one trigger once: the items that are new since ``cursor``, and the next cursor.

    The host implements this hook itself (it calls the owner's trigger implementation,
    see :func:`connector_triggers`), so plugins normally do not; implement it as a
    wrapper (``@hookimpl(wrapper=True)``) to audit, time or refuse polls. It is called on
    the owner and on plugins that own no connector, with validated ``params``.

    :param trigger: the trigger id, as declared in the manifest's ``triggers``.
    :param cursor: what the previous poll returned as its cursor, after a JSON round
        trip (a host stores it as JSON text). ``None``: the first poll of this trigger
        instance; the implementation decides where it starts (its docs must say).
    :return: a :class:`~connector_core.PollResult`: new items in order, each with a
        dedupe key, and a JSON-able cursor from which the next poll repeats none of them
        and misses nothing. Its ``on_commit`` callback, if any, runs only after the
        items were handled and the cursor stored. ``None``: not this implementation's to
        answer (the next one does; the host's own always answers).
    """


@hookspec
def connector_token_refreshed(connection: Connection, token: Mapping[str, Any]) -> None:
    """Store an OAuth 2.0 token the HTTP toolkit just refreshed (implemented by the host).

    Called on every plugin (the embedding application registers one that implements it),
    from the thread that ran the request, after the token endpoint answered a refresh of
    a connection whose ``auth_type`` is ``oauth_authorization_code``. Providers that
    rotate refresh tokens invalidate the old one: store ``token["refresh_token"]`` as the
    connection's ``refresh_token`` (encrypted, like any secret), or the connection stops
    working once its cached client is dropped.

    :param connection: the connection whose token was refreshed (its ``name`` and
        ``connector_id`` say which stored connection it is).
    :param token: the token endpoint's answer: ``access_token``, ``expires_at`` and,
        when the provider rotated it, a new ``refresh_token``. Secret: never log it.
    :return: nothing; exceptions are logged and do not fail the request.
    """


# -- what toolkits contribute to the core ------------------------------------------------
#
# The core names no vendor: toolkits (a cloud vendor's, an HTTP toolkit, a plugin's own
# SDK wrapper) give it their settings, choice sources, fragments and error codes through
# the hooks below. Every plugin's answer is collected once, at load time; none of these
# hooks may import a vendor SDK.


@hookspec
def connector_requires() -> Iterable[str | object] | None:
    """Name the toolkit plugins this plugin needs, so that it works in any host.

    Called at load time, before anything else, on every plugin (and again on the
    plugins it brings in). A string is a module imported and registered under its own
    name; an object is registered as is. A plugin already registered (by entry point,
    ``Host(plugins=...)`` or another plugin's requirement) is not registered twice.
    A connector for a vendor's service returns its toolkit, e.g.
    ``["acme_toolkit.plugin"]``, to get the toolkit's credentials fragment, choice
    sources, settings and error codes (docs/writing-a-plugin.md names the built-in ones).

    :return: plugins to register. ``None`` or empty: this plugin needs none.
    """


@hookspec
def connector_settings() -> Mapping[str, Setting] | None:
    """Declare the host settings this plugin reads from ``context.settings``.

    Called once at load time, on every plugin. The host starts from these defaults and
    applies the settings it was given on top (``Host(settings=...)``, ``--set``);
    :meth:`Host.settings_help <connector_core.Host.settings_help>` lists them with their
    descriptions. Name settings ``PREFIX.name`` with your toolkit's prefix
    (``acme.read_timeout``); two plugins declaring one name differently is a load error.

    :return: setting name -> :class:`~connector_core.Setting` (default and description).
        ``None``: no settings.
    """


@hookspec
def connector_choice_sources() -> Mapping[str, ChoiceSource] | None:
    """Declare named choice lists that manifests use with ``choices_from: NAME``.

    Called once at load time, on every plugin, before any manifest is read. A source is
    called (once per manifest field that names it) while manifests load, so it must be
    cheap and must not import a vendor SDK: give a ``"module:function"`` string to defer
    the import until a manifest names the source. The function returns
    ``[(value, caption), ...]``, e.g. ``("eu-west-1", "Europe (Ireland)")``.

    :return: source name (dotted, prefixed: ``acme.regions``) -> callable or
        ``"module:function"``. ``None``: no sources.
    """


@hookspec
def connector_error_codes() -> Mapping[str, type[ConnectorError] | ErrorCode] | None:
    """Map service error codes to the framework's typed errors.

    Called once at load time, on every plugin. When an operation, a test or an options
    hook raises a plain :class:`~connector_core.OperationError` whose ``code`` is
    registered here (toolkits set ``code`` from the service's error, e.g.
    ``Acme.Queue.NonExistent``), the host raises the registered class
    instead, with the same message, so callers can catch ``NotFoundError``,
    ``ThrottledError`` (retryable) and so on. Errors a toolkit already typed are left
    alone.

    :return: error code -> ``ConnectorError`` subclass, or an
        :class:`~connector_core.ErrorCode` (class plus a hint that says what to do).
        ``None``: no codes.
    """


@hookspec
def connector_resource_values(manifest: Manifest, values: Mapping[str, Any]) -> Mapping[str, str] | None:
    """Give the values the manifest's ``iam_resources`` templates may use (``connectors policy``).

    Called on every plugin when a policy is generated, with the connector's manifest
    and the connection values given (defaults filled in; no secrets needed). Templates
    may always use the connection's own fields (``{bucket}``); this hook adds derived
    values, e.g. a cloud toolkit gives ``{partition}``, ``{region}`` and ``{account}``
    for connectors that extend its credentials fragment. It must not import a vendor SDK.

    :return: name -> value. ``None``: nothing for this connector. A template whose
        values are missing is scoped to ``"*"``.
    """
