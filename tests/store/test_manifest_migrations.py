"""Connections saved under aws.s3 1.0.0 load under 2.0.0: migrated, re-validated, saved once."""

from __future__ import annotations

import pytest
from connector_core import Host, ManifestError
from connector_core.store import ConnectionStore, Keyring, MigrationError

from .conftest import SECRET, s3_values
from .s3_v2 import DATA, S3Plugin


def _v1_host() -> Host:
    from connector_aws_s3 import hooks  # the shipped 1.0.0 (imported at run time, not collection)

    return Host(plugins=[hooks])


@pytest.fixture
def v1_record(store_url, master_key):
    host_v1 = _v1_host()
    assert host_v1.manifest("aws.s3").version == "1.0.0"
    with ConnectionStore.open(host_v1, store_url, Keyring.from_text(master_key, source="t")) as s:
        return s.create("acme", "aws.s3", "Path style", s3_values(bucket="legacy.bucket", force_path_style=True))


def _v2_store(store_url, master_key, plugin=None):
    host = Host(plugins=[plugin or S3Plugin()])
    return ConnectionStore.open(host, store_url, Keyring.from_text(master_key, source="t"))


def test_a_1x_connection_is_migrated_revalidated_and_saved_back_once(store_url, master_key, v1_record):
    with _v2_store(store_url, master_key) as store:
        assert store.get("acme", v1_record.id).manifest_version == "1.0.0"  # reading alone changes nothing
        connection = store.load_connection("acme", v1_record.id)
        assert connection["default_bucket"] == "legacy.bucket" and "bucket" not in connection
        assert connection["addressing_style"] == "path" and "force_path_style" not in connection
        assert connection["secret_access_key"].reveal() == SECRET
        saved = store.get("acme", v1_record.id)
        assert saved.manifest_version == "2.0.0" and saved.revision == v1_record.revision + 1
        assert saved.values["default_bucket"] == "legacy.bucket"
        store.load_connection("acme", v1_record.id)
        assert store.get("acme", v1_record.id).revision == saved.revision  # once: nothing left to migrate
        assert [r.id for r in store.list("acme", where={"addressing_style": "path"})] == [v1_record.id]


def test_editing_a_1x_connection_saves_it_as_2x(store_url, master_key, v1_record):
    with _v2_store(store_url, master_key) as store:
        # The edit form of 2.0.0, the secret left blank: it keeps the one saved under 1.0.0.
        edited = store.update("acme", v1_record.id, _v2_values(default_bucket="new-bucket", secret_access_key=""))
        assert edited.manifest_version == "2.0.0" and edited.revision == v1_record.revision + 1
        assert store.load_connection("acme", v1_record.id)["secret_access_key"].reveal() == SECRET


def _v2_values(**extra):
    values = s3_values()
    values.pop("bucket")
    return {**values, **extra}


def test_a_connection_that_cannot_be_migrated_says_why_and_its_version(store_url, master_key, v1_record, tmp_path):
    # A 2.0.0 that forgot the migration: the old `bucket` is now an unknown field.
    text = (DATA / "aws_s3_2.0.0.yaml").read_text()
    broken = tmp_path / "aws_s3.yaml"
    broken.write_text(text[:text.index("\n# Connections saved")] + text[text.index("\noperations:"):])
    with _v2_store(store_url, master_key, S3Plugin(broken)) as store:
        with pytest.raises(MigrationError) as caught:
            store.load_connection("acme", v1_record.id)
        message = str(caught.value)
        assert "made with version 1.0.0" in message and "2.0.0" in message and "bucket" in message
        assert caught.value.made_with == "1.0.0" and SECRET not in message
        assert store.get("acme", v1_record.id).manifest_version == "1.0.0"  # nothing saved


def test_a_connection_from_a_newer_version_is_refused(store_url, master_key):
    with _v2_store(store_url, master_key) as store:
        record = store.create("acme", "aws.s3", "New", _v2_values(default_bucket="b-new"))
    with ConnectionStore.open(_v1_host(), store_url, Keyring.from_text(master_key, source="t")) as old:
        with pytest.raises(MigrationError, match="made with version 2.0.0 .* newer version"):
            old.load_connection("acme", record.id)


def test_a_python_step_runs_the_named_function(store_url, master_key, v1_record, tmp_path):
    text = (DATA / "aws_s3_2.0.0.yaml").read_text()
    with_python = tmp_path / "aws_s3.yaml"
    with_python.write_text(text.replace(
        '      - map: {field: addressing_style, values: {"true": path, "false": auto}}',
        '      - python: "tests.store.migration_functions:addressing_from_path_style"'))
    with _v2_store(store_url, master_key, S3Plugin(with_python)) as store:
        assert store.load_connection("acme", v1_record.id)["addressing_style"] == "path"


def test_the_manifest_checker_refuses_bad_migrations(tmp_path):
    text = (DATA / "aws_s3_2.0.0.yaml").read_text()
    host = Host(plugins=[S3Plugin()])  # aws.credentials and aws.regions come from the AWS toolkit
    cases = {
        '{from: bucket, to: default_bucket}': ('{from: bucket, to: defualt_bucket}',
                                               "rename names 'defualt_bucket', which is not a connection field"),
        '{"true": path, "false": auto}': ('{"true": sideways}', "maps to 'sideways', which is not a choice"),
        '- from: "1"': ('- from: "2"', "covers this manifest's own version 2.0.0"),
        "      - rename: {from: force_path_style": ("      - rename: {form: force_path_style",
                                                   "rename takes exactly from, to"),
    }
    for old, (new, expected) in cases.items():
        with pytest.raises(ManifestError) as caught:
            path = tmp_path / "aws_s3.yaml"
            path.write_text(text.replace(old, new, 1))
            host.read_manifest(path)
        assert expected in str(caught.value), str(caught.value)
        assert "aws_s3.yaml:" in str(caught.value) and "migrations[0]" in str(caught.value)
