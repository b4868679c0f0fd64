"""Tell the import system, once, that ``sniffio`` is not installed.

httpcore asks which async library is running each time it sets up a lock or
a semaphore, a few times per request, with ``import sniffio`` inside the
call. anyio 4 no longer depends on sniffio, so it is often absent, and a
failed import is not remembered: every request then searched every
``sys.path`` entry for it several times (``stat`` calls, a few hundred
microseconds per request). A ``None`` entry in ``sys.modules`` is Python's
own "known to be absent" marker: the import fails at once, exactly as
before (httpcore then assumes asyncio, the only loop tuichat runs on).
An installed sniffio is left alone.
"""

from __future__ import annotations

import importlib.util
import sys

MODULE = "sniffio"


def mark_sniffio_absent() -> bool:
    """Record that sniffio cannot be imported, if so; True when this call recorded it."""
    if MODULE in sys.modules:
        return False
    if importlib.util.find_spec(MODULE) is not None:
        return False
    sys.modules[MODULE] = None  # type: ignore[assignment]
    return True
