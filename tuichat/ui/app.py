"""The Textual chat app: transcript, prompt and HUD around one chat.

The app only renders events. The chat comes ready from the factory
(:mod:`tuichat.factory`): its session builds turns, and the metrics, budgets,
log and history consume every event inside the core. The app reads each
turn's iterator and nothing else; the HUD is redrawn from metric snapshots,
never per token (see :mod:`tuichat.ui.hud_app`).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import Any

from textual import events, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import TextArea

from tuichat.backends import Backends
from tuichat.config import Settings
from tuichat.core.clock import SystemClock
from tuichat.core.health.breaker import BreakerBoard
from tuichat.core.metrics.hud_view import SpendStatus
from tuichat.core.turn.turn import Turn
from tuichat.core.untrusted import one_line
from tuichat.factory import Chat, ChatWishes, start_chat
from tuichat.logbook import LogbookError, continued_session
from tuichat.startup import StderrProgress
from tuichat.ui.cache_actions import CACHE_BINDINGS, CacheActions
from tuichat.ui.cancel_keys import CancelKeys
from tuichat.ui.chat_text import CONTINUE_PROMPT
from tuichat.ui.compare_actions import CompareActions
from tuichat.ui.context_actions import CONTEXT_BINDINGS, ContextActions
from tuichat.ui.continue_session import (
    numbered_prompt,
)
from tuichat.ui.copy_actions import COPY_BINDINGS, CopyActions
from tuichat.ui.feedback_actions import FEEDBACK_BINDINGS, FeedbackActions
from tuichat.ui.first_send import warm_client_now
from tuichat.ui.hud_app import HUD_BINDINGS, HudApp
from tuichat.ui.keymap import apply_keymap
from tuichat.ui.log_opening import LogOpening
from tuichat.ui.log_views import LogViews
from tuichat.ui.model_actions import ModelActions
from tuichat.ui.palette import chat_commands
from tuichat.ui.prompt_history import PromptRecall
from tuichat.ui.regen_actions import REGEN_BINDINGS, RegenActions
from tuichat.ui.routing_actions import ROUTING_BINDINGS, RoutingActions
from tuichat.ui.send_hint import SendHint
from tuichat.ui.spending import BudgetConfirm, ChatSpending
from tuichat.ui.structured_actions import STRUCTURED_BINDINGS, StructuredActions
from tuichat.ui.terminal_writer import install_writer
from tuichat.ui.theming import ThemeKeeper
from tuichat.ui.turn_view import show_answer
from tuichat.ui.warm_up import WarmStep, WarmUp, chat_steps
from tuichat.ui.warm_widgets import code_guess_step, widget_steps
from tuichat.ui.widgets.chat_compositor import install_compositor
from tuichat.ui.widgets.chat_footer import ChatFooter
from tuichat.ui.widgets.hud import Hud
from tuichat.ui.widgets.messages import AssistantMessage, Notice
from tuichat.ui.widgets.prompt import PromptArea
from tuichat.ui.widgets.transcript import Transcript

log = logging.getLogger(__name__)


def run_chat(settings: Settings, *, resume: str | None = None, fork: str | None = None) -> int:
    """Start the selected model (with progress), run the app until the user quits.

    ``resume`` continues a logged session; ``fork`` (``ID[:TURN]``) starts a
    new one with its history. A bad reference is one line and exit 2.
    """
    try:
        logged, fork_at = continued_session(resume, fork)
    except LogbookError as exc:
        print(f"tuichat: {one_line(str(exc))}", file=sys.stderr)
        return 2
    progress = StderrProgress()
    connect = settings.resilience.connect_timeout
    with Backends(progress=progress, connect_timeout=connect) as backends:
        wishes = ChatWishes(
            max_tokens=settings.max_tokens,
            warm=False,
            shared_later=True,
            resume=logged,
            fork_at=fork_at,
        )
        chat = start_chat(settings, wishes, backends=backends)
        progress.done()
        app = TuichatApp(chat)
        app.run()
    if app.exit_notice:
        print(f"tuichat: {app.exit_notice}", file=sys.stderr)
    return app.return_code or 0


class TuichatApp(
    CancelKeys,
    LogViews,
    ContextActions,
    RoutingActions,
    CompareActions,
    RegenActions,
    StructuredActions,
    FeedbackActions,
    CacheActions,
    ModelActions,
    PromptRecall,
    CopyActions,
    HudApp,
    LogOpening,
):
    """tuichat's terminal UI."""

    TITLE = "tuichat"
    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses live elsewhere
    BINDINGS = [
        Binding("ctrl+c", "cancel_or_copy", "Cancel / copy", priority=True, id="cancel"),
        Binding("escape", "cancel", "Cancel", show=False, priority=True, id="cancel-escape"),
        Binding("ctrl+o", "pick_model", "Model", id="pick-model"),
        Binding("ctrl+r", "continue", "Continue", id="continue"),
        Binding("f2", "debug", "Debug", id="debug"),
        Binding("f9", "stats", "Stats", show=False, id="stats"),
        Binding("ctrl+q", "quit", "Quit", priority=True, id="quit"),
        *HUD_BINDINGS,
        *CACHE_BINDINGS,
        *FEEDBACK_BINDINGS,
        *STRUCTURED_BINDINGS,
        *COPY_BINDINGS,
        *CONTEXT_BINDINGS,
        *ROUTING_BINDINGS,
        *REGEN_BINDINGS,
        Binding("ctrl+l", "sessions", "Sessions", id="sessions"),  # last: first to go when narrow
    ]

    def __init__(self, chat: Chat) -> None:
        super().__init__()
        self.theme_keeper = ThemeKeeper(self)  # before the first stylesheet parse
        self.chat = chat
        self.session = chat.session
        self.metrics = chat.metrics
        self.breakers = chat.breakers or BreakerBoard(chat.clock)
        self.model_name = chat.spec.name
        self.spending = ChatSpending(chat)
        self.hold_prices_until_first_paint(chat)
        self.turn: Turn | None = None
        self.log_ready = asyncio.Event()
        """Set once the log (and the cache, the shared limits) is open, or failed to open."""
        self._spend_before_log = False
        """A turn began before the log opened: re-read the spend from the log when it ends."""
        # Real time, not the chat's clock: the warm-up spaces real CPU work
        # from real keystrokes (and must not move a test's manual clock).
        self.warm_up = WarmUp(SystemClock(), busy=lambda: self.streaming)
        self.exit_notice: str | None = None
        """A line to print after the screen is gone (e.g. log rows left unwritten)."""
        self._transcript: Transcript | None = None
        """The chat screen's transcript, once composed (told of every key: :meth:`on_event`)."""

    def get_default_screen(self) -> Screen[Any]:
        """The chat's screen focuses the prompt itself (not the first focusable, then it).

        Its compositor does a frame's work once, and only where the screen
        changed (:mod:`~tuichat.ui.widgets.chat_compositor`).
        """
        screen = super().get_default_screen()
        screen.AUTO_FOCUS = "#prompt"  # type: ignore[misc]
        install_compositor(screen)
        return screen

    def compose(self) -> ComposeResult:
        self._transcript = Transcript(id="transcript")
        with Horizontal(id="main"):
            yield self._transcript
            yield Hud(id="hud")
        yield PromptArea(id="prompt")
        yield ChatFooter()

    async def on_mount(self) -> None:
        install_writer(self)  # frames reach the terminal once painted (terminal_writer)
        self.app_resume_signal.subscribe(self, install_writer)  # a resumed driver: a new thread
        self.theme_keeper.start()
        self.query_one(PromptArea).focus()
        apply_keymap(self, self.chat.settings.keys if self.chat.settings else {})
        self.start_hud()
        if self.chat.notice:
            await self.transcript.add(Notice(self.chat.notice, kind="info"))
        await self._show_history()

    def on_ready(self) -> None:
        # Move start-up objects (Textual, widgets, parsers) out of the GC's
        # young generations: full collections then cost a fraction and stop
        # showing up as >100 ms gaps while an answer streams.
        gc.freeze()
        self._start_log()  # first: its imports start in a thread before the HTTP stack's
        warm_client_now(self.chat)  # the HTTP stack now (~45 ms), the client in a thread
        prompt = self.query_one(PromptArea)
        estimator = self.spending.estimator
        self.send_hint = SendHint(self, prompt, self.session, estimator, ready=estimator.loaded,
                                  **self.send_hint_options())  # fmt: skip
        self.send_hint.changed()
        self.context_startup_check()
        self.run_worker(
            self.warm_up.run(self._warm_up_steps()),
            name="warm-up",
            group="warm-up",
            description="use the answer's widgets once, load prices and encodings when quiet",
            exit_on_error=False,
        )

    def _warm_up_steps(self) -> list[WarmStep]:
        """The answer's widgets first (the first send needs them), the language guess last."""
        counts = chat_steps(self.chat, self.send_hint.changed, self.context_window_now)
        return [*widget_steps(self, self.transcript.ready_standby), *counts, code_guess_step()]

    async def on_event(self, event: events.Event) -> None:
        """A key, before it reaches its widget: the answers' idle work waits for a pause.

        Not Enter: a send is the end of the typing (a cached answer's
        tidying would otherwise wait for the next pause, past the next send).
        """
        if self._transcript is not None and _typing(event):
            self._transcript.typed()
        await super().on_event(event)

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        """The draft changed: the pre-send estimate follows (debounced, off the loop)."""
        if isinstance(event.text_area, PromptArea) and hasattr(self, "send_hint"):
            self.warm_up.touch()
            self.send_hint.changed()

    async def on_unmount(self) -> None:
        if self.turn is not None:
            self.turn.cancel()
        if self._log_opening is not None:  # a turn sent before the log opened is written too
            await asyncio.wait([self._log_opening])
        if unwritten := await self.chat.aclose():
            log.error("%s", unwritten)
            self.exit_notice = unwritten  # the screen is gone: run_chat prints it

    @property
    def transcript(self) -> Transcript:
        return self._transcript if self._transcript is not None else self.query_one(Transcript)

    @property
    def streaming(self) -> bool:
        """True while a turn is producing its answer."""
        return self.turn is not None and self.turn.running

    async def on_prompt_area_submitted(self, message: PromptArea.Submitted) -> None:
        text = message.text.strip()
        if (
            await self.regen_command(text, message.prompt)
            or not text
            or await self.structured_command(text, message.prompt)
        ):
            return
        if self.streaming:
            self.notify("Still answering: ctrl+c cancels it.", severity="warning")
            return
        draft = message.prompt
        if await self.compare_command(text, draft) or await self.compare_send(text, draft):
            return
        await self._send_within_budget(text, text, message.prompt)

    async def _send_within_budget(
        self, prompt: str, shown: str, draft: PromptArea | None = None
    ) -> None:
        """Send, unless a hard budget is reached: then ask first (the draft is kept).

        Right after start-up the log may not be open yet: the turn goes out at
        once and its events wait for the log (``Chat.log_later``), unless
        budgets or telemetry need the log before a send.
        """
        self._start_log()
        if self.chat.send_waits_for_log:
            await self.log_ready.wait()  # only the first send, right after start-up, can wait
        if blocking := await self.spending.blocking():
            confirm = BudgetConfirm(blocking)
            self.push_screen(confirm, partial(self._send_confirmed, prompt, shown, draft))
            return
        await self._send_confirmed(prompt, shown, draft, True)

    async def _send_confirmed(
        self, prompt: str, shown: str, draft: PromptArea | None, send: bool | None
    ) -> None:
        if send and not self.streaming and await self.context_allows(prompt):
            if draft is not None:
                draft.clear()
            await self._send(prompt, shown=shown)

    async def _send(self, prompt: str, *, shown: str) -> None:
        """Start the turn, then show the prompt and the (empty) answer, then stream into it.

        The request goes out first: the turn's task starts before any widget
        is built, so showing the prompt and the answer (one frame, together:
        the transcript's standby pair, or a mount) overlaps the connection
        instead of delaying it. The answer's widgets exist before its first
        token, which then costs a text update only.
        """
        numbered = numbered_prompt(self.transcript, self.session, shown)
        routed = self.route_send(prompt)  # the [[routing]] rules pick this turn's route
        self._spend_before_log = self._spend_before_log or not self.log_ready.is_set()
        self.turn = turn = self.session.start_turn(prompt)
        turn.start()
        self.warm_up.pause()
        with self.batch_update():
            answer = await self.transcript.add_exchange(numbered, routed, self.session.model)
        self.hud_streaming(True)
        self.stream_turn(turn, answer)

    async def action_continue(self) -> None:
        """After a cut-off answer: ask for the rest, with the partial as context."""
        if self.streaming:
            return
        if not self.metrics.current or self.metrics.current.status == "ok":
            self.notify("Nothing to continue: the last answer was complete.", timeout=2)
            return
        await self._send_within_budget(CONTINUE_PROMPT, "↻ continue")

    @work(group="turn", exit_on_error=False, description="stream the answer")
    async def stream_turn(self, turn: Turn, answer: AssistantMessage) -> None:
        """Render one turn's events; any UI failure ends in a one-line notice."""
        self.feedback_turn_started(turn, answer)
        try:
            source = self.context_source(self.structured_source(turn, answer))
            await show_answer(self, source, answer)
        except Exception as exc:
            log.exception("rendering turn %s failed", turn.trace_id)
            turn.cancel()
            self.notify(one_line(f"Display error: {exc}"), severity="error", markup=False)
        finally:
            self.hud_streaming(False)
            await self._reload_spend()
            self._budget_alerts()
            self.cache_after_turn()
            self.context_turn_ended(turn)
            self.call_after_refresh(self.transcript.ready_standby)  # for the next send
            if hasattr(self, "send_hint"):
                self.send_hint.changed()

    async def _reload_spend(self) -> None:
        """After a turn sent before the log opened: today's spend re-read, with that turn in it.

        Opening the log reads the spend while such a turn may still be
        running; re-reading once it has ended keeps the HUD equal to the log.
        """
        if self._spend_before_log and self.log_ready.is_set():
            self._spend_before_log = False
            if self.chat.writer is not None:  # the turn's priced rows first (once per chat)
                await self.chat.writer.flush(everything=True)
            await self.chat.refresh_budgets()
            self.refresh_hud()

    def _budget_alerts(self) -> None:
        """Once per crossing: a soft limit warns, a hard one says sending will ask first."""
        for line, severity in self.spending.alerts():
            self.notify(line, severity=severity, markup=False, timeout=8)

    def hud_now(self) -> float:
        return self.chat.clock.now()

    def spend_status(self) -> SpendStatus:
        """Today's spend and the budgets' states for the cost panel (no I/O)."""
        return self.spending.status()

    def context_changed(self) -> None:
        """Resumed or forked: the pre-send estimate follows the new context."""
        if hasattr(self, "send_hint"):
            self.send_hint.changed()

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Command palette: Textual's own entries, then the chat's (:mod:`tuichat.ui.palette`)."""
        yield from super().get_system_commands(screen)
        yield from chat_commands(self)


def _typing(event: events.Event) -> bool:
    """True for a key typed into the chat (Enter sends: not typing), or a paste."""
    return isinstance(event, events.Paste) or (
        isinstance(event, events.Key) and event.key != "enter"
    )
