"""The prompt's border shows what sending the draft will cost, updated as you type.

Counting and pricing run on a thread, debounced, so typing never waits for
them; until the start-up warm-up (:mod:`tuichat.ui.warm_up`) has loaded
tiktoken's BPE data and the price database, no estimate is made, so the
first keystrokes never start that loading beside a send. The
numbers come from :class:`~tuichat.core.cost.send_estimate.SendEstimator`.

The request estimated is the one the next turn sends (the context policy's
drops and summary, the length preset's cap and instruction); the window is
the model's (:mod:`tuichat.core.context.window`), and the answer's reserve is
its cap, else a share of the window. With a length preset, the line ends with
it and, once the session has a speed, the longest the answer may take
(``brief ≤300 ~4 s``). Each estimate also goes to ``on_use``: the HUD's "window" row.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from textual.app import App
from textual.timer import Timer
from textual.widgets import TextArea

from tuichat.core.context.fit import WindowUse, answer_budget
from tuichat.core.context.length import LengthPreset
from tuichat.core.context.window import UNKNOWN, Window
from tuichat.core.conversation import ChatMessage
from tuichat.core.cost.pricing import Tariff
from tuichat.core.cost.send_estimate import SendEstimator
from tuichat.core.turn.chat import ChatSession, RouteModel

log = logging.getLogger(__name__)

DEBOUNCE_S = 0.15
"""Wait this long after the last keystroke before counting."""


class SendHint:
    """Keeps ``target.border_subtitle`` showing the next request's estimate."""

    def __init__(
        self,
        app: App[None],
        target: TextArea,
        session: ChatSession,
        estimator: SendEstimator,
        *,
        ready: Callable[[], bool] = lambda: True,
        window_of: Callable[[RouteModel], Window] | None = None,
        rate: Callable[[], float | None] = lambda: None,
        on_use: Callable[[WindowUse], None] = lambda use: None,
    ) -> None:
        self._app = app
        self._ready = ready
        self._window_of = window_of or _configured
        self._rate = rate
        self._on_use = on_use
        self._target = target
        self._session = session
        self._estimator = estimator
        self._timer: Timer | None = None

    def changed(self) -> None:
        """The draft or the conversation changed: estimate again shortly."""
        if self._timer is not None:
            self._timer.stop()
        self._timer = self._app.set_timer(DEBOUNCE_S, self._start)

    def _start(self) -> None:
        """Snapshot the inputs on the event loop, then count and price off it."""
        if not self._target.is_attached or not self._ready():
            return  # not loaded yet: the warm-up asks again once it is (see ui.warm_up)
        session = self._session
        entry = session.route[0]
        history = session.request_for(entry).messages
        tariff = entry.tariff or Tariff(entry.provider.name, entry.model)
        cap = session.answer_cap(entry)
        request = _Draft(history, self._target.text, tariff, cap, entry, self._window_of,
                         session.length, self._rate())  # fmt: skip
        self._app.run_worker(
            self._estimate(request),
            name="send-estimate",
            group="send-estimate",
            description="count and price the draft",
            exclusive=True,
            exit_on_error=False,
        )

    async def _estimate(self, draft: _Draft) -> None:
        try:
            text, use = await asyncio.to_thread(draft.describe, self._estimator)
        except Exception:  # a count must never disturb typing
            log.warning("pre-send estimate failed", exc_info=True)
            return
        self._target.border_subtitle = text
        self._on_use(use)


@dataclass(frozen=True, slots=True)
class _Draft:
    """What to estimate, copied on the event loop (the thread reads only this)."""

    history: tuple[ChatMessage, ...]
    text: str
    tariff: Tariff
    max_tokens: int | None
    entry: RouteModel
    window_of: Callable[[RouteModel], Window]
    length: LengthPreset | None
    rate: float | None
    """The session's average tok/s (None: nothing streamed yet)."""

    def describe(self, estimator: SendEstimator) -> tuple[str, WindowUse]:
        """The line for the prompt's border, and the window use for the HUD (on a thread)."""
        window = self.window_of(self.entry)
        reserve = self.max_tokens
        if window.tokens is not None:
            reserve = answer_budget(self.max_tokens, window.tokens)
        estimate = estimator.estimate(
            self.history, self.text, self.tariff, max_tokens=reserve, context_window=window.tokens
        )
        use = WindowUse(estimate.prompt_tokens, estimate.answer_cap, window.tokens, window.source,
                        estimate.exact)  # fmt: skip
        parts = [estimate.describe()]
        if self.length is not None:
            longest = f" ~{self.length.max_tokens / self.rate:.0f} s" if self.rate else ""
            parts.append(f"{self.length.name} ≤{self.length.max_tokens:,}{longest}")
        return " · ".join(parts), use


def _configured(entry: RouteModel) -> Window:
    """Without a window finder: the configured window only."""
    return Window(entry.context_window, "config" if entry.context_window else UNKNOWN)
