"""Lazy package exports: a toolkit's names are imported from their modules on first use.

A toolkit package (``connector_core.http`` and the vendor toolkits) must not import
its SDK when a host only lists connectors or draws forms, yet should offer its names at the
package level. PEP 562's module ``__getattr__`` gives both.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, exports: Mapping[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``, whose ``exports`` map name -> module.

    A name is imported from ``package.<module>`` on first access and kept in the package's
    namespace, so later accesses cost a plain attribute lookup.
    """

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f".{module}", package), name)
        setattr(importlib.import_module(package), name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(importlib.import_module(package))) | set(exports))

    return __getattr__, __dir__
