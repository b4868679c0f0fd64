"""A provider's ``/v1/embeddings`` (OpenAI-compatible) as the semantic cache's embedder.

One POST per call, ``{"model": ..., "input": [texts]}``; the vectors come back
in ``data[i].embedding`` (ordered by ``index``) and are L2-normalised here, as
some servers do not. Every failure — connection, timeout, an HTTP error, a
malformed body — becomes one line of :class:`CacheUnavailable`, with the key
and anything shaped like a key redacted, since error bodies can echo it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import httpx

from tuichat.core.cache.ports import CacheUnavailable
from tuichat.core.secrets import KeyFragments, redact
from tuichat.core.untrusted import one_line
from tuichat.embeddings.vectors_out import unit_rows

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=3.0)
MAX_BODY = 64 * 1024 * 1024
"""Largest response read (a 3,072-dimension vector is ~60 KB of JSON)."""


class OpenAIEmbedder:
    """An :class:`~tuichat.core.cache.ports.Embedder` over ``{base_url}/embeddings``."""

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None = None,
        *,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.name = f"openai:{model}"
        self._url = base_url.rstrip("/") + "/embeddings"
        self._model = model
        self._api_key = api_key
        self._fragments = KeyFragments([api_key])
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.AsyncClient(headers=headers, timeout=timeout, transport=transport)

    async def embed(self, texts: Sequence[str]) -> list[bytes]:
        """One unit vector per text, from one request."""
        if not texts:
            return []
        body = {"model": self._model, "input": list(texts)}
        try:
            status, content = await self._post(body)
        except httpx.TimeoutException as exc:
            raise self._unavailable("the embeddings request timed out") from exc
        except httpx.HTTPError as exc:
            raise self._unavailable(f"embeddings request failed: {type(exc).__name__}") from exc
        if status != 200:
            raise self._unavailable(f"embeddings HTTP {status}: {_message(content)}")
        return unit_rows(self._vectors(content, len(texts)))

    async def _post(self, body: dict[str, Any]) -> tuple[int, bytes]:
        """The status and the body, read up to just past ``MAX_BODY`` (a server may not stop)."""
        chunks: list[bytes] = []
        size = 0
        async with self._client.stream("POST", self._url, json=body) as response:
            async for chunk in response.aiter_bytes():
                chunks.append(chunk)
                size += len(chunk)
                if size > MAX_BODY:
                    break
        return response.status_code, b"".join(chunks)

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()

    def _vectors(self, content: bytes, count: int) -> list[list[float]]:
        """``data[*].embedding`` in input order; CacheUnavailable if the body is not that."""
        if len(content) > MAX_BODY:
            raise self._unavailable("embeddings response too large")
        try:
            data = json.loads(content)["data"]
            rows = sorted(data, key=lambda row: int(row.get("index", 0)))
            vectors = [[float(x) for x in row["embedding"]] for row in rows]
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise self._unavailable("malformed embeddings response") from exc
        if len(vectors) != count or len({len(v) for v in vectors}) != 1:
            raise self._unavailable(f"embeddings response has {len(vectors)} of {count} vectors")
        return vectors

    def _unavailable(self, why: str) -> CacheUnavailable:
        text = self._fragments.redact(redact(one_line(why, 200), [self._api_key]))
        return CacheUnavailable(f"semantic cache off: {text}")


def _message(content: bytes) -> str:
    """The error body's ``error.message`` if it is JSON, else its first characters."""
    text = content[:4096].decode("utf-8", "replace")
    try:
        parsed: Any = json.loads(text)
        message = parsed["error"]["message"] if isinstance(parsed["error"], dict) else None
        return str(message or parsed["error"])
    except (ValueError, KeyError, TypeError):
        return text
