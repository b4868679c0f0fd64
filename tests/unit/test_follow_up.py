"""Follow-up detection: the window, the thresholds, and both ways of judging similarity."""

from __future__ import annotations

import struct

import pytest

from tuichat.core.feedback.follow_up import (
    FollowUp,
    FollowUpRules,
    FollowUpWatch,
    content_words,
    cosine,
    jaccard,
)

RULES = FollowUpRules(window_s=600.0, threshold=0.80, word_threshold=0.6)

WORD_PAIRS = [
    # (earlier prompt, later prompt, a follow-up by words?)
    ("How do I reverse a list in Python?", "python: reverse a list?", True),  # 1.0
    ("Explain quicksort", "Explain quicksort step by step", True),  # 2/3
    ("What is the capital of France?", "What's the capital of France, please?", True),
    ("How do I sort a list in Python?", "How do I reverse a list in Python?", False),  # 2/4
    ("What is the capital of France?", "What is the boiling point of water?", False),
    ("Why is the sky blue?", "Why is the sea salty?", False),
    ("thanks", "thanks", False),  # no content word: says nothing about an answer
    ("ok go on", "ok, go on", False),
    ("more", "more please", False),
    ("What is photosynthesis?", "Photosynthesis?", True),
]


@pytest.mark.parametrize(("earlier", "later", "expected"), WORD_PAIRS)
async def test_word_overlap_decides_without_an_embedder(
    earlier: str, later: str, expected: bool
) -> None:
    watch = FollowUpWatch(RULES)
    assert await watch.asked("t1", earlier, 0.0) is None
    found = await watch.asked("t2", later, 60.0)
    assert (found is not None) == expected
    if found is not None:
        assert (found.follow_up_of, found.method) == ("t1", "words")
        assert found.similarity >= 0.6


def test_jaccard_and_content_words() -> None:
    assert content_words("What's the CAPITAL of France?") == {"capital", "france"}
    assert jaccard(frozenset({"a", "b"}), frozenset({"b", "c"})) == pytest.approx(1 / 3)
    assert jaccard(frozenset(), frozenset()) == 0.0


@pytest.mark.parametrize(
    ("gap_s", "expected"), [(599.0, True), (600.0, True), (600.5, False), (3600.0, False)]
)
async def test_only_prompts_within_the_window_count(gap_s: float, expected: bool) -> None:
    watch = FollowUpWatch(RULES)
    await watch.asked("t1", "Explain quicksort in detail", 1000.0)
    found = await watch.asked("t2", "Explain quicksort in detail", 1000.0 + gap_s)
    assert (found is not None) == expected


def unit(*values: float) -> bytes:
    norm = sum(v * v for v in values) ** 0.5
    return struct.pack(f"<{len(values)}f", *(v / norm for v in values))


VECTORS = {
    "reverse a python list": unit(1.0, 0.0, 0.0),
    "how can a list be turned around in python": unit(0.9, 0.3, 0.0),  # cos 0.95
    "sort a python list": unit(0.7, 0.714, 0.0),  # cos 0.70 with the first
    "bread recipe": unit(0.0, 0.0, 1.0),
}


async def embed(text: str) -> bytes:
    return VECTORS[text]


@pytest.mark.parametrize(
    ("later", "expected"),
    [
        ("how can a list be turned around in python", True),  # few shared words, same meaning
        ("sort a python list", False),  # many shared words, another question
        ("bread recipe", False),
    ],
)
async def test_the_embedder_decides_when_there_is_one(later: str, expected: bool) -> None:
    watch = FollowUpWatch(RULES, embed)
    await watch.asked("t1", "reverse a python list", 0.0)
    found = await watch.asked("t2", later, 10.0)
    assert (found is not None) == expected
    if found is not None:
        assert found.method == "embedding" and found.similarity == pytest.approx(0.95, abs=0.01)


async def test_the_most_similar_earlier_prompt_is_the_one_followed_up() -> None:
    watch = FollowUpWatch(RULES, embed)
    await watch.asked("t1", "sort a python list", 0.0)
    await watch.asked("t2", "reverse a python list", 1.0)
    found = await watch.asked("t3", "how can a list be turned around in python", 2.0)
    assert found is not None and found.follow_up_of == "t2"


async def test_a_failing_embedder_falls_back_to_words_for_good() -> None:
    calls = 0

    async def broken(text: str) -> bytes:
        nonlocal calls
        calls += 1
        raise RuntimeError("model gone")

    watch = FollowUpWatch(RULES, broken)
    await watch.asked("t1", "Explain quicksort", 0.0)
    found = await watch.asked("t2", "Explain quicksort step by step", 1.0)
    assert found == FollowUp("t1", pytest.approx(2 / 3), "words")
    assert calls == 1


def test_cosine_refuses_vectors_it_cannot_compare() -> None:
    assert cosine(unit(1.0, 0.0), unit(1.0, 0.0)) == pytest.approx(1.0)
    assert cosine(unit(1.0, 0.0), unit(1.0, 0.0, 0.0)) is None
    assert cosine(b"", b"") is None
