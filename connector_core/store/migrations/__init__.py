"""Alembic revisions of the store's schema (package data; run by :func:`..engine.upgrade`)."""
