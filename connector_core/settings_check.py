"""Misspelt host settings: a key nobody reads would otherwise be ignored in silence.

Any key may be given to a host: a plugin reads the names it declares (the
``connector_settings`` hook), and host components read undeclared ones of their own
(``web.*``). So only a namespace whose every name is known can be checked: the host
refuses an unknown key in its own namespaces (``net.*``, ``secrets.*``; see
:class:`connector_core.Host`), and the CLI also warns about one in a namespace some
loaded plugin declares (``http.*``, a vendor toolkit's), which a plugin may read without declaring.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def namespaces(names: Iterable[str]) -> set[str]:
    """The namespaces (``net`` of ``net.allow_loopback``) of these setting names."""
    return {name.split(".")[0] for name in names}


def unknown_settings(given: Mapping[str, Any], known: Iterable[str], checked: Iterable[str]
                     ) -> dict[str, list[str]]:
    """{key: the closest known keys} for each given key in a ``checked`` namespace that is
    not ``known``, in the order given."""
    known, checked = sorted(known), set(checked)
    unknown = [key for key in given if key not in known and str(key).split(".")[0] in checked]
    if not unknown:
        return {}
    import difflib  # only for a misspelling: not on every host's start

    return {key: difflib.get_close_matches(str(key), known, n=3) for key in unknown}


def did_you_mean(close: list[str]) -> str:
    return f" (did you mean {' or '.join(close)}?)" if close else ""
