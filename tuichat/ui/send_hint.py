"""The prompt's border shows what sending the draft will cost, updated as you type.

Counting and pricing run on a thread, debounced, so typing never waits for
them; until the start-up warm-up (:mod:`tuichat.ui.warm_up`) has loaded
tiktoken's BPE data and the price database, no estimate is made, so the
first keystrokes never start that loading beside a send. The
numbers come from :class:`~tuichat.core.cost.send_estimate.SendEstimator`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from textual.app import App
from textual.timer import Timer
from textual.widgets import TextArea

from tuichat.core.conversation import ChatMessage
from tuichat.core.cost.pricing import Tariff
from tuichat.core.cost.send_estimate import SendEstimator
from tuichat.core.turn.chat import ChatSession

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
    ) -> None:
        self._app = app
        self._ready = ready
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
        entry = self._session.route[0]
        history = self._session.conversation.request(entry.model).messages
        tariff = entry.tariff or Tariff(entry.provider.name, entry.model)
        request = _Draft(history, self._target.text, tariff, entry.max_tokens, entry.context_window)
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
            text = await asyncio.to_thread(draft.describe, self._estimator)
        except Exception:  # a count must never disturb typing
            log.warning("pre-send estimate failed", exc_info=True)
            return
        self._target.border_subtitle = text


@dataclass(frozen=True, slots=True)
class _Draft:
    """What to estimate, copied on the event loop (the thread reads only this)."""

    history: tuple[ChatMessage, ...]
    text: str
    tariff: Tariff
    max_tokens: int | None
    context_window: int | None

    def describe(self, estimator: SendEstimator) -> str:
        estimate = estimator.estimate(
            self.history,
            self.text,
            self.tariff,
            max_tokens=self.max_tokens,
            context_window=self.context_window,
        )
        return estimate.describe()
