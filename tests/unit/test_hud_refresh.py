"""When the HUD redraws, on a manual clock (the session's clock in the app)."""

from __future__ import annotations

from dataclasses import replace

from tuichat.core.clock import ManualClock
from tuichat.core.metrics.hud_view import HudSnapshot, WindowView
from tuichat.core.metrics.session_metrics import SessionMetrics
from tuichat.ui.hud_refresh import (
    RIDE_AFTER,
    STALE_AFTER,
    TEXT_QUIET,
    HudRefresh,
    TimerPlan,
    has_countdowns,
)


def snapshot(now: float, *, reset_in_s: float | None = None) -> HudSnapshot:
    """An empty session's snapshot; with ``reset_in_s``, a window that refills then."""
    snap = SessionMetrics().hud_snapshot(now, {})
    if reset_in_s is None:
        return snap
    window = WindowView("requests", 3, 10, 0.3, reset_in_s)
    return replace(snap, limits=replace(snap.limits, windows=(window,)))


def live_refresh(clock: ManualClock) -> HudRefresh:
    """A policy for a running turn, just refreshed at ``clock.now()``."""
    policy = HudRefresh()
    policy.streaming(True, clock.now())
    policy.refreshed(clock.now(), snapshot(clock.now()))
    return policy


def test_text_brings_the_hud_along_once_it_is_ride_after_old() -> None:
    clock = ManualClock(0.0)
    policy = live_refresh(clock)
    policy.text_shown(clock.now())  # the turn's first text (paints alone)
    clock.advance(RIDE_AFTER / 2)
    assert not policy.text_shown(clock.now())
    clock.advance(RIDE_AFTER / 2)
    assert policy.text_shown(clock.now())


def test_the_first_text_of_a_turn_paints_alone() -> None:
    clock = ManualClock(0.0)
    policy = live_refresh(clock)
    clock.advance(RIDE_AFTER * 3)  # the HUD is due
    assert not policy.text_shown(clock.now())  # but the first text is the frame waited for
    assert not policy.text_shown(clock.now())  # so is text that comes with it (a cached answer)
    clock.advance(RIDE_AFTER)
    assert policy.text_shown(clock.now())  # later text brings it along
    policy.streaming(False, clock.now())
    policy.streaming(True, clock.now())  # the next turn
    assert not policy.text_shown(clock.now())


def test_text_after_the_turn_brings_nothing_along() -> None:
    clock = ManualClock(0.0)
    policy = live_refresh(clock)
    policy.streaming(False, clock.now())
    clock.advance(10)
    assert not policy.text_shown(clock.now())


def test_the_timer_refreshes_once_text_goes_quiet() -> None:
    clock = ManualClock(0.0)
    policy = live_refresh(clock)
    policy.text_shown(clock.now())
    clock.advance(TEXT_QUIET / 2)
    assert not policy.tick_due(clock.now())
    clock.advance(TEXT_QUIET / 2)
    assert policy.tick_due(clock.now())


def test_a_turns_first_tick_waits_as_if_text_had_just_come() -> None:
    clock = ManualClock(0.0)
    policy = HudRefresh()
    policy.refreshed(clock.now(), snapshot(clock.now()))
    clock.advance(60)  # idle: the HUD was last drawn a minute ago
    policy.streaming(True, clock.now())
    assert not policy.tick_due(clock.now())  # the timer resumes with a tick: not due yet
    clock.advance(TEXT_QUIET / 2)
    assert not policy.tick_due(clock.now())
    clock.advance(TEXT_QUIET / 2)
    assert policy.tick_due(clock.now())  # no text for TEXT_QUIET: the wait is shown


def test_flowing_text_never_leaves_the_hud_older_than_stale_after() -> None:
    clock = ManualClock(0.0)
    policy = live_refresh(clock)
    while clock.now() + 0.0625 < STALE_AFTER:
        clock.advance(0.0625)
        policy.text_shown(clock.now())  # (the app would refresh here; this test doesn't)
        assert not policy.tick_due(clock.now())
    clock.advance(0.0625)
    policy.text_shown(clock.now())
    assert policy.tick_due(clock.now())


def test_the_idle_tick_moves_countdowns_only() -> None:
    clock = ManualClock(0.0)
    policy = HudRefresh()
    policy.refreshed(clock.now(), snapshot(clock.now()))
    assert not policy.idle_tick_due()
    policy.refreshed(clock.now(), snapshot(clock.now(), reset_in_s=41.0))
    assert policy.countdowns and policy.idle_tick_due()
    policy.streaming(True, clock.now())
    assert not policy.idle_tick_due()  # the streaming timer does it


def test_timers_run_only_while_the_hud_is_shown() -> None:
    policy = HudRefresh()
    assert policy.timers(shown=True) == TimerPlan(streaming_timer=False, idle_timer=True)
    policy.streaming(True, 0.0)
    assert policy.timers(shown=True) == TimerPlan(streaming_timer=True, idle_timer=True)
    assert policy.timers(shown=False) == TimerPlan(streaming_timer=False, idle_timer=False)


def test_countdowns_are_resets_queue_waits_and_open_breakers() -> None:
    limits = snapshot(0.0).limits
    assert not has_countdowns(limits)
    assert has_countdowns(snapshot(0.0, reset_in_s=5.0).limits)
    assert not has_countdowns(snapshot(0.0, reset_in_s=0.0).limits)  # refilled: nothing moves
