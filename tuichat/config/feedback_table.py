"""The ``[feedback]`` table: when a prompt counts as a follow-up of an earlier one.

    [feedback]
    follow_up_window = "10m"    # "90s", "10m", "1h", or seconds as a number
    follow_up_threshold = 0.80  # cosine with the semantic cache's embedder (when on)
    follow_up_words = 0.6       # content-word overlap (Jaccard) without an embedder

A prompt of the same session, asked within the window and at least this
similar to an earlier one, is logged as its follow-up (see
:mod:`tuichat.core.feedback.follow_up` for how similarity is judged).
``follow_up_window = 0`` turns detection off. Each mistake is one line naming
the key and what it must be.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tuichat.config.fields import Where, check_keys, number, shown, table
from tuichat.core.feedback.follow_up import FollowUpRules

FEEDBACK_FIELDS = ("follow_up_window", "follow_up_threshold", "follow_up_words")
MAX_WINDOW_S = 7 * 86400.0
"""A week: a longer window is a typo (a session is rarely that long)."""


@dataclass(frozen=True, slots=True)
class FeedbackSettings:
    """``[feedback]``: follow-up detection (the ratings themselves need no setting)."""

    follow_up_window_s: float = 600.0
    """A re-asked prompt counts within this many seconds of the earlier one (0: never)."""
    follow_up_threshold: float = 0.80
    """Cosine similarity (0–1) with the embedder, when the semantic cache has one."""
    follow_up_words: float = 0.6
    """Content-word overlap (Jaccard, 0–1) when there is no embedder."""

    def rules(self) -> FollowUpRules:
        """The core's rules of these settings."""
        return FollowUpRules(
            self.follow_up_window_s, self.follow_up_threshold, self.follow_up_words
        )


def parse_feedback(value: Any, where: Where) -> FeedbackSettings:
    """Validate ``[feedback]``; raise ``ConfigError`` at the bad key."""
    data = table(value, ("feedback",), where)
    check_keys(data, FEEDBACK_FIELDS, ("feedback",), where, {})
    found: dict[str, float] = {}
    if "follow_up_window" in data:
        found["follow_up_window_s"] = _window(data["follow_up_window"], where)
    for key in ("follow_up_threshold", "follow_up_words"):
        if key in data:
            found[key] = number(data[key], ("feedback", key), where, 0.0, 1.0, above=True)
    return FeedbackSettings(**found)


def _window(value: Any, where: Where) -> float:
    # cache_table imports config.model, which imports this module: import when parsing
    from tuichat.config.cache_table import parse_duration

    keys = ("feedback", "follow_up_window")
    if isinstance(value, str):
        seconds = 0.0 if value.strip() == "0" else parse_duration(value)
        if seconds is not None and seconds <= MAX_WINDOW_S:
            return seconds
        raise where.error(keys, f'must be a duration like "90s", "10m" or "1h", got {shown(value)}')
    return number(value, keys, where, 0.0, MAX_WINDOW_S)
