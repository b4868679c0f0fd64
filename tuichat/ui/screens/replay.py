"""A logged session played back in the chat screen's layout, HUD included.

Each turn is a :class:`~tuichat.core.turn.replay.ReplayedTurn` rendered by the
same :func:`~tuichat.ui.turn_view.show_answer` as a live answer, into a
transcript and a HUD of the screen's own: the prompt appears, the logged TTFT
passes, the chunks arrive as they arrived, and the HUD's figures are the
logged ones (the screen's own :class:`SessionMetrics` read the replayed
events' logged stamps), so a replay opened from the chat never touches the
chat's figures. Nothing is sent to a provider and nothing is written to the
log.

A bar at the top says REPLAY, where it is and how fast; space pauses and
resumes, ``n`` plays the rest of the turn at once, ``s`` changes the speed,
escape or ``q`` closes the screen. Focus a replayed prompt (click, tab) and
press ``f`` to fork the session there: the screen closes with that turn
number, and whoever pushed it starts the fork (``tuichat replay`` on its own
has no chat to fork into, so it says which command does it).
"""

from __future__ import annotations

import logging

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from tuichat.core.clock import Clock, SystemClock
from tuichat.core.health.breaker import BreakerBoard
from tuichat.core.metrics.hud_view import SpendStatus
from tuichat.core.metrics.session_metrics import SessionMetrics
from tuichat.core.turn.replay import ReplayControl, ReplayedTurn
from tuichat.core.untrusted import one_line
from tuichat.logbook import LoggedSession
from tuichat.ui.hud_app import HUD_BINDINGS, HudHost
from tuichat.ui.turn_view import REPLAY, show_answer
from tuichat.ui.widgets.hud import Hud
from tuichat.ui.widgets.messages import AssistantMessage, Notice, UserMessage
from tuichat.ui.widgets.transcript import Transcript

log = logging.getLogger(__name__)


class ReplayScreen(HudHost, Screen[int | None]):
    """The chat screen's layout, fed by a logged session; dismissed with a turn to fork at."""

    DEFAULT_CSS = """
    ReplayScreen #replay-bar { height: 1; background: $warning 30%; color: $text; padding: 0 1; }
    """
    BINDINGS = [
        Binding("space", "toggle_pause", "Pause / play", id="replay-pause"),
        Binding("n", "next_turn", "Rest of turn", id="replay-next"),
        Binding("s", "speed", "Speed", id="replay-speed"),
        Binding("escape,q", "close", "Close", id="replay-close"),
        *HUD_BINDINGS,
    ]

    def __init__(
        self,
        session: LoggedSession,
        control: ReplayControl | None = None,
        *,
        clock: Clock | None = None,
        can_fork: bool = True,
    ) -> None:
        super().__init__()
        self.session = session
        self.control = control or ReplayControl()
        self.clock = clock or SystemClock()
        self.metrics = SessionMetrics()
        self.breakers = BreakerBoard(self.clock)
        self.can_fork = can_fork
        self.playing: ReplayedTurn | None = None
        self.turn_number = 0

    def compose(self) -> ComposeResult:
        yield Static(id="replay-bar")
        with Horizontal(id="main"):
            yield Transcript(id="transcript")
            yield Hud(id="hud")
        yield Footer()

    def on_mount(self) -> None:
        self.start_hud()
        self._show_bar()
        self._play()

    def on_unmount(self) -> None:
        if self.playing is not None:
            self.playing.cancel()  # its pump runs in a task of its own

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
                await transcript.add(UserMessage(logged.started.prompt, turn=number))
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
            await transcript.add(Notice("End of the replay. q closes it."))
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

    def action_close(self) -> None:
        """Back to whoever opened the replay (nothing to fork); the replay app quits."""
        if len(self.app.screen_stack) > 1:
            self.dismiss(None)
        else:
            self.app.exit()

    def on_user_message_fork_requested(self, message: UserMessage.ForkRequested) -> None:
        """``f`` on a replayed prompt: close with its turn, or say how to fork from the shell."""
        message.stop()
        turn = message.prompt.turn
        if turn is None:
            return
        if self.can_fork:
            self.dismiss(turn)
            return
        command = f"tuichat --fork {self.session.session_id}:{turn}"
        self.notify(f"To fork at turn {turn}, run: {command}", markup=False, timeout=8)
