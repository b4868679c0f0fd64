"""Provider prompt caches: breaks found from events, their cause and extra cost."""

from __future__ import annotations

import pytest

from tests.helpers.prompt_turns import (
    CACHED_RATE,
    INPUT_RATE,
    WRITTEN_RATE,
    PromptTurns,
    observe_all,
    request,
)
from tuichat.core.metrics.prompt_cache import PromptCacheWatch, prefix_change
from tuichat.core.metrics.session_metrics import SessionMetrics
from tuichat.core.metrics.tariff_fit import PricedPrompt, TariffFit

DISCOUNT = INPUT_RATE - CACHED_RATE


def two_cached_turns(turns: PromptTurns, system: str = "S") -> list[list[object]]:
    """An uncached first turn and a second that reads 1,920 tokens from cache."""
    return [
        turns.turn(request("gpt-x", system, "u1"), input_tokens=2000, cached=0),
        turns.turn(request("gpt-x", system, "u1", "a1", "u2"), input_tokens=2100, cached=1920),
    ]


def watch_of(*turns: list[object]) -> PromptCacheWatch:
    watch = PromptCacheWatch()
    observe_all(watch, *turns)  # type: ignore[arg-type]
    return watch


def test_reuse_that_works_is_no_break() -> None:
    turns = PromptTurns()
    watch = watch_of(*two_cached_turns(turns))
    assert watch.breaks == [] and watch.summary().count == 0


def test_a_changed_system_prompt_breaks_the_cache_and_costs_the_discount() -> None:
    turns = PromptTurns()
    earlier = two_cached_turns(turns)
    third = turns.turn(
        request("gpt-x", "S2", "u1", "a1", "u2", "a2", "u3"), input_tokens=2200, cached=0
    )
    watch = watch_of(*earlier, third)
    [found] = watch.breaks
    assert (found.cause, found.detail) == ("system", "system prompt changed")
    assert (found.turn, found.trace_id, found.model) == (3, "t-3", "gpt-x")
    assert (found.due_tokens, found.cached_tokens, found.lost_tokens) == (1920, 0, 1920)
    assert found.extra_usd == pytest.approx(1920 * DISCOUNT)
    summary = watch.summary()
    assert summary.count == 1 and summary.latest == found
    assert summary.extra_usd == pytest.approx(1920 * DISCOUNT) and summary.unpriced == 0


def test_history_trimmed_at_the_front_names_the_dropped_messages() -> None:
    turns = PromptTurns()
    third = turns.turn(request("gpt-x", "S", "u2", "a2", "u3"), input_tokens=1500, cached=0)
    [found] = watch_of(*two_cached_turns(turns), third).breaks
    assert found.cause == "history"
    assert found.detail == "history: 2 messages dropped at the front"
    assert found.due_tokens == 1500  # no more than the new prompt could have read


def test_history_edited_names_the_message() -> None:
    turns = PromptTurns()
    third = turns.turn(
        request("gpt-x", "S", "u1", "a1 (edited)", "u2", "a2", "u3"), input_tokens=2200, cached=12
    )
    [found] = watch_of(*two_cached_turns(turns), third).breaks
    assert (found.cause, found.detail) == ("history", "history: edited at message 2")
    assert found.lost_tokens == 1920 - 12


def test_a_model_change_breaks_it_with_the_cost_unknown_until_prices_are_seen() -> None:
    turns = PromptTurns()
    third = turns.turn(
        request("gpt-y", "S", "u1", "a1", "u2", "a2", "u3"),
        model="gpt-y",
        input_tokens=2200,
        cached=0,
    )
    [found] = watch_of(*two_cached_turns(turns), third).breaks
    assert (found.cause, found.detail) == ("model", "model changed: gpt-x → gpt-y")
    assert found.extra_usd is None  # gpt-y's cached price is not known from one attempt
    assert watch_of().summary().extra_usd is None


def test_an_unchanged_prefix_read_from_cache_no_more_expired() -> None:
    """150 tokens read is under 10% of the 1,920 due."""
    turns = PromptTurns()
    third = turns.turn(
        request("gpt-x", "S", "u1", "a1", "u2", "a2", "u3"), input_tokens=2200, cached=150
    )
    [found] = watch_of(*two_cached_turns(turns), third).breaks
    assert found.cause == "expired" and "TTL" in found.detail


def test_a_long_first_prompt_is_due_when_the_provider_reports_on_its_cache() -> None:
    turns = PromptTurns()
    first = turns.turn(request("gpt-x", "S", "u1"), input_tokens=1500, cached=0)
    second = turns.turn(request("gpt-x", "T", "u1", "a1", "u2"), input_tokens=1600, cached=0)
    [found] = watch_of(first, second).breaks
    assert found.cause == "system" and found.due_tokens == 1500
    assert found.extra_usd is None  # no cached attempt yet: the cached price is unknown


def test_short_prompts_and_silent_providers_never_break() -> None:
    turns = PromptTurns()
    short = [
        turns.turn(request("gpt-x", "S", "u1"), input_tokens=800, cached=0),
        turns.turn(request("gpt-x", "T", "u1", "a1", "u2"), input_tokens=900, cached=0),
    ]
    silent = [
        turns.turn(request("gpt-x", "S", "u1"), input_tokens=3000, cached=None),
        turns.turn(request("gpt-x", "T", "u1", "a1", "u2"), input_tokens=3100, cached=None),
    ]
    assert watch_of(*short).breaks == [] and watch_of(*silent).breaks == []


def test_a_response_cache_hit_is_skipped_and_the_next_turn_compared_with_the_live_one() -> None:
    turns = PromptTurns()
    hit = turns.turn(
        request("gpt-x", "S", "u1", "a1", "u2", "a2", "u3"),
        input_tokens=2200,
        cached=0,
        provider="cache",
    )
    after = turns.turn(
        request("gpt-x", "S", "u1", "a1", "u2", "a2", "u3", "a3", "u4"),
        input_tokens=2300,
        cached=2100,
    )
    assert watch_of(*two_cached_turns(turns), hit, after).breaks == []


def test_llama_cpp_reused_tokens_come_from_its_timings() -> None:
    turns = PromptTurns()
    first = turns.turn(
        request("gemma", None, "u1"),
        model="gemma",
        input_tokens=300,
        cached=None,
        timings_cached=0,
        provider="local",
    )
    second = turns.turn(
        request("gemma", None, "u1", "a1", "u2"),
        model="gemma",
        input_tokens=340,
        cached=None,
        timings_cached=290,
    )
    third = turns.turn(
        request("gemma", None, "u2", "a2", "u3"),
        model="gemma",
        input_tokens=200,
        cached=None,
        timings_cached=0,
    )
    [found] = watch_of(first, second, third).breaks
    assert found.cause == "history" and found.due_tokens == 200


def test_an_unlogged_request_is_an_unknown_cause_and_unpriced_turns_cost_none() -> None:
    turns = PromptTurns()
    third = turns.turn(None, input_tokens=2200, cached=0, priced=False)
    watch = watch_of(*two_cached_turns(turns), third)
    [found] = watch.breaks
    assert found.cause == "unknown" and found.extra_usd == pytest.approx(1920 * DISCOUNT)
    unpriced = PromptTurns()
    first = unpriced.turn(request("m", "S", "u1"), input_tokens=2000, cached=0, priced=False)
    second = unpriced.turn(request("m", "T", "u1"), input_tokens=2000, cached=0, priced=False)
    watch = watch_of(first, second)
    assert watch.breaks[0].extra_usd is None
    assert watch.summary().extra_usd is None and watch.summary().unpriced == 1


def test_sessions_are_compared_only_with_themselves() -> None:
    one, two = PromptTurns(session_id="a"), PromptTurns(session_id="b")
    first = one.turn(request("gpt-x", "S", "u1"), input_tokens=2000, cached=1900)
    other = two.turn(request("gpt-x", "T", "v1"), input_tokens=2000, cached=0)
    assert watch_of(first, other).breaks == []


def test_the_hud_shows_the_current_turns_break_until_the_next_turn() -> None:
    turns = PromptTurns()
    metrics = SessionMetrics()
    third = turns.turn(request("gpt-x", "S2", "u1"), input_tokens=2000, cached=0)
    observe_all(metrics, *two_cached_turns(turns), third)
    cache = metrics.hud_snapshot(turns.clock.now(), {}).cache
    assert cache.turn_break is not None and cache.turn_break.cause == "system"
    assert cache.breaks.count == 1
    observe_all(
        metrics, turns.turn(request("gpt-x", "S2", "u1", "a", "u2"), input_tokens=2100, cached=1900)
    )
    cache = metrics.hud_snapshot(turns.clock.now(), {}).cache
    assert cache.turn_break is None and cache.breaks.count == 1


def test_the_session_share_counts_llama_cpp_cache_n() -> None:
    turns = PromptTurns()
    metrics = SessionMetrics()
    observe_all(
        metrics,
        turns.turn(
            request("g", None, "u"), model="g", input_tokens=400, cached=None, timings_cached=100
        ),
    )
    cache = metrics.hud_snapshot(turns.clock.now(), {}).cache
    assert cache.session is not None and cache.session.share == pytest.approx(0.25)
    assert cache.turn is not None and cache.turn.cached == 100


def test_prefix_change_in_words() -> None:
    old = request("m", None, "u1")
    assert prefix_change("m", old, "m", request("m", "S", "u1")) == (
        "system",
        "system prompt added",
    )
    assert prefix_change("m", request("m", "S", "u1"), "m", old)[1] == "system prompt removed"
    assert prefix_change("m", old, "m", request("m", None))[1] == "history: edited at message 1"


def test_tariff_fit_tells_the_rates_apart_once_the_attempts_do() -> None:
    fit = TariffFit()
    fit.add("m", PricedPrompt(1000, 0, 0, 1000 * INPUT_RATE))
    assert fit.rates("m").uncached == pytest.approx(INPUT_RATE)
    assert fit.rates("m").cache_discount is None
    fit.add("m", PricedPrompt(100, 900, 0, 100 * INPUT_RATE + 900 * CACHED_RATE))
    assert fit.rates("m").cache_discount == pytest.approx(DISCOUNT)
    anthropic = TariffFit()
    for uncached, cached, written in ((10, 0, 1500), (50, 1500, 60), (70, 1560, 40)):
        cost = uncached * INPUT_RATE + cached * CACHED_RATE + written * WRITTEN_RATE
        anthropic.add("a", PricedPrompt(uncached, cached, written, cost))
    rates = anthropic.rates("a")
    assert rates.written == pytest.approx(WRITTEN_RATE)
    assert rates.cached == pytest.approx(CACHED_RATE)
    assert anthropic.rates("unknown").uncached is None
