"""Log rows for routing events: retries, fallbacks, breakers, rate limits, stale offers.

Each becomes one ``route_events`` row whose ``detail`` is a small JSON object,
so the stats and debug views can ask "what did the fallback chain do".
"""

from __future__ import annotations

import json
from collections.abc import Callable

from tuichat.core.events import (
    BreakerChanged,
    FallbackTaken,
    RateLimitObserved,
    RetryScheduled,
    StaleAnswerOffered,
)

RouteEvent = (
    RetryScheduled | FallbackTaken | BreakerChanged | RateLimitObserved | StaleAnswerOffered
)


def route_event_detail(
    event: RouteEvent, clean: Callable[[str], str] = str
) -> tuple[str, int | None, str]:
    """``(kind, attempt, detail JSON)`` for one routing event; ``clean`` redacts reasons."""
    if isinstance(event, RetryScheduled):
        info: dict[str, object] = {
            "model": event.model,
            "wait_s": event.wait_s,
            "reason": clean(event.reason),
        }
        return "retry", event.attempt, json.dumps(info)
    if isinstance(event, FallbackTaken):
        info = {"from": event.from_model, "to": event.to_model, "reason": clean(event.reason)}
        return "fallback", None, json.dumps(info)
    if isinstance(event, BreakerChanged):
        info = {
            "provider": event.provider,
            "from": event.from_state,
            "to": event.to_state,
            "reason": clean(event.reason),
        }
        return "breaker", None, json.dumps(info)
    if isinstance(event, StaleAnswerOffered):
        info = {"model": event.model, "age_s": round(event.age_s, 1)}
        return "stale", None, json.dumps(info)
    windows = {
        name: {"limit": w.limit, "remaining": w.remaining}
        for name, w in event.state.windows().items()
    }
    return "rate_limit", event.attempt, json.dumps({"source": event.state.source, **windows})
