"""`connectors docs ID`: Markdown reference pages generated from the manifest alone."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from connector_core import Host
from connector_core.authoring.docs import render
from connector_core.cli import main

DOCS = Path(__file__).resolve().parents[2] / "docs" / "connectors"
BUILT_IN = ["aws.s3", "aws.eventbridge"]


@pytest.fixture(scope="module")
def host():
    return Host.discover()


@pytest.mark.parametrize("connector_id", BUILT_IN)
def test_the_reference_pages_in_the_repo_are_current(host, connector_id):
    page = DOCS / f"{connector_id}.md"
    assert page.exists(), f"missing {page}: run `connectors docs {connector_id} --output docs/connectors/{page.name}`"
    if page.read_text(encoding="utf-8") != render(host.manifest(connector_id)):
        pytest.fail(f"docs/connectors/{page.name} is stale: regenerate it with "
                    f"`connectors docs {connector_id} --output docs/connectors/{page.name}`", pytrace=False)


def test_the_s3_page_documents_fields_rules_modes_operations_and_regions(host):
    page = render(host.manifest("aws.s3"))
    # authentication modes, with what each requires
    assert "### Authentication modes" in page
    assert "| `static` (default) | Static credentials (access key and secret key) | `access_key_id`, `secret_access_key` |" in page
    # a secret, a conditional requirement and a "shown when" rule
    assert "| Amazon AWS secret key | `secret_access_key` | secret | when auth_mode is 'static' |" in page
    assert "Applies when region is 'custom'; ignored otherwise." in page
    assert "- When `region` is 'custom': `custom_region` required; `custom_region` shown." in page
    # defaults, limits, dynamic options
    assert "| `3600` |" in page and "900 to 43200." in page
    assert "The form can fill a dropdown from the account." in page
    # operations with inputs, outputs (streams said so) and IAM actions
    assert "### Put object (`put_object`)" in page
    assert "- IAM actions: `s3:PutObject`" in page
    assert "**Output** (a stream: one item per result, each with these fields)" in page
    assert "| `s3:ListAllMyBuckets` | `list_buckets` |" in page
    # enumerations: regions with their captions, and Custom Region
    assert "| `eu-west-1` | Europe (Ireland)" in page
    assert "| `custom` | Custom Region |" in page


def test_the_s3_page_documents_its_trigger_params_items_and_iam_actions(host):
    page = render(host.manifest("aws.s3"))
    triggers = page.split("## Triggers")[1].split("## IAM actions")[0]
    assert "[Triggers](#triggers)" in page
    assert "### New or updated objects (`new_objects`)" in triggers
    assert "**Params**" in triggers and "`prefix`" in triggers
    assert "**Each item**" in triggers and "`etag`" in triggers
    assert "| `s3:ListBucket` | `list_objects`, `delete_prefix`, `copy_prefix`, `new_objects` |" in page


def test_the_eventbridge_page_names_the_account_id_requirement(host):
    page = render(host.manifest("aws.eventbridge"))
    assert "| AWS Account ID | `account_id` | string | no |" in page
    assert "- Needs these connection fields: `account_id`" in page


def test_the_cli_writes_the_page_to_a_file(tmp_path, host):
    out = tmp_path / "s3.md"
    result = CliRunner().invoke(main, ["docs", "aws.s3", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == render(host.manifest("aws.s3"))


def test_an_unknown_connector_is_one_line_naming_the_known_ones():
    result = CliRunner().invoke(main, ["docs", "aws.nope"])
    assert result.exit_code == 1
    assert "no connector 'aws.nope'" in result.output and "aws.s3" in result.output


def test_docs_import_neither_boto3_nor_operation_code():
    code = ("import sys; from click.testing import CliRunner; from connector_core.cli import main; "
            "r = CliRunner().invoke(main, ['docs', 'aws.s3']); assert r.exit_code == 0, r.output; "
            "print(sorted(m for m in sys.modules if m == 'boto3' or m.startswith('connector_aws_s3.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "['connector_aws_s3.hooks']"
