"""``tuichat replay ID|last``: a logged session played back in the chat screen, HUD included.

Each turn is a :class:`~tuichat.core.turn.replay.ReplayedTurn` rendered by the
same :func:`~tuichat.ui.turn_view.show_answer` as a live answer, into the same
transcript and HUD: the prompt appears, the logged TTFT passes, the chunks
arrive as they arrived, and the HUD's figures are the logged ones (the
metrics read the replayed events' logged stamps). Nothing is sent to a
provider and nothing is written to the log. A bar at the top says REPLAY,
where it is and how fast; space pauses and resumes, ``n`` plays the rest of
the turn at once, ``s`` changes the speed.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Footer, Static

from tuichat.core.clock import SystemClock
from tuichat.core.health.breaker import BreakerBoard
from tuichat.core.metrics.hud_view import SpendStatus
from tuichat.core.metrics.session_metrics import SessionMetrics
from tuichat.core.turn.replay import ReplayControl, ReplayedTurn
from tuichat.core.untrusted import one_line
from tuichat.logbook import LogbookError, LoggedSession, open_logbook
from tuichat.ui.hud_app import HUD_BINDINGS, HudApp
from tuichat.ui.theming import ThemeKeeper
from tuichat.ui.turn_view import REPLAY, show_answer
from tuichat.ui.widgets.hud import Hud
from tuichat.ui.widgets.transcript import AssistantMessage, Notice, Transcript, UserMessage

log = logging.getLogger(__name__)


def run_replay_app(args: object) -> int:
    """Load the session, then play it in the chat screen until the user quits."""
    import sys

    from tuichat.headless.log_parsers import SPEED_CHOICES

    try:
        session = asyncio.run(_load(str(getattr(args, "session", "last"))))
    except LogbookError as exc:
        print(f"tuichat replay: {one_line(str(exc))}", file=sys.stderr)
        return 2
    speed = SPEED_CHOICES[str(getattr(args, "speed", "1"))]
    app = ReplayApp(session, ReplayControl(speed))
    app.run()
    return app.return_code or 0


async def _load(ref: str) -> LoggedSession:
    async with open_logbook() as book:
        return await book.session(ref)


class ReplayApp(HudApp):
    """The chat screen, fed by a logged session instead of a provider."""

    TITLE = "tuichat replay"
    CSS_PATH = Path(__file__).with_name("app.tcss")
    DEFAULT_CSS = """
    #replay-bar { height: 1; background: $warning 30%; color: $text; padding: 0 1; }
    """
    BINDINGS = [
        Binding("space", "toggle_pause", "Pause / play", id="replay-pause"),
        Binding("n", "next_turn", "Rest of turn", id="replay-next"),
        Binding("s", "speed", "Speed", id="replay-speed"),
        Binding("q,ctrl+q", "quit", "Quit", priority=True, id="quit"),
        *HUD_BINDINGS,
    ]

    def __init__(self, session: LoggedSession, control: ReplayControl) -> None:
        super().__init__()
        self.theme_keeper = ThemeKeeper(self)
        self.session = session
        self.control = control
        self.clock = SystemClock()
        self.metrics = SessionMetrics()
        self.breakers = BreakerBoard(self.clock)
        self.playing: ReplayedTurn | None = None
        self.turn_number = 0

    def compose(self) -> ComposeResult:
        yield Static(id="replay-bar")
        with Horizontal(id="main"):
            yield Transcript(id="transcript")
            yield Hud(id="hud")
        yield Footer()

    async def on_mount(self) -> None:
        self.theme_keeper.start()
        self.start_hud()
        self._show_bar()
        self._play()

    def hud_now(self) -> float:
        return self.clock.now()

    def spend_status(self) -> SpendStatus:
        """A replay is not spending: no today figure, no budgets."""
        return SpendStatus()

    @work(group="replay", exit_on_error=False, description="replay the session")
    async def _play(self) -> None:
        transcript = self.query_one(Transcript)
        try:
            for number, logged in enumerate(self.session.turns, 1):
                self.turn_number = number
                self._show_bar()
                await transcript.add(UserMessage(logged.started.prompt))
                answer = AssistantMessage(logged.started.model)
                await transcript.add(answer)
                self.playing = ReplayedTurn(
                    logged.events, clock=self.clock, control=self.control,
                    observers=[self.metrics.observe],
                )  # fmt: skip
                self.hud_streaming(True)
                await show_answer(self, self.playing, answer, REPLAY)
                self.hud_streaming(False)
                if self.playing.cancelled:
                    break
            await transcript.add(Notice("End of the replay. q quits."))
        except Exception as exc:
            log.exception("replaying session %s failed", self.session.session_id)
            self.notify(one_line(f"Replay error: {exc}"), severity="error", markup=False)
        finally:
            self.playing = None
            self._show_bar()

    def _show_bar(self) -> None:
        """REPLAY, which session, which turn, playing or paused, how fast."""
        speed = "max" if self.control.speed is None else f"{self.control.speed:g}×"
        state = "paused" if self.control.paused else "playing"
        total = len(self.session.turns)
        line = (
            f"REPLAY · session {self.session.session_id} · turn {self.turn_number}/{total}"
            f" · {state} {speed} · nothing is sent"
        )
        self.query_one("#replay-bar", Static).update(Content(one_line(line, 200)))

    def action_toggle_pause(self) -> None:
        """Pause or play the replay."""
        self.control.toggle()
        self._show_bar()

    def action_next_turn(self) -> None:
        """Play the rest of the current turn at once."""
        self.control.skip_turn()
        self._show_bar()

    def action_speed(self) -> None:
        """1× → 2× → 10× → max → 1×."""
        self.control.next_speed()
        self._show_bar()
