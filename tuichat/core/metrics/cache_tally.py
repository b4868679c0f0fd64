"""tuichat's response cache in figures: hits, misses, what they saved, false hits.

:class:`CacheTally` is one count of ``CacheLookedUp`` verdicts; the session's
is folded from the events by :class:`CacheTallyCounter`, and "today" comes
from the log (``cache_lookups``), filled in by whoever reads it. The hit rate
is hits over hits and misses: a bypass ("freshness critical", ``--no-cache``,
a rejected hit re-sent) or an unusable cache was not a question the cache
could answer, so it counts in neither. A false hit is a hit the user rejected
("not what I asked"): its re-sent lookup carries ``rejects``.
"""

from __future__ import annotations

from dataclasses import dataclass

from tuichat.core.events import CacheLookedUp


@dataclass(frozen=True, slots=True)
class CacheTally:
    """Response-cache lookups of a session or a day, by verdict."""

    exact: int = 0
    semantic: int = 0
    misses: int = 0
    bypasses: int = 0
    unavailable: int = 0
    false_hits: int = 0
    saved_ms: float = 0.0
    """The hits' original durations, not waited for again."""
    saved_usd: float = 0.0
    """The hits' original costs, not paid again (priced hits only)."""
    unpriced_hits: int = 0
    """Hits whose original answer had no price (their saving is unknown)."""

    @property
    def hits(self) -> int:
        """Exact and semantic hits."""
        return self.exact + self.semantic

    @property
    def lookups(self) -> int:
        """Every lookup, whatever its verdict."""
        return self.hits + self.misses + self.bypasses + self.unavailable

    @property
    def hit_rate(self) -> float | None:
        """Hits over hits and misses; None before any."""
        asked = self.hits + self.misses
        return self.hits / asked if asked else None


@dataclass(frozen=True, slots=True)
class ResponseCacheMode:
    """How the response cache is configured (the app says; events cannot)."""

    enabled: bool
    semantic: bool = False
    threshold: float | None = None
    """The semantic similarity threshold, when semantic is on."""
    bypassed: bool = False
    """Freshness critical: the user switched the cache off for the next turns."""

    @property
    def label(self) -> str:
        """``off``, ``exact`` or ``exact+semantic ≥0.90``."""
        if not self.enabled:
            return "off"
        if self.bypassed:
            return "bypassed (fresh)"
        if not self.semantic:
            return "exact"
        return "exact+semantic" + self._threshold()

    @property
    def short_label(self) -> str:
        """The label for a narrow column: ``exact+sem ≥0.90``."""
        return self.label.replace("semantic", "sem")

    def _threshold(self) -> str:
        return f" ≥{self.threshold:.2f}" if self.threshold is not None else ""


class CacheTallyCounter:
    """Folds ``CacheLookedUp`` events into a :class:`CacheTally` (O(1) per event)."""

    def __init__(self) -> None:
        self._counts = {"exact": 0, "semantic": 0, "miss": 0, "bypass": 0, "unavailable": 0}
        self._false_hits = 0
        self._saved_ms = 0.0
        self._saved_usd = 0.0
        self._unpriced = 0
        self._tally: CacheTally | None = CacheTally()

    def observe(self, event: CacheLookedUp) -> None:
        """Count one lookup."""
        self._counts[event.verdict] = self._counts.get(event.verdict, 0) + 1
        self._false_hits += event.rejects is not None
        if event.hit:
            self._saved_ms += event.saved_ms or 0.0
            if event.saved_usd is None:
                self._unpriced += 1
            else:
                self._saved_usd += event.saved_usd
        self._tally = None

    def tally(self) -> CacheTally:
        """The counts so far (built once per change, so snapshots stay cheap)."""
        if self._tally is None:
            c = self._counts
            self._tally = CacheTally(
                exact=c["exact"],
                semantic=c["semantic"],
                misses=c["miss"],
                bypasses=c["bypass"],
                unavailable=c["unavailable"],
                false_hits=self._false_hits,
                saved_ms=self._saved_ms,
                saved_usd=self._saved_usd,
                unpriced_hits=self._unpriced,
            )
        return self._tally
