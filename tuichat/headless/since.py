"""``--since`` for the log's reports (``cost``, ``stats``): one grammar, importable cheaply.

``30d``, ``12h``, ``90m`` ago, or a date ``YYYY-MM-DD`` (local midnight).
Kept apart from :mod:`tuichat.headless.cost` so that ``stats`` parses the
same grammar without importing the settings and the async store.
"""

from __future__ import annotations

import re
from datetime import datetime

_RELATIVE = re.compile(r"(\d+)\s*([dhm])")
_UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60}


def parse_since(text: str, now: float) -> float:
    """``30d``, ``12h``, ``90m`` ago, or a date ``YYYY-MM-DD`` (local midnight)."""
    match = _RELATIVE.fullmatch(text.strip())
    if match:
        return now - int(match[1]) * _UNIT_SECONDS[match[2]]
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d").timestamp()
    except ValueError:
        raise ValueError(f"--since {text!r}: use 30d, 12h, 90m or YYYY-MM-DD") from None
