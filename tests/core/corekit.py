"""Helpers for the foundation's tests (core and contract): manifest text, small test plugins.

Test plugins are instances of :class:`TestPlugin`: a manifest list, an implementation
mapping and optional test-connection/options callables. Each instance gets its own
plugin name (pluggy refuses two plugins with one name).
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from connector_core import hookimpl

#: The first lines of a connector manifest; format with id=...
HEAD = "manifest_version: 1\nid: {id}\nname: Test {id}\nversion: 1.0.0\n"


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


class TestPlugin:
    """A connector plugin as a small object (one owner of the manifests it is given)."""

    __test__ = False  # not a pytest test class

    def __init__(
        self,
        name: str,
        manifests: list[Any],
        implementations: Mapping[str, Any] | None = None,
        test: Callable[..., Any] | None = None,
        options: Callable[..., Any] | None = None,
        requires: tuple[str, ...] = ("connector_core.aws.plugin",),
    ) -> None:
        self.__name__ = name  # the plugin's name in the registry
        self._requires = requires  # most test manifests extend the AWS toolkit's aws.credentials
        self._manifests = manifests
        self._impls = dict(implementations or {})
        self._test = test
        self._options = options
        self.calls: list[tuple[str, str]] = []  # (hook, connector id) seen by this plugin

    @hookimpl
    def connector_requires(self):
        return self._requires

    @hookimpl
    def connector_manifests(self):
        return self._manifests

    @hookimpl
    def connector_implementations(self, connector_id):
        self.calls.append(("implementations", connector_id))
        return self._impls

    @hookimpl
    def connector_test_connection(self, connector_id, connection, context):
        self.calls.append(("test", connector_id))
        return self._test(connection, context) if self._test else None

    @hookimpl
    def connector_options(self, connector_id, connection, field, context):
        self.calls.append(("options", connector_id))
        return self._options(connection, field, context) if self._options else None


