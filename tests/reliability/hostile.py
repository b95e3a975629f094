"""The hostile-file corpus: files that once crashed or hung the CLI or the manifest loader, and kin.

Each case is ``name -> bytes``. ``data_cases()`` are connection/input files for
``connectors check/test/run``; ``manifest_cases()`` are manifests for
``connectors validate-manifest``. Every one must end in one line and exit 1.
"""

from __future__ import annotations

import json
import random

from connector_core.yaml_loader import MAX_DATA_BYTES, MAX_MANIFEST_BYTES


def _alias_bomb(width: int = 10, depth: int = 8) -> str:
    lines = ["detail:", f"  l0: &l0 [{', '.join(['x'] * width)}]"]
    for level in range(1, depth + 1):
        lines.append(f"  l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


def data_cases() -> dict[str, bytes]:
    digits = "9" * 5000
    rng = random.Random(9)
    cases = {
        # Encodings
        "invalid UTF-8 (lone continuation byte)": b'{"a": "\x80"}',
        "invalid UTF-8 (truncated sequence)": b'{"a": "\xc3"}',
        "invalid UTF-8 (overlong slash)": b'{"a": "\xc0\xaf"}',
        "invalid UTF-8 (surrogate)": b'{"a": "\xed\xa0\x80"}',
        "invalid UTF-8 on line 3 of YAML": b"a: 1\nb: 2\nc: \xff\n",
        "UTF-16 LE with BOM": '{"a": 1}'.encode("utf-16"),
        "UTF-16 BE with BOM": b"\xfe\xff" + '{"a": 1}'.encode("utf-16-be"),
        "UTF-16 LE without BOM": '{"a": 1}'.encode("utf-16-le"),
        "UTF-32": '{"a": 1}'.encode("utf-32"),
        "binary garbage": bytes(rng.randrange(256) for _ in range(4096)),
        # Nesting
        "20,000 nested [ (JSON)": b"[" * 20_000,
        "20,000 nested [ closed (JSON)": b"[" * 20_000 + b"]" * 20_000,
        "20,000 nested objects (JSON)": b'{"a":' * 20_000 + b"1" + b"}" * 20_000,
        "65 nested lists (JSON, one past the cap)": b'{"a": ' + b"[" * 65 + b"]" * 65 + b"}",
        "20,000 nested [ (YAML flow)": b"a: " + b"[" * 20_000,
        "100 nested block mappings (YAML)": "".join(f"{'  ' * i}k{i}:\n" for i in range(100)).encode() + b"  " * 100 + b"v: 1\n",
        "100 nested block sequences (YAML)": "".join(f"{'  ' * i}-\n" for i in range(100)).encode() + b"  " * 100 + b"- 1\n",
        # Numbers
        "5,000-digit integer (JSON)": f'{{"a": {digits}}}'.encode(),
        "5,000-digit integer (YAML)": f"a: {digits}\n".encode(),
        "5,000-digit negative integer (YAML)": f"a: -{digits}\n".encode(),
        "5,000-digit float (JSON)": f'{{"a": {digits}.5}}'.encode(),
        "5,000-digit float (YAML)": f"a: {digits}.5\n".encode(),
        "5,000-digit hex integer (YAML)": f"a: 0x{'f' * 5000}\n".encode(),
        "huge sexagesimal (YAML 1.1)": ("a: " + ":".join(["59"] * 2000) + "\n").encode(),
        "1e999 (JSON)": b'{"a": 1e999}',
        "-1e999 (JSON)": b'{"a": -1e999}',
        "NaN (JSON)": b'{"a": NaN}',
        "Infinity (JSON)": b'{"a": Infinity}',
        "-Infinity (JSON)": b'{"a": -Infinity}',
        ".nan (YAML)": b"a: .nan\n",
        ".inf (YAML)": b"a: .inf\n",
        "-.Inf (YAML)": b"a: -.Inf\n",
        "1.0e+999 (YAML)": b"a: 1.0e+999\n",
        # Aliases, anchors, merge keys, tags
        "alias bomb 10 wide, 8 deep (the put_events hang)": _alias_bomb().encode(),
        "alias bomb 9 wide, 9 deep, flow style": ("a: &a [" + ",".join(["x"] * 9) + "]\n" + "".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(9))).encode(),
        "one anchor and alias": b"a: &x {b: 1}\nc: *x\n",
        "merge key": b"base: {a: 1}\nchild:\n  <<: {a: 2}\n",
        "python object tag": b"a: !!python/object/apply:os.system ['true']\n",
        "python name tag": b"a: !!python/name:os.system\n",
        "binary tag": b"a: !!binary aGVsbG8=\n",
        "custom local tag": b"a: !vault secret\n",
        "set tag": b"a: !!set {x, y}\n",
        # Structure
        "a list, not a mapping": b"[1, 2, 3]",
        "a scalar, not a mapping": b'"just a string"',
        "null": b"null",
        "two YAML documents": b"a: 1\n---\nb: 2\n",
        "duplicate key (YAML)": b"a: 1\na: 2\n",
        "non-string key (YAML)": b"1: a\n",
        "trailing comma (JSON)": b'{"a": 1,}',
        "unterminated string (JSON)": b'{"a": "x',
        "unterminated escape run (JSON)": b'{"a": "' + b'\\"' * 100_000,
        "lone brace (JSON)": b"{",
        "tab-indented YAML": b"a:\n\tb: 1\n",
        "unclosed YAML flow": b"a: [1, 2\n",
        "control characters": b"a: \x01\x02\x03\n",
        # Size
        "over the data-file cap": b'{"a": "' + b"x" * MAX_DATA_BYTES + b'"}',
    }
    return cases


def _manifest(body: str) -> str:
    return ("manifest_version: 1\nid: test.hostile\nname: Hostile\nversion: 1.0.0\n"
            "connection:\n  fields:\n" + body)


#: Patterns a backtracking engine takes exponential time on (each with a value that triggers it).
EVIL_PATTERNS = [
    "(a+)+$", "(a*)*$", "(a|aa)+$", "(a|a)*$", "(a*b*)*$", "([a-z]+)*$", "(\\w+\\s?)+$", "(\\d+)*x",
    "(x+x+)+y", "(.*a){12}", "((ab)*|a)*c", "(a|b|ab)*c", "(?:a+){2,}$", "^(([a-z])+.)+[A-Z]([a-z])+$",
    "(a{1,10}){1,10}$", "(?=(a+)+$)a", "[ \\t]*[^\\x00-\\x1F:\\x7F]+([ \\t]+[^\\x00-\\x1F:\\x7F]+)*[ \\t]*!",
]


def manifest_cases() -> dict[str, bytes]:
    digits = "9" * 5000
    field = "    - key: f\n      label: F\n"
    cases = {
        "merge key in a field": _manifest(field + "      type: string\n      <<: {help: x}\n"),
        "merge key at the top": "<<: {id: test.x}\n" + _manifest(field + "      type: string\n"),
        "merge key in a flow mapping": _manifest("    - {<<: {key: f}, label: F, type: string}\n"),
        "5,000-digit version": _manifest(field + "      type: string\n").replace("version: 1.0.0", f"version: {digits}"),
        "5,000-digit manifest_version": _manifest(field + "      type: string\n").replace(
            "manifest_version: 1", f"manifest_version: {digits}"),
        "5,000-digit max_length": _manifest(field + f"      type: string\n      max_length: {digits}\n"),
        "5,000-digit minimum": _manifest(field + f"      type: integer\n      minimum: {digits}\n"),
        "5,000-digit default": _manifest(field + f"      type: integer\n      default: {digits}\n"),
        "minimum .nan": _manifest(field + "      type: number\n      minimum: .nan\n"),
        "minimum .NaN": _manifest(field + "      type: number\n      minimum: .NaN\n"),
        "maximum .inf": _manifest(field + "      type: number\n      maximum: .inf\n"),
        "minimum -.inf": _manifest(field + "      type: integer\n      minimum: -.inf\n"),
        "default .nan": _manifest(field + "      type: number\n      default: .nan\n"),
        "maximum 1.0e+999": _manifest(field + "      type: number\n      maximum: 1.0e+999\n"),
        "alias bomb in a help text": _manifest(field + "      type: string\n") + "x: " + _alias_bomb().replace("\n", "\n  "),
        "anchor on a field": _manifest("    - &f {key: f, label: F, type: string}\n"),
        "python object tag": _manifest(field + "      type: !!python/object/apply:os.system ['true']\n"),
        "custom tag": _manifest(field + "      type: !secret string\n"),
        "duplicate key": _manifest(field + "      type: string\n      type: text\n"),
        "two documents": _manifest(field + "      type: string\n") + "---\nid: test.other\n",
        "20,000 nested [": _manifest(field + "      type: string\n      help: " + "[" * 20_000 + "\n"),
        "100 nested mappings": _manifest(field + "      type: string\n") + "".join(
            f"{'  ' * i}k{i}:\n" for i in range(100)) + "  " * 100 + "v: 1\n",
        "invalid UTF-8 on line 8": _manifest(field + "      type: string\n      help: \udcff\n"),
        "UTF-16": _manifest(field + "      type: string\n"),
        "over the manifest cap": _manifest(field + "      type: string\n      help: " + "x" * MAX_MANIFEST_BYTES + "\n"),
    }
    raw = {name: text.encode("utf-8", "surrogateescape") for name, text in cases.items()}
    raw["UTF-16"] = cases["UTF-16"].encode("utf-16")
    for n, pattern in enumerate(EVIL_PATTERNS):
        raw[f"ReDoS pattern {pattern}"] = _manifest(
            field + f"      type: string\n      pattern: {json.dumps(pattern)}\n"
                    f"      default: {json.dumps('a' * 40 + '!')}\n").encode()
    return raw
