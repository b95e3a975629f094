"""The pytest plugin's fixtures, as a plugin author uses them."""

from __future__ import annotations

import connector_aws_s3.hooks
import pytest


@pytest.mark.connector_plugin(connector_aws_s3.hooks)
def test_the_marker_names_the_plugin_and_the_emulator_serves_it(connector_host, aws_connection_values,
                                                                aws_emulator):
    assert [m.id for m in connector_host.connectors()] == ["aws.s3"]  # only the plugin under test
    assert aws_emulator.endpoint_url.startswith("http://127.0.0.1:")
    conn = connector_host.connect("aws.s3", {**aws_connection_values, "force_path_style": True})
    connector_host.run(conn, "create_bucket", {"bucket": "kit-fixture-bucket"})
    assert "kit-fixture-bucket" in [b["name"] for b in connector_host.run(conn, "list_buckets", {})]


def test_the_emulators_throwaway_secret_is_not_in_its_repr(aws_emulator):
    assert aws_emulator.secret_access_key not in repr(aws_emulator)


def test_the_default_settings_allow_only_loopback(connector_settings):
    assert connector_settings == {"net.allow_loopback": True}
