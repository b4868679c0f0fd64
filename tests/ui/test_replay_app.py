"""The replay screen: a logged session played through the chat screen's own renderer and HUD."""

from __future__ import annotations

from tests.helpers.logged import logged_session, logged_turn
from tuichat.core.turn.replay import ReplayControl
from tuichat.ui.replay_app import ReplayApp
from tuichat.ui.screens.replay import ReplayScreen
from tuichat.ui.widgets.messages import AssistantMessage, UserMessage


async def test_a_replay_shows_each_turn_marks_itself_and_reanimates_the_hud() -> None:
    session = logged_session(
        logged_turn("first \x1b]52;c;aGk=\x07question", ["Hello ", "there \x1b[2J", "friend."]),
        logged_turn("second", ["Short."]),
    )
    app = ReplayApp(session, ReplayControl(None))
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        prompts = [str(m.render()) for m in app.query(UserMessage)]
        answers = [m.text for m in app.query(AssistantMessage)]
        bar = str(app.query_one("#replay-bar").render())
        replay = app.screen
        assert isinstance(replay, ReplayScreen)
        snap = replay.metrics.hud_snapshot(replay.hud_now(), {})
    assert len(prompts) == 2 and "question" in prompts[0] and "\x1b" not in prompts[0]
    assert answers == ["Hello there ␛[2Jfriend.", "Short."]
    assert "REPLAY" in bar and "turn 2/2" in bar and "nothing is sent" in bar
    assert snap.latency.ttft_ms == 375.0 and snap.latency.samples == 2  # the logged figures


async def test_the_keys_pause_skip_and_change_speed() -> None:
    session = logged_session(logged_turn("q", ["a"] * 50, step=10.0))  # a very slow turn
    control = ReplayControl(1.0)
    app = ReplayApp(session, control)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("space")
        assert control.paused and "paused" in str(app.query_one("#replay-bar").render())
        await pilot.press("s")
        assert control.speed == 2.0
        await pilot.press("n")  # the rest of the turn at once (and playing again)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.query_one(AssistantMessage).text == "a" * 50
