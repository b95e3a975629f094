"""Secrets anywhere in the values are sealed; values that look like markers survive."""

from __future__ import annotations

from connector_core import Secret
from connector_core.secrets import MASK
from connector_core.store.values import display_values, join_secrets, split_secrets


def test_nested_secrets_and_look_alike_values_round_trip():
    values = {
        "token": Secret("top-secret-1"),
        "auth": {"user": "u", "password": Secret("top-secret-2")},
        "params": [{"key": "k", "value": Secret("top-secret-3"), "is_value_secret": True},
                   {"key": "plain", "value": "v"}],
        "ref": Secret(env="API_TOKEN"),
        "extra": {"$secret": 0},          # a user's JSON value, not a marker
        "more": {"$literal": [1, 2]},
    }
    public, sealed = split_secrets(values)
    assert sealed == ["top-secret-1", "top-secret-2", "top-secret-3", {"$env": "API_TOKEN"}]
    assert "top-secret" not in repr(public)
    assert join_secrets(public, sealed) == {
        "token": "top-secret-1", "auth": {"user": "u", "password": "top-secret-2"},
        "params": [{"key": "k", "value": "top-secret-3", "is_value_secret": True}, {"key": "plain", "value": "v"}],
        "ref": {"$env": "API_TOKEN"}, "extra": {"$secret": 0}, "more": {"$literal": [1, 2]},
    }
    shown, secret_fields = display_values(public)
    assert secret_fields == ("token", "auth", "params", "ref")
    assert "token" not in shown and "ref" not in shown
    assert shown["auth"] == {"user": "u", "password": MASK}
    assert shown["params"][0]["value"] == MASK and shown["extra"] == {"$secret": 0}
