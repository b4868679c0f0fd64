"""The ``[local]`` table: how the embedded model's server is kept between processes.

    [local]
    keep_alive = "5m"      # "90s", "1h30m", "0" (stop with the process), or seconds

Starting llama.cpp takes seconds; a server kept alive is reused by the next
tuichat process of the same user (``tuichat local status|stop``). Like
Ollama's ``keep_alive``: a duration of no requests after which it stops.
"""

from __future__ import annotations

import math
import re
from typing import Any

from tuichat.config.fields import Where, check_keys, shown, table
from tuichat.config.model import MAX_KEEP_ALIVE_S, LocalSettings

LOCAL_FIELDS = ("keep_alive",)
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_UNIT_S = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_local(value: Any, where: Where) -> LocalSettings:
    """Validate ``[local]``; raise ``ConfigError`` at the bad key."""
    data = table(value, ("local",), where)
    check_keys(data, LOCAL_FIELDS, ("local",), where, {})
    if "keep_alive" not in data:
        return LocalSettings()
    seconds = parse_duration(data["keep_alive"])
    if seconds is None or seconds > MAX_KEEP_ALIVE_S:
        message = (
            'must be a duration from "0" to "24h" like "5m", "90s" or "1h30m" '
            f"(or seconds), got {shown(data['keep_alive'])}"
        )
        raise where.error(("local", "keep_alive"), message)
    return LocalSettings(keep_alive=seconds)


def parse_duration(value: Any) -> float | None:
    """Seconds from ``"5m"``, ``"1h30m"``, ``"0"`` or a number; None if it is no duration."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
        return number if math.isfinite(number) and number >= 0 else None
    if not isinstance(value, str) or len(value) > 40:
        return None
    text = value.strip().lower()
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    if not text or _PART.sub("", text):
        return None  # empty, or something besides number-unit pairs
    return sum(float(amount) * _UNIT_S[unit] for amount, unit in _PART.findall(text))
