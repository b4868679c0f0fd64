"""The wait for the first token as a line, driven by events and the manual clock."""

from __future__ import annotations

from tuichat.core.clock import ManualClock
from tuichat.core.events import AttemptStarted, FirstToken, HeadersReceived
from tuichat.core.turn.wait_countdown import WaitCountdown


def _started(clock: ManualClock, headers: float | None = 10, first: float | None = 60):
    return AttemptStarted(
        trace_id="t", ts=clock.now(), attempt=1, model="m", provider="p", base_url_host="h",
        headers_timeout_s=headers, first_token_timeout_s=first,
    )  # fmt: skip


def test_the_line_counts_the_headers_then_the_first_token_wait_and_ends_at_text() -> None:
    clock, countdown = ManualClock(), WaitCountdown()
    countdown.see(_started(clock))
    assert countdown.line(clock.now() + 0.5) is None  # a quick answer shows nothing
    clock.advance(3.4)
    assert countdown.line(clock.now()) == "waiting for the response: 3 s (gives up at 10 s)"
    countdown.see(HeadersReceived(trace_id="t", ts=clock.now(), attempt=1, status_code=200))
    clock.advance(8.7)
    assert countdown.line(clock.now()) == "waiting for the first token: 12 s (gives up at 60 s)"
    countdown.see(FirstToken(trace_id="t", ts=clock.now(), attempt=1))
    assert not countdown.waiting and countdown.line(clock.now()) is None


def test_without_limits_the_line_only_counts() -> None:
    clock, countdown = ManualClock(), WaitCountdown()
    countdown.see(_started(clock, headers=None, first=None))
    assert countdown.line(clock.now() + 5) == "waiting for the first token: 5 s"
