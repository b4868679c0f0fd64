"""The Textual chat app: transcript, prompt and HUD around one chat session.

The app only renders events. Turns come from :class:`ChatSession`; the store
and the metrics observe the same events; the HUD is redrawn from metric
snapshots on a timer, never per token.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import aiosqlite
from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Footer

from tuichat import paths
from tuichat.core.chat import ChatSession
from tuichat.core.clock import Clock
from tuichat.core.events import TextReleased, TurnCancelled, TurnFailed, TurnFinished
from tuichat.core.metrics import SessionMetrics
from tuichat.core.provider import Provider
from tuichat.core.turn import Turn
from tuichat.core.untrusted import one_line
from tuichat.endpoint import SIMULATOR_NOTICE, Endpoint, open_provider
from tuichat.store import LogWriter, open_database
from tuichat.ui.widgets.hud import Hud
from tuichat.ui.widgets.prompt import PromptArea
from tuichat.ui.widgets.transcript import AssistantMessage, Notice, Transcript, UserMessage

log = logging.getLogger(__name__)

HUD_INTERVAL = 0.1


@dataclass(frozen=True, slots=True)
class ChatOptions:
    """What the ``chat`` command line asked for."""

    endpoint: Endpoint
    system: str | None = None
    max_tokens: int | None = None
    database: Path | None = None


def run_chat(options: ChatOptions) -> int:
    """Run the app until the user quits; return the exit code."""
    with open_provider(options.endpoint) as provider:
        app = TuichatApp(provider, options)
        app.run()
    return app.return_code or 0


class TuichatApp(App[None]):
    """tuichat's terminal UI."""

    TITLE = "tuichat"
    CSS_PATH = "app.tcss"
    BINDINGS = [
        Binding("ctrl+c", "cancel_or_copy", "Cancel / copy", priority=True, id="cancel"),
        Binding("escape", "cancel", "Cancel", show=False, priority=True, id="cancel-escape"),
        Binding("ctrl+q", "quit", "Quit", priority=True, id="quit"),
    ]

    def __init__(
        self, provider: Provider, options: ChatOptions, *, clock: Clock | None = None
    ) -> None:
        super().__init__()
        self.options = options
        self.metrics = SessionMetrics()
        self.session = ChatSession(
            provider,
            options.endpoint.model,
            system=options.system,
            max_tokens=options.max_tokens,
            observers=[self.metrics.observe],
            clock=clock,
        )
        self.turn: Turn | None = None
        self.writer: LogWriter | None = None
        self._db: aiosqlite.Connection | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            yield Transcript(id="transcript")
            yield Hud(id="hud")
        yield PromptArea(id="prompt")
        yield Footer()

    async def on_mount(self) -> None:
        self.query_one(PromptArea).focus()
        self._hud_timer = self.set_interval(HUD_INTERVAL, self.refresh_hud, pause=True)
        if self.options.endpoint.simulated:
            await self.transcript.add(Notice(SIMULATOR_NOTICE, kind="info"))
        await self._open_log()

    async def _open_log(self) -> None:
        """Open the SQLite log; without it the chat still works, unlogged."""
        path = self.options.database or paths.database_path()
        try:
            self._db = await open_database(path)
            self.writer = LogWriter(self._db)
            await self.writer.start()
        except Exception as exc:
            log.exception("cannot open the log at %s", path)
            self.notify(one_line(f"Not logging: cannot open {path}: {exc}"), severity="error")
            return
        self.session.observers.append(self.writer.observe)
        model, system = self.session.model, self.options.system
        await self.writer.ensure_session(self.session.session_id, model=model, system_prompt=system)

    async def on_unmount(self) -> None:
        if self.turn is not None:
            self.turn.cancel()
        if self.writer is not None:
            await self.writer.close()
        if self._db is not None:
            await self._db.close()
        await self.session.provider.aclose()

    @property
    def transcript(self) -> Transcript:
        return self.query_one(Transcript)

    @property
    def streaming(self) -> bool:
        """True while a turn is producing its answer."""
        return self.turn is not None and self.turn.running

    async def on_prompt_area_submitted(self, message: PromptArea.Submitted) -> None:
        text = message.text.strip()
        if not text:
            return
        if self.streaming:
            self.notify("Still answering: ctrl+c cancels it.", severity="warning")
            return
        message.prompt.clear()
        answer = AssistantMessage(self.session.model)
        await self.transcript.add(UserMessage(text))
        await self.transcript.add(answer)
        self.turn = self.session.start_turn(text)
        self._hud_timer.resume()
        self._stream_turn(self.turn, answer)

    @work(group="turn", exit_on_error=False, description="stream the answer")
    async def _stream_turn(self, turn: Turn, answer: AssistantMessage) -> None:
        """Render one turn's events; any UI failure ends in a one-line notice."""
        try:
            async for event in turn:
                if isinstance(event, TextReleased):
                    await answer.append(event.text)
                elif isinstance(event, TurnFinished):
                    note = "stopped at max tokens" if event.finish_reason == "length" else None
                    await answer.finish(note)
                elif isinstance(event, TurnCancelled):
                    await answer.finish("cancelled; partial answer kept", kind="warning")
                elif isinstance(event, TurnFailed):
                    await answer.finish(f"⚠ {event.message}", kind="error")
        except Exception as exc:
            log.exception("rendering turn %s failed", turn.trace_id)
            turn.cancel()
            self.notify(one_line(f"Display error: {exc}"), severity="error")
        finally:
            self._hud_timer.pause()
            self.refresh_hud()

    def refresh_hud(self) -> None:
        """Redraw the HUD from the metrics (called on a timer while streaming)."""
        now = self.session.clock.now()
        current = self.metrics.current.snapshot(now) if self.metrics.current else None
        last = self.metrics.last.snapshot(now) if self.metrics.last else None
        self.query_one(Hud).show(current, last)

    def action_cancel(self) -> None:
        """Cancel the streaming answer (the partial answer is kept)."""
        if self.turn is not None and self.turn.running:
            self.turn.cancel()

    def action_cancel_or_copy(self) -> None:
        """ctrl+c: copy a selection if there is one, else cancel the answer."""
        prompt = self.query_one(PromptArea)
        if prompt.selected_text:
            self.copy_to_clipboard(prompt.selected_text)
        elif (selected := self.screen.get_selected_text()) is not None:
            self.copy_to_clipboard(selected)
        elif self.streaming:
            self.action_cancel()
        else:
            self.notify("Nothing to cancel. ctrl+q quits.", timeout=2)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Let escape through to widgets unless an answer is streaming."""
        if action == "cancel":
            return self.streaming
        return True
