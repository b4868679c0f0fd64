"""What each HUD panel shows, as frozen values: the widgets render these, nothing else.

:func:`build_hud_snapshot` puts together the turn's snapshot, the session's
aggregates, the turn report, the breakers and the budget status the app
supplies. Anything a panel cannot know is None (or empty), so the widget can
say "not available" instead of showing a made-up number.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tuichat.core.context.fit import WindowUse
from tuichat.core.context.length import LengthPreset
from tuichat.core.cost.budget_status import BudgetLine
from tuichat.core.feedback.tally import FeedbackCounts
from tuichat.core.health.breaker import BreakerSnapshot
from tuichat.core.limit_state import RateLimitState
from tuichat.core.metrics.cache_tally import CacheTally, ResponseCacheMode
from tuichat.core.metrics.prompt_cache import PromptCacheBreak, PromptCacheBreaks
from tuichat.core.metrics.session_stats import QueueState, SessionSnapshot
from tuichat.core.metrics.turn_report import TurnReport
from tuichat.core.metrics.turn_snapshot import TurnSnapshot
from tuichat.core.metrics.waterfall import Waterfall
from tuichat.core.route_choice import RouteChoice


@dataclass(frozen=True, slots=True)
class LatencyView:
    """TTFT now / p50 / p95 for the model, and the turn's waterfall."""

    model: str
    status: str
    running: bool
    ttft_ms: float | None
    p50_ms: float | None
    p95_ms: float | None
    samples: int
    waterfall: Waterfall | None


@dataclass(frozen=True, slots=True)
class ThroughputView:
    """Tokens per second now and over the turn, and tokens in/out."""

    rate_now: float | None
    rate_avg: float | None
    sparkline: tuple[float, ...]
    bucket_s: float
    input_tokens: int | None
    output_tokens: int | None
    output_estimated: bool
    window: WindowUse | None = None
    """The next request and its answer budget against the window (the app fills it in)."""
    length: LengthPreset | None = None
    """The session's length preset (None: each model's own cap)."""


@dataclass(frozen=True, slots=True)
class PromptCacheUse:
    """Provider prompt-cache tokens over some prompts (a turn, or the session)."""

    cached: int
    written: int
    prompt: int | None

    @property
    def share(self) -> float | None:
        """Cached over prompt tokens; None when the prompt size is unknown."""
        return None if not self.prompt else min(1.0, self.cached / self.prompt)


NO_BREAKS = PromptCacheBreaks(0, None, 0, None)
NO_LOOKUPS = CacheTally()


@dataclass(frozen=True, slots=True)
class CacheFigures:
    """What the session knows about caches beyond the turn's token counts."""

    mode: ResponseCacheMode | None = None
    """How the response cache is configured; None when the app did not say."""
    response: CacheTally = NO_LOOKUPS
    """This session's response-cache lookups."""
    today: CacheTally | None = None
    """Today's lookups across sessions (from the log); None until the app supplies them."""
    breaks: PromptCacheBreaks = NO_BREAKS
    turn_break: PromptCacheBreak | None = None
    """The current turn's prompt-cache break, if it broke."""


@dataclass(frozen=True, slots=True)
class CacheView:
    """tuichat's response cache and the provider's prompt cache (see :class:`CacheFigures`)."""

    mode: ResponseCacheMode | None
    response: CacheTally
    today: CacheTally | None
    turn: PromptCacheUse | None
    """None when the provider said nothing about caching for this turn."""
    session: PromptCacheUse | None
    breaks: PromptCacheBreaks
    turn_break: PromptCacheBreak | None


@dataclass(frozen=True, slots=True)
class WindowView:
    """One rate-limit window: what is left of the limit and when it refills."""

    name: str
    remaining: int | None
    limit: int | None
    fraction_left: float | None
    reset_in_s: float | None


@dataclass(frozen=True, slots=True)
class ProviderView:
    """One provider endpoint's circuit breaker and availability this session."""

    key: str
    state: str
    retry_in_s: float | None
    availability: float | None
    successes: int
    failures: int


@dataclass(frozen=True, slots=True)
class LimitsView:
    """Rate limits of the latest provider, 429s, the limiter's queue.

    ``providers`` are the breakers: the Health panel draws them; they are here
    too because an open breaker's countdown is a reason to tick while idle.
    """

    provider: str | None
    source: str | None
    """Header family the windows came from; None when no headers were seen."""
    windows: tuple[WindowView, ...]
    rate_limited: int
    queue: QueueState | None
    providers: tuple[ProviderView, ...]


@dataclass(frozen=True, slots=True)
class CostView:
    """Spend: this turn, this session, today, and the budgets that cap it."""

    turn_usd: float | None
    turn_unpriced: int
    session_usd: float | None
    session_unpriced: int
    estimated: bool
    today_usd: float | None
    budgets: tuple[BudgetLine, ...]
    feedback: FeedbackCounts | None = None
    """The session's ratings and follow-ups (the chat app adds them; None: no line)."""


@dataclass(frozen=True, slots=True)
class HealthView:
    """Errors this session, provider availability, and what the turn had to try."""

    attempts: int
    failed: int
    error_rate: float | None
    cancelled: int
    """Attempts the user cancelled: they ended, but count in no error rate."""
    providers: tuple[ProviderView, ...]
    retries: int
    fallbacks: int
    summary: str
    route: RouteChoice | None = None
    """Which ``[[routing]]`` rule picked the latest turn's model, and why (None: no rules)."""


@dataclass(frozen=True, slots=True)
class SpendStatus:
    """What the app knows about spending beyond this session (from the cost log)."""

    today_usd: float | None = None
    """Spent today across sessions; None while nobody supplies it."""
    budgets: tuple[BudgetLine, ...] = ()
    """The configured budgets' states; empty when none is set."""


@dataclass(frozen=True, slots=True)
class HudSnapshot:
    """Every panel's view at one instant."""

    latency: LatencyView
    throughput: ThroughputView
    cache: CacheView
    limits: LimitsView
    cost: CostView
    health: HealthView


def build_hud_snapshot(
    turn: TurnSnapshot | None,
    report: TurnReport | None,
    session: SessionSnapshot,
    breakers: Mapping[str, BreakerSnapshot],
    now: float,
    *,
    today_usd: float | None = None,
    budgets: Sequence[BudgetLine] = (),
    caches: CacheFigures = CacheFigures(),
) -> HudSnapshot:
    """Assemble the panels' views (see the module docstring)."""
    providers = _providers(breakers)
    return HudSnapshot(
        latency=_latency(turn, session),
        throughput=_throughput(turn),
        cache=_cache(turn, session, caches),
        limits=_limits(session, providers, now),
        cost=_cost(turn, session, today_usd, budgets),
        health=_health(session, providers, report),
    )


def _latency(turn: TurnSnapshot | None, session: SessionSnapshot) -> LatencyView:
    stats = session.ttft
    return LatencyView(
        model=turn.model if turn else "",
        status=turn.status if turn else "idle",
        running=turn.running if turn else False,
        ttft_ms=turn.ttft_ms if turn else None,
        p50_ms=stats.p50_ms if stats else None,
        p95_ms=stats.p95_ms if stats else None,
        samples=stats.samples if stats else 0,
        waterfall=turn.waterfall if turn else None,
    )


def _throughput(turn: TurnSnapshot | None) -> ThroughputView:
    if turn is None:
        return ThroughputView(None, None, (), 0.0, None, None, False)
    return ThroughputView(
        rate_now=turn.rate_now,
        rate_avg=turn.tokens_per_s,
        sparkline=turn.sparkline,
        bucket_s=turn.sparkline_bucket_s,
        input_tokens=turn.input_tokens,
        output_tokens=turn.output_tokens,
        output_estimated=turn.output_estimated,
    )


def _cache(turn: TurnSnapshot | None, session: SessionSnapshot, caches: CacheFigures) -> CacheView:
    turn_use = None
    if turn is not None and (turn.cached_input_tokens, turn.cache_write_tokens) != (None, None):
        cached, written = turn.cached_input_tokens or 0, turn.cache_write_tokens or 0
        turn_use = PromptCacheUse(cached, written, turn.input_tokens)
    session_use = None
    if session.cache_reported:
        session_use = PromptCacheUse(
            session.cached_prompt_tokens, session.cache_write_tokens, session.prompt_tokens
        )
    return CacheView(
        mode=caches.mode,
        response=caches.response,
        today=caches.today,
        turn=turn_use,
        session=session_use,
        breaks=caches.breaks,
        turn_break=caches.turn_break,
    )


def _limits(
    session: SessionSnapshot, providers: tuple[ProviderView, ...], now: float
) -> LimitsView:
    state = session.rate_limit
    return LimitsView(
        provider=session.provider,
        source=state.source if state else None,
        windows=_windows(state, now),
        rate_limited=session.rate_limited,
        queue=session.queue,
        providers=providers,
    )


def _windows(state: RateLimitState | None, now: float) -> tuple[WindowView, ...]:
    if state is None:
        return ()
    return tuple(
        WindowView(name, w.remaining, w.limit, w.fraction_left(), w.seconds_to_reset(now))
        for name, w in state.windows().items()
    )


def _cost(
    turn: TurnSnapshot | None,
    session: SessionSnapshot,
    today_usd: float | None,
    budgets: Sequence[BudgetLine],
) -> CostView:
    priced = session.cost_reports - session.unpriced_attempts
    return CostView(
        turn_usd=turn.cost_usd if turn else None,
        turn_unpriced=turn.unpriced_attempts if turn else 0,
        session_usd=session.cost_usd if priced > 0 else None,
        session_unpriced=session.unpriced_attempts,
        estimated=session.cost_estimated,
        today_usd=today_usd,
        budgets=tuple(budgets),
    )


def _health(
    session: SessionSnapshot, providers: tuple[ProviderView, ...], report: TurnReport | None
) -> HealthView:
    return HealthView(
        attempts=session.attempts,
        failed=session.failed_attempts,
        error_rate=session.error_rate,
        cancelled=session.cancelled_attempts,
        providers=providers,
        retries=report.retries if report else 0,
        fallbacks=report.fallbacks if report else 0,
        summary=report.summary if report else "",
    )


def _providers(breakers: Mapping[str, BreakerSnapshot]) -> tuple[ProviderView, ...]:
    return tuple(
        ProviderView(
            key,
            snap.state,
            snap.retry_in,
            snap.availability,
            snap.successes,
            snap.failures,
        )
        for key, snap in sorted(breakers.items())
    )
