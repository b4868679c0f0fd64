"""The Textual chat app: transcript, prompt and HUD around one chat session.

The app only renders events. Turns come from :class:`ChatSession`; the store
and the metrics observe the same events; the HUD is redrawn from metric
snapshots on a timer, never per token (see :mod:`tuichat.ui.hud_app`).
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import aiosqlite
from textual import work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer

from tuichat import paths
from tuichat.backends import Backends, route_for
from tuichat.config import ModelSpec, Settings
from tuichat.core.admission import Admission
from tuichat.core.breaker import BreakerBoard
from tuichat.core.chat import ChatSession
from tuichat.core.clock import Clock, SystemClock
from tuichat.core.events import (
    Event,
    FallbackTaken,
    Queued,
    RetryScheduled,
    StaleAnswerOffered,
    TextReleased,
    TurnCancelled,
    TurnFailed,
    TurnFinished,
)
from tuichat.core.hud_view import SpendStatus
from tuichat.core.metrics import SessionMetrics
from tuichat.core.provider import Provider
from tuichat.core.turn import Turn
from tuichat.core.untrusted import one_line
from tuichat.local.errors import LocalModelError
from tuichat.startup import (
    StderrProgress,
    breakers_for,
    limiter_for,
    policy_for,
    start_primary,
    timeouts_for,
    token_counter,
)
from tuichat.store import LogWriter, cached_answer, open_database
from tuichat.ui.hud_app import HUD_BINDINGS, HudApp
from tuichat.ui.keymap import apply_keymap
from tuichat.ui.model_picker import Choice, ModelPicker, choices
from tuichat.ui.theming import ThemeKeeper
from tuichat.ui.widgets.hud import Hud
from tuichat.ui.widgets.prompt import PromptArea
from tuichat.ui.widgets.transcript import AssistantMessage, Notice, Transcript, UserMessage

log = logging.getLogger(__name__)

CONTINUE_PROMPT = (
    "Your previous answer was cut off. Continue exactly where it stopped, "
    "without repeating anything."
)


@dataclass(frozen=True, slots=True)
class ChatOptions:
    """What the session starts with; ``settings`` and ``backends`` enable model switching."""

    model: ModelSpec
    settings: Settings | None = None
    backends: Backends | None = None
    system: str | None = None
    max_tokens: int | None = None
    database: Path | None = None
    notice: str | None = None


def run_chat(settings: Settings) -> int:
    """Start the selected model (with progress), run the app until the user quits."""
    progress = StderrProgress()
    connect = settings.resilience.connect_timeout
    with Backends(progress=progress, connect_timeout=connect) as backends:
        started = start_primary(settings, backends)
        progress.done()
        options = ChatOptions(
            model=started.spec,
            settings=settings,
            backends=backends,
            system=settings.system,
            max_tokens=settings.max_tokens,
            notice=started.notice,
        )
        app = TuichatApp(started.provider, options)
        app.run()
    return app.return_code or 0


class TuichatApp(HudApp):
    """tuichat's terminal UI."""

    TITLE = "tuichat"
    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses live elsewhere
    BINDINGS = [
        Binding("ctrl+c", "cancel_or_copy", "Cancel / copy", priority=True, id="cancel"),
        Binding("escape", "cancel", "Cancel", show=False, priority=True, id="cancel-escape"),
        Binding("ctrl+o", "pick_model", "Model", id="pick-model"),
        Binding("ctrl+r", "continue", "Continue", id="continue"),
        Binding("ctrl+q", "quit", "Quit", priority=True, id="quit"),
        *HUD_BINDINGS,
    ]

    def __init__(
        self, provider: Provider, options: ChatOptions, *, clock: Clock | None = None
    ) -> None:
        super().__init__()
        self.theme_keeper = ThemeKeeper(self)  # before the first stylesheet parse
        self.options = options
        self.metrics = SessionMetrics()
        spec = options.model
        self.model_name = spec.name
        self.breakers = BreakerBoard(clock or SystemClock())
        self.session = ChatSession(
            provider,
            spec.model,
            system=options.system,
            max_tokens=_max_tokens(options.max_tokens, spec),
            temperature=spec.temperature,
            observers=[self.metrics.observe, self._observe_report],
            clock=clock,
            breakers=self.breakers,
        )
        if options.settings is not None and options.backends is not None:
            route = route_for(options.settings, options.backends, spec, provider)
            self.session.set_route(route)
            limiter = limiter_for(options.settings, clock)
            profile = options.settings.profile
            if limiter is not None:
                admission = Admission(limiter, profile=profile, counter=token_counter())
                self.session.admission = admission
            self.session.policy = policy_for(options.settings)
            self.session.timeouts = timeouts_for(options.settings)
            self.breakers = self.session.breakers = breakers_for(options.settings, clock)
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
        self.theme_keeper.start()
        self.query_one(PromptArea).focus()
        apply_keymap(self, self.options.settings.keys if self.options.settings else {})
        self.start_hud()
        if self.options.notice:
            await self.transcript.add(Notice(self.options.notice, kind="info"))
        await self._open_log()

    def on_ready(self) -> None:
        # Move start-up objects (Textual, widgets, parsers) out of the GC's
        # young generations: full collections then cost a fraction and stop
        # showing up as >100 ms gaps while an answer streams.
        gc.freeze()

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
        self.session.stale_lookup = partial(cached_answer, self._db)
        model, system = self.session.model, self.options.system
        await self.writer.ensure_session(self.session.session_id, model=model, system_prompt=system)

    async def on_unmount(self) -> None:
        if self.turn is not None:
            self.turn.cancel()
        if self.writer is not None:
            await self.writer.close()
        if self._db is not None:
            await self._db.close()
        if self.options.backends is not None:
            await self.options.backends.aclose_providers()
        else:
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
        await self._send(text, shown=text)

    async def _send(self, prompt: str, *, shown: str) -> None:
        """Show the prompt, start the turn and stream its answer."""
        answer = AssistantMessage(self.session.model)
        await self.transcript.add(UserMessage(shown))
        await self.transcript.add(answer)
        self.turn = self.session.start_turn(prompt)
        self.hud_streaming(True)
        self._stream_turn(self.turn, answer)

    async def action_continue(self) -> None:
        """After a cut-off answer: ask for the rest, with the partial as context."""
        if self.streaming:
            return
        if not self.metrics.current or self.metrics.current.status == "ok":
            self.notify("Nothing to continue: the last answer was complete.", timeout=2)
            return
        await self._send(CONTINUE_PROMPT, shown="↻ continue")

    @work(group="turn", exit_on_error=False, description="stream the answer")
    async def _stream_turn(self, turn: Turn, answer: AssistantMessage) -> None:
        """Render one turn's events; any UI failure ends in a one-line notice."""
        stale = ""
        try:
            async for event in turn:
                if isinstance(event, TextReleased):
                    answer.append(event.text)
                    self.hud_text_shown()
                elif isinstance(event, StaleAnswerOffered):
                    answer.append(event.text)
                    stale = f"; showing a STALE answer from {_age(event.age_s)} ago"
                elif isinstance(event, TurnFinished):
                    await answer.finish(_finish_note(event))
                elif isinstance(event, TurnCancelled):
                    note = "cancelled; partial answer kept (ctrl+r continues)"
                    await answer.finish(note, kind="warning")
                elif isinstance(event, TurnFailed):
                    hint = " (ctrl+r continues)" if event.partial_text else stale
                    await answer.finish(f"⚠ {event.message}{hint}", kind="error")
        except Exception as exc:
            log.exception("rendering turn %s failed", turn.trace_id)
            turn.cancel()
            self.notify(one_line(f"Display error: {exc}"), severity="error")
        finally:
            self.hud_streaming(False)

    def _observe_report(self, event: Event) -> None:
        """Show retries, fallbacks and queueing as they happen."""
        if isinstance(event, RetryScheduled):
            self.notify(one_line(f"{event.model}: {event.reason}"), timeout=3)
        elif isinstance(event, FallbackTaken):
            self.notify(one_line(f"{event.from_model} → {event.to_model}: {event.reason}"))
        elif isinstance(event, Queued):
            wait = f"~{event.expected_wait_s:.0f} s"
            self.notify(one_line(f"{event.model}: queued #{event.position}, {wait}"), timeout=3)

    def hud_now(self) -> float:
        return self.session.clock.now()

    def spend_status(self) -> SpendStatus:
        """Hook for the cost panel: today's spend and the budgets' states.

        Returns "unknown" for now (the panel then says "not available" and "no
        budget set"); the cost log fills it with ``SpendStatus(today_usd,
        budgets)`` built from :class:`~tuichat.core.budget_status.BudgetLine`.
        Called at most ten times a second while streaming: keep it cheap.
        """
        return SpendStatus(today_usd=None, budgets=())

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

    def action_pick_model(self) -> None:
        """Open the model picker (needs the configuration this app was started with)."""
        if self.options.settings is None or self.options.backends is None:
            self.notify("Model switching needs a configuration.", severity="warning")
            return
        picker = ModelPicker(self.options.settings, self.model_name)
        self.push_screen(picker, self._on_model_picked)

    def _on_model_picked(self, choice: Choice | None) -> None:
        if choice is not None and self.options.settings is not None:
            self._switch_model(choice)

    @work(group="switch", exclusive=True, exit_on_error=False, description="switch model")
    async def _switch_model(self, choice: Choice) -> None:
        """Start the first model's backend off the event loop, then route the next turns."""
        settings, backends = self.options.settings, self.options.backends
        assert settings is not None and backends is not None
        spec = settings.models[choice.members[0]]
        if not backends.is_ready(spec):
            self.notify(f"Starting {spec.name}…", timeout=3)
        try:
            provider = await asyncio.to_thread(backends.provider_for, spec)
        except Exception as exc:
            self.notify(one_line(f"Cannot switch to {spec.name}: {_reason(exc)}"), severity="error")
            return
        names = choice.members[1:]
        self.session.set_route(route_for(settings, backends, spec, provider, fallbacks=names))
        self.model_name = choice.name
        chain = " → ".join(choice.members) if choice.is_chain else f"{spec.provider} · {spec.model}"
        await self.transcript.add(Notice(f"Switched to {choice.name} ({chain})."))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Command palette: one entry per model and chain, after Textual's own."""
        yield from super().get_system_commands(screen)
        if self.options.settings is None:
            return
        for choice in choices(self.options.settings):
            yield SystemCommand(
                f"Model: {choice.name}",
                "Use this model for the next turns (the conversation is kept)",
                partial(self._on_model_picked, choice),
            )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Let escape through to widgets unless an answer is streaming."""
        if action == "cancel":
            return self.streaming
        return True


def _finish_note(event: TurnFinished) -> str | None:
    """Under an answer: a cut at max tokens, or what it took when it was not the first try."""
    notes = []
    if event.finish_reason == "length":
        notes.append("stopped at max tokens")
    if event.summary.count(",") or ";" in event.summary:
        notes.append(event.summary)
    return "; ".join(notes) or None


def _age(seconds: float) -> str:
    """``42 s``, ``7 min``, ``3 h``, ``2 d``."""
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f} {unit}"
    return f"{seconds:.0f} s"


def _max_tokens(flag: int | None, spec: ModelSpec) -> int | None:
    """``--max-tokens`` for every model, else the model's own cap."""
    return flag if flag is not None else spec.max_tokens


def _reason(exc: Exception) -> str:
    """One line for a failed switch: local-model errors carry their own message."""
    return exc.message if isinstance(exc, LocalModelError) else str(exc)
