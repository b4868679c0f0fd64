"""The turn pipeline's per-token and per-call shortcuts keep the same behaviour."""

from __future__ import annotations

import importlib.util
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tuichat.core.clock import ClockTimeout, ManualClock
from tuichat.core.health.breaker import CircuitBreaker
from tuichat.core.health.breaker_health import BreakerHealth, HealthChange, LocalHealth
from tuichat.core.limits.headers import parse_rate_limit_headers
from tuichat.core.turn.deadline import Deadline, Timeouts
from tuichat.core.turn.sentence_buffer import _BOUNDARY, _TERMINATOR
from tuichat.providers import sniffio_hint


class CountingHealth(LocalHealth):
    """Local records that count the writes (the shared file's transactions)."""

    def __init__(self) -> None:
        super().__init__()
        self.updates = 0

    def update(self, key: str, change: HealthChange) -> BreakerHealth:
        self.updates += 1
        return super().update(key, change)


async def _expiry(clock: ManualClock, timeout: ClockTimeout, moves: list[float]) -> float:
    """Move the deadline to each of ``moves``, 1 s apart, then wait; when it expired."""
    with pytest.raises(TimeoutError):
        async with timeout:
            for when in moves:
                timeout.reschedule(when)
                await clock.sleep(1.0)
            while True:
                await clock.sleep(1.0)
    return clock.now()


async def test_a_deadline_moved_later_on_every_token_expires_at_the_last_one() -> None:
    clock = ManualClock(start=0.0)
    timeout = ClockTimeout(clock, 5.0)
    assert await _expiry(clock, timeout, [5.0 + i for i in range(10)]) == 14.0
    assert timeout.expired


async def test_a_deadline_moved_earlier_expires_at_the_earlier_time() -> None:
    clock = ManualClock(start=0.0)
    assert await _expiry(clock, ClockTimeout(clock, 50.0), [20.0, 3.0]) == 3.0


async def test_a_deadline_moved_to_none_never_expires() -> None:
    clock = ManualClock(start=0.0)
    async with ClockTimeout(clock, 1.0) as timeout:
        timeout.reschedule(None)
        clock.advance(100.0)
    assert not timeout.expired


@pytest.mark.parametrize(
    ("idle", "total", "elapsed"),
    [(60.0, 600.0, 0.0), (60.0, 600.0, 590.0), (None, 600.0, 5.0), (30.0, None, 5.0),
     (10.0, 15.0, 5.0)],
)  # fmt: skip
def test_next_idle_is_next_of_idle(idle: float | None, total: float | None, elapsed: float) -> None:
    clock = ManualClock(start=0.0)
    fast, slow = (Deadline(Timeouts(idle=idle, total=total), clock) for _ in range(2))
    clock.advance(elapsed)
    assert fast.next_idle() == slow.next("idle")
    assert fast.error("p").message == slow.error("p").message


def test_a_closed_breaker_without_failures_is_only_read() -> None:
    records = CountingHealth()
    breaker = CircuitBreaker(ManualClock(), provider="p", records=records)
    for _ in range(5):
        assert breaker.allow()
        breaker.record_success()
    assert records.updates == 0
    assert breaker.successes == 5 and breaker.availability() == 1.0


def test_failures_on_record_still_count_successes_towards_the_reset() -> None:
    records = CountingHealth()
    breaker = CircuitBreaker(ManualClock(), provider="p", records=records, success_reset=2)
    breaker.record_failure("server_error")
    breaker.record_success()
    assert breaker.failures_in_window() == 1
    breaker.record_success()  # the second success in a row forgets the failure
    assert breaker.failures_in_window() == 0
    updates = records.updates
    breaker.record_success()
    assert breaker.allow() and records.updates == updates


def test_an_absent_sniffio_is_marked_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "sniffio", raising=False)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    assert sniffio_hint.mark_sniffio_absent()
    assert sys.modules["sniffio"] is None
    with pytest.raises(ImportError):
        import sniffio  # noqa: F401
    assert not sniffio_hint.mark_sniffio_absent()


def test_an_installed_sniffio_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "sniffio", raising=False)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: object())
    assert not sniffio_hint.mark_sniffio_absent()
    assert "sniffio" not in sys.modules


@given(st.text(alphabet=st.sampled_from(list("ab .!?…:;。！？\n\"')]”’»」』）】\t")), max_size=40))
def test_every_boundary_starts_with_a_terminator(text: str) -> None:
    for match in _BOUNDARY.finditer(text):
        assert _TERMINATOR.match(text, match.start())


def test_headers_without_a_rate_limit_name_are_not_parsed() -> None:
    plain = {"Content-Type": "text/event-stream", "X-Request-Id": "abc", "Server": "sim"}
    assert parse_rate_limit_headers(plain, 1.0, 1e9) is None
    found = parse_rate_limit_headers({**plain, "X-RateLimit-Remaining-Requests": "9"}, 1.0, 1e9)
    assert found is not None and found.requests is not None and found.requests.remaining == 9
