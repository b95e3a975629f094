"""The http.credentials fragment: each auth type shows and requires exactly its fields."""

from __future__ import annotations

import pytest

from connector_core import ValidationError


@pytest.mark.parametrize("auth_type, missing", [
    ("api_key", {"api_key"}), ("basic", {"basic"}), ("bearer", {"bearer"}),
    ("oauth_client_credentials", {"oauth"}), ("oauth_authorization_code", {"oauth", "refresh_token"})])
def test_each_auth_type_requires_its_block(host, auth_type, missing):
    with pytest.raises(ValidationError) as caught:
        host.connect("test.rest", {"base_url": "https://api.example.com", "auth_type": auth_type})
    assert set(caught.value.errors) == missing


def test_no_auth_needs_only_the_base_url_and_other_blocks_are_dropped(host):
    connection = host.connect("test.rest", {"base_url": "https://api.example.com",
                                            "basic": {"username": "u", "password": "p-123456"}})
    assert connection["auth_type"] == "none" and "basic" not in connection
    with pytest.raises(ValidationError) as caught:
        host.connect("test.rest", {"auth_type": "none"})
    assert set(caught.value.errors) == {"base_url"}


def test_the_form_shows_each_block_only_for_its_auth_type(host):
    form = host.form("test.rest")
    schema = form["schema"]
    # Each block is declared in the branch of its auth type, so a stock form shows it only then.
    branches = {k: v for rule in schema.get("allOf", []) for k, v in rule.get("then", {}).get("properties", {}).items()}
    assert branches["api_key"]["properties"]["value"]["writeOnly"] is True
    conditions = [rule["if"]["properties"]["auth_type"] for rule in schema.get("allOf", []) if "if" in rule]
    assert {"const": "basic"} in conditions and {"const": "oauth_authorization_code"} in conditions
