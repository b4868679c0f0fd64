"""One turn at one instant, as the HUD and ``ask --json`` show it."""

from __future__ import annotations

from dataclasses import dataclass

from tuichat.core.metrics.waterfall import Waterfall


@dataclass(frozen=True, slots=True)
class TurnSnapshot:
    """One turn at one instant: what the HUD and ``ask --json`` show."""

    model: str
    provider: str
    status: str
    """"queued" | "waiting" | "streaming" | "retrying" | "ok" | "cancelled" | "failed" |
    "truncated"."""
    ttft_ms: float | None
    client_busy_ms: float | None
    """Of the wait for the first token, the time our process could not run its loop."""
    tokens_per_s: float | None
    """Average generation rate: tokens after the first over first → last token."""
    input_tokens: int | None
    output_tokens: int
    output_estimated: bool
    """True while ``output_tokens`` counts chunks (no usage reported yet)."""
    duration_ms: float
    rate_now: float | None = None
    """Chunks per second over the last second; None once the turn is over."""
    sparkline: tuple[float, ...] = ()
    """Chunks per second per ``sparkline_bucket_s`` bucket since the first token."""
    sparkline_bucket_s: float = 0.0
    waterfall: Waterfall | None = None
    cached_input_tokens: int | None = None
    cache_write_tokens: int | None = None
    cost_usd: float | None = None
    """Sum of this turn's priced attempts (None before any ``CostReported``)."""
    unpriced_attempts: int = 0
    cost_estimated: bool = False

    @property
    def running(self) -> bool:
        """True until the turn ended."""
        return self.status in ("queued", "waiting", "streaming", "retrying")
