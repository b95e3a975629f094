"""``connectors new NAME``: a complete third-party plugin package, ready to install and test.

The package is rendered from the templates beside this module (``templates/plugin``):
a pyproject with its ``connector_core`` entry point, the manifest as package data, a
hooks module, one example operation that needs no network, a README, and tests that
run the conformance suite.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from connector_core.errors import ConfigurationError, ValidationError

_NAME_RE = re.compile(r"[a-z][a-z0-9]*(-[a-z][a-z0-9]*)*")
_SUFFIX = ".tmpl"


@dataclass(frozen=True)
class PluginNames:
    """The names one plugin uses, all derived from NAME (e.g. ``acme-widgets``)."""

    name: str          # the folder and distribution: acme-widgets
    package: str       # the Python package: acme_widgets
    connector_id: str  # the connector id: acme.widgets
    title: str         # the display name: Acme Widgets

    @classmethod
    def from_name(cls, name: str, connector_id: str | None = None) -> PluginNames:
        name = name.replace("_", "-")  # acme_widgets (a package-style name) means acme-widgets
        if not _NAME_RE.fullmatch(name):
            raise ValidationError(
                {"NAME": ["must be lowercase words separated by hyphens, e.g. acme-widgets"]})
        connector_id = connector_id or name.replace("-", ".")
        if not re.fullmatch(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*", connector_id):
            raise ValidationError({"--id": ["must be a dotted lowercase id, e.g. acme.widgets"]})
        title = " ".join(part.capitalize() for part in name.split("-"))
        return cls(name, name.replace("-", "_"), connector_id, title)

    def substitutions(self) -> dict[str, str]:
        return {
            "{{dist}}": self.name,
            "{{package}}": self.package,
            "{{connector_id}}": self.connector_id,
            "{{title}}": self.title,
            "{{class_name}}": self.title.replace(" ", ""),
        }


def scaffold(name: str, parent: Path | str = ".", connector_id: str | None = None) -> list[Path]:
    """Write the plugin package ``parent/NAME``; returns the files written.

    Refuses to write into an existing folder, so nothing of the user's is overwritten.
    """
    names = PluginNames.from_name(name, connector_id)
    target = Path(parent) / names.name
    if target.exists():
        raise ConfigurationError(f"{target} already exists",
                                 hint="choose another NAME, or remove the folder first")
    written: list[Path] = []
    for relative, template in _templates(files("connector_core.authoring") / "templates" / "plugin"):
        path = target / _render(relative, names, path=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_render(template.read_text(encoding="utf-8"), names), encoding="utf-8")
        written.append(path)
    return sorted(written)


def _templates(root: Traversable, prefix: str = "") -> list[tuple[str, Traversable]]:
    out: list[tuple[str, Traversable]] = []
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if entry.name == "__pycache__":
            continue
        relative = f"{prefix}{entry.name}"
        if entry.is_dir():
            out += _templates(entry, relative + "/")
        elif entry.name.endswith(_SUFFIX):
            out.append((relative[: -len(_SUFFIX)], entry))
    return out


def _render(text: str, names: PluginNames, path: bool = False) -> str:
    if path:
        return text.replace("__package__", names.package)
    for placeholder, value in names.substitutions().items():
        text = text.replace(placeholder, value)
    return text
