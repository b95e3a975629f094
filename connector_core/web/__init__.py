"""The form page and its JSON API (``connectors serve``); needs the ``web`` extra.

:func:`create_app` builds the Starlette application for a :class:`~connector_core.Host`.
The page itself is a prebuilt bundle in ``static/`` (sources in ``frontend/``), so
nothing needs Node at run time. Importing this package imports Starlette; the CLI
imports it only when ``serve`` runs.
"""

from __future__ import annotations

from .app import create_app

__all__ = ["create_app"]
