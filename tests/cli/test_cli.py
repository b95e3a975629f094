"""The `connectors` CLI, run as a separate process the way a user runs it."""

from __future__ import annotations

import json

from .conftest import SECRET

LOOPBACK = ("--setting", "net.allow_loopback=true")


def test_list_shows_both_connectors_with_their_fields(connectors):
    result = connectors("list")
    assert result.returncode == 0, result.stderr
    assert "aws.s3" in result.stdout and "aws.eventbridge" in result.stdout
    assert "custom_region" in result.stdout and "account_id" in result.stdout


def test_list_json_is_machine_readable(connectors):
    data = json.loads(connectors("list", "--json").stdout)
    by_id = {c["id"]: c for c in data}
    assert "bucket" in by_id["aws.s3"]["fields"]
    assert "put_events" in by_id["aws.eventbridge"]["operations"]


def test_show_marks_rules_and_secrets(connectors):
    result = connectors("show", "aws.s3", "--json")
    fields = {f["key"]: f for f in json.loads(result.stdout)["fields"]}
    assert fields["secret_access_key"]["secret"] is True
    assert fields["custom_region"]["shown_when"] == "region is 'custom'"


def test_show_lists_the_triggers_a_connector_can_be_polled_for(connectors):
    out = connectors("show", "aws.s3").stdout
    assert "Triggers (polled):" in out
    assert "new_objects" in out.split("Triggers (polled):")[1]


def test_form_prints_json_schema_and_ui_schema(connectors):
    data = json.loads(connectors("form", "aws.s3").stdout)
    assert data["schema"]["$schema"].endswith("2020-12/schema")
    assert data["uiSchema"]["secret_access_key"]["anyOf"][0]["ui:widget"] == "password"
    op = json.loads(connectors("form", "aws.s3", "--operation", "put_object").stdout)
    assert "key" in op["schema"]["properties"]


def test_unknown_connector_is_one_line_and_exit_1(connectors):
    result = connectors("form", "aws.nope")
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert "no connector 'aws.nope'" in result.stderr and "aws.s3" in result.stderr
    assert "Traceback" not in result.stderr


def test_traceback_flag_shows_the_trace(connectors):
    result = connectors("--traceback", "form", "aws.nope")
    assert result.returncode != 0
    assert "Traceback" in result.stderr and "NotFoundError" in result.stderr


def test_check_lists_every_bad_field_without_the_secret(connectors, s3_connection_file):
    path = s3_connection_file(bucket="Bad_Bucket", region="custom", access_key_id="lower")
    result = connectors("check", "aws.s3", "--connection", str(path), "--json")
    assert result.returncode == 1
    errors = json.loads(result.stdout)["errors"]
    assert set(errors) >= {"bucket", "custom_region", "access_key_id"}
    assert SECRET not in result.stdout + result.stderr


def test_check_accepts_a_good_connection_and_masks_the_secret(connectors, s3_connection_file):
    result = connectors("check", "aws.s3", "--connection", str(s3_connection_file()))
    assert result.returncode == 0, result.stderr
    assert "ok" in result.stdout and "**********" in result.stdout
    assert SECRET not in result.stdout


def test_validate_manifest_reports_file_line_and_path(connectors, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("manifest_version: 1\nid: acme.crm\nname: CRM\nversion: 1.0.0\nconnection:\n"
                   "  fields:\n    - key: url\n      lable: URL\n      type: url\n")
    result = connectors("validate-manifest", str(bad))
    assert result.returncode == 1
    assert f"{bad}:8" in result.stderr and "lable" in result.stderr and "label" in result.stderr


def test_validate_manifest_accepts_the_built_in_manifests(connectors):
    from importlib.resources import files

    paths = [str(files("connector_manifests") / n) for n in ("aws_s3.yaml", "aws_eventbridge.yaml")]
    result = connectors("validate-manifest", *paths)
    assert result.returncode == 0, result.stderr


def test_endpoint_on_loopback_is_refused_unless_the_host_allows_it(connectors, s3_connection_file):
    result = connectors("test", "aws.s3", "--connection", str(s3_connection_file()))
    assert result.returncode == 1
    assert "loopback" in (result.stdout + result.stderr).lower()


def test_test_and_run_against_the_emulator(connectors, s3_connection_file):
    conn = str(s3_connection_file())
    created = connectors(*LOOPBACK, "run", "aws.s3", "create_bucket", "-c", conn, "--input", "-",
                         input='{"bucket": "cli-bucket"}')
    assert created.returncode == 0, created.stderr
    put = connectors(*LOOPBACK, "run", "aws.s3", "put_object", "-c", conn, "--input", "-",
                     input='{"key": "hello.txt", "text": "hello"}')
    assert put.returncode == 0, put.stderr
    tested = connectors(*LOOPBACK, "test", "aws.s3", "-c", conn, "--json")
    assert tested.returncode == 0, tested.stdout
    assert json.loads(tested.stdout)["ok"] is True
    listed = connectors(*LOOPBACK, "run", "aws.s3", "list_objects", "-c", conn)
    lines = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [item["key"] for item in lines] == ["hello.txt"]


def test_poll_with_a_cursor_file_reports_each_new_object_once(connectors, s3_connection_file, tmp_path):
    conn = str(s3_connection_file(bucket="cli-poll-bucket"))
    poll = (*LOOPBACK, "poll", "aws.s3", "new_objects", "-c", conn, "--cursor", "cursor.json", "--input", "-")
    params = "{}"  # settle_seconds stays 15: an object put in the second of a poll is still found
    assert connectors(*LOOPBACK, "run", "aws.s3", "create_bucket", "-c", conn, "--input", "-",
                      input='{"bucket": "cli-poll-bucket"}').returncode == 0
    first = connectors(*poll, input=params)
    assert first.returncode == 0, first.stderr
    assert first.stdout == "" and "cursor saved to cursor.json" in first.stderr  # a first poll starts from now
    put = connectors(*LOOPBACK, "run", "aws.s3", "put_object", "-c", conn, "--input", "-",
                     input='{"key": "new.txt", "text": "new"}')
    assert put.returncode == 0, put.stderr
    second = connectors(*poll, input=params)
    assert [json.loads(line)["data"]["key"] for line in second.stdout.splitlines()] == ["new.txt"]
    assert json.loads(second.stdout)["dedupe_key"].startswith("new.txt@")
    assert connectors(*poll, input=params).stdout == ""  # nothing repeats from the saved cursor
    assert json.loads((tmp_path / "cursor.json").read_text())["v"] == 1
    unknown = connectors(*LOOPBACK, "poll", "aws.s3", "no_such_trigger", "-c", conn)
    assert unknown.returncode == 1 and "triggers: new_objects" in unknown.stderr


def test_debug_logging_never_shows_a_secret(connectors, s3_connection_file):
    conn = str(s3_connection_file(bucket="missing-bucket"))
    outputs = []
    for args in (("test", "aws.s3", "-c", conn),
                 ("run", "aws.s3", "put_object", "-c", conn, "--input", "-"),
                 ("check", "aws.s3", "-c", conn, "--json")):
        result = connectors("--debug", *LOOPBACK, *args, input='{"key": "k", "text": "x"}')
        outputs.append(result.stdout + result.stderr)
    joined = "\n".join(outputs)
    assert "DEBUG" in joined  # botocore really logged its requests
    assert SECRET not in joined


def test_plugins_lists_versions_and_connectors(connectors):
    data = json.loads(connectors("plugins", "--json").stdout)
    names = {p["name"]: p for p in data["plugins"]}
    assert names["aws_s3"]["connectors"] == ["aws.s3"]
    assert names["aws_eventbridge"]["version"]
    assert data["failures"] == []


def test_listing_and_forms_do_not_import_boto3(tmp_path):
    import subprocess
    import sys

    code = ("import sys\nfrom click.testing import CliRunner\nfrom connector_core.cli import main\n"
            "r = CliRunner()\nassert r.invoke(main, ['list']).exit_code == 0\n"
            "assert r.invoke(main, ['form', 'aws.s3']).exit_code == 0\n"
            "assert r.invoke(main, ['show', 'aws.eventbridge']).exit_code == 0\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore', 's3transfer')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_a_misspelt_setting_is_refused_or_warned_about_naming_the_right_one(connectors):
    typo = connectors("--setting", "net.allow_loopbak=true", "list")  # the core's own: refused
    assert typo.returncode == 1
    assert "error: unknown host setting 'net.allow_loopbak' (did you mean net.allow_loopback" in typo.stderr
    plugins = connectors("--setting", "aws.max_atempts=2", "list")  # a plugin's: ignored, with a warning
    assert plugins.returncode == 0
    assert "unknown setting 'aws.max_atempts' is ignored (did you mean aws.max_attempts or" in plugins.stderr
    right = connectors("--setting", "net.allow_loopback=true", "--setting", "web.run_timeout=60", "list")
    assert right.returncode == 0 and "unknown setting" not in right.stderr


def test_commands_of_other_modules_are_listed_and_each_runs(connectors):
    """They are imported on demand (connector_core.cli.LAZY_COMMANDS): none may go missing."""
    import importlib

    from connector_core.cli import LAZY_COMMANDS

    for module in set(LAZY_COMMANDS.values()):
        defined = {c.name for c in importlib.import_module(module, "connector_core").COMMANDS}
        assert defined == {name for name, where in LAZY_COMMANDS.items() if where == module}
    listed = connectors("--help").stdout.split("Commands:")[1]
    for name in LAZY_COMMANDS:
        assert f"\n  {name} " in listed
        result = connectors(name, "--help")
        assert result.returncode == 0 and f" {name} [OPTIONS]" in result.stdout, result.stderr
