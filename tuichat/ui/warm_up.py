"""Start-up warm-ups that never stand between the user and a send or a paint.

A cold process loads some things on first use: the HTTP client's async
backend (the first request), the price database (the first answer's cost),
the token encodings (the pre-send estimate, counts where a provider reports
no usage) and, with a semantic cache, the embedding model. Loading them takes
tens to hundreds of milliseconds of interpreter time, and a thread that does
it competes with the event loop for the GIL: run while the first message is
sent, it delayed the request and the first paint by 100-300 ms.

:class:`WarmUp` loads them one small step at a time, each in a thread, and
only when the chat is quiet: no answer streaming and no keystroke for
``QUIET_S``. A keystroke or a send (``touch``) restarts the quiet period; a
step already running is not interrupted, but no other starts until the chat
is quiet again. While a step runs the interpreter's switch interval is
lowered, so the loop gets the GIL back within ~1 ms of waking instead of 5.
Whatever the warm-up has not reached yet still loads on demand (off the loop
where the core can: see ``CostMeter.ready``).
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import logging
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from tuichat.core.clock import Clock
from tuichat.core.cost.tokens import ENCODINGS

if TYPE_CHECKING:
    from tuichat.factory import Chat

log = logging.getLogger(__name__)

QUIET_S = 0.6
"""The chat is quiet this long after the last keystroke or send, with nothing streaming."""

POLL_S = 0.1
"""How often a waiting warm-up looks again while an answer streams."""

STEP_SWITCH_S = 0.001
"""The interpreter's switch interval while a step runs (Python's default is 0.005)."""


@dataclass(frozen=True, slots=True)
class WarmStep:
    """One thing to load: a blocking callable (run in a thread) or a coroutine function."""

    name: str
    load: Callable[[], object]
    then: Callable[[], None] | None = None
    """Called on the event loop once the step is done (e.g. the estimate may now count)."""
    quiet_s: float = QUIET_S
    """How long the chat must have been quiet before this step starts."""


class WarmUp:
    """Runs :class:`WarmStep` s in order, each only once the chat is quiet (see module doc)."""

    def __init__(self, clock: Clock, busy: Callable[[], bool]) -> None:
        self._clock = clock
        self._busy = busy
        self._last_input = clock.now()
        self.done: list[str] = []
        """Names of the steps done, in order (for tests and the log)."""

    def touch(self) -> None:
        """A keystroke or a send: the next step waits for ``QUIET_S`` of quiet from now."""
        self._last_input = self._clock.now()

    pause = touch

    async def run(self, steps: Sequence[WarmStep]) -> None:
        """Run ``steps`` in order, each after a quiet period; a failing step is logged, skipped."""
        for step in steps:
            await self.quiet(step.quiet_s)
            try:
                await self._load(step)
            except Exception:  # the same thing loads (and fails visibly) on first use
                log.warning("warm-up step %s failed", step.name, exc_info=True)
                continue
            self.done.append(step.name)
            if step.then is not None:
                step.then()

    async def quiet(self, quiet_s: float = QUIET_S) -> None:
        """Return once nothing streams and no input came for ``quiet_s``."""
        while True:
            busy = self._busy()
            left = self._last_input + quiet_s - self._clock.now()
            if left <= 0 and not busy:
                return
            await self._clock.sleep(max(left, POLL_S))

    async def _load(self, step: WarmStep) -> None:
        if inspect.iscoroutinefunction(step.load):
            await step.load()
            return
        before = sys.getswitchinterval()
        sys.setswitchinterval(min(before, STEP_SWITCH_S))
        try:
            await asyncio.to_thread(step.load)
        finally:
            sys.setswitchinterval(before)


def awaited(load: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
    """``load`` as a coroutine function step (for an async warm such as an embedder's)."""

    async def step() -> None:
        await load()

    return step


PRICE_MODULES = (
    "pydantic",
    "pydantic.main",
    "pydantic.fields",
    "genai_prices",
    "genai_prices.data",
)
"""The price database's imports, one step each (15-30 ms apiece instead of ~100 ms at once)."""

HOLDING_QUIET_S = 2.0
"""Quiet needed before a step that holds the GIL throughout (an encoding: 60-230 ms)."""


def importing(name: str) -> WarmStep:
    """A step that imports module ``name``."""
    return WarmStep(f"import {name}", partial(importlib.import_module, name))


def chat_steps(
    chat: Chat, counts_loaded: Callable[[], None], window: Callable[[], object]
) -> list[WarmStep]:
    """The chat's warm-ups, the cheapest and soonest needed first.

    ``counts_loaded`` runs once prices and encodings are in (the pre-send
    estimate waits for them rather than loading them while the user types).
    ``window`` finds the model's context window once prices are in: the
    first send after that would otherwise look it up in the price catalogue
    on the event loop (~3 ms of regular expressions compiled in front of it).
    Each encoding is one step that holds the GIL (tiktoken builds it in Rust):
    it waits for a longer quiet period, when the user is reading an answer.
    """
    counter = chat.counter
    # (The HTTP client and its backend are built right after the first paint:
    # tuichat.ui.first_send.warm_client_now.)
    steps = [importing(name) for name in PRICE_MODULES]
    steps.append(WarmStep("prices", chat.meter.prices.warm_quietly))
    steps.append(WarmStep("context window", window))
    steps.extend(
        WarmStep(f"encoding {name}", partial(counter.warm, (name,)), quiet_s=HOLDING_QUIET_S)
        for name in ENCODINGS
    )
    steps.append(WarmStep("estimate", lambda: None, then=counts_loaded))
    cache = chat.services.cache
    embedder = getattr(cache.semantic, "embedder", None) if cache is not None else None
    if (warm := getattr(embedder, "warm", None)) is not None:
        steps.append(WarmStep("embeddings", awaited(warm), quiet_s=HOLDING_QUIET_S))
    return steps
