"""The AWS toolkit's view of the network policy (:mod:`connector_core.net`).

The rules live in :mod:`connector_core.net`; this module keeps the toolkit's former
setting names working (``aws.allow_loopback_endpoints`` -> ``net.allow_loopback``,
``aws.allow_private_endpoints`` -> ``net.allow_private``, each with a
:class:`DeprecationWarning`) and the functions existing callers import.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..net import ALLOW_LOOPBACK, ALLOW_PRIVATE, IPAddress, NetworkPolicy, classify, parse_ipv4_literal

#: Former setting names, still honoured: {old name: net.* name}.
SETTING_ALIASES: Mapping[str, str] = {
    "aws.allow_loopback_endpoints": ALLOW_LOOPBACK,
    "aws.allow_private_endpoints": ALLOW_PRIVATE,
}


def network_policy(settings: Mapping[str, Any]) -> NetworkPolicy:
    """The host's network policy, honouring the toolkit's former setting names."""
    return NetworkPolicy.from_settings(settings, aliases=SETTING_ALIASES)


def check_address(address: IPAddress | str, settings: Mapping[str, Any], *, what: str = "endpoint") -> None:
    """Raise :class:`~connector_core.errors.ConfigurationError` if the policy refuses this address."""
    network_policy(settings).check_address(address, what=what)


def check_endpoint(url: str, settings: Mapping[str, Any], *, what: str = "endpoint") -> None:
    """Check an endpoint or proxy URL against the policy; raise
    :class:`~connector_core.errors.ConfigurationError` if refused (see
    :meth:`connector_core.net.NetworkPolicy.check_url`). Nothing connects to the host."""
    network_policy(settings).check_url(url, what=what)


__all__ = ["SETTING_ALIASES", "check_address", "check_endpoint", "classify", "network_policy", "parse_ipv4_literal"]
