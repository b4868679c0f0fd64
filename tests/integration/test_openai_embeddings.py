"""OpenAIEmbedder against a real ``/v1/embeddings`` endpoint on 127.0.0.1 (a test-local server).

The server answers each request with a scripted status and body, and keeps
what it was sent; failures must come back as one line of CacheUnavailable
with the key nowhere in it.
"""

from __future__ import annotations

import asyncio
import json
import math
import struct
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import pytest

from tuichat.core.cache.ports import CacheUnavailable
from tuichat.embeddings.openai_embeddings import OpenAIEmbedder

KEY = "sk-embed-SECRET-0a1b2c3d4e5f"


@dataclass
class Script:
    """What the endpoint answers, and what it was asked."""

    status: int = 200
    body: bytes = b""
    hang: bool = False
    requests: list[tuple[dict[str, str], dict[str, object]]] = field(default_factory=list)


async def _read(reader: asyncio.StreamReader) -> tuple[dict[str, str], bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    headers = {}
    for line in head.decode("latin-1").split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name:
            headers[name.strip().lower()] = value.strip()
    return headers, await reader.readexactly(int(headers.get("content-length", "0")))


@asynccontextmanager
async def endpoint(script: Script) -> AsyncIterator[str]:
    """A server on 127.0.0.1 playing ``script``; yields its base URL (``…/v1``)."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            headers, body = await _read(reader)
            script.requests.append((headers, json.loads(body)))
            if script.hang:
                await asyncio.sleep(30)
            head = f"HTTP/1.1 {script.status} X\r\ncontent-length: {len(script.body)}\r\n"
            writer.write(head.encode() + b"connection: close\r\n\r\n" + script.body)
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        server.close()


def vectors_body(*rows: list[float], reverse: bool = False) -> bytes:
    data = [{"object": "embedding", "index": i, "embedding": row} for i, row in enumerate(rows)]
    return json.dumps({"data": data[::-1] if reverse else data, "model": "emb"}).encode()


def floats(vector: bytes) -> list[float]:
    return list(struct.unpack(f"<{len(vector) // 4}f", vector))


async def test_vectors_come_back_normalised_in_input_order() -> None:
    script = Script(body=vectors_body([3.0, 4.0], [0.0, 2.0], reverse=True))
    async with endpoint(script) as url:
        embedder = OpenAIEmbedder(url, "text-embedding-3-small", KEY)
        vectors = await embedder.embed(["first", "second"])
        await embedder.aclose()
    assert floats(vectors[0]) == pytest.approx([0.6, 0.8])
    assert floats(vectors[1]) == pytest.approx([0.0, 1.0])
    headers, body = script.requests[0]
    assert headers["authorization"] == f"Bearer {KEY}"
    assert body == {"model": "text-embedding-3-small", "input": ["first", "second"]}
    assert embedder.name == "openai:text-embedding-3-small"


async def test_an_error_body_echoing_the_key_is_one_redacted_line() -> None:
    message = f"Incorrect API key provided: {KEY[:12]}\n<html>{KEY}</html>"
    script = Script(status=401, body=json.dumps({"error": {"message": message}}).encode())
    async with endpoint(script) as url:
        with pytest.raises(CacheUnavailable) as raised:
            await OpenAIEmbedder(url, "emb", KEY).embed(["q"])
    text = str(raised.value)
    assert text.startswith("semantic cache off: embeddings HTTP 401: Incorrect API key")
    assert "\n" not in text
    assert all(KEY[i : i + 6] not in text for i in range(len(KEY) - 5))


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<html>oops</html>", "malformed embeddings response"),
        (b'{"data": [{"embedding": "no"}]}', "malformed embeddings response"),
        (vectors_body([1.0, 0.0]), "embeddings response has 1 of 2 vectors"),
        (vectors_body([0.0, 0.0], [1.0, 0.0]), "nothing in the text to embed"),
        (vectors_body([1.0, 0.0], [1.0]), "embeddings response has 2 of 2 vectors"),
    ],
)
async def test_a_malformed_response_makes_the_cache_unavailable(body: bytes, reason: str) -> None:
    async with endpoint(Script(body=body)) as url:
        with pytest.raises(CacheUnavailable, match=reason):
            await OpenAIEmbedder(url, "emb").embed(["a", "b"])


async def test_a_hung_endpoint_times_out_as_unavailable() -> None:
    async with endpoint(Script(hang=True)) as url:
        with pytest.raises(CacheUnavailable, match="timed out"):
            await OpenAIEmbedder(url, "emb", timeout=0.2).embed(["q"])


async def test_nobody_listening_is_unavailable() -> None:
    async with endpoint(Script()) as url:
        pass  # closed: the port refuses
    with pytest.raises(CacheUnavailable, match="ConnectError"):
        await OpenAIEmbedder(url, "emb").embed(["q"])


async def test_the_matcher_runs_on_the_endpoint() -> None:
    from tests.helpers.memory_cache_store import MemoryCacheStore, cache_entry
    from tuichat.core.cache.semantic import SemanticMatcher

    script = Script(body=vectors_body([1.0, 0.1]))
    store = MemoryCacheStore()
    async with endpoint(script) as url:
        embedder = OpenAIEmbedder(url, "emb")
        store.put(cache_entry("k", "s", "Capital of France?"), b"", embedder.name)
        matcher = SemanticMatcher(store, embedder)
        first = await matcher.match("s", "What is the capital of France?", 2000.0)
        again = await matcher.match("s", "What is the capital of France?", 2000.0)
    assert first.vector is not None and math.isclose(
        sum(floats(first.vector)), 1.0945, rel_tol=1e-3
    )
    assert again.vector == first.vector
    assert len(script.requests) == 1  # the second time it came from the embedding cache
