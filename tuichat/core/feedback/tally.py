"""The session's feedback counts, as the HUD shows them: 👍 3 · 👎 1 · ↻ 2.

Kept in memory by the chat (the log holds the same rows): the latest rating
of a turn replaces an earlier one, so changing one's mind does not count twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tuichat.core.feedback.records import Rating


@dataclass(frozen=True, slots=True)
class FeedbackCounts:
    """Thumbs up, thumbs down and follow-ups of one session."""

    ups: int = 0
    downs: int = 0
    follow_ups: int = 0

    @property
    def empty(self) -> bool:
        """Nothing rated and no follow-up yet (the HUD shows no line)."""
        return not (self.ups or self.downs or self.follow_ups)


@dataclass
class FeedbackBook:
    """Ratings by trace (latest wins) and the follow-ups seen, for one session."""

    ratings: dict[str, Rating] = field(default_factory=dict)
    follow_ups: set[str] = field(default_factory=set)

    def rate(self, trace_id: str, rating: Rating) -> None:
        """Record (or replace) the rating of ``trace_id``'s answer."""
        self.ratings[trace_id] = rating

    def follow_up(self, trace_id: str) -> None:
        """Turn ``trace_id`` re-asked an earlier one."""
        self.follow_ups.add(trace_id)

    def counts(self) -> FeedbackCounts:
        """The counts the HUD shows."""
        ups = sum(1 for rating in self.ratings.values() if rating > 0)
        return FeedbackCounts(ups, len(self.ratings) - ups, len(self.follow_ups))
