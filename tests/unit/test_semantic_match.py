"""SemanticMatcher: scope isolation, the embedding cache, threshold, gate, forget, failures."""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence

import pytest

from tests.helpers.memory_cache_store import MemoryCacheStore, cache_entry
from tuichat.core.cache.ports import CacheUnavailable
from tuichat.core.cache.semantic import SemanticMatcher, text_hash

NOW = 2000.0


def unit(*values: float) -> bytes:
    """Little-endian float32 bytes of ``values`` scaled to length 1."""
    norm = math.sqrt(sum(v * v for v in values))
    return struct.pack(f"<{len(values)}f", *(v / norm for v in values))


class TableEmbedder:
    """Vectors looked up by text; counts what it was asked to embed."""

    name = "table-4"

    def __init__(self, table: dict[str, bytes]) -> None:
        self.table = table
        self.embedded: list[str] = []

    async def embed(self, texts: Sequence[str]) -> list[bytes]:
        self.embedded.extend(texts)
        return [self.table[text] for text in texts]


class BrokenEmbedder:
    name = "broken"

    def __init__(self, error: Exception) -> None:
        self.error = error

    async def embed(self, texts: Sequence[str]) -> list[bytes]:
        raise self.error


CAPITAL = "What is the capital of France?"
REWORDED = "Which city is the capital of France?"
NEGATED = "What is not the capital of France?"
FAR = "How do I bake bread?"

TABLE = {
    CAPITAL: unit(1, 0, 0, 0),
    REWORDED: unit(1, 0.2, 0, 0),  # cosine 0.98
    NEGATED: unit(1, 0.1, 0, 0),  # cosine 0.995: only the gate stops it
    FAR: unit(0, 0, 1, 0),
}


def stored(store: MemoryCacheStore, key: str, scope: str, question: str, **kw: float) -> None:
    store.put(cache_entry(key, scope, question, **kw), TABLE[question], TableEmbedder.name)


@pytest.fixture
def store() -> MemoryCacheStore:
    return MemoryCacheStore()


@pytest.fixture
def embedder() -> TableEmbedder:
    return TableEmbedder(TABLE)


async def test_a_reworded_question_hits_with_similarity_and_age(store, embedder) -> None:
    stored(store, "k1", "conv-a", CAPITAL, created_at=1900.0)
    result = await SemanticMatcher(store, embedder).match("conv-a", REWORDED, NOW)
    assert result.hit is not None and result.reason is None
    assert result.hit.kind == "semantic"
    assert result.hit.entry.key == "k1"
    assert result.hit.similarity == pytest.approx(1 / math.sqrt(1.04), abs=1e-5)
    assert result.hit.age_s == 100.0
    assert result.vector == TABLE[REWORDED]


async def test_the_same_question_in_another_conversation_never_hits(store, embedder) -> None:
    stored(store, "k1", "conv-a", CAPITAL)
    result = await SemanticMatcher(store, embedder).match("conv-b", CAPITAL, NOW)
    assert result.hit is None
    assert result.reason == "no cached question in this conversation"


async def test_below_the_threshold_says_how_close(store, embedder) -> None:
    stored(store, "k1", "conv-a", CAPITAL)
    result = await SemanticMatcher(store, embedder, threshold=0.99).match("conv-a", REWORDED, NOW)
    assert result.hit is None
    assert result.reason == "closest 0.98 < 0.99"
    far = await SemanticMatcher(store, embedder).match("conv-a", FAR, NOW)
    assert far.reason == "closest 0.00 < 0.90"


async def test_the_gate_refuses_a_negated_question_whatever_the_similarity(store, embedder) -> None:
    stored(store, "k1", "conv-a", CAPITAL)
    result = await SemanticMatcher(store, embedder).match("conv-a", NEGATED, NOW)
    assert result.hit is None
    assert result.reason == "gate: negation differs: not vs none (1.00)"


async def test_a_refused_candidate_lets_the_next_one_hit(store, embedder) -> None:
    stored(store, "neg", "conv-a", NEGATED)
    stored(store, "pos", "conv-a", CAPITAL)
    result = await SemanticMatcher(store, embedder).match("conv-a", REWORDED, NOW)
    assert result.hit is not None and result.hit.entry.key == "pos"


async def test_a_text_is_embedded_once_then_read_from_the_store(store, embedder) -> None:
    stored(store, "k1", "conv-a", CAPITAL)
    matcher = SemanticMatcher(store, embedder)
    await matcher.match("conv-a", REWORDED, NOW)
    await matcher.match("conv-b", REWORDED, NOW)
    await SemanticMatcher(store, embedder).match("conv-a", REWORDED, NOW)
    assert embedder.embedded == [REWORDED]
    assert store.embeddings_by_hash[(text_hash(REWORDED), "table-4")] == TABLE[REWORDED]


async def test_a_scope_is_read_from_the_store_once(store, embedder) -> None:
    stored(store, "k1", "conv-a", CAPITAL)
    matcher = SemanticMatcher(store, embedder)
    for _ in range(3):
        await matcher.match("conv-a", REWORDED, NOW)
    assert store.vector_reads == ["conv-a"]


async def test_remember_makes_a_new_entry_a_candidate_at_once(store, embedder) -> None:
    matcher = SemanticMatcher(store, embedder)
    miss = await matcher.match("conv-a", CAPITAL, NOW)
    assert miss.hit is None and miss.vector is not None
    store.put(cache_entry("k1", "conv-a", CAPITAL), miss.vector, matcher.embedder_name)
    matcher.remember("k1", "conv-a", miss.vector)
    result = await matcher.match("conv-a", REWORDED, NOW)
    assert result.hit is not None and result.hit.entry.key == "k1"
    assert store.vector_reads == ["conv-a"]


async def test_forget_drops_the_candidate(store, embedder) -> None:
    stored(store, "k1", "conv-a", CAPITAL)
    matcher = SemanticMatcher(store, embedder)
    assert (await matcher.match("conv-a", REWORDED, NOW)).hit is not None
    matcher.forget("k1")
    result = await matcher.match("conv-a", REWORDED, NOW)
    assert result.reason == "no cached question in this conversation"


async def test_an_expired_or_false_hit_entry_is_not_served(store, embedder) -> None:
    stored(store, "k1", "conv-a", CAPITAL)
    matcher = SemanticMatcher(store, embedder)
    assert (await matcher.match("conv-a", REWORDED, NOW)).hit is not None
    store.mark_false_hit("k1")
    result = await matcher.match("conv-a", REWORDED, NOW)
    assert result.hit is None
    assert result.reason == "closest 0.98 is no longer cached"
    again = await matcher.match("conv-a", REWORDED, NOW)
    assert again.reason == "no cached question in this conversation"


async def test_vectors_of_another_embedder_never_mix(store, embedder) -> None:
    store.put(cache_entry("k1", "conv-a", CAPITAL), unit(1, 0, 0, 0, 0), "other-model")
    result = await SemanticMatcher(store, embedder).match("conv-a", CAPITAL, NOW)
    assert result.reason == "no cached question in this conversation"


async def test_a_corrupt_stored_vector_is_skipped(store, embedder) -> None:
    stored(store, "k1", "conv-a", CAPITAL)
    store.put(cache_entry("bad", "conv-a", CAPITAL), b"\x00\x01\x02", TableEmbedder.name)
    result = await SemanticMatcher(store, embedder).match("conv-a", REWORDED, NOW)
    assert result.hit is not None and result.hit.entry.key == "k1"


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (CacheUnavailable("semantic cache off: model failed"), "semantic cache off: model failed"),
        (RuntimeError("boom\nTraceback"), "semantic cache off: RuntimeError"),
    ],
)
async def test_a_failing_embedder_makes_the_cache_unavailable(store, error, message) -> None:
    matcher = SemanticMatcher(store, BrokenEmbedder(error))
    with pytest.raises(CacheUnavailable) as raised:
        await matcher.match("conv-a", CAPITAL, NOW)
    assert str(raised.value) == message


@pytest.mark.parametrize("vector", [b"", b"\x00" * 16, struct.pack("<2f", math.nan, 1.0)])
async def test_a_malformed_vector_makes_the_cache_unavailable(store, vector) -> None:
    matcher = SemanticMatcher(store, TableEmbedder({CAPITAL: vector}))
    with pytest.raises(CacheUnavailable, match="malformed vector"):
        await matcher.match("conv-a", CAPITAL, NOW)
    assert store.embeddings_by_hash == {}
