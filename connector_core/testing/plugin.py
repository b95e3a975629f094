"""The ``connector_core`` pytest plugin (registered through the ``pytest11`` entry point).

Fixtures for testing a connector plugin:

- ``connector_plugin``: the plugin under test. Override it in your ``conftest.py``
  (``return my_package.hooks``), or set the ini option ``connector_plugin =
  my_package.hooks`` (a module, or ``module:attribute``), or mark a test
  ``@pytest.mark.connector_plugin(my_package.hooks)``.
- ``connector_settings``: the host settings (loopback endpoints allowed, for local
  stand-ins of the service).
- ``connector_host``: a :class:`~connector_core.Host` with exactly that plugin.
- ``ajv2020``: an :class:`~connector_core.testing.ajv.Ajv2020` (one Node process for the
  session), to check forms against the validator browsers run. Without Node the test is
  skipped with the reason; under ``CI=true`` it fails instead.

Toolkits ship their own fixtures (a local stand-in of their service, connection values
pointed at it) as pytest plugins of their own; see docs/writing-a-plugin.md.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

import os

import pytest

#: Host settings for tests: loopback endpoints allowed, so local stand-ins of a service work.
TEST_SETTINGS = {"net.allow_loopback": True}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "connector_plugin",
        "the connector plugin under test: a module, or module:attribute (connector_core kit)",
        default="",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "connector_plugin(plugin): the connector plugin under test (connector_core kit)"
    )


def load_plugin(spec: str) -> Any:
    """Import ``package.module`` or ``package.module:attribute``."""
    module_name, _, attr = spec.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, attr) if attr else module


@pytest.fixture
def connector_plugin(request: pytest.FixtureRequest) -> Any:
    """The plugin under test: the marker's argument, else the ini option, else None."""
    marker = request.node.get_closest_marker("connector_plugin")
    if marker is not None and marker.args:
        return marker.args[0]
    spec = request.config.getini("connector_plugin")
    return load_plugin(spec) if spec else None


@pytest.fixture
def connector_settings() -> dict[str, Any]:
    """Host settings for tests; override to change them. Loopback endpoints are allowed."""
    return dict(TEST_SETTINGS)


@pytest.fixture
def connector_host(connector_plugin: Any, connector_settings: dict[str, Any]):
    """A fresh :class:`~connector_core.Host` with the plugin under test, and nothing else."""
    from connector_core import Host

    if connector_plugin is None:
        pytest.fail(
            "connector_core: no plugin under test. Override the `connector_plugin` fixture in your "
            "conftest.py, set `connector_plugin = your_package.hooks` in the [tool.pytest.ini_options] "
            "of pyproject.toml, or mark the test @pytest.mark.connector_plugin(plugin).",
            pytrace=False,
        )
    return Host(plugins=[connector_plugin], settings=connector_settings)


def missing_component(reason: str) -> None:
    """Skip the test for a missing real component (browser, Node...); fail under ``CI=true``."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def ajv2020() -> Iterator[Any]:
    """Ajv2020 + ajv-formats in one long-lived Node process (see connector_core.testing.ajv)."""
    from .ajv import Ajv2020, AjvUnavailable, find_node

    try:
        find_node()
    except AjvUnavailable as exc:
        missing_component(str(exc))
    with Ajv2020() as ajv:
        yield ajv
