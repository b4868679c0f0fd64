"""Connect time, measured by httpcore's trace hooks, reaches HeadersReceived (loopback)."""

from __future__ import annotations

from tuichat.core.events import HeadersReceived
from tuichat.core.turn.chat import ChatSession
from tuichat.providers.anthropic import AnthropicProvider
from tuichat.providers.openai_compat import OpenAICompatProvider
from tuichat.sim.thread import SimServerThread


async def _heads(session: ChatSession, turns: int) -> list[HeadersReceived]:
    heads = []
    for _ in range(turns):
        heads += [e async for e in session.start_turn("hi") if isinstance(e, HeadersReceived)]
    return heads


async def test_a_new_connection_is_timed_and_a_reused_one_is_zero(sim: SimServerThread) -> None:
    provider = OpenAICompatProvider(sim.base_url)
    first, second = await _heads(ChatSession(provider, "sim?tokens=3&ttft_ms=0"), 2)
    await provider.aclose()
    assert first.connection_reused is False
    assert first.connect_ms is not None and 0 < first.connect_ms < 1000
    assert second.connection_reused is True and second.connect_ms == 0.0
    chats = [r for r in sim.records() if r.path.endswith("/chat/completions")]
    assert chats[0].connection_id == chats[1].connection_id


async def test_the_anthropic_adapter_times_its_connection_too(sim: SimServerThread) -> None:
    provider = AnthropicProvider(sim.root_url, "key")
    [head] = await _heads(ChatSession(provider, "sim?tokens=3&ttft_ms=0"), 1)
    await provider.aclose()
    assert head.connection_reused is False and head.connect_ms is not None
