"""Every attempt is priced: reported usage, local counts for cancels, nothing for refusals."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.helpers import hud_events
from tests.helpers.scripted_provider import OK_SCRIPT, ScriptedProvider, Step, run
from tuichat.core import errors
from tuichat.core.clock import ManualClock
from tuichat.core.cost.attempt_cost import CostMeter, TurnCost
from tuichat.core.cost.pricing import PriceBook, Rates, Tariff
from tuichat.core.cost.tokens import TokenCounter
from tuichat.core.events import AttemptEnded, CostReported, Event
from tuichat.core.provider import FinishPart, ResponseHead, TextPart, UsagePart
from tuichat.core.turn.chat import ChatSession, RouteModel
from tuichat.core.turn.retry import RetryPolicy
from tuichat.core.turn.services import TurnServices

RATES = Rates(input=1_000_000.0, output=2_000_000.0, cache_read=100_000.0)
"""$1 per input token, $2 per output token, $0.10 per cached token: easy sums."""


def priced_session(
    script: list[Step], tmp_path: Path, *, rates: Rates | None = RATES
) -> tuple[ChatSession, ScriptedProvider, list[Event]]:
    clock = ManualClock()
    provider = ScriptedProvider(clock, script)
    seen: list[Event] = []
    services = TurnServices(
        clock=clock,
        meter=CostMeter(PriceBook(), TokenCounter(tmp_path)),
        policy=RetryPolicy(max_retries=1, initial_delay=0.0),
        taps=(seen.append,),
    )
    session = ChatSession(provider, "gpt-4o", services=services)
    tariff = Tariff("openai", "gpt-4o", override=rates) if rates else None
    session.set_route([RouteModel("gpt-4o", provider, "gpt-4o", tariff=tariff)])
    return session, provider, seen


def costs(events: list[Event]) -> list[CostReported]:
    return [e for e in events if isinstance(e, CostReported)]


async def test_reported_usage_is_priced_and_comes_before_attempt_ended(tmp_path: Path) -> None:
    script = [*OK_SCRIPT[:-2], UsagePart(12, 3, cached_input_tokens=10), OK_SCRIPT[-1]]
    session, _, seen = priced_session(script, tmp_path)
    await run(session.start_turn("hi"))
    [cost] = costs(seen)
    assert not cost.estimated
    assert (cost.input_tokens, cost.output_tokens, cost.cached_input_tokens) == (12, 3, 10)
    assert cost.cost_usd == pytest.approx(2 * 1.0 + 10 * 0.1 + 3 * 2.0)
    assert cost.price_source == "config price"
    assert isinstance(seen[seen.index(cost) + 1], AttemptEnded)


async def test_a_cancelled_attempt_is_priced_from_local_counts(tmp_path: Path) -> None:
    script: list[Step] = [ResponseHead(200), TextPart("Partial answer, "), 0.1, "hang"]
    session, _, seen = priced_session(script, tmp_path)
    turn = session.start_turn("How much does a cancel cost?")
    task = asyncio.ensure_future(run(turn))
    while not any(isinstance(e, CostReported) for e in seen) and not task.done():
        await asyncio.sleep(0.01)
        if any(getattr(e, "text", None) for e in seen):
            turn.cancel()
    await task
    [cost] = costs(seen)
    counter = TokenCounter(tmp_path)
    assert cost.estimated
    assert cost.output_tokens == counter.count("Partial answer, ", "gpt-4o").tokens
    expected_prompt = counter.count_messages([("user", "How much does a cancel cost?")], "gpt-4o")
    assert cost.input_tokens == expected_prompt.tokens
    assert cost.cost_usd == pytest.approx(cost.input_tokens * 1.0 + cost.output_tokens * 2.0)


async def test_a_refused_attempt_costs_nothing_and_the_retry_is_priced(tmp_path: Path) -> None:
    refused = errors.ServerError("boom", status_code=500)
    script: list[Step] = [refused]
    session, provider, seen = priced_session(script, tmp_path)
    first = True

    async def stream(request):  # first call fails before any answer, the second answers
        nonlocal first
        if first:
            first = False
            raise refused
        for part in OK_SCRIPT:
            if not isinstance(part, float | str):
                yield part

    provider.stream = stream  # type: ignore[method-assign]
    await run(session.start_turn("hi"))
    failed, answered = costs(seen)
    assert failed.cost_usd == 0.0 and failed.input_tokens == 0 and not failed.estimated
    assert answered.cost_usd == pytest.approx(12 * 1.0 + 3 * 2.0)


async def test_unknown_price_is_none_not_zero(tmp_path: Path) -> None:
    session, provider, seen = priced_session(OK_SCRIPT, tmp_path, rates=None)
    provider.name = "openai-compat"  # type: ignore[misc]
    session.route = [RouteModel("x", provider, "my-finetune", tariff=None)]
    await run(session.start_turn("hi"))
    [cost] = costs(seen)
    assert cost.cost_usd is None and cost.price_source == "unknown: no price for my-finetune"


async def test_turn_cost_sums_attempts() -> None:
    total = TurnCost()
    assert total.total_usd is None
    for value, estimated in ((0.5, False), (None, False), (0.25, True)):
        total.observe(hud_events.cost(0.0, value, estimated=estimated, cached_input_tokens=2))
    assert total.total_usd == 0.75
    assert total.estimated and total.unpriced_attempts == 1 and total.cached_input_tokens == 6


def test_finish_without_usage_is_estimated(tmp_path: Path) -> None:
    script: list[Step] = [ResponseHead(200), TextPart("Hello there."), FinishPart("stop", None)]
    session, _, seen = priced_session(script, tmp_path)
    asyncio.run(run(session.start_turn("hi")))
    [cost] = costs(seen)
    assert cost.estimated and cost.output_tokens == 3


async def test_a_cold_price_database_loads_off_the_loop_before_the_attempt_is_priced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session, _, seen = priced_session(OK_SCRIPT, tmp_path, rates=None)
    threads: list[object] = []
    real = asyncio.to_thread

    async def to_thread(func: object, /, *args: object) -> object:
        threads.append(func)
        return await real(func, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(asyncio, "to_thread", to_thread)
    meter = session.services.meter
    assert meter is not None and not meter.prices.loaded
    await run(session.start_turn("hi"))
    assert meter.prices.loaded and threads  # loaded in a thread, not by pricing on the loop
    assert costs(seen)[0].price_source != ""


async def test_a_front_end_can_hold_the_price_load_until_it_has_painted(tmp_path: Path) -> None:
    """``before_loading`` runs before the load; the attempt is priced once it lets go."""
    session, _, seen = priced_session(OK_SCRIPT, tmp_path, rates=None)
    meter = session.services.meter
    assert meter is not None and not meter.prices.loaded
    painted, asked = asyncio.Event(), asyncio.Event()
    order: list[str] = []

    async def hold() -> None:
        order.append("held")
        asked.set()
        await painted.wait()
        order.append("released")

    meter.before_loading = hold
    turn = asyncio.ensure_future(run(session.start_turn("hi")))
    await asked.wait()
    assert not meter.prices.loaded and not costs(seen)  # waiting: nothing priced, nothing loaded
    painted.set()
    await turn
    assert order == ["held", "released"] and meter.prices.loaded
    assert len(costs(seen)) == 1


async def test_a_warm_price_database_never_asks_the_front_end(tmp_path: Path) -> None:
    session, _, seen = priced_session(OK_SCRIPT, tmp_path)  # a complete config price: no load

    async def never() -> None:
        raise AssertionError("nothing to load: the front end is not asked")

    meter = session.services.meter
    assert meter is not None
    meter.before_loading = never
    await run(session.start_turn("hi"))
    assert len(costs(seen)) == 1
