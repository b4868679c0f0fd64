"""The embedded model's answers without the space its prompt format leaves.

The bundled model's transcript ends its prompt with ``Assistant:``, so the
model's first token is `` Jupiter`` and every answer started with a space (in
the chat, in ``ask``'s output, in the log). :class:`LeadingSpaceTrim` wraps the
local model's provider and removes that one space from the first text part of
each answer: later parts, and any further leading whitespace the model chose
(an indented code block), are left exactly as they came.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from tuichat.core.conversation import ChatRequest
from tuichat.core.provider import Provider, StreamPart, TextPart


class LeadingSpaceTrim:
    """A provider whose answers do not begin with the prompt format's space."""

    def __init__(self, inner: Provider) -> None:
        self._inner = inner

    @property
    def name(self) -> str:
        """The wrapped provider's name."""
        return self._inner.name

    @property
    def base_url_host(self) -> str:
        """The wrapped provider's host."""
        return self._inner.base_url_host

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamPart]:
        """The inner stream, with one leading space taken off the first text part."""
        first = True
        async for part in self._inner.stream(request):
            if first and isinstance(part, TextPart) and part.text:
                first = False
                text = part.text.removeprefix(" ")
                if not text:
                    continue  # the first token was the space alone
                part = TextPart(text)
            yield part

    async def aclose(self) -> None:
        """Close the wrapped provider."""
        await self._inner.aclose()
