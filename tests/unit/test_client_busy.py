"""Client busy time: a stalled event loop is booked as ours, not as network or server time."""

from __future__ import annotations

import pytest

from tests.helpers.scripted_provider import OK_SCRIPT, ScriptedProvider, Stall, run
from tuichat.core.clock import ManualClock
from tuichat.core.events import FirstToken, HeadersReceived
from tuichat.core.metrics.session_metrics import SessionMetrics
from tuichat.core.metrics.waterfall import AttemptStamps, build_waterfall
from tuichat.core.provider import FinishPart, ResponseHead, TextPart
from tuichat.core.turn.chat import ChatSession
from tuichat.core.turn.loop_lag import PERIOD_S, LoopLag
from tuichat.core.turn.services import TurnServices


def test_an_idle_loop_is_never_busy() -> None:
    clock = ManualClock()
    lag = LoopLag(clock)
    lag.start()
    clock.advance(0.5)
    assert lag.busy_s() == 0.0


def test_a_stall_is_counted_less_at_most_one_period() -> None:
    clock = ManualClock()
    lag = LoopLag(clock)
    lag.start()
    clock.advance(0.1)  # ticks on time: the last one at +0.1, the next due at +0.11
    clock.stall(0.2)  # the loop is stuck until +0.3: that tick runs 0.19 s late
    assert lag.busy_s() == pytest.approx(0.2 - PERIOD_S)
    assert 0.2 - PERIOD_S <= lag.busy_s() <= 0.2


def test_jitter_within_the_slack_is_not_busy_time() -> None:
    clock = ManualClock()
    lag = LoopLag(clock)
    lag.start()
    for _ in range(50):
        clock.advance(PERIOD_S)
        clock.stall(0.001)
    assert lag.busy_s() == 0.0


def test_an_overdue_tick_counts_when_read_and_stop_freezes_the_sum() -> None:
    clock = ManualClock()
    lag = LoopLag(clock)
    lag.start()
    clock._now += 0.1  # stuck right now: the tick is due but has not run yet
    assert lag.busy_s() == pytest.approx(0.1 - PERIOD_S)
    frozen = lag.stop()
    clock.stall(1.0)
    assert lag.busy_s() == frozen and not lag.running


def busy_session(script: list[object]) -> tuple[ChatSession, SessionMetrics]:
    clock = ManualClock()
    metrics = SessionMetrics()
    services = TurnServices(clock=clock, metrics=metrics.observe)
    session = ChatSession(ScriptedProvider(clock, script), "m", services=services)  # type: ignore[arg-type]
    return session, metrics


async def test_a_stall_after_the_headers_is_client_busy_not_first_token_wait() -> None:
    script = [ResponseHead(200), 0.02, Stall(0.3), *OK_SCRIPT[2:]]
    session, metrics = busy_session(script)
    events = await run(session.start_turn("hi"))
    [head] = [e for e in events if isinstance(e, HeadersReceived)]
    [first] = [e for e in events if isinstance(e, FirstToken)]
    assert head.client_busy_ms == 0.0
    assert first.client_busy_ms == pytest.approx(290.0)  # 300 ms stall, less one period
    assert metrics.current is not None
    snap = metrics.current.snapshot(0.0)
    assert snap.client_busy_ms == pytest.approx(290.0)
    assert snap.waterfall is not None
    phases = {p.name: p.ms for p in snap.waterfall.phases}
    assert phases["client busy"] == pytest.approx(290.0)
    assert phases["1st token"] == pytest.approx(320.0 - 290.0)
    assert sum(ms or 0.0 for ms in phases.values()) == pytest.approx(snap.waterfall.total_ms)
    assert snap.ttft_ms == pytest.approx(320.0)  # TTFT stays what the user waited


async def test_a_stall_before_the_headers_comes_out_of_ttfb() -> None:
    script = [Stall(0.2), ResponseHead(200), 0.05, TextPart("Hi."), FinishPart("stop", None)]
    session, metrics = busy_session(script)
    events = await run(session.start_turn("hi"))
    [head] = [e for e in events if isinstance(e, HeadersReceived)]
    assert head.client_busy_ms == pytest.approx(190.0)
    assert metrics.current is not None
    fall = metrics.current.snapshot(0.0).waterfall
    assert fall is not None
    phases = {p.name: p.ms for p in fall.phases}
    assert phases["TTFB"] == pytest.approx(10.0)
    assert phases["1st token"] == pytest.approx(50.0)
    assert phases["client busy"] == pytest.approx(190.0)


def test_busy_longer_than_a_phase_is_clamped_and_the_total_still_adds_up() -> None:
    a = AttemptStamps(
        number=1, started=0.0, headers=0.01, first_token=0.02, last_token=0.1,
        busy_headers_ms=500.0, busy_first_ms=500.0,
    )  # fmt: skip
    fall = build_waterfall(0.0, a, 0.1, running=False)
    phases = {p.name: p.ms for p in fall.phases}
    assert phases["TTFB"] == 0.0 and phases["1st token"] == 0.0
    assert phases["client busy"] == pytest.approx(20.0)
    assert sum(ms or 0.0 for ms in phases.values()) == pytest.approx(fall.total_ms)


async def test_no_probe_runs_after_the_first_token() -> None:
    session, _ = busy_session([*OK_SCRIPT[:3], Stall(0.5), *OK_SCRIPT[3:]])
    events = await run(session.start_turn("hi"))
    [first] = [e for e in events if isinstance(e, FirstToken)]
    assert first.client_busy_ms == 0.0


def latency_text(busy_first_ms: float | None) -> str:
    from tuichat.core.metrics.hud_view import LatencyView
    from tuichat.ui.widgets.hud_lines import latency_lines

    a = AttemptStamps(
        number=1, started=0.0, headers=0.05, first_token=0.3, last_token=0.5,
        busy_headers_ms=0.0, busy_first_ms=busy_first_ms,
    )  # fmt: skip
    fall = build_waterfall(0.0, a, 0.5, running=False)
    view = LatencyView("m", "ok", False, 300.0, None, None, 0, fall)
    lines = latency_lines(view, 60)
    return "\n".join("".join(p if isinstance(p, str) else p[0] for p in line) for line in lines)


def test_the_hud_latency_panel_says_client_busy_on_the_total_line() -> None:
    shown = latency_text(200.0)
    assert "total" in shown and "500 ms, 200 ms busy" in shown
    assert "busy" not in latency_text(0.0)
    assert "busy" not in latency_text(None)  # older logs, replays
    assert latency_text(200.0).count("\n") == latency_text(None).count("\n")  # same height
