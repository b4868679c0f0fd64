"""The response cache in a turn: exact hits played like live answers, misses stored."""

from __future__ import annotations

from collections.abc import Sequence

from tests.helpers.fake_cache_store import FakeCacheStore
from tests.helpers.scripted_provider import OK_SCRIPT, ScriptedProvider, Step, run
from tuichat.core import errors
from tuichat.core.cache.ports import CacheUnavailable
from tuichat.core.cache.response_cache import ResponseCache
from tuichat.core.clock import ManualClock
from tuichat.core.events import (
    AttemptEnded,
    AttemptStarted,
    CacheLookedUp,
    CostReported,
    Event,
    FirstToken,
    HeadersReceived,
    TextDelta,
    TextReleased,
    TurnCancelled,
    TurnFinished,
)
from tuichat.core.provider import FinishPart, ResponseHead, TextPart
from tuichat.core.turn.chat import ChatSession
from tuichat.core.turn.services import TurnServices

ANSWER = "Hello there. How are you?"


def cached_session(
    store: FakeCacheStore,
    clock: ManualClock,
    script: Sequence[Step] = OK_SCRIPT,
    cache: ResponseCache | None = None,
    **settings: object,
) -> tuple[ChatSession, ScriptedProvider, list[Event]]:
    cache = cache or ResponseCache(store, clock=clock, **settings)  # type: ignore[arg-type]
    provider = ScriptedProvider(clock, script)
    seen: list[Event] = []
    services = TurnServices(clock=clock, cache=cache, taps=(seen.append,))
    return ChatSession(provider, "model-x", services=services, system="Be kind."), provider, seen


def looked_up(events: Sequence[Event]) -> CacheLookedUp:
    found = [e for e in events if isinstance(e, CacheLookedUp)]
    assert len(found) == 1
    return found[0]


async def ask_twice(
    store: FakeCacheStore, clock: ManualClock, **settings: object
) -> tuple[list[Event], list[Event], ScriptedProvider, ChatSession]:
    """One live answer, then the same question in a fresh conversation."""
    first, provider, _ = cached_session(store, clock, **settings)
    live = await run(first.start_turn("hi"))
    second = ChatSession(provider, "model-x", services=first.services, system="Be kind.")
    clock.advance(60.0)
    return live, await run(second.start_turn("hi")), provider, second


async def test_a_repeated_request_is_an_exact_hit_and_nothing_is_sent() -> None:
    store, clock = FakeCacheStore(), ManualClock()
    live, hit, provider, _ = await ask_twice(store, clock)
    assert looked_up(live).verdict == "miss"
    assert len(provider.requests) == 1
    verdict = looked_up(hit)
    assert verdict.verdict == "exact" and verdict.hit
    assert verdict.age_s == 60.0
    assert verdict.original_ttft_ms is not None and round(verdict.original_ttft_ms) == 250
    assert verdict.saved_ms is not None and round(verdict.saved_ms) == 450
    final = hit[-1]
    assert isinstance(final, TurnFinished) and final.text == ANSWER
    assert final.finish_reason == "stop" and final.model == "served"
    assert store.rows[verdict.entry_key or ""].hits == 1


async def test_a_hit_has_the_shape_of_a_live_answer() -> None:
    store, clock = FakeCacheStore(), ManualClock()
    live, hit, _, _ = await ask_twice(store, clock)
    skip = (HeadersReceived, CostReported, TextDelta, TextReleased)
    assert [type(e) for e in hit if not isinstance(e, skip)] == [
        type(e) for e in live if not isinstance(e, skip)
    ]
    attempt = next(e for e in hit if isinstance(e, AttemptStarted))
    assert attempt.provider == attempt.base_url_host == "cache"
    kinds = [type(e) for e in hit]
    assert kinds.index(FirstToken) < kinds.index(TextDelta) < kinds.index(TurnFinished)
    assert "".join(e.text for e in hit if isinstance(e, TextDelta)) == ANSWER
    assert "".join(e.text for e in hit if isinstance(e, TextReleased)) == ANSWER
    cost = next(e for e in hit if isinstance(e, CostReported))
    assert cost.cost_usd == 0.0 and cost.price_source == "cache"
    assert (cost.input_tokens, cost.output_tokens) == (12, 3)
    ended = next(e for e in hit if isinstance(e, AttemptEnded))
    assert ended.status == "ok" and ended.served_model == "served"


async def test_consumers_see_a_hit_exactly_as_the_front_end() -> None:
    store, clock = FakeCacheStore(), ManualClock()
    first, provider, _ = cached_session(store, clock)
    await run(first.start_turn("hi"))
    seen: list[Event] = []
    second = ChatSession(provider, "model-x", services=first.services, system="Be kind.")
    second.tap(seen.append)
    events = await run(second.start_turn("hi"))
    assert events == seen
    assert [m.content for m in second.conversation.messages] == ["hi", ANSWER]


async def test_an_instant_hit_does_not_sleep() -> None:
    store, clock = FakeCacheStore(), ManualClock()
    first, provider, _ = cached_session(store, clock)
    await run(first.start_turn("hi"))
    clock.sleeps.clear()
    start = clock.now()
    second = ChatSession(provider, "model-x", services=first.services, system="Be kind.")
    hit = await run(second.start_turn("hi"))
    assert clock.sleeps == [] and {e.ts for e in hit} == {start}
    deltas = [e.text for e in hit if isinstance(e, TextDelta)]
    assert deltas == [ANSWER]  # one delta: each recorded chunk was an event for the log and UI


async def test_original_pace_waits_the_recorded_offsets() -> None:
    store, clock = FakeCacheStore(), ManualClock()
    _, hit, _, _ = await ask_twice(store, clock, replay_pace="original")
    start = next(e for e in hit if isinstance(e, AttemptStarted)).ts
    offsets = [round(e.ts - start, 6) for e in hit if isinstance(e, TextDelta)]
    assert offsets == [0.25, 0.35, 0.45]


async def test_cancelling_an_original_pace_hit_keeps_the_partial() -> None:
    store, clock = FakeCacheStore(), ManualClock()
    first, provider, _ = cached_session(store, clock, replay_pace="original")
    await run(first.start_turn("hi"))
    second = ChatSession(provider, "model-x", services=first.services, system="Be kind.")
    turn = second.start_turn("hi")
    events: list[Event] = []
    async for event in turn:
        events.append(event)
        if isinstance(event, TextDelta):
            turn.cancel()
    final = events[-1]
    assert isinstance(final, TurnCancelled) and final.text == "Hello"
    ended = next(e for e in events if isinstance(e, AttemptEnded))
    assert ended.status == "cancelled"


async def test_the_same_question_after_another_history_misses() -> None:
    store, clock = FakeCacheStore(), ManualClock()
    first, provider, _ = cached_session(store, clock)
    await run(first.start_turn("hi"))
    other = ChatSession(provider, "model-x", services=first.services, system="Be kind.")
    other.conversation.add_user("earlier")
    other.conversation.add_assistant("reply")
    events = await run(other.start_turn("hi"))
    assert looked_up(events).verdict == "miss" and len(provider.requests) == 2


async def test_an_entry_expires_after_its_ttl_on_the_clock() -> None:
    store, clock = FakeCacheStore(), ManualClock()
    first, provider, _ = cached_session(store, clock, ttl_s=3600.0)
    await run(first.start_turn("hi"))
    (entry,) = store.rows.values()
    assert entry.expires_at == entry.created_at + 3600.0
    again = ChatSession(provider, "model-x", services=first.services, system="Be kind.")
    clock.advance(3599.0)
    assert looked_up(await run(again.start_turn("hi"))).verdict == "exact"
    late = ChatSession(provider, "model-x", services=first.services, system="Be kind.")
    clock.advance(2.0)
    assert looked_up(await run(late.start_turn("hi"))).verdict == "miss"


async def test_a_shorter_ttl_stops_serving_older_entries() -> None:
    store, clock = FakeCacheStore(), ManualClock()
    first, _, _ = cached_session(store, clock)
    await run(first.start_turn("hi"))
    clock.advance(120.0)
    strict, _, _ = cached_session(store, clock, ttl_s=60.0)
    assert looked_up(await run(strict.start_turn("hi"))).verdict == "miss"


def truncated_script() -> list[Step]:
    return [ResponseHead(200), TextPart("Hel"), errors.StreamTruncated("no [DONE]")]


async def test_failed_cut_and_cancelled_answers_are_not_stored() -> None:
    clock = ManualClock()
    for script in (
        truncated_script(),
        [ResponseHead(200), TextPart("Hello"), FinishPart("length", "served")],
        [ResponseHead(200), TextPart("Hello"), FinishPart("content_filter", "served")],
        [ResponseHead(200), errors.ServerError("boom", status_code=500)],
    ):
        store = FakeCacheStore()
        session, _, _ = cached_session(store, clock, script)
        await run(session.start_turn("hi"))
        assert store.rows == {}, script
    store = FakeCacheStore()
    session, _, _ = cached_session(store, clock, [ResponseHead(200), TextPart("Hel"), "hang"])
    turn = session.start_turn("hi")
    async for event in turn:
        if isinstance(event, TextDelta):
            turn.cancel()
    assert store.rows == {}


async def test_a_hit_is_not_stored_again() -> None:
    store, clock = FakeCacheStore(), ManualClock()
    await ask_twice(store, clock)
    assert store.calls.count("put") == 1


async def test_freshness_critical_bypasses_and_refreshes() -> None:
    store, clock = FakeCacheStore(), ManualClock()
    first, provider, _ = cached_session(store, clock)
    await run(first.start_turn("hi"))
    fresh = ChatSession(provider, "model-x", services=first.services, system="Be kind.")
    fresh.bypass_cache = True
    events = await run(fresh.start_turn("hi"))
    assert looked_up(events).verdict == "bypass" and len(provider.requests) == 2
    assert store.calls.count("put") == 2  # the fresh answer replaces the old one


async def test_a_bypass_that_does_not_fill_leaves_the_cache_alone() -> None:
    store, clock = FakeCacheStore(), ManualClock()
    first, provider, _ = cached_session(store, clock)
    first.bypass_cache, first.fill_cache = True, False  # as a bench asks
    events = await run(first.start_turn("hi"))
    assert looked_up(events).verdict == "bypass" and len(provider.requests) == 1
    assert isinstance(events[-1], TurnFinished) and events[-1].text == ANSWER
    assert "put" not in store.calls and not first.services.cache._recordings  # type: ignore[union-attr]


async def test_rejecting_a_hit_marks_it_and_asks_again_live() -> None:
    store, clock = FakeCacheStore(), ManualClock()
    _, hit, provider, second = await ask_twice(store, clock)
    key = looked_up(hit).entry_key
    assert key is not None and second.last_hit == key
    events = await run(second.reject_hit(key))
    verdict = looked_up(events)
    assert verdict.verdict == "bypass" and verdict.rejects == key
    assert "mark_false_hit" in store.calls and len(provider.requests) == 2
    assert [m.content for m in second.conversation.messages] == ["hi", ANSWER]
    assert second.last_hit is None


async def test_only_the_latest_hit_can_be_rejected() -> None:
    store, clock = FakeCacheStore(), ManualClock()
    first, _, _ = cached_session(store, clock)
    await run(first.start_turn("hi"))
    try:
        first.reject_hit("not-a-hit")
    except ValueError as exc:
        assert "latest answer" in str(exc)
    else:
        raise AssertionError("a live answer was rejected as a hit")


async def test_an_unavailable_store_gives_live_answers_and_one_notice() -> None:
    clock = ManualClock()
    for failure in (CacheUnavailable("database disk image is malformed"), RuntimeError("bug")):
        store = FakeCacheStore(broken=failure)
        session, provider, _ = cached_session(store, clock)
        first = await run(session.start_turn("hi"))
        verdict = looked_up(first)
        assert verdict.verdict == "unavailable" and verdict.reason
        assert "skipped" in verdict.reason
        assert isinstance(first[-1], TurnFinished) and first[-1].text == ANSWER
        cache = session.services.cache
        assert cache is not None
        notice = cache.take_notice()
        assert notice is not None and "\n" not in notice
        await run(session.start_turn("again"))
        assert cache.take_notice() is None
        assert len(provider.requests) == 2


async def test_a_new_served_version_invalidates_the_others() -> None:
    store, clock = FakeCacheStore(), ManualClock()
    first, _, _ = cached_session(store, clock)
    await run(first.start_turn("hi"))
    newer = [ResponseHead(200), TextPart("Hi."), FinishPart("stop", "served-v2")]
    cache = first.services.cache
    second, _, _ = cached_session(store, clock, newer, cache=cache)
    await run(second.start_turn("other question"))
    assert store.invalidated == [("model-x", "served"), ("model-x", "served-v2")]
    assert [e.served_model for e in store.rows.values()] == ["served-v2"]


def test_the_recording_keeps_the_answering_attempts_figures() -> None:
    from tuichat.core.cache.key import CacheKeys
    from tuichat.core.cache.recording import AnswerRecording, EntryTerms

    recording = AnswerRecording(CacheKeys("k", "s"), "q?", "model-x")
    base = {"trace_id": "t", "attempt": 1}
    cost = {"model": "model-x", "input_cost_usd": 0.001, "output_cost_usd": 0.002,
            "input_tokens": 10, "output_tokens": 2, "cached_input_tokens": 0,
            "price_source": "db", "estimated": False}  # fmt: skip
    for event in (
        AttemptStarted(ts=1.0, model="model-x", provider="p", base_url_host="h", **base),
        CostReported(ts=1.5, cost_usd=0.5, **cost, **base),  # a failed attempt's cost
        AttemptStarted(ts=2.0, model="model-x", provider="p", base_url_host="h", **base),
        FirstToken(ts=2.5, **base),
        TextDelta(ts=2.5, text="A", **base),
        TextDelta(ts=3.0, text="B", **base),
        CostReported(ts=3.1, cost_usd=0.003, **cost, **base),
        AttemptEnded(ts=3.2, status="ok", served_model="v2", last_text_at=3.0, **base),
    ):
        recording.observe(event)
    done = TurnFinished(trace_id="t", ts=3.2, text="AB", finish_reason="stop", model="v2")
    entry = recording.entry(done, EntryTerms(created_at=100.0, ttl_s=10.0, tags=("x",)))
    assert entry.chunks == ((0.5, "A"), (1.0, "B"))
    assert (entry.ttft_ms, entry.duration_ms, entry.cost_usd) == (500.0, 1000.0, 0.003)
    assert (entry.served_model, entry.expires_at, entry.tags) == ("v2", 110.0, ("x",))
