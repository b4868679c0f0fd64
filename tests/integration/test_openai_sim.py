"""The OpenAI-compatible adapter against the simulator over loopback."""

from __future__ import annotations

from tuichat.core.events import TurnFinished, UsageReported
from tuichat.core.turn.chat import ChatSession
from tuichat.providers.openai_compat import OpenAICompatProvider
from tuichat.sim.answers import answer_text
from tuichat.sim.thread import SimServerThread


async def test_turns_reuse_one_connection(sim: SimServerThread) -> None:
    provider = OpenAICompatProvider(sim.base_url)
    session = ChatSession(provider, "sim?tokens=12&ttft_ms=0")
    for _ in range(3):
        events = [event async for event in session.start_turn("hi")]
        assert isinstance(events[-1], TurnFinished)
        assert events[-1].text == answer_text("prose", 12)
        assert any(isinstance(e, UsageReported) and e.output_tokens == 12 for e in events)
    await provider.aclose()
    chats = [r for r in sim.records() if r.path.endswith("/chat/completions")]
    assert len(chats) == 3
    assert len({r.connection_id for r in chats}) == 1  # no new handshake per turn
