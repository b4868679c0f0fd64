"""Tokens over time within one attempt: the rate right now and a sparkline.

Both are fed once per streamed chunk, so :meth:`TokenRate.add` is O(1)
(amortised) and the memory is bounded however long the answer runs:

- the sparkline keeps at most ``max_buckets`` counts; when the answer
  outgrows them, neighbouring buckets are merged and the bucket width
  doubles, so the whole answer always fits;
- "now" is a ring of ten 0.1 s slots: the tokens of the last second over the
  time that second covers (less at the start of the answer).

Counts are of chunks, which is one token for OpenAI-style streams and a few
for others: the turn's average uses the provider's token count once usage
arrives (see :class:`~tuichat.core.metrics.session_metrics.TurnMetrics`).
"""

from __future__ import annotations

import math

SLOT_S = 0.1
SLOTS = 10  # the "now" window: SLOTS x SLOT_S = 1 s
MIN_WINDOW_S = 0.2
"""Below this much streaming time "now" is not a rate yet, just noise."""


class TokenRate:
    """Chunk arrivals of one attempt, bucketed for a sparkline and a live rate."""

    def __init__(self, bucket_s: float = 0.05, max_buckets: int = 48) -> None:
        self._width = bucket_s
        self._max = max_buckets
        self._counts: list[int] = []
        self._first: float | None = None
        self._last: float | None = None
        self._slot_ids = [-1] * SLOTS
        self._slot_counts = [0] * SLOTS

    @property
    def bucket_s(self) -> float:
        """Seconds per sparkline bucket (doubles as the answer grows)."""
        return self._width

    def add(self, ts: float, n: int = 1) -> None:
        """``n`` chunks arrived at ``ts`` (called per streamed chunk)."""
        if self._first is None:
            self._first = ts
        self._last = ts
        index = int((ts - self._first) / self._width)
        while index >= self._max:
            self._merge()
            index = int((ts - self._first) / self._width)
        counts = self._counts
        if index >= len(counts):
            counts.extend([0] * (index + 1 - len(counts)))
        counts[index] += n
        slot = math.floor(ts / SLOT_S)
        ring = slot % SLOTS
        if self._slot_ids[ring] != slot:
            self._slot_ids[ring], self._slot_counts[ring] = slot, 0
        self._slot_counts[ring] += n

    def _merge(self) -> None:
        """Halve the resolution: sum neighbouring buckets, double the width."""
        counts = self._counts
        self._counts = [sum(counts[i : i + 2]) for i in range(0, len(counts), 2)]
        self._width *= 2

    def now(self, at: float) -> float | None:
        """Chunks per second over the last second before ``at`` (None too early)."""
        if self._first is None:
            return None
        current = math.floor(at / SLOT_S)
        oldest = current - SLOTS + 1
        total = sum(
            count
            for slot, count in zip(self._slot_ids, self._slot_counts, strict=True)
            if oldest <= slot <= current
        )
        covered = at - max(oldest * SLOT_S, self._first)
        return total / covered if covered >= MIN_WINDOW_S else None

    def series(self, end: float) -> tuple[float, ...]:
        """Chunks per second in each complete bucket up to ``end``.

        The bucket ``end`` falls in is left out: a few chunks over a part of
        a bucket say more about where the bucket boundary fell than about
        the rate.
        """
        if self._first is None:
            return ()
        complete = min(len(self._counts), int((end - self._first) / self._width))
        return tuple(count / self._width for count in self._counts[:complete])
