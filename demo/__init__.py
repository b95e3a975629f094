"""`make demo`: the framework end to end, without an AWS account (moto on 127.0.0.1)."""

from __future__ import annotations

from typing import Any


def emulator_credentials(endpoint_url: str, **fields: Any) -> dict[str, Any]:
    """Connection values with the demo's throwaway keys, pointed at the local emulator."""
    return {
        "auth_mode": "static",
        "access_key_id": "AKIADEMODEMODEMO0000",
        "secret_access_key": "demo-secret-never-shown",
        "region": "eu-west-3",
        "endpoint_url": endpoint_url,
        **fields,
    }
