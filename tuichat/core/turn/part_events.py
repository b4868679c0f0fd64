"""Events for the non-text parts of a provider's stream."""

from __future__ import annotations

from collections.abc import Mapping

from tuichat.core.clock import Clock
from tuichat.core.events import (
    Event,
    HeadersReceived,
    RateLimitObserved,
    TimingsReported,
    UsageReported,
)
from tuichat.core.limits.headers import parse_rate_limit_headers
from tuichat.core.provider import ResponseHead, TimingsPart, UsagePart

MetaPart = ResponseHead | UsagePart | TimingsPart


def meta_event(
    part: MetaPart, trace_id: str, ts: float, attempt: int, busy_ms: float | None = None
) -> Event:
    """The event for a non-text stream part (``busy_ms``: client busy time, for headers)."""
    if isinstance(part, ResponseHead):
        return HeadersReceived(
            trace_id=trace_id,
            ts=ts,
            attempt=attempt,
            status_code=part.status_code,
            connect_ms=part.connect_ms,
            connection_reused=part.connection_reused,
            client_busy_ms=busy_ms,
        )
    if isinstance(part, TimingsPart):
        return TimingsReported(
            trace_id=trace_id,
            ts=ts,
            attempt=attempt,
            prefill_ms=part.prefill_ms,
            generation_ms=part.generation_ms,
            cached_prompt_tokens=part.cached_prompt_tokens,
        )
    return UsageReported(
        trace_id=trace_id,
        ts=ts,
        attempt=attempt,
        input_tokens=part.input_tokens,
        output_tokens=part.output_tokens,
        cached_input_tokens=part.cached_input_tokens,
        cache_write_tokens=part.cache_write_tokens,
        reasoning_tokens=part.reasoning_tokens,
    )


def rate_limit_event(
    headers: Mapping[str, str], trace_id: str, attempt: int, clock: Clock
) -> RateLimitObserved | None:
    """The provider's rate-limit headers as an event; None when they say nothing."""
    if not headers:
        return None
    now = clock.now()
    state = parse_rate_limit_headers(headers, now, clock.wall())
    if state is None:
        return None
    return RateLimitObserved(trace_id=trace_id, ts=now, attempt=attempt, state=state)
