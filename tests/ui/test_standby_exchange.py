"""A send shows the transcript's standby pair: a prompt and an answer mounted hidden ahead of time.

The pair is readied while the chat is quiet (the warm-up, the end of each
turn); a send fills and shows it instead of mounting five widgets in front
of the answer's first frame. Everything else about the transcript is as if
the send had mounted its own: the same screen, the same turn numbers, other
messages above it, and the queries for prompts and answers leave it out.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.app import App, ComposeResult
from textual.screen import Screen

from tests.helpers.answer_app import screen_cells
from tests.helpers.chat_pilot import make_app, send, wait_until
from tuichat.sim.answers import answer_text
from tuichat.sim.thread import SimServerThread
from tuichat.ui.app import TuichatApp
from tuichat.ui.continue_session import numbered_prompt
from tuichat.ui.widgets.messages import AssistantMessage, Notice, UserMessage
from tuichat.ui.widgets.transcript import Standby, Transcript, prompt_count

MODEL = "sim?tokens=20&ttft_ms=0&tps=0"


async def _turn(pilot: object, app: TuichatApp, text: str, tokens: int = 20) -> AssistantMessage:
    """Send ``text`` and wait for its whole answer (``tokens`` long); the answer's widget."""
    before = len(app.transcript.shown_answers())
    await send(pilot, text)
    await wait_until(pilot, lambda: len(app.transcript.shown_answers()) > before)
    await wait_until(pilot, lambda: app.turn is not None and not app.turn.running)
    answer = app.transcript.shown_answers()[-1]
    await wait_until(pilot, lambda: answer.text == answer_text("prose", tokens))
    return answer


async def test_a_send_shows_the_standby_pair_a_turn_readied(
    sim: SimServerThread, tmp_path: Path
) -> None:
    app = make_app(sim, MODEL, tmp_path / "t.db")
    async with app.run_test(size=(120, 40)) as pilot:
        await _turn(pilot, app, "one")
        await wait_until(pilot, lambda: app.transcript.standby is not None)  # after the turn
        standby = app.transcript.standby
        assert standby is not None
        assert not standby.prompt.display and not standby.answer.display
        assert app.transcript.children[-2:] == [standby.prompt, standby.answer]
        answer = await _turn(pilot, app, "two")
        assert answer is standby.answer  # shown, not mounted
        assert standby.prompt.display and standby.answer.display
        assert standby.prompt.source.endswith("two") and standby.prompt.turn == 2
        assert [p.turn for p in app.transcript.shown_prompts()] == [1, 2]
        assert len(app.transcript.shown_answers()) == 2
        await wait_until(pilot, lambda: app.transcript.standby not in (None, standby))
        assert prompt_count(app.transcript) == 2  # the next standby is not a prompt


async def test_the_screen_is_the_same_as_with_a_mounted_exchange(
    sim: SimServerThread, tmp_path: Path
) -> None:
    async def screen(ready: bool, db: Path) -> str:
        app = make_app(sim, MODEL, db)
        async with app.run_test(size=(100, 30)) as pilot:
            await _turn(pilot, app, "one")
            await wait_until(pilot, lambda: app.transcript.standby is not None)
            if not ready:
                standby = app.transcript.standby
                assert standby is not None
                await app.transcript.remove_children([standby.prompt, standby.answer])
                assert app.transcript.standby is None  # so the send mounts its own
            await _turn(pilot, app, "two")
            await pilot.pause()
            return screen_cells(app, app.transcript.region)  # (the HUD's timings differ per run)

    shown = await screen(True, tmp_path / "a.db")
    mounted = await screen(False, tmp_path / "b.db")
    assert sum("two" in text for row in shown for text, _ in row) == 1
    assert shown == mounted


class Holder(App[None]):
    def compose(self) -> ComposeResult:
        yield Transcript()


async def _readied(app: Holder) -> tuple[Transcript, Standby]:
    """The holder's transcript with its standby pair mounted."""
    transcript = app.query_one(Transcript)
    await transcript.ready_standby()
    standby = transcript.standby
    assert standby is not None
    return transcript, standby


async def test_other_messages_mount_above_the_standby_pair() -> None:
    app = Holder()
    async with app.run_test() as pilot:
        transcript, standby = await _readied(app)
        note = Notice("hello")
        await transcript.add(note)
        await pilot.pause()
        assert transcript.children[-3:] == [note, standby.prompt, standby.answer]
        assert transcript.shown_messages == [note]
        assert transcript.shown_prompts() == [] and transcript.shown_answers() == []


async def test_a_pair_being_mounted_is_not_shown_and_is_mounted_once() -> None:
    app = Holder()
    async with app.run_test() as pilot:
        transcript = app.query_one(Transcript)
        note = Notice("hello")
        await transcript.add(note)
        first = asyncio.ensure_future(transcript.ready_standby())  # a turn's end
        second = asyncio.ensure_future(transcript.ready_standby())  # the warm-up's step
        await asyncio.sleep(0)  # the first is mounting its pair: in the DOM, not yet ready
        hidden = [child for child in transcript.children if not child.display]
        assert len(hidden) == 3  # the spacer and the pair
        assert transcript.shown_messages == [note] and transcript.shown_answers() == []
        late = Notice("mounted meanwhile")
        await transcript.add(late)
        await asyncio.gather(first, second)
        await pilot.pause()
        standby = transcript.standby
        assert standby is not None
        assert transcript.children[-4:] == [note, late, standby.prompt, standby.answer]
        assert sum(isinstance(child, AssistantMessage) for child in transcript.children) == 1


async def test_a_pair_pushed_off_the_end_goes_back_there_when_shown() -> None:
    app = Holder()
    async with app.run_test() as pilot:
        transcript, standby = await _readied(app)
        late = Notice("mounted after it")
        await transcript.mount(late, after=standby.answer)  # a place given explicitly
        answer = await transcript.add_exchange(UserMessage("q", turn=1), (), "m")
        await pilot.pause()
        assert answer is standby.answer
        assert transcript.children[-3:] == [late, standby.prompt, standby.answer]


async def test_a_cleared_transcript_mounts_the_send_its_own_exchange() -> None:
    app = Holder()
    async with app.run_test() as pilot:
        transcript, old = await _readied(app)
        await transcript.remove_children([old.prompt, old.answer])  # e.g. a resumed session
        assert transcript.standby is None
        routed = (Notice("routed: somewhere"),)
        answer = await transcript.add_exchange(UserMessage("q", turn=1), routed, "m")
        await pilot.pause()
        assert answer is not old.answer and answer.display
        assert [type(m) for m in transcript.shown_messages] == [
            UserMessage,
            Notice,
            AssistantMessage,
        ]


async def test_routing_notes_go_between_the_shown_prompt_and_answer() -> None:
    app = Holder()
    async with app.run_test() as pilot:
        transcript, standby = await _readied(app)
        note = Notice("routed: cheap")
        answer = await transcript.add_exchange(UserMessage("q", turn=1), (note,), "m")
        await pilot.pause()
        assert answer is standby.answer and answer.model == "m"
        assert transcript.shown_messages == [standby.prompt, note, standby.answer]


async def test_turn_numbers_skip_the_standby_prompt(sim: SimServerThread, tmp_path: Path) -> None:
    app = make_app(sim, MODEL, tmp_path / "t.db")
    async with app.run_test(size=(120, 40)):
        await app.transcript.ready_standby()
        assert app.transcript.standby is not None
        assert prompt_count(app.transcript) == 0
        first = numbered_prompt(app.transcript, app.session, "hi")
        assert first.turn == 1


async def test_a_turn_that_ends_under_another_screen_readies_the_next_standby(
    sim: SimServerThread, tmp_path: Path
) -> None:
    # 1.6 s of stream: on a loaded machine a 0.4 s one could end before the pilot saw it start.
    app = make_app(sim, "sim?tokens=40&ttft_ms=0&tps=25", tmp_path / "t.db")
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "one")
        await wait_until(pilot, lambda: app.streaming)
        shown = app.transcript.shown_answers()[-1]
        await app.push_screen(Screen())  # e.g. the stats screen, opened while it streams
        await wait_until(pilot, lambda: not app.streaming)
        await wait_until(pilot, lambda: app.transcript.standby is not None)
        await app.pop_screen()
        assert shown.text == answer_text("prose", 40)  # the answer ended normally
        answer = await _turn(pilot, app, "two", tokens=40)
        assert [p.turn for p in app.transcript.shown_prompts()] == [1, 2]
        assert answer is not shown
