"""What the log keeps of feedback: a rating of an answer, and a follow-up seen.

Both are :class:`~tuichat.core.events.Event` subclasses so they reach the
log through the same port as a turn's events (``LogSink.observe``: queued,
never blocking the loop). They are not part of a turn's grammar: a front
end emits them *after* the turn they are about has ended, so each carries
its own session id and wall time (the writer forgets a turn's anchor once
it ended). ``trace_id`` is the turn they are about.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tuichat.core.events import Event

Rating = Literal[1, -1]
"""+1 thumbs up, -1 thumbs down."""
UP: Rating = 1
DOWN: Rating = -1

SimilarityMethod = Literal["embedding", "words"]
"""How a follow-up was judged: the embedder's cosine, or word-set overlap (Jaccard)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedbackGiven(Event):
    """The user rated the answer of turn ``trace_id`` (the latest rating of a turn wins).

    ``comment`` is one line, or None; the log redacts it like any text (and
    keeps none in metrics-only mode).
    """

    session_id: str
    rating: Rating
    comment: str | None
    wall_time: float


@dataclass(frozen=True, slots=True, kw_only=True)
class FollowUpSeen(Event):
    """The prompt of turn ``trace_id`` re-asks the earlier turn ``follow_up_of``.

    Same session, within the configured window; ``similarity`` is the score
    that passed the threshold of ``method``.
    """

    session_id: str
    follow_up_of: str
    similarity: float
    method: SimilarityMethod
    wall_time: float
