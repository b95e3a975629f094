"""Tools for plugin authors: scaffolding (`connectors new`), reference docs and IAM policies."""
