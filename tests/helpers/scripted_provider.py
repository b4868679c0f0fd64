"""A provider that plays a script, for turn tests with a manual clock.

A script is a list of steps: a stream part is yielded, a float advances the
clock by that many seconds, a :class:`Stall` blocks the event loop for that
long (``ManualClock.stall``: timers due meanwhile fire late), a
``ProviderError`` is raised, and the string ``"hang"`` waits until the turn
is cancelled.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator, Sequence
from dataclasses import dataclass

from tuichat.core import errors
from tuichat.core.clock import ManualClock
from tuichat.core.conversation import ChatRequest
from tuichat.core.events import Event
from tuichat.core.provider import FinishPart, ResponseHead, StreamPart, TextPart, UsagePart


@dataclass(frozen=True)
class Stall:
    """A script step: the process cannot run its event loop for ``seconds``."""

    seconds: float


Step = StreamPart | float | errors.ProviderError | str | Stall


class ScriptedProvider:
    """Yields a script: parts, float = advance the clock, error = raise, 'hang' = wait forever."""

    name = "scripted"
    base_url_host = "fake:1"

    def __init__(self, clock: ManualClock, script: Sequence[Step]) -> None:
        self.clock = clock
        self.script = list(script)
        self.requests: list[ChatRequest] = []
        self.closed_by_cancel = False

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamPart]:
        self.requests.append(request)
        try:
            for step in self.script:
                if isinstance(step, float):
                    self.clock.advance(step)
                elif isinstance(step, Stall):
                    self.clock.stall(step.seconds)
                elif isinstance(step, errors.ProviderError):
                    raise step
                elif step == "hang":
                    await asyncio.Event().wait()
                elif not isinstance(step, str | Stall):
                    yield step
                await asyncio.sleep(0)
        except asyncio.CancelledError:
            self.closed_by_cancel = True
            raise

    async def aclose(self) -> None:
        pass


OK_SCRIPT: list[Step] = [
    ResponseHead(200),
    0.25,
    TextPart("Hello"),
    0.1,
    TextPart(" there. How"),
    0.1,
    TextPart(" are you?"),
    UsagePart(12, 3),
    FinishPart("stop", "served"),
]
"""A good answer in three deltas: 250 ms to the first token, usage, then stop."""


async def run(turn: AsyncIterable[Event]) -> list[Event]:
    """Drive a turn to its end and return every event it yielded."""
    return [event async for event in turn]
