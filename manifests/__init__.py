"""The YAML manifests of the built-in connectors and shared fragments (package data)."""
