"""The chat's views of its log: resumed history, the session picker, forks, debug and stats.

A mixin of the chat app (kept apart so the app stays one screen of wiring).
Each view flushes the log writer first, so the turn that just ended is in
what it shows; the screens' queries load on first use, never at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from tuichat.ui.continue_session import act_on_pick, fork_here, session_picker_for, show_history
from tuichat.ui.widgets.messages import Notice, UserMessage
from tuichat.ui.widgets.prompt import PromptArea

if TYPE_CHECKING:
    from textual.screen import Screen

    from tuichat.ui.app import TuichatApp
    from tuichat.ui.session_picker import PickerResult


class LogViews:
    """Sessions, fork, debug and stats (a mixin of :class:`~tuichat.ui.app.TuichatApp`)."""

    @property
    def _app(self) -> TuichatApp:
        return cast("TuichatApp", self)

    async def _flush_log(self) -> None:
        writer = self._app.chat.writer
        if writer is not None:
            await writer.flush(everything=True)  # so the last turn is in the log

    async def action_sessions(self) -> None:
        """The session picker: find a logged session; resume, replay, fork or compare it."""
        await self._flush_log()
        self._app.push_screen(session_picker_for(self._app.chat), self._on_session_picked)

    async def _on_session_picked(self, picked: PickerResult | None) -> None:
        await act_on_pick(self._app, picked)

    async def on_user_message_fork_requested(self, message: UserMessage.ForkRequested) -> None:
        """``f`` on a focused prompt: a new session with the history through its turn."""
        await fork_here(self._app, message.prompt)
        self._app.query_one(PromptArea).focus()

    async def action_debug(self, screen: Screen[None] | None = None) -> None:
        """The debug view (or ``screen``, another view of the log) after flushing the log."""
        from tuichat.ui.screens import DebugScreen  # its queries load on first use

        app = self._app
        await self._flush_log()
        if screen is None:
            otel = app.chat.telemetry.stats.line if app.chat.telemetry is not None else None
            screen = DebugScreen(app.chat.database_path, app.session.session_id, telemetry=otel)
        app.push_screen(screen)

    async def action_stats(self) -> None:
        """The stats view (f9): requests, percentiles, cache and cost for session / today / 7 d."""
        from tuichat.ui.screens.stats_screen import StatsScreen

        app = self._app
        await self.action_debug(StatsScreen(app.chat.database_path, app.session.session_id))

    async def _show_history(self) -> None:
        """A resumed or forked session: its turns on screen, as logged (they are in context)."""
        logged, upto = self._app.chat.wishes.resume, self._app.chat.wishes.fork_at
        if logged is None:
            return
        await show_history(self._app.transcript, logged, upto)
        said = "Resumed" if upto is None else f"Forked at turn {upto} of"
        await self._app.transcript.add(Notice(f"{said} session {logged.session_id}."))
