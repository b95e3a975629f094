"""The checked-manifest cache: the same model as a full check, never a check skipped wrongly.

A cached model is served only for the very text, file name, checker code, Python and
choice-source answers it was checked with; anything else, and anything odd about the
entry (corrupt, foreign, writable by others, unwritable folder), is a full check.
"""

from __future__ import annotations

import dataclasses
import importlib.machinery
import importlib.util
import io
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tests.core.corekit import TestPlugin

import connector_core.manifest_cache as manifest_cache
import connector_core.manifest_loader as manifest_loader
from connector_core import Host, ManifestError
from connector_core.aws.regions import region_choices
from connector_core.manifest_loader import checked_manifest, parse_manifest, resolve_extends

REPO = Path(__file__).resolve().parents[2]
#: Every part of the model: groups, rules, choices_from, defaults, objects, lists, maps,
#: fan-outs and triggers (the shipped S3 manifest), migrations (its 2.0.0 example).
SOURCES = [REPO / "manifests" / name for name in
           ("aws_credentials.yaml", "http_credentials.yaml", "aws_s3.yaml", "aws_eventbridge.yaml")] + [
    REPO / "tests" / "store" / "data" / "aws_s3_2.0.0.yaml"]
REGIONS = {"aws.regions": region_choices}
DOC = """\
manifest_version: 1
id: test.cached
name: Cached
version: 1.0.0
connection:
  fields:
    - {key: name, label: Name, type: string, pattern: '(ab|cd)+'}
    - {key: region, label: Region, type: enum, choices_from: test.regions, default: b}
"""


@pytest.fixture
def checks(monkeypatch):
    """The files fully checked (not served from the cache), in order."""
    checked = []

    class Counting(manifest_loader._Checker):
        def manifest(self):
            checked.append(self.doc.file)
            return super().manifest()

    monkeypatch.setattr(manifest_loader, "_Checker", Counting)
    return checked


def _no_checking(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("checked again instead of reading the cache")

    monkeypatch.setattr(manifest_loader, "_Checker", refuse)


def _model(manifest):
    """Everything a manifest holds, as plain data (Field compares by identity)."""
    return dataclasses.asdict(manifest) | {"where": dict(manifest.where.lines)}


def _sources(answer=("a", "b")):
    return {"test.regions": lambda: [(value, value.upper()) for value in answer]}


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_a_cached_model_is_the_checked_model(cache, monkeypatch, source):
    text = source.read_text(encoding="utf-8")
    _, checked = parse_manifest(text, str(source), REGIONS)
    fragments = {f.id: f for f in (parse_manifest(p.read_text(), str(p), REGIONS)[1] for p in SOURCES[:2])}
    checked_manifest(text, str(source), REGIONS)  # checks and caches
    assert len(list(cache.glob("model-*.pickle"))) == 1
    _no_checking(monkeypatch)
    cached = checked_manifest(text, str(source), REGIONS)
    assert _model(cached) == _model(checked)
    if cached.kind == "connector":
        cached, checked = resolve_extends(cached, fragments), resolve_extends(checked, fragments)
        assert _model(cached) == _model(checked)
    for mine, theirs in zip(_sections(cached), _sections(checked), strict=True):  # plans compile alike
        assert mine.plan.violations({}) == theirs.plan.violations({})
        assert mine.plan.with_defaults({}) == theirs.plan.with_defaults({})


def _sections(manifest):
    return [manifest.connection, *(s for op in manifest.operations for s in (op.input, op.output))]


def test_the_hosts_second_start_checks_nothing_and_serves_the_same_forms(cache, monkeypatch):
    first = Host.discover()
    forms = {m.id: first.form(m.id) for m in first.connectors()}
    _no_checking(monkeypatch)
    second = Host.discover()
    assert second.load_failures() == first.load_failures() == []
    assert {m.id: second.form(m.id) for m in second.connectors()} == forms


@pytest.mark.parametrize("change", [
    pytest.param(lambda text, file: (text.replace("label: Name", "label: Full name"), file), id="edited text"),
    pytest.param(lambda text, file: (text, "elsewhere.yaml"), id="another file name"),
])
def test_another_document_misses(cache, checks, change):
    checked_manifest(DOC, "m.yaml", _sources())
    text, file = change(DOC, "m.yaml")
    manifest = checked_manifest(text, file, _sources())
    assert manifest.source == file
    assert manifest.connection.field("name").label == ("Full name" if text != DOC else "Name")
    assert checks == ["m.yaml", file]


def test_other_checker_code_or_another_python_misses(cache, checks, monkeypatch):
    checked_manifest(DOC, "m.yaml", _sources())
    monkeypatch.setattr(manifest_cache, "code_fingerprint", lambda: b"the checker, edited")
    checked_manifest(DOC, "m.yaml", _sources())
    monkeypatch.setattr(sys, "version", sys.version + " (another build)")
    checked_manifest(DOC, "m.yaml", _sources())
    assert checks == ["m.yaml"] * 3


def test_a_files_new_entry_replaces_its_older_ones(cache, checks):
    for label in ("A", "B", "C"):
        checked_manifest(DOC.replace("label: Name", f"label: {label}"), "m.yaml", _sources())
    checked_manifest(DOC, "other.yaml", _sources())
    assert len(list(cache.glob("model-*.pickle"))) == 2  # one per file: C's and other.yaml's
    latest = checked_manifest(DOC.replace("label: Name", "label: C"), "m.yaml", _sources())
    assert latest.connection.fields[0].label == "C" and checks == ["m.yaml"] * 3 + ["other.yaml"]


def test_the_code_fingerprint_follows_every_checker_module_and_the_yaml_parser(tmp_path, monkeypatch):
    package = tmp_path / "connector_core"
    for folder in manifest_cache._CODE_DIRS:
        (package / folder).mkdir(parents=True, exist_ok=True)
        for module in (Path(manifest_cache.__file__).parent / folder).glob("*.py"):
            shutil.copy2(module, package / folder / module.name)
    monkeypatch.setattr(manifest_cache, "_PACKAGE_DIR", package)
    parser = tmp_path / "yaml" / "__init__.py"
    parser.parent.mkdir()
    parser.write_text("__version__ = '6.0.2'\n")
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name: importlib.machinery.ModuleSpec(name, None, origin=str(parser)))
    before = manifest_cache.code_fingerprint.__wrapped__()
    for changed in (package / "pattern_safety.py", package / "triggers" / "manifest.py", parser):
        stat = changed.stat()
        os.utime(changed, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
        after = manifest_cache.code_fingerprint.__wrapped__()
        assert after != before, changed
        before = after


def test_every_module_a_check_imports_is_in_the_fingerprint():
    probe = f"""
import sys
from pathlib import Path
from connector_core.manifest_loader import parse_manifest
regions = {{"aws.regions": lambda: [("us-east-1", "US East (N. Virginia)")]}}  # a choice source: not checker code
for path in {[str(p) for p in SOURCES]!r}:
    parse_manifest(Path(path).read_text(), path, regions)
import connector_core.manifest_cache as cache
package = Path(cache.__file__).parent
covered = {{package / folder for folder in cache._CODE_DIRS}}
for name, module in sorted(sys.modules.items()):
    if name.startswith("connector_core") and Path(module.__file__).parent not in covered:
        print(name)
"""
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == []


def test_a_choice_source_that_answers_differently_misses(cache, monkeypatch):
    checked_manifest(DOC, "m.yaml", _sources(("a", "b")))
    manifest = checked_manifest(DOC, "m.yaml", _sources(("a", "b", "c")))
    assert [c.value for c in manifest.connection.field("region").choices] == ["a", "b", "c"]
    with pytest.raises(ManifestError, match="invalid default"):  # the default is checked again
        checked_manifest(DOC, "m.yaml", _sources(("a", "c")))
    with pytest.raises(ManifestError, match="unknown choice source 'test.regions'"):
        checked_manifest(DOC, "m.yaml", {})


def test_failures_are_never_cached(cache):
    unsafe = DOC.replace("'(ab|cd)+'", "'(a+)+'")
    for _ in range(2):
        with pytest.raises(ManifestError, match="exponential time"):
            checked_manifest(unsafe, "m.yaml", _sources())
    assert list(cache.glob("model-*")) == []


def _entry(cache):
    (entry,) = cache.glob("model-*.pickle")
    return entry


@pytest.mark.parametrize("damage", [
    pytest.param(lambda entry: entry.write_bytes(b"not a pickle"), id="corrupt"),
    pytest.param(lambda entry: entry.write_bytes(entry.read_bytes()[:200]), id="truncated"),
    pytest.param(lambda entry: entry.write_bytes(pickle.dumps(((), "a string"))), id="not a model"),
    pytest.param(lambda entry: entry.unlink() or entry.mkdir(), id="a folder"),
])
def test_a_damaged_entry_is_a_full_check(cache, damage):
    expected = _model(checked_manifest(DOC, "m.yaml", _sources()))
    damage(_entry(cache))
    assert _model(checked_manifest(DOC, "m.yaml", _sources())) == expected


class _Planted:
    def __reduce__(self):
        return (os.system, ("echo planted > planted.txt",))


def test_an_entry_naming_anything_but_the_model_runs_nothing(cache, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    checked_manifest(DOC, "m.yaml", _sources())
    _entry(cache).write_bytes(pickle.dumps(((), _Planted())))
    assert checked_manifest(DOC, "m.yaml", _sources()).id == "test.cached"
    assert not (tmp_path / "planted.txt").exists()


class _Function:
    def __reduce__(self):
        from connector_core.fanout_plan import chunk_ranges

        return (chunk_ranges, (10, 1))


def test_only_the_models_dataclasses_are_unpickled():
    model = parse_manifest(DOC, "m.yaml", _sources())[1]
    assert _model(manifest_cache._Unpickler(io.BytesIO(pickle.dumps(model))).load()) == _model(model)
    with pytest.raises(pickle.UnpicklingError, match="chunk_ranges is not part of a manifest model"):
        manifest_cache._Unpickler(io.BytesIO(pickle.dumps(_Function()))).load()  # a model module's function


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX file modes")
def test_an_entry_others_could_have_written_is_not_trusted(cache):
    checked_manifest(DOC, "m.yaml", _sources())
    entry = _entry(cache)
    # What a stranger could plant under the key: another document's model.
    _, other = parse_manifest(DOC.replace("'(ab|cd)+'", "'[a-z]+'"), "m.yaml", _sources())
    planted = pickle.dumps(((), dataclasses.replace(other, name="Planted")))
    entry.write_bytes(planted)
    entry.chmod(0o666)
    served = checked_manifest(DOC, "m.yaml", _sources())
    assert (served.name, served.connection.field("name").pattern) == ("Cached", "(ab|cd)+")
    entry.write_bytes(planted)
    entry.chmod(0o600)  # the same bytes are served once only this user can write them
    assert checked_manifest(DOC, "m.yaml", _sources()).name == "Planted"


def test_an_unwritable_or_disabled_cache_is_harmless(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("CONNECTOR_CORE_CACHE_DIR", str(blocker / "cache"))  # cannot be created
    for _ in range(2):
        assert checked_manifest(DOC, "m.yaml", _sources()).id == "test.cached"
    monkeypatch.setenv("CONNECTOR_CORE_CACHE_DIR", "")
    assert checked_manifest(DOC, "m.yaml", _sources()).id == "test.cached"


def test_a_plugins_manifest_edited_between_starts_is_checked_again(cache, tmp_path):
    path = tmp_path / "acme.yaml"
    plain = DOC.replace("choices_from: test.regions, default: b", "choices: [{value: b}]")
    path.write_text(plain)
    first = Host(plugins=[TestPlugin("acme", [path], requires=())])
    assert first.manifest("test.cached").connection.field("name").pattern == "(ab|cd)+"
    path.write_text(plain.replace("'(ab|cd)+'", "'(a+)+'"))
    second = Host(plugins=[TestPlugin("acme", [path], requires=())])
    (failure,) = second.load_failures()
    assert failure.kind == "manifest" and "exponential time" in failure.reason
