"""The ``[log]`` table: what the local log keeps.

    [log]
    content = "full"               # or "metrics": no prompt, answer or request text
    timeline_sample_rate = 1.0     # share (0–1) of turns whose chunk timeline is kept
    redact = ['regex', ...]        # each match becomes [redacted] before anything is written

API keys and bearer tokens are always redacted; ``redact`` adds patterns. Each
pattern must compile (the error names it and says why) and must not match the
empty text (it would redact nothing and cost a pass over every answer).
"""

from __future__ import annotations

import re
from typing import Any

from tuichat.config.fields import Where, check_keys, number, quoted, shown, table
from tuichat.config.model import CONTENT_MODES, MAX_REDACT_PATTERNS, ContentMode, LogSettings

LOG_FIELDS = ("content", "timeline_sample_rate", "redact")


def parse_log(value: Any, where: Where) -> LogSettings:
    """Validate ``[log]``; raise ``ConfigError`` at the bad key."""
    keys = ("log",)
    data = table(value, keys, where)
    check_keys(data, LOG_FIELDS, keys, where, {})
    settings: dict[str, Any] = {}
    if "content" in data:
        settings["content"] = _content(data["content"], where)
    if "timeline_sample_rate" in data:
        rate = data["timeline_sample_rate"]
        rate_keys = (*keys, "timeline_sample_rate")
        settings["timeline_sample_rate"] = number(rate, rate_keys, where, 0.0, 1.0)
    if "redact" in data:
        settings["redact"] = _patterns(data["redact"], where)
    return LogSettings(**settings)


def _content(value: Any, where: Where) -> ContentMode:
    for mode in CONTENT_MODES:
        if value == mode:
            return mode
    choices = " or ".join(f'"{mode}"' for mode in CONTENT_MODES)
    raise where.error(("log", "content"), f"must be {choices}, got {shown(value)}")


def _patterns(value: Any, where: Where) -> tuple[re.Pattern[str], ...]:
    keys = ("log", "redact")
    if not isinstance(value, list):
        raise where.error(keys, f"must be an array of regular expressions, got {shown(value)}")
    if len(value) > MAX_REDACT_PATTERNS:
        raise where.error(keys, f"has {len(value)} patterns; at most {MAX_REDACT_PATTERNS}")
    return tuple(_pattern(item, index, where) for index, item in enumerate(value))


def _pattern(value: Any, index: int, where: Where) -> re.Pattern[str]:
    keys = ("log", "redact")
    position = f"pattern {index + 1}"
    if not isinstance(value, str) or not value:
        raise where.error(keys, f"{position} must be a non-empty string, got {shown(value)}")
    try:
        pattern = re.compile(value)
    except re.error as exc:
        raise where.error(keys, f"{position} {quoted(value)} is not a valid regex: {exc}") from None
    except (RecursionError, OverflowError, ValueError):
        raise where.error(keys, f"{position} {quoted(value)} is too complex to compile") from None
    if pattern.fullmatch(""):
        raise where.error(keys, f"{position} {quoted(value)} matches the empty text")
    return pattern
