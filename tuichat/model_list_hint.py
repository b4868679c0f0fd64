"""A "model not found" that says how to pick a model, and which ones the server has.

With ``OLLAMA_HOST`` set and no model chosen, tuichat asks Ollama for
``llama3.2``; a server without it answers 404. :class:`ModelListHint` wraps an
OpenAI-compatible provider: when a stream fails with
:class:`~tuichat.core.errors.ModelNotFound`, it asks the server what it has
(``GET {base_url}/models``, OpenAI's list, else Ollama's ``GET /api/tags``),
within :data:`LIST_TIMEOUT_S`, and raises the same error with a hint::

    model 'llama3.2' not found at localhost:11434; pick one with --model NAME
    (the server has: qwen2.5:7b, phi3)

Server names are untrusted: only short printable names are shown, at most
:data:`MAX_NAMES` of them. A listing that fails leaves the hint without it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx

from tuichat.core import errors
from tuichat.core.conversation import ChatRequest
from tuichat.core.provider import Provider, StreamPart
from tuichat.core.untrusted import one_line

LIST_TIMEOUT_S = 2.0
"""The listing is a courtesy on a failure path: it must not add a long wait."""
MAX_NAMES = 8
MAX_NAME_CHARS = 80
MAX_LIST_BYTES = 256 * 1024


class ModelListHint:
    """A provider whose "model not found" names ``--model`` and the server's models."""

    def __init__(self, inner: Provider, base_url: str, headers: dict[str, str] | None = None):
        self._inner = inner
        self._base_url = base_url.rstrip("/")
        self._headers = headers or {}

    @property
    def name(self) -> str:
        return self._inner.name

    @property
    def base_url_host(self) -> str:
        return self._inner.base_url_host

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamPart]:
        try:
            async for part in self._inner.stream(request):
                yield part
        except errors.ModelNotFound as exc:
            hint = await self.hint(request.model)
            raise errors.ModelNotFound(
                hint, status_code=exc.status_code, code=exc.code, headers=exc.headers
            ) from exc

    async def hint(self, model: str) -> str:
        """``model 'x' not found at HOST; pick one with --model NAME (the server has: ...)``."""
        names = await self.server_models()
        text = f"model {model!r} not found at {self.base_url_host}; pick one with --model NAME"
        if names:
            more = len(names) - MAX_NAMES
            shown = ", ".join(names[:MAX_NAMES]) + (f" and {more} more" if more > 0 else "")
            text += f" (the server has: {shown})"
        return one_line(text, 600)

    async def server_models(self) -> list[str]:
        """The model names the server lists (OpenAI's list, else Ollama's tags); [] if none."""
        root = self._base_url.removesuffix("/v1")
        async with httpx.AsyncClient(timeout=LIST_TIMEOUT_S, headers=self._headers) as client:
            for url, read in (
                (f"{self._base_url}/models", _openai_ids),
                (f"{root}/api/tags", _tags),
            ):
                names = await _listed(client, url, read)
                if names:
                    return names
        return []

    async def aclose(self) -> None:
        await self._inner.aclose()


async def _listed(client: httpx.AsyncClient, url: str, read: Any) -> list[str]:
    """The names ``read`` finds in the JSON at ``url``; [] on any failure."""
    try:
        response = await client.get(url)
        if response.status_code != 200 or len(response.content) > MAX_LIST_BYTES:
            return []
        names: list[str] = read(response.json())
    except (httpx.HTTPError, ValueError, TypeError, AttributeError):
        return []
    return [name for name in names if _showable(name)]


def _openai_ids(data: Any) -> list[Any]:
    return [item.get("id") for item in data.get("data", []) if isinstance(item, dict)]


def _tags(data: Any) -> list[Any]:
    return [item.get("name") for item in data.get("models", []) if isinstance(item, dict)]


def _showable(name: Any) -> bool:
    """A short, printable, single-line name (server text is untrusted)."""
    return isinstance(name, str) and 0 < len(name) <= MAX_NAME_CHARS and name.isprintable()
