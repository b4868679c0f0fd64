"""A send leaves the older answers alone until its answer's first text is on screen.

Older answers park (or fold) what is out of view when a new answer starts,
so its streaming frames lay out fewer widgets. Asked for at the send, each
of them started its worker between Enter and the first frame, and that
Python held the interpreter while the log's thread waited to hand back the
commit the answer's text waits for: the first paint grew with every answer
above it. So they are asked once the first text is shown.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.chat_pilot import make_app, send, wait_until
from tuichat.sim.answers import answer_text
from tuichat.sim.thread import SimServerThread
from tuichat.ui.app import TuichatApp
from tuichat.ui.widgets.answer_view import AnswerView
from tuichat.ui.widgets.messages import AssistantMessage
from tuichat.ui.widgets.transcript import Transcript

TOKENS = 40
MODEL = f"sim?tokens={TOKENS}&ttft_ms=200&tps=0"  # a first token 200 ms after the send


async def _turn(pilot: object, app: TuichatApp, text: str, ended: list[AssistantMessage]) -> None:
    """Send ``text``; return once the transcript has handled its answer's end (``ended``)."""
    before = len(app.transcript.shown_answers())
    await send(pilot, text)
    await wait_until(pilot, lambda: len(app.transcript.shown_answers()) > before)
    answer = app.transcript.shown_answers()[-1]
    await wait_until(pilot, lambda: answer in ended)
    assert answer.text == answer_text("prose", TOKENS)


async def test_older_answers_park_once_the_new_answer_shows_text(
    sim: SimServerThread, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(sim, MODEL, tmp_path / "t.db")
    older: set[AssistantMessage] = set()
    asked: list[bool] = []  # per request to park: had the new answer shown text yet?
    park_hidden = AnswerView.park_hidden

    def recording(view: AnswerView) -> None:
        new = [a for a in app.query(AssistantMessage) if a not in older and a.display]
        asked.append(any(answer.markdown._stepped for answer in new))
        park_hidden(view)

    ended: list[AssistantMessage] = []
    finished = Transcript.on_assistant_message_finished

    def counting(transcript: Transcript, message: AssistantMessage.Finished) -> None:
        finished(transcript, message)
        ended.append(message.answer)

    monkeypatch.setattr(AnswerView, "park_hidden", recording)
    monkeypatch.setattr(Transcript, "on_assistant_message_finished", counting)
    async with app.run_test(size=(120, 40)) as pilot:
        await _turn(pilot, app, "one", ended)
        await _turn(pilot, app, "two", ended)
        older.update(app.transcript.shown_answers())
        asked.clear()
        await _turn(pilot, app, "three", ended)
    assert asked  # the older answers were asked to park
    assert all(asked)  # and never before the new answer's first text was on screen
