"""The summarising call: the oldest messages condensed by a model, as its own logged turn.

The call is a real :class:`~tuichat.core.turn.turn.Turn` with the session's
services (metrics, budgets, the log see it, so it is priced and logged) but
without the history consumer: its exchange never enters the conversation,
and the response cache is not asked. It is logged under a session id of its
own (``<session>~context``), so resuming the chat does not replay it as a turn.
``[context] summary_model`` may name a cheaper model for it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from tuichat.core.conversation import ChatMessage, ChatRequest
from tuichat.core.events import TurnEnded, TurnFinished
from tuichat.core.turn.chat import ChatSession, RouteModel
from tuichat.core.turn.route import Target
from tuichat.core.turn.turn import Turn
from tuichat.core.untrusted import one_line

SUMMARY_SYSTEM = (
    "You condense conversations. Keep facts, names, numbers, decisions, code identifiers "
    "and open questions; drop pleasantries. Write plain prose, no preamble."
)
SUMMARY_WORDS = 150
SUMMARY_CAP = 400
"""Answer tokens the summary may take (its room is kept free in the window) ..."""
SUMMARY_SHARE = 4
"""... but no more than a quarter of a small window."""
TRANSCRIPT_CHARS = 200_000
"""At most this much of the old conversation is sent to be summarised (its newest part)."""
OVERHEAD = 64
"""Tokens of the summarising request besides the transcript (instructions, framing)."""


def summary_cap(window: int | None) -> int:
    """Answer tokens of a summary for a model with ``window`` (None: unknown)."""
    return SUMMARY_CAP if window is None else min(SUMMARY_CAP, window // SUMMARY_SHARE)


def trimmed(text: str, room: int, count: Callable[[str], int]) -> str:
    """The newest part of ``text`` that counts at most ``room`` tokens (oldest quarters go)."""
    while text and count(text) > room:
        text = text[max(1, len(text) // 4) :]
    return text


@dataclass(frozen=True, slots=True)
class Summary:
    """A finished summary: its text, the turn that made it, the model that wrote it."""

    text: str
    trace_id: str
    model: str


class SummaryFailed(Exception):
    """The summarising call did not finish; ``line`` says why in one line."""

    def __init__(self, line: str) -> None:
        super().__init__(line)
        self.line = line


@dataclass(frozen=True, slots=True)
class SummaryRoom:
    """What the summarising model can take: its window and a token count (None: unknown)."""

    window: int | None = None
    count: Callable[[str], int] | None = None


def summary_request(
    model: str,
    messages: Sequence[ChatMessage],
    earlier: str | None,
    room: SummaryRoom = SummaryRoom(),
) -> ChatRequest:
    """The request that asks ``model`` to condense ``messages`` (after an ``earlier`` summary).

    The transcript is cut from its oldest end to fit the summarising model's window.
    """
    cap = summary_cap(room.window)
    lines = [f"Earlier summary:\n{earlier}\n"] if earlier else []
    lines += [f"{message.role.capitalize()}: {message.content}" for message in messages]
    transcript = "\n\n".join(lines)[-TRANSCRIPT_CHARS:]
    if room.window is not None and room.count is not None:
        transcript = trimmed(transcript, room.window - cap - OVERHEAD, room.count)
    ask = f"Summarise this conversation in at most {SUMMARY_WORDS} words.\n\n{transcript}"
    return ChatRequest(
        model=model,
        messages=(ChatMessage("system", SUMMARY_SYSTEM), ChatMessage("user", ask)),
        max_tokens=cap,
    )


async def summarise(
    session: ChatSession,
    entry: RouteModel,
    messages: Sequence[ChatMessage],
    earlier: str | None,
    room: SummaryRoom = SummaryRoom(),
) -> Summary:
    """Run the summarising turn on ``entry``; raise :class:`SummaryFailed` if it did not finish."""
    # Counting to trim a long transcript takes milliseconds: off the event loop.
    request = await asyncio.to_thread(summary_request, entry.model, messages, earlier, room)
    services = replace(session.services, cache=None)
    turn = Turn(
        route=[Target(entry.label, entry.provider, request, entry.tariff)],
        session_id=f"{session.session_id}~context",
        prompt=f"[context summary of {len(messages)} messages of session {session.session_id}]",
        services=services,
        observers=[*services.consumers(), *services.taps],
    )
    turn.start()
    ended: TurnEnded | None = None
    async for event in turn:
        if isinstance(event, TurnEnded):
            ended = event
    if not isinstance(ended, TurnFinished) or not ended.text.strip():
        why = getattr(ended, "message", None) or "no summary came back"
        raise SummaryFailed(one_line(f"the summary call failed: {why}"))
    return Summary(ended.text.strip(), turn.trace_id, entry.label)
