"""The response cache with a (fake) semantic matcher: asked only on an exact miss."""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.helpers.fake_cache_store import FakeCacheStore
from tests.helpers.scripted_provider import ScriptedProvider, run
from tuichat.core.cache.ports import CacheHit, CacheUnavailable
from tuichat.core.cache.response_cache import ResponseCache
from tuichat.core.clock import ManualClock
from tuichat.core.events import CacheLookedUp, Event, TurnFinished
from tuichat.core.provider import FinishPart, ResponseHead, TextPart
from tuichat.core.turn.chat import ChatSession
from tuichat.core.turn.services import TurnServices

SCRIPT = [ResponseHead(200), 0.5, TextPart("Paris."), FinishPart("stop", "served")]


@dataclass(frozen=True, slots=True)
class Result:
    hit: CacheHit | None
    vector: bytes | None
    reason: str | None


@dataclass
class FakeMatcher:
    """Matches any question of a scope it remembered (similarity 0.95)."""

    store: FakeCacheStore
    embedder_name: str = "fake-8"
    fails: Exception | None = None
    asked: list[str] = field(default_factory=list)
    remembered: dict[str, str] = field(default_factory=dict)
    forgotten: list[str] = field(default_factory=list)

    async def match(self, scope: str, question: str, now: float) -> Result:
        self.asked.append(question)
        if self.fails is not None:
            raise self.fails
        for key, known in self.remembered.items():
            entry = self.store.get(key, now)
            if known == scope and entry is not None:
                return Result(CacheHit(entry, "semantic", now - entry.created_at, 0.95), None, None)
        return Result(None, b"\x00" * 32, "no close question")

    def remember(self, key: str, scope: str, vector: bytes) -> None:
        self.remembered[key] = scope

    def forget(self, key: str) -> None:
        self.forgotten.append(key)


def session(cache: ResponseCache, provider: ScriptedProvider) -> ChatSession:
    return ChatSession(provider, "m", services=TurnServices(clock=cache.clock, cache=cache))


def verdict(events: list[Event]) -> CacheLookedUp:
    return next(e for e in events if isinstance(e, CacheLookedUp))


async def test_a_paraphrase_is_a_semantic_hit_after_an_exact_miss() -> None:
    clock, store = ManualClock(), FakeCacheStore()
    matcher = FakeMatcher(store)
    cache = ResponseCache(store, clock=clock, semantic=matcher)
    provider = ScriptedProvider(clock, SCRIPT)
    first = await run(session(cache, provider).start_turn("Capital of France?"))
    assert verdict(first).verdict == "miss" and verdict(first).reason == "no close question"
    (key,) = store.rows
    assert store.vectors_of[key][2] == "fake-8" and matcher.remembered == {
        key: store.rows[key].scope
    }
    hit = await run(session(cache, provider).start_turn("What's France's capital?"))
    said = verdict(hit)
    assert said.verdict == "semantic" and said.similarity == 0.95
    assert said.matched_question == "Capital of France?" and said.entry_key == key
    assert isinstance(hit[-1], TurnFinished) and hit[-1].text == "Paris."
    assert len(provider.requests) == 1


async def test_an_exact_hit_never_asks_the_matcher() -> None:
    clock, store = ManualClock(), FakeCacheStore()
    matcher = FakeMatcher(store)
    cache = ResponseCache(store, clock=clock, semantic=matcher)
    provider = ScriptedProvider(clock, SCRIPT)
    await run(session(cache, provider).start_turn("Capital of France?"))
    again = await run(session(cache, provider).start_turn("Capital of France?"))
    assert verdict(again).verdict == "exact" and matcher.asked == ["Capital of France?"]


async def test_a_rejected_semantic_hit_is_forgotten() -> None:
    clock, store = ManualClock(), FakeCacheStore()
    matcher = FakeMatcher(store)
    cache = ResponseCache(store, clock=clock, semantic=matcher)
    provider = ScriptedProvider(clock, SCRIPT)
    await run(session(cache, provider).start_turn("Capital of France?"))
    chat = session(cache, provider)
    key = verdict(await run(chat.start_turn("France capital city?"))).entry_key
    assert key is not None
    await run(chat.reject_hit(key))
    assert matcher.forgotten == [key] and store.rows[key].false_hit


async def test_a_failing_matcher_is_skipped_once_and_not_asked_again() -> None:
    clock, store = ManualClock(), FakeCacheStore()
    matcher = FakeMatcher(store, fails=CacheUnavailable("wordllama failed to load"))
    cache = ResponseCache(store, clock=clock, semantic=matcher)
    provider = ScriptedProvider(clock, SCRIPT)
    events = await run(session(cache, provider).start_turn("Capital of France?"))
    said = verdict(events)
    assert said.verdict == "unavailable" and "wordllama failed to load" in (said.reason or "")
    assert isinstance(events[-1], TurnFinished)
    assert cache.take_notice() is not None and cache.semantic is None
    await run(session(cache, provider).start_turn("Capital of Spain?"))
    assert matcher.asked == ["Capital of France?"]
    assert len(store.rows) == 2  # the exact cache still stores
