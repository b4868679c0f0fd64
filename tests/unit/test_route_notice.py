"""Toasts for what the route did: a breaker says what happened, and for how long."""

from __future__ import annotations

from tuichat.core.clock import ManualClock
from tuichat.core.events import BreakerChanged, FallbackTaken
from tuichat.core.health.breaker import BreakerBoard
from tuichat.core.health.breaker_watch import BreakerWatch
from tuichat.ui.chat_text import route_notice

KEY = "openai-compat@api.example.test"


def changed(to_state: str, reason: str = "why", from_state: str = "closed") -> BreakerChanged:
    return BreakerChanged(
        trace_id="t", ts=1.0, provider=KEY, from_state=from_state, to_state=to_state, reason=reason
    )


def test_an_open_circuit_says_why_and_when_it_tries_again() -> None:
    clock = ManualClock()
    seen: list[BreakerChanged] = []
    watch = BreakerWatch(BreakerBoard(clock), "t", clock, seen.append)  # type: ignore[arg-type]
    for _ in range(3):
        watch.failure(KEY, "connection")
    notice = route_notice(seen[-1])
    assert notice is not None
    text, _ = notice
    assert text == (
        f"{KEY}: circuit open: 3 failures within 60 s (last: connection); next probe in 30 s"
    )


def test_only_open_and_closed_again_are_toasted() -> None:
    assert route_notice(changed("half_open", from_state="open")) is None
    closed = route_notice(changed("closed", "probe succeeded", from_state="half_open"))
    assert closed is not None and closed[0] == f"{KEY}: circuit closed again: probe succeeded"


def test_a_fallback_still_names_both_models() -> None:
    event = FallbackTaken(trace_id="t", ts=1.0, from_model="bad", to_model="good", reason="x")
    assert route_notice(event) == ("bad → good: x", 5)
