"""Plugin loading: register plugins, read their manifests, enforce the contract's rules.

A plugin that fails to import, misspells a hook, declares a bad manifest, claims a
connector id another plugin owns, whose operations do not match its manifest, or that
answers for connectors it does not own is recorded as a :class:`LoadFailure` and left
out; the others are served.
"""

from __future__ import annotations

import functools
import importlib
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pluggy

from . import hookspecs
from .entry_point_scan import entry_points
from .errors import ConnectorError, ManifestError, PluginLoadError
from .extensions import Contributions
from .hookspecs import PROJECT, OperationImpl, TriggerImpl
from .manifest import Manifest
from .manifest_loader import checked_manifest, read_manifest_text, resolve_extends

log = logging.getLogger(__name__)

#: The name of the host's own plugin (:class:`~connector_core.builtin.CorePlugin`).
CORE_PLUGIN = "connector_core.core"


#: What went wrong, for :attr:`LoadFailure.kind` (match on these, never on the reason's text).
FAILURE_KINDS = (
    "import",               # the plugin's module failed to import
    "register",             # pluggy refused the object (a name already registered, say)
    "unknown-hook",         # a hook that is not in the contract (misspelt), or wrong arguments
    "manifests-hook",       # connector_manifests raised
    "manifest",             # a manifest (or its `extends`) is invalid
    "duplicate-id",         # a connector id another plugin already declares
    "duplicate-fragment",   # a fragment id another file already declares
    "implementations-hook", # connector_implementations/_triggers raised or returned no mapping
    "unmatched-operation",  # declared operations and implementations differ
    "unmatched-trigger",    # declared triggers and implementations differ
    "async-operation",      # an operation (or trigger) is `async def`; they are synchronous
    "non-owner-hook",       # a plugin owning no connector implements an owner hook plainly
    "requires",             # connector_requires raised, or named a plugin that does not import
    "contribution",         # a bad or conflicting setting, choice source or error code
)


@dataclass(frozen=True)
class LoadFailure:
    """A plugin (or one of its connectors) that could not be loaded, and why.

    ``kind`` is one of :data:`FAILURE_KINDS`; ``connector_id`` is the connector concerned,
    or None when the failure is the plugin's as a whole.
    """

    plugin: str
    reason: str
    error: ConnectorError | None = None
    kind: str = "import"
    connector_id: str | None = None

    def to_dict(self) -> dict:
        return {"plugin": self.plugin, "kind": self.kind, "connector_id": self.connector_id,
                "reason": self.reason}


@dataclass
class PluginInfo:
    """A registered plugin: its name, version (from its distribution) and connectors."""

    name: str
    version: str | None = None
    connectors: list[str] = field(default_factory=list)
    hooks: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"name": self.name, "version": self.version, "connectors": self.connectors, "hooks": self.hooks}


class Registry:
    """The plugin manager and everything learned from plugins at load time."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.failures: list[LoadFailure] = []
        self.manifests: dict[str, Manifest] = {}
        self.fragments: dict[str, Manifest] = {}
        self.owners: dict[str, str] = {}  # connector id -> plugin name
        self.implementations: dict[str, dict[str, OperationImpl]] = {}
        self.trigger_implementations: dict[str, dict[str, TriggerImpl]] = {}
        self.versions: dict[str, str | None] = {}
        self._distributions: dict[str, Any] = {}  # plugin name -> its distribution, for a version on demand
        self.contributions = Contributions()
        self._callers: dict[tuple[str, str], Any] = {}

    # -- registration -------------------------------------------------------------------

    def register(self, plugin: object, name: str | None = None, version: str | None = None) -> str | None:
        name = name or _plugin_name(plugin)
        try:
            self.pm.register(plugin, name=name)
        except (ValueError, pluggy.PluginValidationError) as exc:
            self._fail(name, f"cannot register: {exc}", kind="register")
            return None
        self.versions[name] = version
        return name

    def register_entry_points(self, group: str = PROJECT) -> None:
        for ep in entry_points(group=group):
            try:
                plugin = ep.load()
            except Exception as exc:  # any import-time failure of a third-party plugin
                self._fail(ep.name, f"failed to import {ep.value}: {type(exc).__name__}: {exc}", kind="import")
                continue
            if self.register(plugin, name=ep.name) is not None and ep.dist is not None:
                self._distributions[ep.name] = ep.dist  # its version is read only if plugins() is asked

    def finish(self) -> None:
        """Bring in required toolkits, check hook names, read manifests, assign owners, match operations."""
        self._register_requirements()
        self._check_pending()
        first_failure = len(self.failures)
        self._collect_contributions()
        fragments, declared = self._read_manifests()
        self.fragments = fragments
        for plugin, manifest in declared:
            try:
                resolved = resolve_extends(manifest, fragments)
            except ManifestError as exc:
                self._fail(plugin, exc.user_message, exc, kind="manifest", connector_id=manifest.id)
                continue
            owner = self.owners.get(manifest.id)
            if owner is not None:
                self._fail(plugin, f"connector {manifest.id!r} is already declared by plugin {owner!r}; "
                                   f"plugins {owner!r} and {plugin!r} both declare it",
                           kind="duplicate-id", connector_id=manifest.id)
                continue
            self.owners[manifest.id] = plugin
            self.manifests[manifest.id] = resolved
        for connector_id in list(self.manifests):
            self._match_operations(connector_id)
        for connector_id in list(self.manifests):
            self._match_triggers(connector_id)
        self._refuse_non_owner_answers(already_refused={f.plugin for f in self.failures[first_failure:]})
        # A refused plugin that owns nothing would otherwise count as an observer and see
        # (and, through firstresult hooks, answer) every call: take it out of dispatch.
        for name in {f.plugin for f in self.failures[first_failure:]} - set(self.owners.values()):
            refused = self.pm.get_plugin(name)
            if refused is not None:
                self.pm.unregister(refused)
        self._callers.clear()

    def _check_pending(self) -> None:
        # check_pending raises on the first bad plugin; unregister it and look again.
        while True:
            try:
                self.pm.check_pending()
                return
            except pluggy.PluginValidationError as exc:
                name = self.pm.get_name(exc.plugin) or _plugin_name(exc.plugin)
                hint = _hook_hint(self.pm, exc.plugin)
                self.pm.unregister(exc.plugin)
                self._fail(name, f"{exc} ({hint}hooks are named connector_*; see connector_core.hookspecs)",
                           kind="unknown-hook")

    def _register_requirements(self) -> None:
        """Register the toolkit plugins named by ``connector_requires``, transitively."""
        asked: set[int] = set()
        while True:
            pending = [i for i in self.pm.hook.connector_requires.get_hookimpls() if id(i) not in asked]
            if not pending:
                return
            for impl in pending:
                asked.add(id(impl))
                try:
                    required = _listed(impl.function(), "connector_requires")
                except Exception as exc:
                    self._fail(impl.plugin_name, f"connector_requires failed: {type(exc).__name__}: {exc}",
                               kind="requires")
                    continue
                for item in required:
                    self._register_required(impl.plugin_name, item)

    def _register_required(self, by: str, item: str | object) -> None:
        name = item if isinstance(item, str) else _plugin_name(item)
        if self.pm.get_plugin(name) is not None:
            return
        if isinstance(item, str):
            try:
                item = importlib.import_module(item)
            except Exception as exc:
                self._fail(by, f"cannot import the plugin it requires, {name!r}: {type(exc).__name__}: {exc}",
                           kind="requires")
                return
        if not self.pm.is_registered(item):
            self.register(item, name=name)

    def _collect_contributions(self) -> None:
        """Every plugin's settings, choice sources and error codes (before manifests use them)."""
        for kind in ("settings", "choice_sources", "error_codes"):
            for impl in getattr(self.pm.hook, f"connector_{kind}").get_hookimpls():
                try:
                    problems = self.contributions.add(kind, impl.plugin_name, impl.function())
                except Exception as exc:
                    problems = [f"connector_{kind} failed: {type(exc).__name__}: {exc}"]
                for problem in problems:
                    self._fail(impl.plugin_name, problem, kind="contribution")

    def choice_sources(self) -> dict[str, Callable[[], list[tuple[str, str]]]]:
        """The declared choice sources, as the functions manifests call to fill ``choices_from``."""
        choices = self.contributions.choices
        return {name: functools.partial(choices, name) for name in self.contributions.choice_sources}

    def _read_manifests(self) -> tuple[dict[str, Manifest], list[tuple[str, Manifest]]]:
        fragments: dict[str, Manifest] = {}
        declared: list[tuple[str, Manifest]] = []
        choice_sources = self.choice_sources()
        for impl in self.pm.hook.connector_manifests.get_hookimpls():
            plugin = impl.plugin_name
            try:
                sources = _listed(impl.function(), "connector_manifests")
                parsed = [checked_manifest(*read_manifest_text(src), choice_sources=choice_sources)
                          for src in sources]
            except ManifestError as exc:
                self._fail(plugin, exc.user_message, exc, kind="manifest")
                continue
            except Exception as exc:
                self._fail(plugin, f"connector_manifests failed: {type(exc).__name__}: {exc}",
                           kind="manifests-hook")
                continue
            for manifest in parsed:
                if manifest.kind == "fragment":
                    known = fragments.get(manifest.id)
                    # The same file declared twice is fine; another file with the same id is not.
                    if known is not None and known.source != manifest.source:
                        self._fail(plugin, f"fragment {manifest.id!r} is already declared by {known.source} "
                                           "(give the fragment another id, or extend the existing one)",
                                   kind="duplicate-fragment")
                        continue
                    fragments[manifest.id] = manifest
                else:
                    declared.append((plugin, manifest))
        return fragments, declared

    def _match_operations(self, connector_id: str) -> None:
        declared = self.manifests[connector_id].operation_ids
        impls = self._owner_implementations(connector_id, "connector_implementations", "operations", declared)
        if impls is not None:
            self.implementations[connector_id] = impls

    def _match_triggers(self, connector_id: str) -> None:
        declared = self.manifests[connector_id].trigger_ids
        impls = self._owner_implementations(connector_id, "connector_triggers", "triggers", declared)
        if impls is not None:
            self.trigger_implementations[connector_id] = impls

    def _owner_implementations(self, connector_id: str, hook_name: str, what: str,
                               declared_ids: tuple[str, ...]) -> dict | None:
        """The owner's implementations, matched both ways with the declared ids; None: refused."""
        plugin = self.owners[connector_id]
        error: str | None
        try:
            # The owner alone answers (see the hookspec): no other plugin may supply or hijack them.
            owner = self.pm.get_plugin(plugin)
            others = [p for _, p in self.pm.list_name_plugin() if p is not owner]
            caller = self.pm.subset_hook_caller(hook_name, remove_plugins=others)
            impls = caller(connector_id=connector_id) or {}
        except Exception as exc:
            error, kind = f"{hook_name} failed: {type(exc).__name__}: {exc}", "implementations-hook"
        else:
            if not isinstance(impls, Mapping):
                error = f"{hook_name} must return a mapping of {what[:-1]} id -> implementation"
                kind = "implementations-hook"
            else:
                error, kind = _unmatched(connector_id, what, declared_ids, impls)
                if not error:
                    return dict(impls)
        self._fail(plugin, error, kind=kind, connector_id=connector_id)
        del self.manifests[connector_id]
        del self.owners[connector_id]
        self.implementations.pop(connector_id, None)
        return None

    def _refuse_non_owner_answers(self, already_refused: set[str]) -> None:
        """A plugin owning no connector may wrap owner hooks, never answer them.

        A plain implementation would be called for every connector, and the first answer
        wins: a stray plugin could turn every failed "Test connection" into a pass.
        """
        owning = set(self.owners.values())
        for name, plugin in self.pm.list_name_plugin():
            if name in owning or name in already_refused or name.startswith("connector_core.") or plugin is None:
                continue
            answering = sorted(
                caller.name
                for caller in self.pm.get_hookcallers(plugin) or []
                if _owner_dispatched(caller)
                for impl in caller.get_hookimpls()
                if impl.plugin is plugin and not (impl.hookwrapper or impl.wrapper)
            )
            if answering:
                self._fail(name, f"plugin {name!r} owns no connector but implements {', '.join(answering)} "
                                 "as a plain hook, which would answer for other plugins' connectors",
                           kind="non-owner-hook",
                           hint="declare the hook with @hookimpl(wrapper=True) to observe or refuse calls, "
                                "or declare a connector in connector_manifests to answer for it")
                self.pm.unregister(plugin)

    def _fail(self, plugin: str, reason: str, error: ConnectorError | None = None, *, kind: str,
              connector_id: str | None = None, hint: str | None = None) -> None:
        error = error or PluginLoadError(reason, hint=hint, plugin=plugin, connector=connector_id)
        if hint:
            reason = f"{reason} ({hint})"
        log.warning("plugin %s not loaded: %s", plugin, reason)
        self.failures.append(LoadFailure(plugin, reason, error, kind, connector_id))

    # -- dispatch -----------------------------------------------------------------------

    def owner_hook(self, hook_name: str, connector_id: str) -> Callable[..., Any]:
        """The hook caller that reaches the connector's owner, and plugins owning no connector.

        Plugins that own *other* connectors are left out, so a plugin never sees calls
        for connectors it does not own; auditing and policy plugins see every call.
        """
        owner = self.owners[connector_id]
        key = (hook_name, owner)
        caller = self._callers.get(key)
        if caller is None:
            others = {p for p in self.owners.values() if p != owner}
            remove = [self.pm.get_plugin(name) for name in others]
            caller = self.pm.subset_hook_caller(hook_name, remove_plugins=[p for p in remove if p is not None])
            self._callers[key] = caller
        return caller

    def answers_owner_last(self, hook_name: str, connector_id: str, **kwargs: Any) -> list[Any]:
        """Every answer to a collecting hook from the connector's owner and plugins owning no
        connector (toolkits), the owner's last so that it may refine what toolkits give."""
        owner = self.owners[connector_id]
        others = set(self.owners.values()) - {owner}
        answers: list[tuple[bool, Any]] = []
        for impl in getattr(self.pm.hook, hook_name).get_hookimpls():
            if impl.plugin_name in others:
                continue
            answer = impl.function(**{name: kwargs[name] for name in impl.argnames})
            answers.append((impl.plugin_name == owner, answer))
        return [answer for _, answer in sorted(answers, key=lambda a: a[0])]

    def version(self, name: str) -> str | None:
        """The version given at registration, else its distribution's (read on first use, then kept)."""
        given = self.versions.get(name)
        dist = self._distributions.get(name)
        return given if given is not None or dist is None else dist.version

    def plugins(self) -> list[PluginInfo]:
        infos = []
        for name, plugin in self.pm.list_name_plugin():
            if name.startswith("connector_core."):
                continue  # the framework's own: the host's plugin and its toolkits
            hooks = sorted(h.name for h in self.pm.get_hookcallers(plugin) or [])
            connectors = sorted(c for c, owner in self.owners.items() if owner == name)
            infos.append(PluginInfo(name, self.version(name), connectors, hooks))
        return sorted(infos, key=lambda p: p.name)


def _owner_dispatched(caller: Any) -> bool:
    """Hooks taking a ``connector_id`` are dispatched to the connector's owner (see hookspecs)."""
    return caller.spec is not None and "connector_id" in caller.spec.argnames


ASYNC_HINT = "write the operation as a plain `def`; to call async code inside it, use asyncio.run()"


def _unmatched(connector_id: str, what: str, declared_ids: tuple[str, ...],
               impls: Mapping[str, Any]) -> tuple[str | None, str]:
    """An error when the implementations and the declared ids differ, or any is ``async``."""
    declared, provided = set(declared_ids), set(impls)
    missing, extra = sorted(declared - provided), sorted(provided - declared)
    if not (missing or extra):
        return _async_implementations(connector_id, what, impls)
    parts = []
    if missing:
        parts.append(f"declared but not implemented: {', '.join(missing)}")
    if extra:
        parts.append(f"implemented but not declared: {', '.join(extra)}")
    return f"{what} of {connector_id!r} do not match its manifest ({'; '.join(parts)})", f"unmatched-{what[:-1]}"


def _listed(returned: object, hook: str) -> list[Any]:
    """A list-returning hook's answer as a list (``None``: nothing); a string or a
    non-iterable is refused rather than read character by character."""
    if returned is None:
        return []
    if isinstance(returned, (str, bytes)) or not isinstance(returned, Iterable):
        raise TypeError(f"{hook} must return a list, not {type(returned).__name__}")
    return list(returned)


def _async_implementations(connector_id: str, what: str, impls: Mapping[str, Any]) -> tuple[str | None, str]:
    """An error for ``async def`` implementations (strings are checked when first imported)."""
    coroutines = sorted(op for op, fn in impls.items() if callable(fn) and _is_async(fn))
    if not coroutines:
        return None, ""
    return (f"{what} of {connector_id!r} are `async def` ({', '.join(coroutines)}); {what} are "
            f"synchronous ({ASYNC_HINT})", "async-operation")


def _is_async(fn: Callable[..., Any]) -> bool:
    # inspect.iscoroutinefunction's test, without importing inspect on every host start.
    code = getattr(fn, "__code__", None)
    return code is not None and bool(code.co_flags & (_CO_COROUTINE | _CO_ASYNC_GENERATOR))


_CO_COROUTINE, _CO_ASYNC_GENERATOR = 0x80, 0x200  # inspect.CO_COROUTINE, inspect.CO_ASYNC_GENERATOR


def resolve_implementation(impl: OperationImpl, connector_id: str) -> Callable[..., Any]:
    """Import a ``"module:function"`` implementation (on first run)."""
    if callable(impl):
        return impl
    module_name, _, attr = str(impl).partition(":")
    try:
        fn = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise PluginLoadError(
            f"cannot import operation implementation {impl!r}: {exc}",
            hint="check the module:function string returned by connector_implementations",
            connector=connector_id,
        ) from None
    if _is_async(fn):
        raise PluginLoadError(f"operation implementation {impl!r} is `async def`; operations are synchronous",
                              hint=ASYNC_HINT, connector=connector_id)
    return fn


def _hook_hint(pm: pluggy.PluginManager, plugin: object) -> str:
    """"did you mean 'connector_manifests'? " for a plugin's misspelt hook, or ""."""
    import difflib  # only when a plugin is refused

    known = [name for name in vars(hookspecs) if name.startswith("connector_")]
    for caller in pm.get_hookcallers(plugin) or []:
        if not caller.has_spec():
            close = difflib.get_close_matches(caller.name, known, n=1)
            if close:
                return f"did you mean {close[0]!r}? "
    return ""


def _plugin_name(plugin: object) -> str:
    return getattr(plugin, "__name__", None) or type(plugin).__name__

