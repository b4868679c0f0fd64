"""Feedback in the chat app: ctrl+f rates the last (or the selected) answer; follow-ups are logged.

The real app and log, the simulator over loopback.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from tests.helpers.chat_pilot import make_app, send, wait_until
from tuichat.core.feedback.tally import FeedbackCounts
from tuichat.store.database import open_database_sync
from tuichat.store.feedback import FeedbackMark, feedback_for, feedback_summary
from tuichat.ui.app import TuichatApp
from tuichat.ui.screens.feedback import FeedbackDialog
from tuichat.ui.widgets.hud_lines import cost_lines
from tuichat.ui.widgets.messages import AssistantMessage, UserMessage

MODEL = "sim?tokens=6"


def answers(app: TuichatApp) -> list[AssistantMessage]:
    return app.transcript.shown_answers()


async def ask(pilot: Any, app: TuichatApp, text: str) -> AssistantMessage:
    count = len(answers(app))
    await send(pilot, text)
    await wait_until(pilot, lambda: len(answers(app)) > count)
    await wait_until(pilot, lambda: app.turn is not None and not app.turn.running)
    await app.workers.wait_for_complete()
    return answers(app)[-1]


async def rate(pilot: Any, app: TuichatApp, keys: list[str]) -> None:
    await pilot.press("ctrl+f")
    await wait_until(pilot, lambda: isinstance(app.screen, FeedbackDialog))
    await pilot.press(*keys)
    await wait_until(pilot, lambda: not isinstance(app.screen, FeedbackDialog))
    await pilot.pause()


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute(sql).fetchall()


async def test_rate_the_last_answer_with_a_comment(sim: object, tmp_path: Path) -> None:
    db = tmp_path / "log.db"
    app = make_app(sim, MODEL, db)  # type: ignore[arg-type]
    async with app.run_test() as pilot:
        first = await ask(pilot, app, "What is a token bucket?")
        last = await ask(pilot, app, "How does a leaky bucket differ?")
        base = last.status
        await rate(pilot, app, ["minus", *"too vague", "enter"])
        assert last.status is not None and last.status[0].endswith("👎 “too vague”")
        assert base is None or last.status[0].startswith(base[0])
        assert first.status is None or "👎" not in first.status[0]
        # Changing one's mind replaces the mark (and the row): latest wins.
        await rate(pilot, app, ["plus", "enter"])  # the comment is kept
        assert last.status is not None and last.status[0].endswith("👍 “too vague”")
        assert "👎" not in last.status[0]
        assert app.feedback_counts() == FeedbackCounts(ups=1)
        assert app.chat.writer is not None
        await app.chat.writer.flush(everything=True)
        trace = last.trace_id
        assert trace is not None
        assert rows(db, "SELECT trace_id, rating, comment FROM feedback") == [
            (trace, 1, "too vague")
        ]
        # Esc cancels: nothing changes.
        await rate(pilot, app, ["minus", "escape"])
        assert last.status[0].endswith("👍 “too vague”")
    conn = open_database_sync(db)
    assert feedback_for(conn, [trace]) == {trace: FeedbackMark(1, "too vague")}
    assert feedback_summary(conn) == (1, 0, 0, 2)
    conn.close()


async def test_the_focused_prompt_selects_its_answer(sim: object, tmp_path: Path) -> None:
    db = tmp_path / "log.db"
    app = make_app(sim, MODEL, db)  # type: ignore[arg-type]
    async with app.run_test() as pilot:
        first = await ask(pilot, app, "What is a token bucket?")
        await ask(pilot, app, "How does a leaky bucket differ?")
        app.query(UserMessage).first().focus()
        await pilot.pause()
        await rate(pilot, app, ["up", *"clear", "enter"])
        assert first.status is not None and first.status[0].endswith("👍 “clear”")
        assert answers(app)[-1].status is None or "👍" not in answers(app)[-1].status[0]


async def test_enter_without_a_rating_keeps_the_dialog(sim: object, tmp_path: Path) -> None:
    app = make_app(sim, MODEL, tmp_path / "log.db")  # type: ignore[arg-type]
    async with app.run_test() as pilot:
        await pilot.press("ctrl+f")
        await pilot.pause()
        assert not isinstance(app.screen, FeedbackDialog)  # nothing to rate yet
        await ask(pilot, app, "What is a token bucket?")
        await pilot.press("ctrl+f", "enter", "ctrl+f")  # ctrl+f in the dialog opens no second one
        await pilot.pause()
        assert isinstance(app.screen, FeedbackDialog) and len(app.screen_stack) == 2
        await pilot.press("escape")


async def test_a_re_asked_question_is_a_follow_up_on_the_hud(sim: object, tmp_path: Path) -> None:
    db = tmp_path / "log.db"
    app = make_app(sim, MODEL, db)  # type: ignore[arg-type]
    async with app.run_test() as pilot:
        first = await ask(pilot, app, "How do I reverse a list in Python?")
        await ask(pilot, app, "What is the boiling point of water?")
        again = await ask(pilot, app, "python: reverse a list?")
        assert app.feedback_counts() == FeedbackCounts(follow_ups=1)
        snapshot = app.metrics.hud_snapshot(app.hud_now(), {})
        assert snapshot.cost.feedback is None  # the app adds its counts when it draws
        app.refresh_hud()
        assert app.chat.writer is not None
        await app.chat.writer.flush(everything=True)
    found = rows(db, "SELECT trace_id, follow_up_of, method FROM follow_ups")
    assert found == [(again.trace_id, first.trace_id, "words")]


def test_the_hud_line_says_the_counts_and_folds_when_narrow() -> None:
    from tuichat.core.metrics.hud_view import CostView

    view = CostView(None, 0, 0.01, 0, False, None, (), FeedbackCounts(3, 1, 2))
    wide = ["".join(part if isinstance(part, str) else part[0] for part in line)
            for line in cost_lines(view, 30)]  # fmt: skip
    assert "feedback  👍 3 · 👎 1 · ↻ 2" in wide
    narrow = ["".join(part if isinstance(part, str) else part[0] for part in line)
              for line in cost_lines(view, 22)]  # fmt: skip
    assert "feedback  👍3 👎1 ↻2" in narrow
    quiet = CostView(None, 0, 0.01, 0, False, None, (), FeedbackCounts())
    assert not any("feedback" in str(line) for line in cost_lines(quiet, 30))
