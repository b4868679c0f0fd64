"""The one small interface every provider adapter implements.

An adapter turns a :class:`~tuichat.core.conversation.ChatRequest` into the
provider's wire format and its streamed reply into :data:`StreamPart` items.
It raises only :class:`~tuichat.core.errors.ProviderError` subclasses. It can
be cancelled at any ``await``: cancelling closes the HTTP response, so the
server sees the disconnect and stops generating (and billing).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from tuichat.core.conversation import ChatRequest


@dataclass(frozen=True, slots=True)
class ResponseHead:
    """Status and headers, yielded once before any text.

    ``connect_ms``: time spent opening the connection for this request (0 when
    a pooled one was reused, None when the transport cannot tell).
    """

    status_code: int
    headers: Mapping[str, str] = field(default_factory=dict)
    connect_ms: float | None = None
    connection_reused: bool | None = None


@dataclass(frozen=True, slots=True)
class TextPart:
    """A piece of answer text exactly as the provider sent it (untrusted)."""

    text: str


@dataclass(frozen=True, slots=True)
class UsagePart:
    """Token usage the provider reported."""

    input_tokens: int | None
    output_tokens: int | None
    cached_input_tokens: int | None = None
    cache_write_tokens: int | None = None
    reasoning_tokens: int | None = None


@dataclass(frozen=True, slots=True)
class TimingsPart:
    """Server-side timings where the server reports them (llama.cpp ``timings``)."""

    prefill_ms: float | None
    generation_ms: float | None
    cached_prompt_tokens: int | None = None


@dataclass(frozen=True, slots=True)
class FinishPart:
    """The stream ended properly; yielded last."""

    reason: str | None
    served_model: str | None = None


StreamPart = ResponseHead | TextPart | UsagePart | TimingsPart | FinishPart


class Provider(Protocol):
    """A streaming chat backend."""

    @property
    def name(self) -> str:
        """Provider kind shown and logged, e.g. ``openai-compat``."""
        ...

    @property
    def base_url_host(self) -> str:
        """Host (and port) requests go to; logged, never with credentials."""
        ...

    def stream(self, request: ChatRequest) -> AsyncIterator[StreamPart]:
        """Send ``request`` and yield the reply; raises ``ProviderError``."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...
