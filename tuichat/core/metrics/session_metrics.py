"""Per-turn numbers computed from the event stream.

The HUD only renders what this computes, and it computes from the same events
the store logs, so the screen and the log agree: TTFT is ``FirstToken.ts -
AttemptStarted.ts`` of the attempt, exactly as ``attempts.ttft_ms``.
``observe`` is O(1) per event: it runs on every streamed token. Snapshots do
the rest, at most about ten times a second.

:class:`SessionMetrics` routes a session's events to the current
:class:`TurnMetrics`, the session aggregate
(:class:`~tuichat.core.metrics.session_stats.SessionStats`) and the turn's
:class:`~tuichat.core.metrics.turn_report.TurnReport`, and builds the HUD's snapshot.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from tuichat.core.cost.attempt_cost import TurnCost
from tuichat.core.cost.budget_status import BudgetLine
from tuichat.core.events import (
    AttemptStarted,
    CacheLookedUp,
    CostReported,
    Event,
    FirstToken,
    HeadersReceived,
    Queued,
    RetryScheduled,
    TextDelta,
    TextReleased,
    TimingsReported,
    TurnCancelled,
    TurnFailed,
    TurnFinished,
    TurnStarted,
    UsageReported,
)
from tuichat.core.health.breaker import BreakerSnapshot
from tuichat.core.metrics.cache_tally import CacheTally, CacheTallyCounter, ResponseCacheMode
from tuichat.core.metrics.hud_view import CacheFigures, HudSnapshot, build_hud_snapshot
from tuichat.core.metrics.prompt_cache import PromptCacheWatch
from tuichat.core.metrics.session_stats import SessionStats
from tuichat.core.metrics.throughput import TokenRate
from tuichat.core.metrics.turn_report import TurnReport
from tuichat.core.metrics.turn_snapshot import TurnSnapshot
from tuichat.core.metrics.waterfall import AttemptStamps, build_waterfall


class TurnMetrics:
    """Accumulates one turn's timings, token counts and cost."""

    def __init__(self) -> None:
        self.model = ""
        self.provider = ""
        self.status = "waiting"
        self.started: float | None = None
        self.ended: float | None = None
        self.attempt = AttemptStamps()
        self.chunks = 0
        self.rate = TokenRate()
        self.input_tokens: int | None = None
        self.output_tokens: int | None = None
        self.cached_input_tokens: int | None = None
        self.cache_write_tokens: int | None = None
        self.cost_usd: float | None = None
        self.unpriced = 0
        self.cost_estimated = False

    @property
    def first_token(self) -> float | None:
        """When the answering attempt's first token arrived."""
        return self.attempt.first_token

    def observe(self, event: Event) -> None:
        """Fold one event in."""
        if isinstance(event, TextDelta):
            self.observe_delta(event)
        elif isinstance(event, FirstToken):
            self.attempt.first_token, self.status = event.ts, "streaming"
            self.attempt.busy_first_ms = event.client_busy_ms
        elif isinstance(event, TurnStarted):
            self.started, self.model = event.ts, event.model
        elif isinstance(event, Queued):
            self._queued(event)
        elif isinstance(event, AttemptStarted):
            self._attempt_started(event)
        elif isinstance(event, HeadersReceived):
            self.attempt.headers = event.ts
            self.attempt.connect_ms, self.attempt.reused = event.connect_ms, event.connection_reused
            self.attempt.busy_headers_ms = event.client_busy_ms
        elif isinstance(event, UsageReported | TimingsReported | CostReported):
            self._reported(event)
        elif isinstance(event, RetryScheduled):
            self.status = "retrying"
        elif isinstance(event, TurnFinished):
            self._end(event.ts, "ok")
            self.model = event.model
        elif isinstance(event, TurnCancelled):
            self._end(event.ts, "cancelled")
        elif isinstance(event, TurnFailed):
            self._end(event.ts, event.status)

    def observe_delta(self, event: TextDelta) -> None:
        """The per-token path: count the chunk, stamp it, bucket it."""
        self.chunks += 1
        self.attempt.last_token = event.ts
        self.rate.add(event.ts)

    def _queued(self, event: Queued) -> None:
        if self.attempt.started is not None:  # the next attempt waits
            self.attempt = AttemptStamps(number=self.attempt.number + 1)
        if self.attempt.queued_at is None:
            self.attempt.queued_at = event.ts
        self.status = "queued"

    def _attempt_started(self, event: AttemptStarted) -> None:
        if self.attempt.started is not None or self.attempt.queued_at is None:
            self.attempt = AttemptStamps(queued_at=None)
        self.attempt.number, self.attempt.started = event.attempt, event.ts
        self.provider, self.model, self.status = event.provider, event.model, "waiting"
        self.chunks, self.rate = 0, TokenRate()

    def _reported(self, event: UsageReported | TimingsReported | CostReported) -> None:
        if isinstance(event, UsageReported):
            self.input_tokens, self.output_tokens = event.input_tokens, event.output_tokens
            self.cached_input_tokens = event.cached_input_tokens
            self.cache_write_tokens = event.cache_write_tokens
        elif isinstance(event, TimingsReported):
            self.attempt.server_prefill_ms = event.prefill_ms
            if self.cached_input_tokens is None:  # llama.cpp: ``cache_n`` in its timings
                self.cached_input_tokens = event.cached_prompt_tokens
        elif event.cost_usd is None:
            self.unpriced += 1
        else:
            self.cost_usd = (self.cost_usd or 0.0) + event.cost_usd
            self.cost_estimated = self.cost_estimated or event.estimated

    def _end(self, ts: float, status: str) -> None:
        self.ended, self.status = ts, status

    def snapshot(self, now: float) -> TurnSnapshot:
        """Numbers as of ``now`` (the end time once the turn is over)."""
        end = self.ended if self.ended is not None else now
        start = self.started if self.started is not None else end
        tokens = self.output_tokens if self.output_tokens is not None else self.chunks
        running = self.ended is None
        return TurnSnapshot(
            model=self.model,
            provider=self.provider,
            status=self.status,
            ttft_ms=self.ttft_ms(),
            client_busy_ms=self.client_busy_ms(),
            tokens_per_s=self._rate(tokens, end),
            input_tokens=self.input_tokens,
            output_tokens=tokens,
            output_estimated=self.output_tokens is None,
            duration_ms=(end - start) * 1000.0,
            rate_now=self.rate.now(end) if running else None,
            sparkline=self.rate.series(end if running else self.attempt.last_token or end),
            sparkline_bucket_s=self.rate.bucket_s,
            waterfall=build_waterfall(start, self.attempt, end, running=running),
            cached_input_tokens=self.cached_input_tokens,
            cache_write_tokens=self.cache_write_tokens,
            cost_usd=self.cost_usd,
            unpriced_attempts=self.unpriced,
            cost_estimated=self.cost_estimated,
        )

    def ttft_ms(self) -> float | None:
        """Answering attempt's start → first token, in ms (``attempts.ttft_ms``)."""
        a = self.attempt
        if a.first_token is None or a.started is None:
            return None
        return (a.first_token - a.started) * 1000.0

    def client_busy_ms(self) -> float | None:
        """Answering attempt's client busy time to its first token (else to its headers)."""
        a = self.attempt
        return a.busy_first_ms if a.busy_first_ms is not None else a.busy_headers_ms

    def _rate(self, tokens: int, end: float) -> float | None:
        """Generation rate: tokens after the first over the time since the first.

        While streaming the window runs to ``end`` (now); once over, to the
        last token, so a slow ``[DONE]`` does not dilute the rate.
        """
        first, last_token = self.attempt.first_token, self.attempt.last_token
        if first is None or tokens < 2:
            return None
        last = last_token if self.ended is not None and last_token else end
        span = last - first
        return (tokens - 1) / span if span > 0 else None


class SessionMetrics:
    """A chat session's metrics: the current turn, the last one, and the session aggregate.

    ``cache_mode`` is how the response cache is configured (the app knows; the
    events do not): the HUD's cache panel says "off" or names the mode.
    """

    def __init__(self, *, cache_mode: ResponseCacheMode | None = None) -> None:
        self.cache_mode = cache_mode
        self.prompt_cache = PromptCacheWatch()
        """Provider prompt-cache breaks (the debug view lists them)."""
        self.response_cache = CacheTallyCounter()
        """This session's response-cache lookups."""
        self._trace: str | None = None
        self.current: TurnMetrics | None = None
        self.last: TurnMetrics | None = None
        self.report: TurnReport | None = None
        self.cost: TurnCost | None = None
        """The current turn's cost over its attempts (``ask --json``)."""
        self.stats = SessionStats()
        self.turns = 0

    def observe(self, event: Event) -> None:
        """Route an event to the turn and the session it belongs to."""
        if isinstance(event, TextDelta):  # the hot path: once per token
            if self.current is not None:
                self.current.observe_delta(event)
            return
        if isinstance(event, TextReleased):
            return
        if isinstance(event, TurnStarted):
            if self.current is not None:
                self.last = self.current
            self.current, self.report, self.cost = TurnMetrics(), TurnReport(), TurnCost()
            self.turns += 1
            self._trace = event.trace_id
        elif isinstance(event, CacheLookedUp):
            self.response_cache.observe(event)
        if self.current is not None:
            self.current.observe(event)
        if self.report is not None:
            self.report.observe(event)
        if self.cost is not None:
            self.cost.observe(event)
        self.stats.observe(event)
        self.prompt_cache.observe(event)

    def hud_snapshot(
        self,
        now: float,
        breakers: Mapping[str, BreakerSnapshot],
        *,
        today_usd: float | None = None,
        budgets: Sequence[BudgetLine] = (),
        cache_today: CacheTally | None = None,
    ) -> HudSnapshot:
        """Everything the HUD shows, as of ``now``.

        ``cache_today`` is today's response-cache tally from the log (the
        app reads it, like ``today_usd``); None shows as not available.
        """
        turn = self.current.snapshot(now) if self.current is not None else None
        return build_hud_snapshot(
            turn,
            self.report,
            self.stats.snapshot(now),
            breakers,
            now,
            today_usd=today_usd,
            budgets=budgets,
            caches=self.cache_figures(cache_today),
        )

    def cache_figures(self, today: CacheTally | None = None) -> CacheFigures:
        """The session's cache figures: response-cache tally, prompt-cache breaks."""
        breaks = self.prompt_cache.summary()
        latest = breaks.latest
        current = latest if latest is not None and latest.trace_id == self._trace else None
        return CacheFigures(
            mode=self.cache_mode,
            response=self.response_cache.tally(),
            today=today,
            breaks=breaks,
            turn_break=current,
        )
