"""PendingLog: events held in order until the log is attached; flush waits for it."""

from __future__ import annotations

import asyncio

from tuichat.core.events import Event, TextDelta, TurnStarted
from tuichat.pending_log import PendingLog


class RecordingSink:
    """A log sink that records what it observes and how often it was flushed."""

    def __init__(self) -> None:
        self.seen: list[Event] = []
        self.flushes = 0

    def observe(self, event: Event) -> None:
        self.seen.append(event)

    async def flush(self) -> None:
        self.flushes += 1


def started() -> TurnStarted:
    return TurnStarted(trace_id="t", ts=0.0, session_id="s", prompt="p", model="m", wall_time=0.0)


def delta(text: str) -> TextDelta:
    return TextDelta(trace_id="t", ts=1.0, attempt=1, text=text)


async def test_held_events_reach_the_log_in_order_then_later_ones_follow() -> None:
    pending, sink = PendingLog(), RecordingSink()
    first, second, third = started(), delta("a"), delta("b")
    pending.observe(first)
    pending.observe(second)
    assert pending.held == 2 and not pending.attached
    pending.attach(sink)
    pending.observe(third)
    assert sink.seen == [first, second, third] and pending.held == 0


async def test_flush_waits_for_the_log_then_flushes_it() -> None:
    pending, sink = PendingLog(), RecordingSink()
    pending.observe(started())
    flushing = asyncio.create_task(pending.flush())
    await asyncio.sleep(0)
    assert not flushing.done()  # nothing may be shown before the log holds it
    pending.attach(sink)
    await flushing
    assert sink.flushes == 1


async def test_a_log_that_could_not_open_lets_everything_go() -> None:
    pending = PendingLog()
    pending.observe(started())
    pending.attach(None)
    pending.observe(delta("a"))
    await pending.flush()  # returns at once: the chat runs unlogged
    assert pending.held == 0 and pending.attached


async def test_attaching_twice_keeps_the_first_log() -> None:
    pending, sink, other = PendingLog(), RecordingSink(), RecordingSink()
    pending.attach(sink)
    pending.attach(other)
    pending.observe(started())
    assert len(sink.seen) == 1 and other.seen == []
