"""The YAML manifests of the built-in connectors and shared fragments (package data).

:data:`FOLDER` is where they are: the built-in plugins return plain paths, because
``importlib.resources.files`` would bring zipfile, tempfile, bz2 and lzma into every
cold start, and this package is always installed unzipped.
"""

from pathlib import Path

FOLDER = Path(__file__).parent
