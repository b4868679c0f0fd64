"""Graceful degradation: ask for less when a retry is coming.

- Rate limited (tokens are scarce): retry with a smaller ``max_tokens``.
- Timed out (too slow): retry with a trimmed history, keeping the system
  prompt and the latest exchanges.

Each change comes back with a short note for the retry's reason line, so the
user sees what was given up.
"""

from __future__ import annotations

from dataclasses import replace

from tuichat.core import errors
from tuichat.core.conversation import ChatMessage, ChatRequest
from tuichat.core.turn.route import Target

DEFAULT_CAP = 1024
"""The cap to halve from when the request had none."""
MIN_CAP = 128
KEEP_MESSAGES = 4
"""Non-system messages a trimmed history keeps (the last exchanges and the prompt)."""


def degraded(target: Target, error: errors.ProviderError) -> tuple[Target, str]:
    """``target`` asking for less on its retry after ``error``, and the note."""
    request, note = degrade(target.request, error)
    return replace(target, request=request), note


def degrade(request: ChatRequest, error: errors.ProviderError) -> tuple[ChatRequest, str]:
    """The request to retry with after ``error``, and a note ("" if unchanged)."""
    if isinstance(error, errors.RateLimited) and not isinstance(error, errors.QuotaExceeded):
        return _smaller_answer(request)
    if isinstance(error, errors.ProviderTimeout):
        return _shorter_history(request)
    return request, ""


def _smaller_answer(request: ChatRequest) -> tuple[ChatRequest, str]:
    current = request.max_tokens if request.max_tokens is not None else DEFAULT_CAP * 2
    smaller = max(MIN_CAP, current // 2)
    if request.max_tokens is not None and smaller >= request.max_tokens:
        return request, ""
    return replace(request, max_tokens=smaller), f"max_tokens {smaller}"


def _shorter_history(request: ChatRequest) -> tuple[ChatRequest, str]:
    system = [m for m in request.messages if m.role == "system"]
    rest = [m for m in request.messages if m.role != "system"]
    if len(rest) <= KEEP_MESSAGES:
        return request, ""
    kept = _start_with_user(rest[-KEEP_MESSAGES:])
    dropped = len(rest) - len(kept)
    trimmed = replace(request, messages=tuple(system + kept))
    return trimmed, f"history trimmed by {dropped} messages"


def _start_with_user(messages: list[ChatMessage]) -> list[ChatMessage]:
    """Providers expect the conversation to open with the user."""
    while messages and messages[0].role != "user":
        messages = messages[1:]
    return messages
