"""A resumed session replaces the chat's transcript: nothing of the old one may linger.

Before :meth:`Transcript.clear`, Textual's ``remove_children`` took the
spacer that stands for parked messages (the next reveal then failed to mount
after it: a crash) and left the parked history, whose prompts turn numbers count.
"""

from __future__ import annotations

from textual.app import App, ComposeResult

from tests.helpers.chat_pilot import wait_until
from tuichat.ui.widgets.messages import UserMessage
from tuichat.ui.widgets.transcript import Transcript, prompt_count


class Holder(App[None]):
    def compose(self) -> ComposeResult:
        yield Transcript()


async def test_a_cleared_transcript_forgets_its_parked_history_and_keeps_working() -> None:
    app = Holder()
    async with app.run_test(size=(80, 20)) as pilot:
        transcript = app.query_one(Transcript)
        await transcript.ready_standby()
        for turn in range(1, 201):  # far more than a few screens: the oldest are parked
            await transcript.add(UserMessage(f"prompt {turn}\n" * 3, turn=turn))
        await wait_until(pilot, lambda: transcript.history.count > 0)
        standby = transcript.standby
        await transcript.clear()  # a resumed session
        assert transcript.history.count == 0 and prompt_count(transcript) == 0
        assert transcript.shown_messages == [] and transcript.standby is standby
        for turn in range(1, 201):
            await transcript.add(UserMessage(f"again {turn}\n" * 3, turn=turn))
        await wait_until(pilot, lambda: transcript.history.count > 0)
        transcript.scroll_home(animate=False)  # bring the parked messages back
        await wait_until(pilot, lambda: transcript.history.count == 0)
        assert prompt_count(transcript) == 200
        assert str(transcript.shown_prompts()[0].render()).startswith("again 1\n")
