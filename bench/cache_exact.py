"""``bench_cache.py``'s exact-cache section: a hit's first token, and what a miss adds.

Everything real: the SQLite cache file (``--entries`` answers already in it),
``ResponseCache`` and the turn's cache step, the simulator over loopback for
the live answers (its own process, so its CPU is not counted here).

* exact hit, ``start_turn`` → the first token reaching the front end
  (through the EventPump, the consumers and the durable-log wait; target:
  on screen within 10 ms of Enter — the pty figure is ``bench_pty.py``'s
  "cached answer" row); floor: one bare ``store.get`` of the same key;
* an exact miss: ``ResponseCache.lookup`` (keys of the whole request, one
  indexed read, the recording for the store) — what a miss adds to TTFT
  (target < 2 ms); floor: the bare ``store.get`` of a missing key;
* a semantic miss: the same with WordLlama and the gate, embedding of a
  fresh 30-word question included (target < 10 ms);
* TTFT of live turns against the simulator with the cache (each a miss) and
  without it, interleaved: the difference of the medians (noisy; the lookup
  figures above are the precise ones).
"""

from __future__ import annotations

import argparse
import logging
import random
import statistics
import time
import uuid
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from bench_stream import simulator

from tuichat.core.cache.key import ProviderIdentity
from tuichat.core.cache.ports import CacheEntry
from tuichat.core.cache.response_cache import ResponseCache
from tuichat.core.cache.semantic import SemanticMatcher
from tuichat.core.clock import SystemClock
from tuichat.core.conversation import ChatMessage, ChatRequest
from tuichat.core.events import FirstToken, TurnStarted
from tuichat.core.turn.chat import ChatSession
from tuichat.core.turn.services import TurnServices
from tuichat.embeddings.wordllama_model import load_wordllama
from tuichat.providers.openai_compat import OpenAICompatProvider
from tuichat.store import open_cache_store

HIT_LIMIT_MS, MISS_LIMIT_MS, SEMANTIC_MISS_LIMIT_MS = 10.0, 2.0, 10.0
PROVIDER = ProviderIdentity("simulator", "127.0.0.1")


def fill(store: Any, entries: int) -> None:
    """``entries`` answers of ~2 KB in the store, as a busy user's cache would hold."""
    answer = "A cached answer with a few sentences of text. " * 40
    for n in range(entries):
        store.put(CacheEntry(key=f"k{n:08d}", scope=f"s{n % 500}", question=f"question {n}",
                             answer=answer, model="sim", served_model="sim",
                             created_at=time.time(), ttft_ms=300.0, duration_ms=900.0,
                             cost_usd=0.001))  # fmt: skip


async def first_token_of_hit(session: ChatSession, prompt: str) -> float:
    """Seconds from ``start_turn`` to the FirstToken event the front end receives."""
    start = time.perf_counter()
    turn = session.start_turn(prompt)
    first = None
    async for event in turn:
        if isinstance(event, FirstToken) and first is None:
            first = time.perf_counter() - start
    session.conversation.messages.clear()  # the next turn asks the same first question
    assert first is not None
    return first


async def live_ttft(session: ChatSession, prompt: str) -> float:
    """TurnStarted → FirstToken of a live turn (stamps on the session's clock)."""
    started = first = None
    async for event in session.start_turn(prompt):
        if isinstance(event, TurnStarted):
            started = event.ts
        elif isinstance(event, FirstToken) and first is None:
            first = event.ts
    session.conversation.messages.clear()
    assert started is not None and first is not None
    return first - started


def request_of(question: str) -> ChatRequest:
    return ChatRequest(model="sim", messages=(ChatMessage("user", question),))


async def lookup_miss(cache: ResponseCache, question: str) -> None:
    await cache.lookup(request_of(question), question, provider=PROVIDER,
                       trace_id=uuid.uuid4().hex)  # fmt: skip


async def exact(args: argparse.Namespace) -> None:
    """The exact cache: hit to first token, a miss's lookup, the TTFT a miss adds."""
    from bench_cache import line, percentiles, question, timed, timed_async, verdict

    runs = min(args.runs, 200)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line a request otherwise
    with TemporaryDirectory() as tmp, simulator() as base_url:
        store = open_cache_store(Path(tmp) / "cache.sqlite3", max_bytes=1 << 34)
        started = time.perf_counter()
        fill(store, args.entries)
        print(f"cache file filled with {args.entries} entries in"
              f" {time.perf_counter() - started:.1f} s")  # fmt: skip
        clock = SystemClock()
        cache = ResponseCache(store, clock=clock)
        provider = OpenAICompatProvider(base_url, None, name="simulator")
        model = "sim?tokens=50&ttft_ms=0&tps=0"
        cached = ChatSession(provider, model, services=TurnServices(clock=clock, cache=cache))
        await live_ttft(cached, "warm the connection and store this answer")
        hits = [await first_token_of_hit(cached, "warm the connection and store this answer")
                for _ in range(runs)]  # fmt: skip
        key_floor = timed(lambda: store.get("k00000042", time.time()), runs)
        line("exact hit: start_turn → first token", hits, key_floor)
        verdict("exact hit p95 (target: on screen)", percentiles(hits)[1], HIT_LIMIT_MS)
        rng = random.Random(7)
        misses = await timed_async(lambda: lookup_miss(cache, question(rng)), runs)
        miss_floor = timed(lambda: store.get("no-such-key", time.time()), runs)
        line("exact miss: lookup", misses, miss_floor)
        verdict("exact miss p95 (added to TTFT)", percentiles(misses)[1], MISS_LIMIT_MS)
        model_started = time.perf_counter()
        semantic = ResponseCache(store, clock=clock,
                                 semantic=SemanticMatcher(store, load_wordllama()))  # fmt: skip
        print(f"  (WordLlama loaded in {time.perf_counter() - model_started:.2f} s)")
        sem = await timed_async(lambda: lookup_miss(semantic, question(rng)), runs)
        line("semantic miss: lookup (embedding incl.)", sem, misses)
        verdict("semantic miss p95 (added to TTFT)", percentiles(sem)[1], SEMANTIC_MISS_LIMIT_MS)
        await ttft_pairs(provider, model, clock, cache, rng, min(runs, 60))
        store.close()


async def ttft_pairs(
    provider: Any, model: str, clock: SystemClock, cache: ResponseCache, rng: random.Random,
    runs: int,
) -> None:  # fmt: skip
    """Live TTFT with the cache (a miss each time) and without it, interleaved."""
    from bench_cache import question

    with_cache = ChatSession(provider, model, services=TurnServices(clock=clock, cache=cache))
    without = ChatSession(provider, model, services=TurnServices(clock=clock))
    pairs = [(await live_ttft(with_cache, question(rng)), await live_ttft(without, question(rng)))
             for _ in range(runs)]  # fmt: skip
    on = statistics.median(p[0] for p in pairs)
    off = statistics.median(p[1] for p in pairs)
    print(f"  live TTFT, simulator, {runs} pairs: with cache (miss) {on * 1000:.2f} ms,"
          f" without {off * 1000:.2f} ms, difference {(on - off) * 1000:+.2f} ms")  # fmt: skip
