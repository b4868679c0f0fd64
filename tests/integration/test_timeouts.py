"""First-token and idle timeouts against a simulator that hangs (real loopback)."""

from __future__ import annotations

from tuichat.core.events import AttemptEnded, TurnFailed
from tuichat.core.turn.chat import ChatSession
from tuichat.core.turn.deadline import Timeouts
from tuichat.core.turn.retry import RetryPolicy
from tuichat.core.turn.services import TurnServices
from tuichat.providers.openai_compat import OpenAICompatProvider
from tuichat.sim.thread import SimServerThread


async def run(sim: SimServerThread, model: str, timeouts: Timeouts):
    provider = OpenAICompatProvider(sim.base_url)
    session = ChatSession(
        provider,
        model,
        services=TurnServices(
            policy=RetryPolicy(max_retries=1, initial_delay=0.01), timeouts=timeouts
        ),
    )
    events = [event async for event in session.start_turn("hi")]
    await provider.aclose()
    return events


async def test_no_first_token_times_out_without_a_retry_and_closes_the_connection(
    sim: SimServerThread,
) -> None:
    events = await run(sim, "sim?scenario=hang", Timeouts(first_token=0.3))
    final = events[-1]
    assert isinstance(final, TurnFailed) and final.error_type == "timeout"
    assert "no first token from openai-compat@127.0.0.1" in final.message
    assert final.message.endswith("within 0.3 s")
    ended = [e for e in events if isinstance(e, AttemptEnded)]
    assert [e.error_type for e in ended] == ["timeout"]  # the next model, not the same again
    sim.wait_for(lambda r: r.disconnected_at is not None, timeout=5)


async def test_a_stall_mid_stream_keeps_the_partial_and_does_not_retry(
    sim: SimServerThread,
) -> None:
    events = await run(sim, "sim?scenario=hang_mid&tokens=40", Timeouts(idle=0.3))
    final = events[-1]
    assert isinstance(final, TurnFailed) and final.text
    assert "no text for 0.3 s" in final.message
    assert len([e for e in events if isinstance(e, AttemptEnded)]) == 1
