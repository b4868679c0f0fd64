"""The request as sent, in ``attempts.request_json``: compact, redacted, never a key.

Each attempt's :class:`~tuichat.core.conversation.ChatRequest` (model,
messages with the system prompt first, ``max_tokens``, ``temperature``,
``stop``) is kept so a turn can be replayed and re-sent. A chat's request
holds the whole history, so storing every request whole would cost O(n²)
over a session (a 200-turn chat of long answers: hundreds of MB) and a
growing ``json.dumps`` on the event loop. Instead a request whose messages
begin with the previous request of the same session stores only the rest,
with a reference to that request::

    {"v": 1, "model": "gpt-4o", "max_tokens": null, "temperature": 0.2, "stop": [],
     "base": {"trace": "<trace id>", "attempt": 1, "messages": 4},
     "messages": [{"role": "assistant", "content": "..."},
                  {"role": "user", "content": "..."}]}

``base`` says: the first 4 messages are those of attempt 1 of that trace
(itself possibly based on another). Without ``base`` the messages are all
there. A retry or fallback of the same turn stores no message at all.
Message texts pass through the policy's redaction before they are encoded;
in metrics-only mode ``messages`` is omitted (``"omitted": true``) and the
request cannot be rebuilt.

:class:`RequestLog` writes (one per writer, on the event loop: O(new
messages) per attempt); :func:`rebuild_requests` reads a session's rows back.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tuichat.core.conversation import ChatMessage, ChatRequest, Role
from tuichat.core.untrusted import storable

logger = logging.getLogger(__name__)

FORMAT = 1
AttemptKey = tuple[str, int]
"""``(trace_id, attempt)``: the primary key of an attempt row."""
_ROLES: frozenset[str] = frozenset(("system", "user", "assistant"))
_MAX_CHAIN = 100_000
"""Longest chain of ``base`` references followed (a cycle is corrupt, not a hang)."""


@dataclass(frozen=True, slots=True)
class _Sent:
    """The last request written for one session."""

    key: AttemptKey
    messages: tuple[ChatMessage, ...]


class RequestLog:
    """Encodes each attempt's request against the session's previous one (see the module doc)."""

    def __init__(self, redact: Callable[[str], str], *, keep_text: bool = True) -> None:
        self._redact = redact
        self._keep_text = keep_text
        self._last: dict[str, _Sent] = {}

    def encode(
        self, session_id: str | None, key: AttemptKey, request: ChatRequest | None
    ) -> str | None:
        """The ``request_json`` of attempt ``key`` (None when no request was given)."""
        if request is None:
            return None
        row: dict[str, Any] = {
            "v": FORMAT,
            "model": request.model,
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            "stop": [self._redact(storable(stop)) for stop in request.stop],
        }
        if not self._keep_text:
            row["omitted"] = True
            return json.dumps(row, ensure_ascii=False)
        messages = request.messages
        start = self._base(row, session_id, messages)
        row["messages"] = [self._message(message) for message in messages[start:]]
        if session_id is not None:
            self._last[session_id] = _Sent(key, messages)
        return json.dumps(row, ensure_ascii=False)

    def _base(
        self, row: dict[str, Any], session_id: str | None, messages: tuple[ChatMessage, ...]
    ) -> int:
        """Messages already stored by the session's previous request (0: none)."""
        previous = self._last.get(session_id) if session_id is not None else None
        if previous is None or not previous.messages:
            return 0
        count = len(previous.messages)
        if messages[:count] != previous.messages:
            return 0
        trace, attempt = previous.key
        row["base"] = {"trace": trace, "attempt": attempt, "messages": count}
        return count

    def _message(self, message: ChatMessage) -> dict[str, str]:
        return {"role": message.role, "content": self._redact(storable(message.content))}


@dataclass(frozen=True, slots=True)
class _Row:
    """One decoded ``request_json``, before its base is resolved."""

    params: dict[str, Any]
    base: tuple[AttemptKey, int] | None
    messages: tuple[ChatMessage, ...] | None


def rebuild_requests(
    rows: Mapping[AttemptKey, str | None],
    fetch: Callable[[AttemptKey], str | None] = lambda key: None,
) -> dict[AttemptKey, ChatRequest]:
    """Every request of ``rows`` that can be rebuilt; bases outside ``rows`` come from ``fetch``.

    A request that is missing, metrics-only, malformed or based on one of
    those is left out (logged at debug level): replay still works without it.
    """
    decoded: dict[AttemptKey, _Row | None] = {key: _decode(text) for key, text in rows.items()}
    messages: dict[AttemptKey, tuple[ChatMessage, ...] | None] = {}
    built: dict[AttemptKey, ChatRequest] = {}
    for key, row in decoded.items():
        if row is None:
            continue
        full = _messages(key, decoded, messages, fetch)
        request = None if full is None else _request(row.params, full)
        if request is not None:
            built[key] = request
    return built


def _messages(
    key: AttemptKey,
    decoded: dict[AttemptKey, _Row | None],
    done: dict[AttemptKey, tuple[ChatMessage, ...] | None],
    fetch: Callable[[AttemptKey], str | None],
) -> tuple[ChatMessage, ...] | None:
    """The full message list of ``key``, following (and memoising) its chain of bases."""
    chain: list[AttemptKey] = []
    cursor: AttemptKey | None = key
    while cursor is not None and cursor not in done and len(chain) < _MAX_CHAIN:
        if cursor in chain:
            logger.debug("request chain of %s loops", key)
            break
        if cursor not in decoded:
            decoded[cursor] = _decode(fetch(cursor))
        row = decoded[cursor]
        chain.append(cursor)
        cursor = None if row is None or row.base is None else row.base[0]
    for link in reversed(chain):
        done[link] = _join(decoded[link], done)
    return done.get(key)


def _join(
    row: _Row | None, done: Mapping[AttemptKey, tuple[ChatMessage, ...] | None]
) -> tuple[ChatMessage, ...] | None:
    if row is None or row.messages is None:
        return None
    if row.base is None:
        return row.messages
    (base_key, count) = row.base
    head = done.get(base_key)
    if head is None or len(head) < count:
        return None
    return head[:count] + row.messages


def _decode(text: str | None) -> _Row | None:
    if text is None:
        return None
    try:
        data = json.loads(text)
        return _row(data)
    except (ValueError, TypeError, KeyError) as exc:
        logger.debug("unreadable request_json: %s", exc)
        return None


def _row(data: Any) -> _Row | None:
    if not isinstance(data, dict) or data.get("v") != FORMAT:
        return None
    if data.get("omitted"):
        return _Row(data, None, None)
    base = data.get("base")
    link = None
    if base is not None:
        link = ((str(base["trace"]), int(base["attempt"])), int(base["messages"]))
    messages = tuple(_chat_message(item) for item in data["messages"])
    return _Row(data, link, messages)


def _chat_message(item: Any) -> ChatMessage:
    role, content = item["role"], item["content"]
    if role not in _ROLES or not isinstance(content, str):
        raise ValueError(f"not a chat message: {role!r}")
    checked: Role = role
    return ChatMessage(checked, content)


def _request(params: dict[str, Any], messages: tuple[ChatMessage, ...]) -> ChatRequest | None:
    model, stop = params.get("model"), params.get("stop") or []
    if not isinstance(model, str) or not isinstance(stop, list):
        return None
    max_tokens, temperature = _number(params.get("max_tokens")), _number(params.get("temperature"))
    return ChatRequest(
        model=model,
        messages=messages,
        max_tokens=None if max_tokens is None else int(max_tokens),
        temperature=temperature,
        stop=tuple(str(item) for item in stop),
    )


def _number(value: Any) -> float | None:
    return None if isinstance(value, bool) or not isinstance(value, int | float) else value
