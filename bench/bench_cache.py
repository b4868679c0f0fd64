"""Response cache benchmark: what a lookup costs, section by section, each against a floor.

Sections (run all, or some with ``--only``); each prints its figures next to
a floor measured in the same run, and the issue's target:

* ``semantic``: the semantic match with the real WordLlama model from the wheel.
  - embedding a 30-word question (floor: the model's tokenizer alone);
  - the content gate on one pair of questions (read cold; a cached question
    is read once and kept);
  - lookup over ``--entries`` vectors in one scope: the index alone, and the
    whole ``SemanticMatcher.match`` miss (embedding included, which is what a
    miss adds to TTFT) — floor: a bare numpy matmul + argpartition over the
    same full matrix (an exhaustive scan); target: lookup < 20 ms, a miss
    < 10 ms. Beyond 16,384 rows the index searches a 64-dimension prefix
    shortlist first (see ``core.cache.vectors``), so its recall is checked
    too: near-duplicates (cosine ~0.9-0.97) planted in the matrix must be found;
  - loading that scope's index from the store's ``(key, vector)`` rows
    (floor: one ``np.frombuffer`` over the joined bytes);
  - memory of the index (floor: the float32 matrix itself).

* ``exact`` (``cache_exact.py``): an exact hit's first token, what an exact
  and a semantic miss add to TTFT, live TTFT with and without the cache.

Run: ``python bench/bench_cache.py [--entries 100000] [--runs 200] [--only semantic]``.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from tuichat.core.cache.gate import read, refusal
from tuichat.core.cache.ports import CacheEntry
from tuichat.core.cache.semantic import SemanticMatcher
from tuichat.core.cache.vectors import VectorIndex, numpy_module
from tuichat.embeddings.wordllama_model import WordLlamaEmbedder, load_wordllama

np = numpy_module()  # imported as tuichat imports it (OpenBLAS on one thread)
LOOKUP_LIMIT_MS = 20.0
MISS_LIMIT_MS = 10.0
QUESTION_30 = (
    "I am planning a two week trip through northern Italy in early October with my partner,"
    " which cities should we visit by train and how many nights would you suggest in each?"
)
WORDS = QUESTION_30.replace(",", "").replace("?", "").split()


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.3f} ms"


def percentiles(samples: Sequence[float]) -> tuple[float, float]:
    """p50 and p95 of ``samples`` (seconds)."""
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def line(name: str, samples: Sequence[float], floor: Sequence[float] | None = None) -> None:
    """``name  p50  p95  (floor p50, ×ratio)``."""
    p50, p95 = percentiles(samples)
    text = f"  {name:<40} p50 {ms(p50)}  p95 {ms(p95)}"
    if floor:
        floor_p50, _ = percentiles(floor)
        text += f"   floor {ms(floor_p50)} (×{p50 / max(floor_p50, 1e-9):.1f})"
    print(text)


def verdict(name: str, value_s: float, limit_ms: float) -> None:
    ok = "ok" if value_s * 1000 < limit_ms else f"OVER {limit_ms:g} ms"
    print(f"  {name:<40} {ms(value_s)}  target < {limit_ms:g} ms: {ok}")


def timed(action: Callable[[], Any], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return samples


async def timed_async(action: Callable[[], Awaitable[Any]], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        await action()
        samples.append(time.perf_counter() - start)
    return samples


def question(rng: random.Random) -> str:
    """A fresh 30-word question (shuffled words), so nothing is served from a cache."""
    words = WORDS[:]
    rng.shuffle(words)
    return " ".join(words) + "?"


class BenchStore:
    """The few CacheStore methods a semantic miss uses, over prepared rows."""

    def __init__(self, rows: list[tuple[str, bytes]]) -> None:
        self.rows = rows
        self.saved: dict[str, bytes] = {}

    def vectors(self, scope: str, embedder: str) -> list[tuple[str, bytes]]:
        return self.rows

    def entries(self, keys: Sequence[str], now: float) -> list[CacheEntry]:
        return []

    def embedding(self, text_hash: str, embedder: str) -> bytes | None:
        return self.saved.get(text_hash)

    def save_embedding(self, text_hash: str, embedder: str, vector: bytes) -> None:
        self.saved[text_hash] = vector


def random_rows(count: int, dim: int) -> tuple[Any, list[tuple[str, bytes]]]:
    """``count`` random unit vectors, as a matrix and as the store's ``(key, bytes)`` rows."""
    matrix = np.random.default_rng(7).standard_normal((count, dim)).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix, [(f"key-{i:06d}", row.astype("<f4").tobytes()) for i, row in enumerate(matrix)]


async def semantic_embedding(model: WordLlamaEmbedder, runs: int) -> None:
    rng = random.Random(1)
    texts = [question(rng) for _ in range(runs)]
    print(f"\nEmbedding a 30-word question ({len(QUESTION_30.split())} words, {model.name}):")
    tokenizer = model._model.tokenizer
    floor = timed(lambda: tokenizer.encode_batch([texts[0]]), runs)
    it = iter(texts)
    samples = await timed_async(lambda: model.embed([next(it)]), runs)
    line("embed (tokenize + pool + normalise)", samples, floor)


def semantic_gate(runs: int) -> None:
    print("\nContent gate, one pair:")
    asked, cached = "Convert 5 miles to km, quickly please", "How many km is 5 miles?"

    def cold() -> None:
        read.cache_clear()
        refusal(asked, cached)

    line("refusal(), both questions read cold", timed(cold, runs))
    line("refusal(), cached question read before", timed(lambda: refusal(asked, cached), runs))


async def semantic_lookup(model: WordLlamaEmbedder, entries: int, runs: int) -> None:
    query_bytes = (await model.embed([QUESTION_30]))[0]
    query = np.frombuffer(query_bytes, dtype="<f4")
    matrix, rows = random_rows(entries, query.shape[0])
    print(f"\nLookup over {entries:,} entries in one scope ({query.shape[0]} dimensions):")
    index = VectorIndex(query.shape[0])
    index.extend(rows)

    def bare() -> None:
        scores = matrix @ query
        np.argpartition(scores, len(scores) - 8)[-8:]

    floor = timed(bare, runs)
    nearest = timed(lambda: index.nearest(query, 8), runs)
    line("VectorIndex.nearest (8 best)", nearest, floor)
    matcher = SemanticMatcher(BenchStore(rows), model)  # type: ignore[arg-type]
    await matcher.match("scope", QUESTION_30, 0.0)  # loads the scope
    rng = random.Random(2)
    fresh = await timed_async(lambda: matcher.match("scope", question(rng), 0.0), runs)
    line("match(), a miss with a new question", fresh, floor)
    seen = await timed_async(lambda: matcher.match("scope", QUESTION_30, 0.0), runs)
    line("match(), a miss, embedding from store", seen, floor)
    print(f"  {'recall of planted near-duplicates':<40} {recall(index, matrix, runs)}")
    verdict("lookup p50", percentiles(nearest)[0], LOOKUP_LIMIT_MS)
    verdict("lookup p95", percentiles(nearest)[1], LOOKUP_LIMIT_MS)
    verdict("semantic miss incl. embedding, p95", percentiles(fresh)[1], MISS_LIMIT_MS)


def recall(index: VectorIndex, matrix: Any, count: int) -> str:
    """Query near-duplicates of ``count`` random rows: how often is that row the best found?"""
    rng = np.random.default_rng(11)
    targets = rng.choice(len(matrix), size=min(count, len(matrix)), replace=False)
    found = cosines = 0.0
    for target in targets:
        near = matrix[target] + rng.standard_normal(matrix.shape[1]).astype(np.float32) * 0.02
        near /= np.linalg.norm(near)
        cosines += float(matrix[target] @ near)
        found += index.nearest(near, 1)[0][0] == f"key-{target:06d}"
    return f"{found:.0f}/{len(targets)} (mean cosine {cosines / len(targets):.2f})"


def semantic_load(entries: int, dim: int) -> None:
    _, rows = random_rows(entries, dim)
    print(f"\nLoading one scope's index from {entries:,} stored vectors:")
    load = timed(lambda: VectorIndex(dim).extend(rows), 3)
    floor = timed(lambda: np.frombuffer(b"".join(v for _, v in rows), dtype="<f4"), 3)
    line("VectorIndex.extend(rows)", load, floor)
    index = VectorIndex(dim)
    index.extend(rows)
    matrix_mb = entries * dim * 4 / 1e6
    print(f"  {'index memory (matrix, spare included)':<40} {index.nbytes / 1e6:8.1f} MB", end="")
    print(f"   floor {matrix_mb:.1f} MB (the float32 rows)")
    keys_mb = sum(sys.getsizeof(k) for k in index.row_keys()) / 1e6
    print(f"  {'keys and their row map (about)':<40} {keys_mb * 2:8.1f} MB")


async def semantic(args: argparse.Namespace) -> None:
    start = time.perf_counter()
    model = load_wordllama()
    print(f"WordLlama loaded from the wheel in {time.perf_counter() - start:.2f} s")
    await semantic_embedding(model, args.runs)
    semantic_gate(args.runs)
    await semantic_lookup(model, args.entries, args.runs)
    semantic_load(args.entries, 256)


async def exact(args: argparse.Namespace) -> None:
    """The exact cache's section (``cache_exact.py``; imported late: it starts a simulator)."""
    from cache_exact import exact as run_exact

    await run_exact(args)


SECTIONS: dict[str, Callable[[argparse.Namespace], Awaitable[None]]] = {
    "exact": exact,
    "semantic": semantic,
}
"""Each section prints its own figures against its floor."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--only", choices=sorted(SECTIONS), action="append")
    args = parser.parse_args()
    for name in args.only or SECTIONS:
        print(f"== {name} ==")
        asyncio.run(SECTIONS[name](args))


if __name__ == "__main__":
    main()
