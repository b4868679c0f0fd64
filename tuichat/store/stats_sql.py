"""What ``tuichat stats`` selects, as SQL: the filter, the metrics, the indexes.

Every stats query names its index with ``INDEXED BY`` (indexes of migration
``m014_stats_indexes``): left to itself the planner picks the narrow
``(model, started_at)`` index for ``--model`` and then sorts a million rows,
which costs seconds. The one exception is ``--session``: a session has few
rows and ``idx_attempts_session_id`` finds them, so no index is forced.

Values always travel as parameters, never inside the SQL text.
"""

from __future__ import annotations

from dataclasses import dataclass

TOKENS_PER_S = "(output_tokens * 1000.0 / (duration_ms - ttft_ms))"
"""Output tokens over generation time (first token → end); the speed index's expression."""
SPEED_ROWS = "status = 'ok' AND output_tokens > 0 AND duration_ms > ttft_ms"
"""Attempts with a generation speed: complete, with output, and time after the first token."""
LATENCY_ROWS = "duration_ms IS NOT NULL AND status = 'ok'"
"""Total latency is ranked over complete attempts (a fast 429 is not a fast answer)."""
TTFT_ROWS = "ttft_ms IS NOT NULL"
"""TTFT is ranked over every attempt that streamed a first token."""

MODELS_INDEX = "idx_attempts_stats_models"
ERRORS_INDEX = "idx_attempts_stats_errors"
DAYS_INDEX = "idx_attempts_stats_days"
RANK_INDEXES = {
    "ttft_ms": "idx_attempts_ttft_rank",
    "latency_ms": "idx_attempts_latency_rank",
    "tokens_per_s": "idx_attempts_speed_rank",
}
CACHE_INDEX = "idx_cache_lookups_verdict"
STATS_MIGRATION = "m014_stats_indexes"

RATE_LIMIT_TYPES = ("rate_limited", "quota_exceeded")
SERVER_SIDE_TYPES = ("server_error", "overloaded", "timeout", "connection", "protocol_error")
"""Failures that count against an endpoint's availability (not the caller's mistakes)."""


@dataclass(frozen=True, slots=True)
class StatsFilter:
    """Which attempts a report covers: a time window and optional equality filters."""

    since: float | None = None
    until: float | None = None
    model: str | None = None
    provider: str | None = None
    tag: str | None = None
    session_id: str | None = None

    def where(self, alias: str = "a", time_column: str = "started_at") -> tuple[str, list[object]]:
        """``(sql, params)``: the conditions on ``alias`` ("1" when there are none)."""
        clauses: list[str] = []
        params: list[object] = []
        for condition, value in (
            (f"{alias}.{time_column} >= ?", self.since),
            (f"{alias}.{time_column} < ?", self.until),
            (f"{alias}.model = ?", self.model),
            (f"{alias}.provider = ?", self.provider),
            (f"{alias}.session_id = ?", self.session_id),
            (f"{alias}.session_id IN (SELECT id FROM sessions WHERE tag = ?)", self.tag),
        ):
            if value is not None:
                clauses.append(condition)
                params.append(value)
        return " AND ".join(clauses) or "1", params

    def indexed(self, index: str) -> str:
        """``INDEXED BY index``, or nothing for one session (its own index is better)."""
        return "" if self.session_id is not None else f"INDEXED BY {index}"

    def cache_where(self) -> tuple[str, list[object]]:
        """The window and session over ``cache_lookups`` (it has no model or provider)."""
        return StatsFilter(self.since, self.until, session_id=self.session_id).where("c", "ts_wall")
