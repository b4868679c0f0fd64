"""The follow-up rule with the offline embedder the semantic cache uses (WordLlama).

The default threshold (0.80) on real vectors: the cache's paraphrase corpus
are follow-ups; a different question on the same topic, or another topic, are not.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from tuichat.core.feedback.follow_up import FollowUpRules, FollowUpWatch

pytest.importorskip("wordllama")

from tuichat.embeddings.wordllama_model import WordLlamaEmbedder, load_wordllama

PAIRS = tomllib.loads((Path(__file__).parents[1] / "data" / "cache_pairs.toml").read_text())
NOT_FOLLOW_UPS = [
    ("How do I sort a list in Python?", "How do I reverse a list in Python?"),  # 0.75
    ("What causes inflation?", "What causes rain?"),
    ("Why is the sky blue?", "Why is the sea salty?"),
    ("Write a haiku about autumn", "Now make it about winter"),
]


@pytest.fixture(scope="module")
def embedder() -> WordLlamaEmbedder:
    return load_wordllama()


async def judged(embedder: WordLlamaEmbedder, earlier: str, later: str) -> float | None:
    async def embed(text: str) -> bytes:
        return (await embedder.embed([text]))[0]

    watch = FollowUpWatch(FollowUpRules(), embed)
    await watch.asked("t1", earlier, 0.0)
    found = await watch.asked("t2", later, 30.0)
    assert found is None or found.method == "embedding"
    return None if found is None else found.similarity


async def test_paraphrases_are_follow_ups(embedder: WordLlamaEmbedder) -> None:
    for earlier, later in PAIRS["paraphrases"]:
        assert await judged(embedder, earlier, later) is not None, (earlier, later)


@pytest.mark.parametrize(("earlier", "later"), NOT_FOLLOW_UPS)
async def test_other_questions_are_not(
    embedder: WordLlamaEmbedder, earlier: str, later: str
) -> None:
    assert await judged(embedder, earlier, later) is None
