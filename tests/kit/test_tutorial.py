"""docs/writing-a-plugin.md, executed: a plugin written from the tutorial alone works.

Blocks whose info string says ``file=PATH`` are written into a fresh folder outside the
repository; ``console`` blocks are run in order (``$ command`` lines, followed by output
that must appear); other ``python`` blocks run as scripts after the install. The plugin
is installed into this venv for the test and uninstalled afterwards.
"""

from __future__ import annotations

from .tutorial import DOCS, blocks, execute

TUTORIAL = DOCS / "writing-a-plugin.md"


def test_the_tutorial_has_files_commands_and_scripts():
    found = blocks(TUTORIAL.read_text(encoding="utf-8"))
    assert {b.file for b in found if b.file} >= {
        "pyproject.toml", "acme_inventory/inventory.yaml", "acme_inventory/hooks.py",
        "acme_inventory/operations.py", "tests/test_conformance.py"}
    assert any(b.lang == "console" for b in found)


def test_a_plugin_written_from_the_tutorial_installs_passes_and_runs(tmp_path):
    project = tmp_path / "acme-inventory"
    project.mkdir()
    execute(TUTORIAL, project, distribution="acme-inventory", never_shown="acme-live-key-0001")
    assert (project / "inventory.md").read_text().startswith("# Acme Inventory (`acme.inventory`)")
