"""The core names no vendor: toolkits (connector_core/aws/) reach it through hooks."""

from __future__ import annotations

import re
from pathlib import Path

import connector_core

CORE = Path(connector_core.__file__).parent
VENDOR = re.compile(r"aws|amazon|boto|\bs3\b|eventbridge|moto\b", re.IGNORECASE)
#: Toolkit packages: the only places a vendor may be named.
TOOLKITS = ("aws",)
#: Words that contain a vendor name without naming one, each with where it comes from.
FALSE_POSITIVES = {
    "draws": "the form page draws fields", "laws": "", "flaws": "", "jaws": "", "paws": "", "straws": "",
}
#: Scaffold templates are files a generated plugin gets, not core modules: a template for
#: an AWS connector may name AWS.
NOT_CORE = ("authoring/templates",)
#: Third-party packages npm installs for the form page's build are not the project's code.
NOT_OURS = "node_modules"


def _core_files() -> list[Path]:
    files = []
    for path in sorted(CORE.rglob("*")):
        rel = path.relative_to(CORE).as_posix()
        if not path.is_file() or path.suffix not in (".py", ".yaml", ".md", ".json", ".tmpl") \
                or "__pycache__" in rel or NOT_OURS in rel.split("/") or rel.split("/")[0] in TOOLKITS or rel.startswith(NOT_CORE):
            continue
        files.append(path)
    return files


def _vendor_mentions(text: str) -> list[str]:
    found = []
    for match in VENDOR.finditer(text):
        word = re.search(r"\w*$", text[:match.start()])[0] + match[0] + re.match(r"\w*", text[match.end():])[0]
        if word.lower() not in FALSE_POSITIVES:
            found.append(word)
    return found


def test_no_core_module_outside_a_toolkit_names_a_vendor():
    offenders = {}
    for path in _core_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            words = _vendor_mentions(line)
            if words:
                offenders[f"{path.relative_to(CORE)}:{number}"] = f"{', '.join(words)}: {line.strip()}"
    assert not offenders, "vendor names outside connector_core/aws/ (move them into the toolkit):\n" + \
        "\n".join(f"  {where}: {what}" for where, what in offenders.items())


def test_the_check_finds_what_it_looks_for():
    assert _vendor_mentions("client('s3')") == ["s3"]
    assert _vendor_mentions("import boto3") == ["boto3"]
    assert _vendor_mentions("an Amazon EventBridge bus") == ["Amazon", "EventBridge"]
    assert _vendor_mentions("aws.regions, AWS_REGION") == ["aws", "AWS_REGION"]
    assert _vendor_mentions("the form draws fields; S3X") == []
    assert len(_core_files()) > 20  # the walk sees the core's modules
