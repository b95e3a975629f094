"""diff-manifest and the conformance check of version bumps, on the aws.s3 1.0.0 -> 2.0.0 example."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from connector_core import Host
from connector_core.manifest_diff import BREAKING, NON_BREAKING, diff_manifests
from connector_core.manifest_loader import parse_manifest, resolve_extends
from connector_core.testing import Subject
from connector_core.testing.version_checks import check_version_bumps

from .s3_v2 import DATA, S3Plugin

SHIPPED = Path(__file__).parents[2] / "manifests" / "aws_s3.yaml"
V2 = DATA / "aws_s3_2.0.0.yaml"


def _manifest(text: str):
    from connector_core.aws import plugin as aws_toolkit  # aws.credentials, aws.regions

    _, manifest = parse_manifest(text, "test.yaml", choice_sources=_REGIONS)
    return resolve_extends(manifest, Host(plugins=[aws_toolkit]).fragments())


def _regions():
    from connector_core.aws.regions import region_choices

    return region_choices()


_REGIONS = {"aws.regions": _regions}


def _changes(old_text: str, new_text: str) -> dict[str, tuple[str, str]]:
    return {c.path: (c.kind, c.what) for c in diff_manifests(_manifest(old_text), _manifest(new_text))}


def test_the_s3_2_0_changes_are_classified():
    changes = _changes(SHIPPED.read_text(), V2.read_text())
    assert changes == {
        "connection.bucket": (BREAKING, "removed field"),
        "connection.force_path_style": (BREAKING, "removed field"),
        "connection.default_bucket": (NON_BREAKING, "added field"),
        "connection.addressing_style": (NON_BREAKING, "added field"),
        "operations.move_object": (BREAKING, "removed operation"),
    }


@pytest.mark.parametrize("old,new,path,expected", [
    ("      max_length: 63\n", "      max_length: 40\n", "connection.bucket", (BREAKING, "narrowed length")),
    ("      max_length: 63\n", "      max_length: 90\n", "connection.bucket", (NON_BREAKING, "widened length")),
    ("      pattern: '[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]'\n", "", "connection.bucket", (NON_BREAKING, "removed pattern")),
    ("      pattern: '[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]'\n", "      pattern: '[a-z]+'\n", "connection.bucket",
     (BREAKING, "changed pattern")),
    ("      options: dynamic\n", "      options: dynamic\n      required: true\n", "connection.bucket",
     (BREAKING, "became required without a default")),
    ("      type: boolean\n      group: advanced\n      advanced: true\n      default: false\n",
     "      type: string\n      group: advanced\n      advanced: true\n      default: 'no'\n",
     "connection.force_path_style", (BREAKING, "changed type")),
    ("        - key: prefix\n          label: Name prefix\n          type: string\n",
     "        - key: prefix\n          label: Name prefix\n          type: string\n          required: true\n",
     "operations.list_buckets.input.prefix", (BREAKING, "became required without a default")),
])
def test_each_kind_of_change(old, new, path, expected):
    text = SHIPPED.read_text()
    assert old in text
    assert _changes(text, text.replace(old, new, 1))[path] == expected


def test_narrowed_enum_and_added_rule_are_breaking():
    text = SHIPPED.read_text()
    narrowed = text.replace("            - {value: 'aws:kms', caption: AWS KMS keys (SSE-KMS)}\n", "", 1)
    changes = _changes(text, narrowed)
    assert changes["operations.put_object.input.server_side_encryption"] == (BREAKING, "narrowed enum")
    assert _changes(narrowed, text)["operations.put_object.input.server_side_encryption"] == (
        NON_BREAKING, "widened enum")
    with_rule = text.replace("\noperations:\n", "\n  rules:\n    - when: {field: force_path_style, equals: true}\n"
                                                "      require: [bucket]\n\noperations:\n", 1)
    assert _changes(text, with_rule)["connection.rules"][0] == BREAKING
    assert _changes(with_rule, text)["connection.rules"] == (NON_BREAKING, "removed rule")


def test_a_version_bump_without_migration_fails_the_conformance_check(tmp_path):
    good = Subject(Host(plugins=[S3Plugin()]), S3Plugin, "aws.s3")
    assert check_version_bumps(good, [SHIPPED]) == []
    text = V2.read_text()
    no_migration = tmp_path / "aws_s3.yaml"
    no_migration.write_text(text[:text.index("\n# Connections saved")] + text[text.index("\noperations:"):])
    bad = Subject(Host(plugins=[S3Plugin(no_migration)]), S3Plugin, "aws.s3")
    problems = [str(p) for p in check_version_bumps(bad, [SHIPPED])]
    assert len(problems) == 2
    assert "connection.bucket: removed field, and no migration from 1.0.0" in problems[0]
    assert "connection.force_path_style" in problems[1]
    minor = tmp_path / "minor.yaml"
    minor.write_text(text.replace("version: 2.0.0", "version: 1.1.0").replace('from: "1"', 'from: "1.0"'))
    problems = [str(p) for p in check_version_bumps(Subject(Host(plugins=[S3Plugin(minor)]), S3Plugin, "aws.s3"),
                                                    [SHIPPED])]
    assert problems and "breaking changes in a minor version" in problems[0] and "make it 2.0.0" in problems[0]


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from connector_core.cli import main; main()", *args],
                          capture_output=True, text=True, timeout=120)


def test_diff_manifest_command():
    result = _cli("diff-manifest", str(SHIPPED), str(V2))
    assert result.returncode == 0, result.stderr
    assert "aws.s3 1.0.0 -> 2.0.0 (major)" in result.stdout
    assert "breaking     operations.move_object: removed operation" in result.stdout
    data = json.loads(_cli("diff-manifest", "--json", str(SHIPPED), str(V2)).stdout)
    assert data["bump"] == "major" and data["problems"] == []
    assert {"kind": "breaking", "path": "connection.bucket", "change": "removed field", "detail": ""} in data["changes"]


def test_diff_manifest_fails_on_a_breaking_change_without_migration(tmp_path):
    text = V2.read_text()
    bare = tmp_path / "aws_s3.yaml"
    bare.write_text(text[:text.index("\n# Connections saved")] + text[text.index("\noperations:"):])
    result = _cli("diff-manifest", str(SHIPPED), str(bare))
    assert result.returncode == 1
    assert "error: connection.bucket: removed field has no migration from 1.0.0" in result.stderr
