"""Resume and fork inside the chat, and the replay screen pushed over it, on a small host app."""

from __future__ import annotations

from collections.abc import AsyncIterator

from textual.app import App, ComposeResult
from textual.pilot import Pilot

from tests.helpers.logged import logged_session, logged_turn
from tuichat.core.conversation import ChatRequest
from tuichat.core.provider import StreamPart
from tuichat.core.turn.chat import ChatSession
from tuichat.core.turn.replay import ReplayControl
from tuichat.ui.continue_session import act_on_pick, fork_here, numbered_prompt, resume_in_app
from tuichat.ui.replay_app import ReplayApp
from tuichat.ui.screens.replay import ReplayScreen
from tuichat.ui.session_picker import PickerResult
from tuichat.ui.widgets.messages import AssistantMessage, Notice, UserMessage
from tuichat.ui.widgets.transcript import Transcript

SESSION = logged_session(
    logged_turn("first question", ["First ", "answer."]),
    logged_turn("second, failed", [], status="failed"),  # nothing came back: not in context
    logged_turn("third question", ["Third answer."]),
)


class NoProvider:
    """The host never sends: these tests only continue sessions."""

    name = "none"
    base_url_host = "none"

    def stream(self, request: ChatRequest) -> AsyncIterator[StreamPart]:
        raise AssertionError("nothing is sent here")

    async def aclose(self) -> None:
        pass


class FakeChat:
    """The part of ``tuichat.factory.Chat`` resuming uses; records the session rows it opens."""

    def __init__(self) -> None:
        self.session = ChatSession(NoProvider(), "m", system="Be nice.")
        self.rows: list[tuple[str, str | None]] = []

    async def open_session_row(
        self, *, forked_from: str | None = None, fork_at: int | None = None
    ) -> str | None:
        self.rows.append((self.session.session_id, forked_from))
        self.fork_at = fork_at
        return None


class ChatHost(App[None]):
    """The chat app's shape as far as resuming goes: a chat, a transcript, a streaming flag."""

    def __init__(self) -> None:
        super().__init__()
        self.chat = FakeChat()
        self.streaming = False
        self.context_changes = 0

    def context_changed(self) -> None:
        self.context_changes += 1

    def compose(self) -> ComposeResult:
        yield Transcript(id="transcript")

    @property
    def transcript(self) -> Transcript:
        return self.query_one(Transcript)

    async def on_user_message_fork_requested(self, message: UserMessage.ForkRequested) -> None:
        await fork_here(self, message.prompt)


def prompts(app: App[None]) -> list[tuple[str, int | None, int | None]]:
    return [(str(m.render()), m.turn, m.context) for m in app.query(UserMessage)]


def context(host: ChatHost) -> list[tuple[str, str]]:
    return [(m.role, m.content) for m in host.chat.session.conversation.messages]


async def settle(pilot: Pilot[None]) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_resume_shows_the_history_puts_it_in_context_and_keeps_the_session() -> None:
    host = ChatHost()
    async with host.run_test(size=(120, 40)) as pilot:
        await host.transcript.add(Notice("from before"))
        session_id = await resume_in_app(host, SESSION)
        await pilot.pause()
        shown = prompts(host)
        answers = [m.text for m in host.query(AssistantMessage)]
        notices = [str(n.render()) for n in host.query(Notice)]
    assert session_id == "s-logged" == host.chat.session.session_id
    assert shown == [("first question", 1, 0), ("second, failed", 2, 2), ("third question", 3, 2)]
    assert answers == ["First answer.", "", "Third answer."]
    assert "from before" not in notices and notices[-1].startswith("Resumed session s-logged")
    assert host.chat.session.conversation.system == "Be brief."  # the logged system prompt
    assert context(host) == [
        ("user", "first question"), ("assistant", "First answer."),
        ("user", "third question"), ("assistant", "Third answer."),
    ]  # fmt: skip
    assert host.chat.rows == [("s-logged", None)] and host.context_changes == 1


async def test_a_fork_of_a_logged_session_is_a_new_session_with_the_history_through_the_turn():
    host = ChatHost()
    async with host.run_test(size=(120, 40)) as pilot:
        session_id = await resume_in_app(host, SESSION, fork_at=1)
        await pilot.pause()
        shown = prompts(host)
        said = str(host.query(Notice).last().render())
    assert session_id is not None and session_id.startswith("s-") and session_id != "s-logged"
    assert host.chat.session.session_id == session_id
    assert shown == [("first question", 1, 0)]
    assert context(host) == [("user", "first question"), ("assistant", "First answer.")]
    assert host.chat.rows == [(session_id, "s-logged")]
    assert said == f"Forked session s-logged at turn 1: this is {session_id}."


async def test_f_on_a_prompt_of_the_live_chat_forks_it_there() -> None:
    host = ChatHost()
    async with host.run_test(size=(120, 40)) as pilot:
        await resume_in_app(host, SESSION)
        live = numbered_prompt(host.transcript, host.chat.session, "a live question")
        await host.transcript.add(live)  # as the app does before it starts the turn
        host.chat.session.conversation.add_user("a live question")
        host.chat.session.conversation.add_assistant("A live answer.")
        third = host.query(UserMessage)[2]
        await pilot.pause()  # laid out
        await pilot.click(third)  # a click focuses a prompt
        await pilot.press("f")
        await settle(pilot)
        shown = prompts(host)
    forked = host.chat.session.session_id
    assert (live.turn, live.context) == (4, 4)
    assert [turn for _, turn, _ in shown] == [1, 2, 3]  # the live turn left with what followed
    assert context(host) == [
        ("user", "first question"), ("assistant", "First answer."),
        ("user", "third question"), ("assistant", "Third answer."),
    ]  # fmt: skip
    assert host.chat.rows == [("s-logged", None), (forked, "s-logged")]
    assert forked != "s-logged"


async def test_nothing_is_continued_while_an_answer_streams() -> None:
    host = ChatHost()
    async with host.run_test(size=(120, 40)) as pilot:
        host.streaming = True
        assert await resume_in_app(host, SESSION) is None
        await pilot.pause()
        assert prompts(host) == [] and host.chat.rows == []
        assert host.chat.session.conversation.messages == []


async def test_a_replay_opened_from_the_picker_plays_over_the_chat_and_q_returns() -> None:
    slow = logged_session(logged_turn("slow one", ["a"] * 50, step=10.0))
    host = ChatHost()
    async with host.run_test(size=(120, 40)) as pilot:
        await act_on_pick(host, PickerResult("replay", slow))
        await pilot.pause()
        replay = host.screen
        assert isinstance(replay, ReplayScreen)
        playing = replay.playing
        bar = str(replay.query_one("#replay-bar").render())
        await pilot.press("q")
        await settle(pilot)
        back = host.screen
    assert "REPLAY" in bar and "turn 1/1" in bar
    assert back is host.default_screen and host.chat.rows == []
    assert playing is not None and playing.cancelled  # the replay stopped with its screen


async def test_the_replay_screen_has_its_own_hud_figures() -> None:
    host = ChatHost()
    async with host.run_test(size=(120, 40)) as pilot:
        replay = ReplayScreen(SESSION, ReplayControl(None))
        await host.push_screen(replay)
        await settle(pilot)
        snap = replay.metrics.hud_snapshot(replay.hud_now(), {})
    assert snap.latency.ttft_ms == 375.0 and replay.metrics.turns == 3


async def test_f_on_a_replayed_prompt_forks_the_logged_session_in_the_chat() -> None:
    host = ChatHost()
    async with host.run_test(size=(120, 40)) as pilot:
        await act_on_pick(host, PickerResult("replay", SESSION))
        replay = host.screen
        assert isinstance(replay, ReplayScreen)
        replay.control.speed = None
        await settle(pilot)
        replay.query(UserMessage)[0].focus()
        await pilot.press("f")
        await settle(pilot)
        shown = prompts(host)
        back = host.screen
    ((forked, parent),) = host.chat.rows
    assert back is host.default_screen and forked == host.chat.session.session_id
    assert parent == "s-logged" and shown == [("first question", 1, 0)]


async def test_the_replay_app_says_how_to_fork_from_the_shell() -> None:
    app = ReplayApp(SESSION, ReplayControl(None))
    said: list[str] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        replay = app.screen
        replay.notify = lambda message, **_: said.append(message)  # type: ignore[method-assign]
        replay.query(UserMessage)[2].focus()
        await pilot.press("f")
        await pilot.pause()
        still = app.screen is replay
    assert said == ["To fork at turn 3, run: tuichat --fork s-logged:3"] and still
