"""A long conversation costs a turn what a short one does: bounded widgets, nothing moves."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from textual.app import App, ComposeResult
from textual.widget import Widget

from tuichat.config import ModelSpec
from tuichat.providers.openai_compat import OpenAICompatProvider
from tuichat.sim.answers import answer_text
from tuichat.sim.thread import SimServerThread
from tuichat.ui import app as ui_app
from tuichat.ui.app import TuichatApp
from tuichat.ui.chat_options import ChatOptions
from tuichat.ui.widgets.hidden_history import HistorySpacer
from tuichat.ui.widgets.messages import AssistantMessage, ParkedAnswer, UserMessage
from tuichat.ui.widgets.transcript import Transcript


async def _wait(pilot: Any, predicate: Any, timeout: float = 10.0) -> None:
    """Poll ``predicate`` (a guard against hanging, not a timing)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:  # a hang guard, not a timing assertion
            raise TimeoutError("condition not reached")
        await pilot.pause(0.02)


def mounted(widget: Widget) -> int:
    return sum(1 for _ in widget.walk_children())


class TranscriptApp(App[None]):
    """A transcript styled as in the chat app."""

    CSS_PATH = Path(ui_app.__file__).with_name("app.tcss")

    def compose(self) -> ComposeResult:
        yield Transcript(id="transcript")


def _text(number: int, lines: int = 12) -> str:
    return "".join(f"answer {number}, line {i}\n\n" for i in range(lines))


async def _turn(transcript: Transcript, number: int) -> AssistantMessage:
    await transcript.add(UserMessage(f"question {number}"))
    answer = AssistantMessage("m")
    await transcript.add(answer)
    answer.append(_text(number))
    await answer.finish(f"done {number}")
    return answer


def _settled(transcript: Transcript) -> bool:
    return not any(
        isinstance(m, AssistantMessage) and m.markdown.busy for m in transcript.shown_messages
    )


async def _turns(pilot: Any, transcript: Transcript, numbers: range) -> AssistantMessage:
    for number in numbers:
        newest = await _turn(transcript, number)
        await _wait(pilot, lambda: _settled(transcript))
    return newest


async def test_messages_far_above_are_parked_as_text_and_nothing_moves() -> None:
    app = TranscriptApp()
    async with app.run_test(size=(80, 24)) as pilot:
        transcript = app.query_one(Transcript)
        await _turns(pilot, transcript, range(10))
        await _wait(pilot, lambda: transcript.history.count > 8)
        widgets = mounted(transcript)
        newest = await _turns(pilot, transcript, range(10, 30))
        await _wait(pilot, lambda: transcript.history.count > 48)
        assert mounted(transcript) <= widgets + 5  # 20 more turns, (next to) no more widgets
        spacer = transcript.query_one(HistorySpacer)
        assert spacer.display and spacer.outer_size.height == transcript.history.rows
        where, height = newest.virtual_region, transcript.virtual_size.height
        transcript.scroll_home(animate=False)  # the reader goes to the very top
        await _wait(pilot, lambda: transcript.history.count == 0)
        await pilot.pause()
        assert not spacer.display
        assert newest.virtual_region == where and transcript.virtual_size.height == height
        messages = transcript.shown_messages
        assert [m.text for m in messages if isinstance(m, AssistantMessage)] == [
            _text(n) for n in range(30)
        ]
        assert [m.status for m in messages if isinstance(m, AssistantMessage)] == [
            (f"done {n}", "info") for n in range(30)
        ]
        first = messages[0]
        assert isinstance(first, UserMessage) and first.source == "question 0"
        assert first.virtual_region.y == 1
        await _wait(pilot, lambda: first.region.overlaps(transcript.region))


async def test_scrolling_up_rebuilds_the_nearest_messages_in_place() -> None:
    app = TranscriptApp()
    async with app.run_test(size=(80, 24)) as pilot:
        transcript = app.query_one(Transcript)
        await _turns(pilot, transcript, range(16))
        await _wait(pilot, lambda: transcript.history.count > 10)
        parked = transcript.history.count
        height = transcript.virtual_size.height
        transcript.scroll_to(y=transcript.history.rows + 5, animate=False)
        await _wait(pilot, lambda: transcript.history.count < parked)
        await pilot.pause()
        assert transcript.history.count > 0  # only the nearest came back
        assert transcript.virtual_size.height == height
        rebuilt = transcript.shown_messages[0]
        assert rebuilt.virtual_region.y > transcript.history.rows  # below the spacer


async def test_after_a_change_of_width_everything_still_comes_back_in_order() -> None:
    app = TranscriptApp()
    async with app.run_test(size=(80, 24)) as pilot:
        transcript = app.query_one(Transcript)
        await _turns(pilot, transcript, range(16))
        await _wait(pilot, lambda: transcript.history.count > 0)
        await pilot.resize_terminal(100, 24)
        await pilot.pause()
        transcript.scroll_home(animate=False)
        await _wait(pilot, lambda: transcript.history.count == 0)
        prompts = [m for m in transcript.shown_messages if isinstance(m, UserMessage)]
        assert [m.source for m in prompts] == [f"question {n}" for n in range(16)]


# -- the real app against the simulator --------------------------------------


def make_app(sim: SimServerThread, model: str, db: Path) -> TuichatApp:
    spec = ModelSpec("sim-test", "openai-compat", model, origin="test", base_url=sim.base_url)
    provider = OpenAICompatProvider(sim.base_url, None, name="simulator")
    return TuichatApp(ChatOptions(model=spec, database=db).chat(provider))


async def _ask(pilot: Any, app: TuichatApp, text: str) -> None:
    app.query_one("#prompt").text = text  # type: ignore[attr-defined]
    await pilot.press("enter")
    await _wait(pilot, lambda: app.turn is not None and not app.turn.running)
    await _wait(pilot, lambda: _settled(app.transcript))


async def test_a_long_session_keeps_a_bounded_number_of_widgets(
    sim: SimServerThread, tmp_path: Path
) -> None:
    app = make_app(sim, "sim?content=markdown&tokens=600&tps=0&ttft_ms=0", tmp_path / "t.db")
    async with app.run_test(size=(120, 40)) as pilot:
        counts = []
        for turn in range(1, 17):
            await _ask(pilot, app, f"question {turn}")
            if turn in (8, 16):
                await pilot.pause(0.3)
                counts.append(mounted(app.transcript))
        assert counts[1] <= counts[0] + 10  # the next 8 turns added (next to) nothing
        transcript = app.transcript
        parked = [s.parked for s in transcript.history.shelved]
        texts = [p.text for p in parked if isinstance(p, ParkedAnswer)]
        texts += [m.text for m in transcript.shown_messages if isinstance(m, AssistantMessage)]
        assert texts == [answer_text("markdown", 600)] * 16
        assert len(texts) - len(transcript.query(AssistantMessage)) >= 10  # parked as text
