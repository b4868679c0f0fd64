"""A server that accepts the connection and never answers fails in two short tries (loopback)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from tuichat.core.events import AttemptEnded, TurnFailed
from tuichat.core.turn.chat import ChatSession
from tuichat.core.turn.deadline import Timeouts
from tuichat.core.turn.retry import RetryPolicy
from tuichat.core.turn.services import TurnServices
from tuichat.providers.openai_compat import OpenAICompatProvider


class SilentServer:
    """Accepts connections and reads requests; never writes a byte back."""

    def __init__(self) -> None:
        self.connections = 0
        self.requests = 0
        self._writers: list[asyncio.StreamWriter] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.append(writer)
        if await reader.readuntil(b"\r\n\r\n"):
            self.requests += 1
        await reader.read()  # until the client hangs up

    def close(self) -> None:
        for writer in self._writers:
            writer.close()


@pytest.fixture
async def silent() -> AsyncIterator[tuple[SilentServer, str]]:
    server = SilentServer()
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    async with listener:
        yield server, f"http://127.0.0.1:{port}/v1"
        server.close()


async def test_a_silent_server_fails_in_one_line_naming_provider_timeout_and_tries(
    silent: tuple[SilentServer, str],
) -> None:
    server, base_url = silent
    provider = OpenAICompatProvider(base_url)
    services = TurnServices(
        policy=RetryPolicy(initial_delay=0.01), timeouts=Timeouts(first_token=5, headers=0.2)
    )
    session = ChatSession(provider, "m", services=services)
    events = [event async for event in session.start_turn("hi")]
    await provider.aclose()
    final = events[-1]
    host = base_url.removeprefix("http://").removesuffix("/v1")
    assert isinstance(final, TurnFailed) and "\n" not in final.message
    assert final.message.startswith(
        f"timeout: no response headers from openai-compat@{host} within 0.2 s — tried m: timeout,"
    )
    assert final.message.endswith(", timeout")
    ended = [e for e in events if isinstance(e, AttemptEnded)]
    assert [e.error_type for e in ended] == ["timeout", "timeout"]
    assert server.requests == 2
