"""The chat's log opens after the first paint; the price database after the first text.

A mixin of the chat app. The first screen needs neither the log nor the
price database, and a message typed the instant it is ready must not wait
for them:

* the log, the response cache and the shared limits open right after the
  first paint (:meth:`LogOpening.start_log`), their imports and the log
  file's migrations in a thread; a turn sent meanwhile logs into memory
  (:mod:`tuichat.pending_log`) and its text is shown once its rows are
  committed, so nothing goes unlogged;
* the price database (~0.1 s of imports) loads when the first attempt ends,
  which on a fast first answer is the moment its text is committed and
  painted: a thread loading it then halved the interpreter's time for the
  log's opening and the paint (measured: the first text 60-140 ms after its
  first token instead of ~20). :attr:`CostMeter.before_loading
  <tuichat.core.cost.attempt_cost.CostMeter.before_loading>` makes it wait
  for the first step of an answer view (:class:`PacedView.FirstText
  <tuichat.ui.widgets.paced_view.PacedView.FirstText>`), at most
  :data:`PRICES_WAIT_S`; the price and the turn's end follow.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, cast

from tuichat.ui.first_send import import_log_modules
from tuichat.ui.widgets.paced_view import PacedView

if TYPE_CHECKING:
    from tuichat.factory import Chat
    from tuichat.ui.app import TuichatApp

log = logging.getLogger(__name__)

PRICES_WAIT_S = 1.0
"""The price database waits at most this long for the first text to be painted."""


class LogOpening:
    """Opens the log after the first paint; holds the price database until the first text."""

    _log_opening: asyncio.Task[None] | None = None
    _first_text_shown: asyncio.Event | None = None

    @property
    def _app(self) -> TuichatApp:
        return cast("TuichatApp", self)

    def hold_prices_until_first_paint(self, chat: Chat) -> None:
        """Make ``chat``'s pricing wait for the first painted text (once, at start-up)."""
        self._first_text_shown = asyncio.Event()
        chat.meter.before_loading = self._first_text_or_timeout

    async def _first_text_or_timeout(self) -> None:
        if self._first_text_shown is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._first_text_shown.wait(), PRICES_WAIT_S)

    def on_paced_view_first_text(self, message: PacedView.FirstText) -> None:
        message.stop()
        if self._first_text_shown is not None:
            self._first_text_shown.set()

    def _start_log(self) -> None:
        """Open the log (once), after the first paint; turns sent meanwhile wait in memory.

        The opening is a task of the app's, shielded inside the ``open-log``
        worker: Textual cancels workers before unmounting, and a turn sent
        before the log opened must still reach it (``on_unmount`` waits).

        Its imports start at once, in a thread: when they waited for the task
        to run, ``on_ready`` had first held the loop for the HTTP stack's
        imports (~45 ms), and on a fresh log a message typed at once was
        answered before the log existed (first paint of the 1st message 44-56 ms
        after its first token in the pty; started first, 24-30 ms).
        """
        app = self._app
        if self._log_opening is None:
            app.chat.log_later()  # a send does not wait for the log (tuichat.pending_log)
            # The imports start now, in a thread, not when the task first runs:
            # the caller may hold the loop a while yet (on_ready: the HTTP stack).
            ahead = asyncio.get_running_loop().run_in_executor(None, _prepare_ahead, app.chat)
            opening = asyncio.create_task(self._open_log(ahead), name="open-log")
            self._log_opening = opening
            app.run_worker(
                asyncio.shield(opening),
                name="open-log",
                group="open-log",
                description="open the log, the response cache and the shared limits",
                exit_on_error=False,
            )

    async def _open_log(self, ahead: asyncio.Future[None]) -> None:
        """The log, the response cache and the shared limits, opened after the first paint.

        Opening them (migrations, crash recovery, three SQLite files) took
        the first paint's time when it ran in ``on_mount``. A send does not
        wait for it (unless budgets or telemetry need the log): its events
        are held and written once the log is open, and its answer is shown
        only once they are committed, so no turn ever goes unlogged.
        """
        app = self._app
        try:
            await ahead  # in a thread: the loop paints on
            if failure := await app.chat.open_log(on_late=self._log_is_late):
                app.notify(failure, severity="error", markup=False)
        except Exception:  # a bug here: the chat goes on, unlogged; the trace goes to the log file
            log.exception("opening the log failed")
        finally:
            app.breakers = app.chat.breakers or app.breakers  # shared now, if they could be
            app.log_ready.set()
        if app.is_running:
            if not app.streaming:  # a turn sent before the log opened may have ended already
                await app._reload_spend()
            app.refresh_hud()  # today's spend and the budgets, from the log
            app._budget_alerts()  # already over a limit: say so now, once

    def _log_is_late(self, line: str) -> None:
        """Another process holds the database: say so once (nothing is lost)."""
        self._app.notify(line, severity="warning", markup=False, timeout=8)


def _prepare_ahead(chat: Chat) -> None:
    """In a thread, after the first paint: the log's imports, then its file created and migrated.

    Both while the event loop imports the HTTP stack: on a new log, the
    first text of a message typed at once waited ~20 ms more for migrations
    run after that (:meth:`~tuichat.chat_log.ChatLog.prepare_log_file`).
    """
    import_log_modules()
    chat.prepare_log_file()
