"""The context window and the answer length in the chat (a mixin of the app).

Before a send, :meth:`ContextActions.context_allows` lets the session's
:class:`~tuichat.core.context.keeper.ContextKeeper` make room: a refusal is
one error line and the draft stays; dropped turns are greyed and marked in
the transcript; a summary appears as a folded note where it was made. When a
provider still answers "context too long", the policy runs once more and the
prompt is sent again, once (:meth:`context_turn_ended`), with a line saying so.

ctrl+s (``length``, remappable) cycles the length preset brief → normal →
long → the models' own caps; the palette has an entry per preset. The
pre-send line and the HUD (``window`` and ``length`` rows) show the effect.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator, Iterator
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from textual.app import SystemCommand
from textual.binding import Binding

from tuichat.core.context.fit import WindowUse
from tuichat.core.context.keeper import ContextAction, ContextKeeper, refused_for_length
from tuichat.core.context.length import PRESETS, LengthPreset, next_preset
from tuichat.core.events import Event, TurnEnded
from tuichat.core.metrics.hud_view import ThroughputView
from tuichat.core.turn.turn import Turn
from tuichat.core.untrusted import one_line
from tuichat.ui.widgets.context_note import SummaryNote
from tuichat.ui.widgets.messages import Notice

if TYPE_CHECKING:
    from tuichat.ui.app import TuichatApp

LENGTH_KEY = "ctrl+s"
CONTEXT_BINDINGS = [Binding(LENGTH_KEY, "cycle_length", "Length", show=False, id="length")]
"""ctrl+s: f2–f5, f8–f10 and ctrl+b/f/l/n/o/r/t/g are taken; the prompt's TextArea owns
f6/f7, ctrl+a/e/k/u/w/x/y/z; Textual turns off terminal flow control, so ctrl+s arrives."""


class ContextActions:
    """Window policy before sends, the once-more after a context error, the length key."""

    window_use: WindowUse | None = None
    """The latest pre-send estimate against the window (the HUD's ``window`` row)."""
    _keeper: ContextKeeper | None = None
    _ended: TurnEnded | None = None
    _retried: str | None = None
    """The prompt sent once more after a context error (not retried again)."""
    _rate: float | None = None

    @property
    def _app(self) -> TuichatApp:
        return cast("TuichatApp", self)

    @property
    def context_keeper(self) -> ContextKeeper:
        """The session's keeper, built on first use (``[context]`` from the settings)."""
        if self._keeper is None:
            from tuichat.context_setup import keeper_for

            self._keeper = keeper_for(self._app.chat)
        return self._keeper

    def send_hint_options(self) -> dict[str, Any]:
        """What the pre-send line needs from the context: windows, speed, where to report."""
        return {
            "window_of": self.context_keeper.window_of,
            "rate": lambda: self._rate,
            "on_use": self._window_used,
        }

    def _window_used(self, use: WindowUse) -> None:
        self.window_use = use
        if not self._app.streaming:
            self._app.refresh_hud()

    def context_view(self, view: ThroughputView) -> ThroughputView:
        """The HUD's throughput view with the window row and the length preset."""
        self._rate = view.rate_avg or self._rate
        return replace(view, window=self.window_use, length=self._app.session.length)

    async def context_allows(self, prompt: str) -> bool:
        """Make room for ``prompt`` by the policy; False (one line, draft kept) when refused."""
        try:
            action = await self.context_keeper.make_room(self._app.session, prompt)
        except Exception as exc:  # never block sending on a counting bug
            self._app.notify(one_line(f"context check failed: {exc}"), severity="warning")
            return True
        await self._show_action(action)
        return action.sendable

    async def _show_action(self, action: ContextAction) -> None:
        """The policy's line, greyed turns and the summary note, in the transcript."""
        if action.use is not None:
            self.window_use = action.use
        if not action.line:
            return
        transcript = self._app.transcript
        if action.dropped:
            transcript.mark_dropped(self._app.session.conversation.context_start)
        widgets: list[Any] = []
        if action.summary is not None:
            count = len(action.dropped)
            title = f"Context: {count} earlier messages summarised by {action.summary.model}"
            widgets.append(SummaryNote(title, action.summary.text))
        kind = "error" if not action.sendable else "warning"
        widgets.append(Notice(f"⊘ {action.line}", kind=kind))
        await transcript.add(*widgets)
        if not action.sendable:
            self._app.notify(action.line, severity="error", markup=False, timeout=8)

    async def context_source(self, source: AsyncIterable[Event]) -> AsyncIterator[Event]:
        """Pass ``source`` through, noting its terminal event."""
        self._ended = None
        async for event in source:
            if isinstance(event, TurnEnded):
                self._ended = event
            yield event

    def context_window_now(self) -> None:
        """Find the session's context window (blocking: a warm-up runs it in a thread)."""
        self.context_keeper.window_of(self._app.session.route[0])

    def context_startup_check(self) -> None:
        """At start-up: one error line if the window cannot hold the system prompt alone."""
        self._app.run_worker(self._startup_check(), name="context-check", group="context",
                             description="does the system prompt fit the window",
                             exit_on_error=False)  # fmt: skip

    async def _startup_check(self) -> None:
        keeper, session = self.context_keeper, self._app.session
        if not keeper.window_ready(session.route[0]):
            return  # it would import the price catalogue at launch: the sends check
        if problem := await asyncio.to_thread(keeper.system_problem, session):
            await self._app.transcript.add(Notice(f"⊘ {problem}", kind="error"))

    def context_turn_ended(self, turn: Turn) -> None:
        """After a turn: a provider's context-length refusal runs the policy once, then resends."""
        ended, prompt = self._ended, turn.prompt
        if ended is None or not refused_for_length(ended) or self._retried == prompt:
            self._retried = None
            return
        self._retried = prompt
        self._app.run_worker(self._once_more(prompt), name="context-retry", group="context",
                             description="apply the context policy and send once more",
                             exit_on_error=False)  # fmt: skip

    async def _once_more(self, prompt: str) -> None:
        action = await self.context_keeper.after_refusal(self._app.session, prompt)
        await self._show_action(action)
        if action.sendable and not self._app.streaming:
            await self._app._send(prompt, shown=prompt)

    def action_cycle_length(self) -> None:
        """ctrl+s: the next length preset (brief → normal → long → the models' own caps)."""
        self._set_length(next_preset(self._app.session.length))

    def _set_length(self, preset: LengthPreset | None) -> None:
        app = self._app
        app.session.length = preset
        if preset is None:
            line = "Length: each model's own max_tokens, no length instruction"
        else:
            line = f"Length: {preset.name} — max_tokens {preset.max_tokens:,}, and asked for it"
        app.notify(line, timeout=3, markup=False)
        app.context_changed()
        app.refresh_hud()

    def context_system_commands(self) -> Iterator[SystemCommand]:
        """Palette entries: one per length preset, and the models' own caps."""
        for preset in PRESETS.values():
            yield SystemCommand(
                f"Length: {preset.name} ({LENGTH_KEY} cycles)",
                f"max_tokens {preset.max_tokens:,} and a length instruction in the system prompt",
                partial(self._set_length, preset),
            )
        yield SystemCommand(
            "Length: model default",
            "Each model's own max_tokens, no length instruction",
            partial(self._set_length, None),
        )
