"""connector_core.entry_point_scan lists exactly what importlib.metadata.entry_points does."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

COMPARE = """
import json, sys
sys.path[:0] = {prepend!r}
from importlib.metadata import entry_points as metadata_entry_points
from connector_core import entry_point_scan
out = {{}}
for group in {groups!r}:
    def listed(find):
        try:
            return [[e.name, e.value, e.group] for e in find(group)]
        except Exception as exc:
            return type(exc).__name__
    try:
        fell_back = entry_point_scan._scan(group) is None
    except TypeError:
        fell_back = False
    out[group] = [listed(entry_point_scan.entry_points), listed(lambda g: metadata_entry_points(group=g)), fell_back]
print(json.dumps(out))
"""


def _compare(prepend: list[str], groups: list[str]) -> dict:
    code = COMPARE.format(prepend=prepend, groups=groups)
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _dist(root: Path, dirname: str, text: str | None) -> None:
    info = root / dirname
    info.mkdir(parents=True)
    if text is not None:
        (info / "entry_points.txt").write_text(text)


def test_the_installed_environment_lists_the_same_entry_points_in_the_same_order():
    report = _compare([], ["connector_core", "console_scripts", "pytest11", "no.such.group"])
    for group, (scanned, metadata, fell_back) in report.items():
        assert scanned == metadata, group
        assert not fell_back, "this environment has the plain layout the scan handles itself"
    assert [name for name, _, _ in report["connector_core"][0]] == ["aws_eventbridge", "aws_s3"]


def test_shadowed_spelt_differently_and_odd_distributions_match_importlib_metadata(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    _dist(first, "Acme.Plugin-1.0.dist-info", "[connector_core]\nacme = acme_new:plugin\n# comment\n\n")
    _dist(second, "acme_plugin-0.9.dist-info", "[connector_core]\nacme = acme_old:plugin\n")  # shadowed
    _dist(second, "other-2.0.dist-info", "[connector_core]\n  other =  other.hooks : thing [extra]  \n"
                                         "[console_scripts]\nx = y:z\n")
    _dist(second, "noentry-1.0.dist-info", None)
    (second / "legacy-1.0.egg-info").write_text("Metadata-Version: 1.0\nName: legacy\n")  # a file
    _dist(second, "legacy-0.5.dist-info", "[connector_core]\nlegacy = legacy_shadowed:p\n")  # shadowed by it
    report = _compare([str(first), str(second), str(tmp_path / "missing")], ["connector_core", "console_scripts"])
    for group, (scanned, metadata, fell_back) in report.items():
        assert scanned == metadata, group
        assert not fell_back
    assert report["connector_core"][0][:2] == [["acme", "acme_new:plugin", "connector_core"],
                                               ["other", "other.hooks : thing [extra]", "connector_core"]]


def test_a_malformed_line_fails_as_importlib_metadata_does(tmp_path):
    _dist(tmp_path, "broken-1.0.dist-info", "[console_scripts]\nno equals sign here\n")
    report = _compare([str(tmp_path)], ["connector_core"])
    scanned, metadata, _ = report["connector_core"]
    assert scanned == metadata == "TypeError"


@pytest.mark.parametrize("layout", ["zip", "egg"])
def test_zip_files_and_eggs_on_the_path_are_left_to_importlib_metadata(tmp_path, layout):
    if layout == "zip":
        entry = tmp_path / "plugins.zip"
        with zipfile.ZipFile(entry, "w") as archive:
            archive.writestr("zipped-1.0.dist-info/entry_points.txt", "[connector_core]\nzipped = zipped:p\n")
            archive.writestr("zipped-1.0.dist-info/METADATA", "Name: zipped\nVersion: 1.0\n")
    else:
        entry = tmp_path / "eggy-1.0.egg"
        _dist(entry, "EGG-INFO", "[connector_core]\neggy = eggy:p\n")
        (entry / "EGG-INFO" / "PKG-INFO").write_text("Metadata-Version: 1.0\nName: eggy\nVersion: 1.0\n")
    report = _compare([str(entry)], ["connector_core"])
    scanned, metadata, fell_back = report["connector_core"]
    assert fell_back
    assert scanned == metadata, scanned
    assert scanned[0][0] == ("zipped" if layout == "zip" else "eggy")


def test_load_imports_the_module_and_follows_the_attributes(tmp_path, monkeypatch):
    from connector_core.entry_point_scan import EntryPoint

    (tmp_path / "ep_scan_target.py").write_text("class Outer:\n    class Inner:\n        value = 42\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert EntryPoint("x", "ep_scan_target:Outer.Inner", "g").load().value == 42
    assert EntryPoint("x", "ep_scan_target", "g").load().__name__ == "ep_scan_target"
    with pytest.raises(ValueError):
        EntryPoint("x", "not a value!", "g").load()
