"""``connectors new NAME --template TEMPLATE``: a complete plugin package, ready to install and test.

The package is rendered from the templates beside this module: ``templates/common``
(the pyproject with its ``connector_core`` entry point, the package markers) overlaid
with one template folder, ``templates/NAME`` (``http``, the default: a REST API
connector on :mod:`connector_core.http`; the toolkits' own templates). A template folder
says in ``template.json`` what it is and what the generated package depends on. Each
generated package passes its own tests and the conformance suite as generated, offline.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from connector_core.errors import ConfigurationError, ValidationError

_NAME_RE = re.compile(r"[a-z][a-z0-9]*(-[a-z][a-z0-9]*)*")
_SUFFIX = ".tmpl"

_TEMPLATES = files("connector_core.authoring") / "templates"
DEFAULT_TEMPLATE = "http"


def templates() -> dict[str, dict]:
    """Template name -> its ``template.json`` (description, dependencies, test_dependencies)."""
    return {entry.name: json.loads((entry / "template.json").read_text(encoding="utf-8"))
            for entry in sorted(_TEMPLATES.iterdir(), key=lambda e: e.name)
            if entry.is_dir() and (entry / "template.json").is_file()}


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


def scaffold(name: str, parent: Path | str = ".", connector_id: str | None = None,
             template: str = DEFAULT_TEMPLATE) -> list[Path]:
    """Write the plugin package ``parent/NAME`` from ``template``; returns the files written.

    Refuses to write into an existing folder, so nothing of the user's is overwritten.
    """
    known = templates()
    if template not in known:
        raise ValidationError({"--template": [f"must be one of: {', '.join(known)}"]})
    names = PluginNames.from_name(name, connector_id)
    target = Path(parent) / names.name
    if target.exists():
        raise ConfigurationError(f"{target} already exists",
                                 hint="choose another NAME, or remove the folder first")
    meta = known[template]
    values = {**names.substitutions(), "{{dependencies}}": _toml_list(meta["dependencies"]),
              "{{test_dependencies}}": _toml_list(meta["test_dependencies"])}
    chosen = dict(_templates(_TEMPLATES / "common"))
    chosen.update(_templates(_TEMPLATES / template))  # the template's files win over common ones
    written: list[Path] = []
    for relative, source in sorted(chosen.items()):
        path = target / relative.replace("__package__", names.package)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_render(source.read_text(encoding="utf-8"), values), encoding="utf-8")
        written.append(path)
    return sorted(written)


def _toml_list(items: list[str]) -> str:
    return "[" + ", ".join(f'"{item}"' for item in items) + "]"


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


def _render(text: str, values: dict[str, str]) -> str:
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
    return text
