"""The cache key: a hash of the whole normalised request that produced an answer.

An answer depends on everything that was sent, so the exact key covers all of
it: the provider (its name and base-URL host: the same model id on two
servers is two models), the model, the system prompt, *every* message of the
history, every sampling parameter of :class:`ChatRequest` (temperature,
max_tokens, stop, and any field added later: fields are read generically, so
a new parameter is keyed by default) and a slot for tools and the response
format (``ChatRequest.response_format`` goes there; tools are None today).
GPTCache keys on the last message only, so the same question in two
conversations hits wrongly (its issue #8); here it cannot.

The semantic *scope* is the same request without its last user message: two
questions are only ever compared when they are asked at the same point of the
same kind of conversation, of the same model with the same parameters.

Text is normalised before hashing so that invisible differences do not miss:
Unicode NFC, and trailing whitespace stripped (a trailing newline from a
pasted prompt changes nothing the model sees as meaning). The hash input is
canonical JSON (sorted keys, no spaces) with a version number, so a change of
scheme can never collide with old keys.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import asdict, dataclass, fields
from typing import Any

from tuichat.core.conversation import ChatMessage, ChatRequest

KEY_VERSION = 1
"""Bumped whenever what goes into a key changes (old entries then simply miss)."""


@dataclass(frozen=True, slots=True)
class CacheKeys:
    """A request's exact key and its semantic scope (both 64 hex chars)."""

    key: str
    scope: str


@dataclass(frozen=True, slots=True)
class ProviderIdentity:
    """Who would answer: the provider's name and the host of its base URL."""

    name: str
    host: str


def request_keys(
    request: ChatRequest,
    provider: ProviderIdentity,
    *,
    response_format: Any = None,
    tools: Any = None,
) -> CacheKeys:
    """The exact key and the semantic scope of ``request`` sent to ``provider``.

    ``response_format`` and ``tools`` must be JSON-serialisable; they are None
    until requests carry them.
    """
    messages = [_message(m) for m in request.messages]
    base = _base(request, provider, response_format, tools)
    key = _digest({**base, "kind": "exact", "messages": messages})
    scope = _digest({**base, "kind": "scope", "messages": _without_question(messages)})
    return CacheKeys(key=key, scope=scope)


def normalise(text: str) -> str:
    """NFC, trailing whitespace stripped: what a key sees of a text."""
    return unicodedata.normalize("NFC", text).rstrip()


def last_question(request: ChatRequest) -> str:
    """The last user message of ``request`` (the question a cache entry answers)."""
    for message in reversed(request.messages):
        if message.role == "user":
            return message.content
    return ""


def _base(
    request: ChatRequest, provider: ProviderIdentity, response_format: Any, tools: Any
) -> dict[str, Any]:
    """Everything but the messages: provider, model and every parameter field."""
    slots = ("messages", "response_format")  # the format has its own slot: old keys unchanged
    params = {f.name: getattr(request, f.name) for f in fields(request) if f.name not in slots}
    if request.response_format is not None:
        response_format = asdict(request.response_format)
    return {
        "v": KEY_VERSION,
        "provider": provider.name,
        "host": provider.host.lower(),
        "params": params,
        "response_format": response_format,
        "tools": tools,
    }


def _message(message: ChatMessage) -> list[str]:
    return [message.role, normalise(message.content)]


def _without_question(messages: list[list[str]]) -> list[list[str]]:
    """The conversation before its last user message."""
    for index in range(len(messages) - 1, -1, -1):
        if messages[index][0] == "user":
            return messages[:index] + messages[index + 1 :]
    return messages


def _digest(payload: dict[str, Any]) -> str:
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
