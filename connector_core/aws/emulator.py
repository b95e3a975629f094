"""A local AWS emulator for plugin tests: moto's threaded server on 127.0.0.1.

The ``aws_emulator`` and ``aws_connection_values`` fixtures (:mod:`.pytest_plugin`) use
it. Nothing here reaches AWS: the server listens on loopback only, and the credentials it
hands out are throwaway values moto accepts without checking.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

#: Host settings every test host needs to reach the emulator (loopback is refused by default).
EMULATOR_SETTINGS = {"net.allow_loopback": True}


@dataclass(frozen=True)
class AwsEmulator:
    """A running emulator: where it listens and the throwaway credentials to use."""

    endpoint_url: str
    region: str = "us-east-1"
    account_id: str = "123456789012"  # moto's default account
    access_key_id: str = "AKIAEMULATORTESTKEY1"
    secret_access_key: str = field(default="emulator-secret-key-0123456789", repr=False)

    def connection_values(self, **overrides: Any) -> dict[str, Any]:
        """Connection values for a connector extending ``aws.credentials``, pointed here."""
        values: dict[str, Any] = {
            "auth_mode": "static",
            "access_key_id": self.access_key_id,
            "secret_access_key": self.secret_access_key,
            "region": self.region,
            "endpoint_url": self.endpoint_url,
        }
        values.update(overrides)
        return values

    def reset(self) -> None:
        """Forget every resource created so far (moto's reset API)."""
        request = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=5) as response:  # loopback only
            response.read()


class EmulatorMissing(RuntimeError):
    """moto (with its server extra) is not installed; the message says what to install."""


@contextmanager
def run_emulator(region: str = "us-east-1") -> Iterator[AwsEmulator]:
    """Start moto's server on 127.0.0.1 on a free port; stop it on exit."""
    try:
        from moto.server import ThreadedMotoServer  # heavy: only when an emulator is wanted
    except ImportError as exc:
        raise EmulatorMissing(
            f"the AWS emulator needs moto's server, which is not installed ({exc}): "
            "add \"moto[server]>=5.0\" to your plugin's test extra and pip install it") from None

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        _, port = server.get_host_and_port()  # port 0: the OS picked one
        yield AwsEmulator(endpoint_url=f"http://127.0.0.1:{port}", region=region)
    finally:
        server.stop()
