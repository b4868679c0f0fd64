"""Live turns as the core emits them, written through a real LogWriter, for replay tests.

Stamps are monotonic seconds from ``T0``; the turn's wall time is ``WALL``
plus the same offset, as a :class:`ManualClock` started at ``(T0, WALL)`` says.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiosqlite

from tuichat.core.clock import ManualClock
from tuichat.core.conversation import ChatMessage, ChatRequest
from tuichat.core.events import (
    AttemptEnded,
    AttemptStarted,
    CostReported,
    Event,
    FallbackTaken,
    FirstToken,
    HeadersReceived,
    RetryScheduled,
    TextDelta,
    TurnCancelled,
    TurnFailed,
    TurnFinished,
    TurnStarted,
    UsageReported,
)
from tuichat.store import LogPolicy, LogWriter, open_database

WALL = 1_700_000_000.0
T0 = 100.0


@dataclass
class LiveTurn:
    """One turn's events as the core would emit them."""

    trace: str
    session: str = "s-0000aaaa1111"
    prompt: str = "hi"
    start: float = T0
    model: str = "gpt-x"
    events: list[Event] = field(default_factory=list)
    text: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.events.append(
            TurnStarted(
                trace_id=self.trace,
                ts=self.start,
                session_id=self.session,
                prompt=self.prompt,
                model=self.model,
                wall_time=WALL + (self.start - T0),
            )
        )

    def attempt(self, n: int, at: float, request: ChatRequest | None = None) -> None:
        """Attempt ``n`` starts ``at`` s into the turn, headers 0.05 s later."""
        ts = self.start + at
        self.events += [
            AttemptStarted(
                trace_id=self.trace,
                ts=ts,
                attempt=n,
                model=self.model,
                provider="openai",
                base_url_host="api.example.com",
                request=request,
            ),
            HeadersReceived(trace_id=self.trace, ts=ts + 0.05, attempt=n, status_code=200),
        ]

    def chunks(self, n: int, pieces: Sequence[tuple[float, str]]) -> None:
        """Text of attempt ``n``: ``(seconds into the turn, text)`` each."""
        for at, text in pieces:
            if not self.text:
                self.events.append(FirstToken(trace_id=self.trace, ts=self.start + at, attempt=n))
            self.text.append(text)
            self.events.append(
                TextDelta(trace_id=self.trace, ts=self.start + at, attempt=n, text=text)
            )

    def end_attempt(self, n: int, at: float, status: str = "ok", error: str | None = None) -> None:
        """Usage, cost and the end of attempt ``n``."""
        ts = self.start + at
        self.events += [
            UsageReported(trace_id=self.trace, ts=ts, attempt=n, input_tokens=12, output_tokens=7),
            CostReported(
                trace_id=self.trace,
                ts=ts,
                attempt=n,
                model=self.model,
                cost_usd=0.001,
                input_cost_usd=0.0004,
                output_cost_usd=0.0006,
                input_tokens=12,
                output_tokens=7,
                cached_input_tokens=0,
                price_source="test prices",
                estimated=False,
            ),
            AttemptEnded(
                trace_id=self.trace,
                ts=ts,
                attempt=n,
                status=status,  # type: ignore[arg-type]
                finish_reason="stop" if status == "ok" else None,
                error_type=None if error is None else "server_error",
                error_message=error,
            ),
        ]

    def retry(self, n: int, at: float, wait: float) -> None:
        """Attempt ``n`` failed; a retry waits ``wait`` s."""
        ts = self.start + at
        self.events.append(
            RetryScheduled(
                trace_id=self.trace, ts=ts, attempt=n, model=self.model, wait_s=wait, reason="503"
            )
        )

    def fallback(self, at: float, to_model: str) -> None:
        """The route moves on to ``to_model``."""
        ts = self.start + at
        self.events.append(
            FallbackTaken(
                trace_id=self.trace, ts=ts, from_model=self.model, to_model=to_model, reason="503"
            )
        )
        self.model = to_model

    def finished(self, at: float) -> None:
        """The turn ends complete."""
        self.events.append(
            TurnFinished(
                trace_id=self.trace,
                ts=self.start + at,
                text="".join(self.text),
                finish_reason="stop",
                model=self.model,
            )
        )

    def cancelled(self, at: float) -> None:
        """The user cancelled."""
        text = "".join(self.text)
        self.events.append(TurnCancelled(trace_id=self.trace, ts=self.start + at, text=text))

    def failed(self, at: float, message: str) -> None:
        """The turn failed with ``message``."""
        self.events.append(
            TurnFailed(
                trace_id=self.trace,
                ts=self.start + at,
                text="".join(self.text),
                error_type="server_error",
                message=message,
            )
        )


def simple_turn(
    trace: str,
    pieces: Sequence[tuple[float, str]],
    *,
    start: float = T0,
    prompt: str = "hi",
    session: str = "s-0000aaaa1111",
    request: ChatRequest | None = None,
) -> LiveTurn:
    """One attempt streaming ``pieces``, finished 0.1 s after the last."""
    turn = LiveTurn(trace, session=session, prompt=prompt, start=start)
    turn.attempt(1, 0.125, request)
    turn.chunks(1, pieces)
    end = (pieces[-1][0] if pieces else 0.5) + 0.1
    turn.end_attempt(1, end)
    turn.finished(end)
    return turn


def request(*contents: str, system: str | None = "be brief") -> ChatRequest:
    """A request with ``contents`` alternating user/assistant, the last a prompt."""
    roles = ["user", "assistant"]
    messages = [ChatMessage("system", system)] if system else []
    messages += [ChatMessage(roles[i % 2], text) for i, text in enumerate(contents)]  # type: ignore[arg-type]
    return ChatRequest(model="gpt-x", messages=tuple(messages), temperature=0.5, stop=("END",))


@asynccontextmanager
async def open_writer(
    path: Path, policy: LogPolicy | None = None
) -> AsyncIterator[tuple[aiosqlite.Connection, LogWriter, ManualClock]]:
    """A database at ``path`` and a started writer with a manual clock, closed on exit."""
    db = await open_database(path)
    clock = ManualClock(start=T0, wall_start=WALL)
    writer = LogWriter(db, clock=clock, policy=policy)
    try:
        await writer.start()
        yield db, writer, clock
    finally:
        await writer.close()
        await db.close()


async def log_turns(
    path: Path,
    turns: Sequence[LiveTurn],
    policy: LogPolicy | None = None,
    *,
    title: str | None = None,
    rerun_of: str | None = None,
) -> None:
    """Write ``turns`` through a real writer, then close it and the database."""
    async with open_writer(path, policy) as (_, writer, _):
        await writer.ensure_session(
            turns[0].session, model="gpt-x", system_prompt=None, title=title, rerun_of=rerun_of
        )
        for turn in turns:
            for event in turn.events:
                writer.observe(event)
            await writer.flush(everything=True)
