"""Rerun compares answers word by word."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tuichat.headless.word_diff import word_diff

WORDS = st.lists(st.sampled_from(["a", "b", "cat", "dog", "the", "x"]), max_size=30)


def test_identical_answers_say_so() -> None:
    diff = word_diff("The cat sat.", "The  cat\nsat.")
    assert diff.summary() == "identical" and diff.same_share == 1.0


def test_changes_are_counted_and_marked() -> None:
    diff = word_diff("the quick brown fox jumps", "the slow brown fox leaps high")
    assert (diff.removed, diff.added) == (2, 3)
    assert diff.marked() == "the [-quick-] {+slow+} brown fox [-jumps-] {+leaps high+}"
    assert diff.summary() == "55% same (+3 −2 words)"


def test_long_unchanged_runs_shrink_in_the_marked_view() -> None:
    same = " ".join(f"w{i}" for i in range(20))
    assert word_diff(same + " old", same + " new").marked().startswith("w0 w1 w2 w3 … w16")


@given(WORDS, WORDS)
def test_the_runs_rebuild_both_answers(old: list[str], new: list[str]) -> None:
    diff = word_diff(" ".join(old), " ".join(new))
    kept_old = [t for op, t in diff.ops if op in ("same", "removed")]
    kept_new = [t for op, t in diff.ops if op in ("same", "added")]
    assert " ".join(kept_old).split() == old
    assert " ".join(kept_new).split() == new
    assert 0.0 <= diff.same_share <= 1.0
