"""Browser cases known to fail, each marked ``xfail(strict=True)`` by conftest.py.

When a fix makes one pass, the run fails until its entry is removed here, so this list can
only shrink. Keys are test node ids without the file (``test_name[param]``); values say
which bug the case exposes. Empty since the forms work of issue 10 (items 1-4) landed.
"""

from __future__ import annotations

KNOWN_FAILURES: dict[str, str] = {}
