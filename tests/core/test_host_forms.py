"""Host-aware forms and editing a stored connection (issue 10, items 3 and 4)."""

from __future__ import annotations

import jsonschema
import pytest

from tests.core.corekit import TestPlugin

from connector_core import Host, ValidationError

AWS = "manifest_version: 1\nid: test.aws\nname: AWS\nversion: 1.0.0\nextends: [aws.credentials]\n"
KEYS = {"access_key_id": "AKIAIOSFODNN7EXAMPLE", "secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}


def _host(write_manifest, **settings):
    return Host(plugins=[TestPlugin("test_plugin", [write_manifest(AWS)])], settings=settings)


def _modes(form):
    return [c["const"] for c in form["schema"]["properties"]["auth_mode"]["oneOf"]]


def test_a_choice_the_hosts_settings_forbid_is_absent_and_refused(make_host):
    host = make_host(AWS)
    assert "default_chain" not in _modes(host.form("test.aws"))
    with pytest.raises(ValidationError) as info:
        host.connect("test.aws", {"auth_mode": "default_chain"})
    assert "aws.allow_default_chain" in info.value.errors["auth_mode"][0]


def test_a_choice_the_host_allows_is_offered_and_accepted(write_manifest):
    host = _host(write_manifest, **{"aws.allow_default_chain": True})
    assert "default_chain" in _modes(host.form("test.aws"))
    assert host.connect("test.aws", {"auth_mode": "default_chain"})["auth_mode"] == "default_chain"


def test_secret_references_are_accepted_by_form_and_server_alike_unless_the_host_refuses(make_host, write_manifest):
    values = {**KEYS, "secret_access_key": {"$env": "AWS_SECRET"}}
    host = make_host(AWS)
    assert jsonschema.Draft202012Validator(host.form("test.aws")["schema"]).is_valid(values)
    host.connect("test.aws", values)
    strict = _host(write_manifest, **{"secrets.allow_references": False})
    assert not jsonschema.Draft202012Validator(strict.form("test.aws")["schema"]).is_valid(values)
    with pytest.raises(ValidationError, match="secrets.allow_references"):
        strict.connect("test.aws", values)


def test_editing_keeps_a_blank_secret_and_replaces_a_given_one(make_host):
    host = make_host(AWS)
    stored = host.connect("test.aws", KEYS)
    for blank in ({}, {"secret_access_key": ""}, {"secret_access_key": None}):
        edited = host.connect("test.aws", {"access_key_id": KEYS["access_key_id"], **blank},
                              previous=stored.to_storage())
        assert edited["secret_access_key"].reveal() == KEYS["secret_access_key"]
    replaced = host.connect("test.aws", {**KEYS, "secret_access_key": "n" * 40}, previous=stored)
    assert replaced["secret_access_key"].reveal() == "n" * 40
    with pytest.raises(ValidationError):  # without previous values, the secret is required
        host.connect("test.aws", {"access_key_id": KEYS["access_key_id"]})


def test_the_edit_form_shows_secrets_as_unchanged_and_does_not_require_them(make_host):
    host = make_host(AWS)
    form = host.form("test.aws", editing=True)
    assert "unchanged" in form["uiSchema"]["secret_access_key"]["anyOf"][0]["ui:placeholder"]
    assert jsonschema.Draft202012Validator(form["schema"]).is_valid({"access_key_id": KEYS["access_key_id"]})
    assert not jsonschema.Draft202012Validator(host.form("test.aws")["schema"]).is_valid(
        {"access_key_id": KEYS["access_key_id"]})


@pytest.mark.parametrize("url", ["http://exämple.com", "http://minio/{x}", "http://h/%zz"])
def test_urls_that_ajv_refuses_are_refused_by_the_server_too(make_host, url):
    host = make_host(AWS)
    values = {**KEYS, "endpoint_url": url}
    assert not jsonschema.Draft202012Validator(host.form("test.aws")["schema"]).is_valid(values)
    with pytest.raises(ValidationError):
        host.connect("test.aws", values)
