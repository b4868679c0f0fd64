"""The pump hands the front end no text the log does not hold (the "lose nothing" wait)."""

from __future__ import annotations

import asyncio

from tuichat.core.events import Event, FirstToken, TextReleased, TurnFinished, TurnStarted
from tuichat.core.turn.source import EventPump

TRACE = "t" * 32


class GatedLog:
    """A log sink whose flush waits for ``commit`` and records what it covered."""

    def __init__(self) -> None:
        self.observed: list[Event] = []
        self.covered: list[int] = []  # events observed when each flush started
        self.commit = asyncio.Event()

    def observe(self, event: Event) -> None:
        self.observed.append(event)

    async def flush(self) -> None:
        self.covered.append(len(self.observed))
        await self.commit.wait()


class Answered(EventPump):
    """A source that emits a whole answer at once, as a cache hit does."""

    trace_id = TRACE

    async def _run(self) -> None:
        self._emit(
            TurnStarted(
                trace_id=TRACE, ts=0.0, session_id="s", prompt="q", model="m", wall_time=0.0
            )
        )
        self._emit(FirstToken(trace_id=TRACE, ts=0.1, attempt=1))
        self._emit(TextReleased(trace_id=TRACE, ts=0.1, text="Hello."))
        self._emit(TurnFinished(trace_id=TRACE, ts=0.2, text="Hello.", finish_reason="stop",
                                model="m"))  # fmt: skip


async def test_text_waits_until_the_log_holds_what_came_before_it() -> None:
    log = GatedLog()
    pump = Answered([log.observe], log)
    received: list[Event] = []

    async def front_end() -> None:
        async for event in pump:
            received.append(event)

    reading = asyncio.create_task(front_end())
    for _ in range(5):
        await asyncio.sleep(0)
    assert [type(event) for event in received] == [TurnStarted]  # the text waits
    assert log.covered and log.covered[0] >= 2  # for a flush covering the first token
    log.commit.set()
    await reading
    assert [type(event) for event in received] == [TurnStarted, FirstToken, TextReleased,
                                                   TurnFinished]  # fmt: skip


async def test_without_a_log_nothing_waits() -> None:
    pump = Answered([], None)
    received = [event async for event in pump]
    assert len(received) == 4
