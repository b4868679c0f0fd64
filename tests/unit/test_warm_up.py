"""Start-up warm-ups wait for a quiet chat, one step at a time, and never break it."""

from __future__ import annotations

import sys

from tuichat.core.clock import ManualClock
from tuichat.ui.warm_up import QUIET_S, WarmStep, WarmUp, awaited


def recorder(clock: ManualClock, ran: list[tuple[str, float]], name: str) -> WarmStep:
    return WarmStep(name, lambda: ran.append((name, clock.now())))


async def test_steps_run_in_order_each_after_a_quiet_period() -> None:
    clock = ManualClock(start=100.0)
    ran: list[tuple[str, float]] = []
    warm = WarmUp(clock, busy=lambda: False)
    await warm.run([recorder(clock, ran, "a"), recorder(clock, ran, "b")])
    assert [name for name, _ in ran] == ["a", "b"] == warm.done
    assert ran[0][1] >= 100.0 + QUIET_S


async def test_nothing_runs_while_an_answer_streams() -> None:
    clock = ManualClock(start=100.0)
    ran: list[tuple[str, float]] = []
    warm = WarmUp(clock, busy=lambda: clock.now() < 105.0)
    await warm.run([recorder(clock, ran, "a")])
    assert ran[0][1] >= 105.0


async def test_a_keystroke_restarts_the_quiet_period() -> None:
    clock = ManualClock(start=100.0)
    ran: list[tuple[str, float]] = []
    typed: list[float] = []

    def typing() -> bool:  # a keystroke at 100.5, seen while the warm-up waits
        if clock.now() >= 100.5 and not typed:
            typed.append(clock.now())
            warm.touch()
        return False

    warm = WarmUp(clock, busy=typing)
    await warm.run([recorder(clock, ran, "a")])
    assert ran[0][1] >= typed[0] + QUIET_S


async def test_a_step_may_ask_for_a_longer_quiet() -> None:
    clock = ManualClock(start=100.0)
    ran: list[float] = []
    warm = WarmUp(clock, busy=lambda: False)
    await warm.run([WarmStep("big", lambda: ran.append(clock.now()), quiet_s=3.0)])
    assert ran[0] >= 103.0


async def test_a_failing_step_is_skipped_and_then_is_called_after_a_step() -> None:
    clock = ManualClock()
    after: list[str] = []

    def broken() -> None:
        raise RuntimeError("no wheel")

    async def loads() -> None:
        after.append("async")

    warm = WarmUp(clock, busy=lambda: False)
    steps = [
        WarmStep("broken", broken, then=lambda: after.append("never")),
        WarmStep("async", awaited(loads), then=lambda: after.append("then")),
    ]
    await warm.run(steps)
    assert warm.done == ["async"] and after == ["async", "then"]


async def test_the_switch_interval_is_lowered_during_a_step_and_restored() -> None:
    clock = ManualClock()
    before = sys.getswitchinterval()
    during: list[float] = []
    await WarmUp(clock, busy=lambda: False).run(
        [WarmStep("a", lambda: during.append(sys.getswitchinterval()))]
    )
    assert during[0] < before and sys.getswitchinterval() == before
