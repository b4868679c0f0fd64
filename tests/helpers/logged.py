"""Logged turns made by hand: what the store hands replay, resume and rerun."""

from __future__ import annotations

from tuichat.core.conversation import ChatMessage, ChatRequest
from tuichat.core.events import (
    AttemptEnded,
    AttemptStarted,
    Event,
    FirstToken,
    TextDelta,
    TurnFailed,
    TurnFinished,
    TurnStarted,
    UsageReported,
)
from tuichat.core.turn.replay import LoggedTurn
from tuichat.logbook import LoggedSession


def logged_turn(
    prompt: str,
    chunks: list[str],
    *,
    t0: float = 50.0,
    trace: str | None = None,
    status: str = "ok",
    step: float = 0.125,
) -> LoggedTurn:
    """A turn sent at ``t0``: first token 0.375 s after the request, one chunk per ``step``."""
    trace = trace or (prompt[:8].ljust(8, "x") * 4)
    request = ChatRequest(model="m", messages=(ChatMessage("user", prompt),), max_tokens=64)
    events: list[Event] = [
        TurnStarted(trace_id=trace, ts=t0, session_id="s-logged", prompt=prompt, model="m",
                    wall_time=1.7e9),
        AttemptStarted(trace_id=trace, ts=t0 + 0.125, attempt=1, model="m", provider="p",
                       base_url_host="h", request=request),
        FirstToken(trace_id=trace, ts=t0 + 0.5, attempt=1),
    ]  # fmt: skip
    at = t0 + 0.5
    for chunk in chunks:
        events.append(TextDelta(trace_id=trace, ts=at, attempt=1, text=chunk))
        at += step
    end = at
    text = "".join(chunks)
    events.append(UsageReported(trace_id=trace, ts=end, attempt=1, input_tokens=9,
                                output_tokens=len(chunks)))  # fmt: skip
    events.append(AttemptEnded(trace_id=trace, ts=end, attempt=1, status="ok" if status == "ok"
                               else "failed", last_text_at=at - step))  # fmt: skip
    if status == "ok":
        events.append(TurnFinished(trace_id=trace, ts=end, text=text, finish_reason="stop",
                                   model="m"))  # fmt: skip
    else:
        message = "interrupted: the process ended"
        events.append(TurnFailed(trace_id=trace, ts=end, text=text, error_type="interrupted",
                                 message=message, status="failed"))  # fmt: skip
    return LoggedTurn(tuple(events))


def logged_session(*turns: LoggedTurn, system: str | None = "Be brief.") -> LoggedSession:
    """A session of ``turns``."""
    return LoggedSession("s-logged", system, tuple(turns))
