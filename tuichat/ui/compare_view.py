"""One column of a live comparison: a model's answer with its own figures.

A :class:`CompareColumn` owns one model's turn. It reads that turn's events
in its own worker — nothing it does waits for another column — and renders
them through the chat's one renderer (:func:`~tuichat.ui.turn_view.show_answer`)
into an :class:`~tuichat.ui.widgets.messages.AssistantMessage`, so the
answer streams exactly like a chat answer (the same ``AnswerView``). The
figures under it (TTFT, tok/s, tokens, cost) come from the core's
:class:`~tuichat.core.metrics.session_metrics.TurnMetrics`, folded from the
same events and redrawn a few times a second, never per token.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.notifications import SeverityLevel
from textual.widgets import Static

from tuichat.core.events import Event, TurnEnded
from tuichat.core.metrics.session_metrics import TurnMetrics
from tuichat.core.metrics.turn_snapshot import TurnSnapshot
from tuichat.core.untrusted import one_line
from tuichat.ui.turn_view import EndNotes, show_answer
from tuichat.ui.widgets.hud_text import count, ms, rate, usd
from tuichat.ui.widgets.messages import AssistantMessage

if TYPE_CHECKING:
    from tuichat.core.turn.chat import ChatSession
    from tuichat.core.turn.turn import Turn

COMPARE_NOTES = EndNotes(cancelled="cancelled; partial answer kept", partial_hint="")
FIGURES_EVERY_S = 0.25
"""How often a streaming column redraws its figures (the answer itself streams per step)."""


def figures_line(snap: TurnSnapshot) -> str:
    """``TTFT 312 ms · 45.2 tok/s · 120 tok · $0.0012 · ok``: one column's figures."""
    tokens = count(snap.output_tokens, snap.output_estimated)
    cost = usd(snap.cost_usd)
    if snap.unpriced_attempts and snap.cost_usd is None:
        cost = "unpriced"
    parts = (f"TTFT {ms(snap.ttft_ms)}", f"{rate(snap.tokens_per_s)} tok/s", f"{tokens} tok", cost)
    return " · ".join((*parts, snap.status))


class CompareColumn(Vertical):
    """One model's side of a comparison: a header, the streaming answer, its figures."""

    def __init__(self, name: str, session: ChatSession, *, id: str | None = None) -> None:
        super().__init__(classes="compare-column", id=id)
        self.seat = name
        self.session = session
        self.metrics = TurnMetrics()
        self.message = AssistantMessage(name)
        self.turn: Turn | None = None
        self.ended: TurnEnded | None = None
        self.done = asyncio.Event()
        """Set once this column's turn ended (tests and the diff wait on it)."""

    def compose(self) -> ComposeResult:
        route = self.session.route[0]
        yield Static(one_line(f"{self.seat} · {route.model}"), classes="compare-head", markup=False)
        with VerticalScroll(classes="compare-answer"):
            yield self.message
        yield Static("TTFT —", classes="compare-figures", markup=False)

    @property
    def text(self) -> str:
        """The answer so far (complete or partial)."""
        return self.message.text

    @property
    def running(self) -> bool:
        """True while this column's turn is producing its answer."""
        return self.turn is not None and self.turn.running

    def start(self, prompt: str) -> Turn:
        """Send ``prompt`` to this column's model now (the request goes out at once)."""
        self.turn = turn = self.session.start_turn(prompt)
        turn.start()
        return turn

    def cancel(self) -> None:
        """Stop this column's answer (the partial is kept, logged as cancelled)."""
        if self.turn is not None and self.turn.running:
            self.turn.cancel()

    async def stream(self) -> None:
        """Render this column's turn until it ends; redraw the figures meanwhile."""
        assert self.turn is not None
        timer = self.set_interval(FIGURES_EVERY_S, self.show_figures)
        try:
            await show_answer(self, self._folded(self.turn), self.message, COMPARE_NOTES)
        finally:
            timer.stop()
            self.show_figures()
            self.done.set()

    async def _folded(self, turn: Turn) -> AsyncIterator[Event]:
        """The turn's events, each folded into this column's metrics first."""
        async for event in turn:
            self.metrics.observe(event)
            if isinstance(event, TurnEnded):
                self.ended = event
            yield event

    @property
    def figures(self) -> str:
        """The figures line as of now."""
        return figures_line(self.metrics.snapshot(self.session.clock.now()))

    def show_figures(self) -> None:
        """Redraw the figures line from the metrics as of now."""
        self.query_one(".compare-figures", Static).update(self.figures)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """A toast about this column's turn (retries, queueing), named after its model."""
        line = f"{self.seat}: {message}"
        self.app.notify(line, title=title, severity=severity, timeout=timeout, markup=False)

    def hud_text_shown(self) -> None:
        """The chat's HUD does not follow a comparison: nothing to ride along."""

    def hud_now(self) -> float:
        """This column's clock (the wait line counts down on it)."""
        return self.session.clock.now()
