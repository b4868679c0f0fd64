"""Key-fragment redaction: no run of six characters of a key survives; other text is untouched."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tuichat.core.secrets import (
    FRAGMENT_MASK,
    MIN_FRAGMENT,
    KeyFragments,
    redact_key_fragments,
)

KEY = "sk-hostile-SECRET-e7d6c5b4a"

keys = st.text(min_size=MIN_FRAGMENT, max_size=40)
realistic_keys = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_",
    min_size=20,
    max_size=60,
)


def windows(key: str, n: int = MIN_FRAGMENT) -> set[str]:
    return {key[i : i + n] for i in range(len(key) - n + 1)}


def leaks(text: str, key: str) -> set[str]:
    return {w for w in windows(key) if w in text}


@st.composite
def text_with_pieces(draw: st.DrawFn, key_strategy: st.SearchStrategy[str] = keys) -> tuple:
    """A key and a text mixing random text with slices of the key."""
    key = draw(key_strategy)
    parts = []
    for _ in range(draw(st.integers(1, 6))):
        if draw(st.booleans()):
            start = draw(st.integers(0, len(key) - 1))
            end = draw(st.integers(start + 1, len(key)))
            parts.append(key[start:end])
        else:
            parts.append(draw(st.text(max_size=12)))
    return key, "".join(parts)


def test_the_echo_seen_in_the_issue_is_redacted() -> None:
    echoed = "prefix sk-hostile mid hostile-SEC tail e7d6c5b4a"
    assert redact_key_fragments(echoed, [KEY]) == (
        f"prefix {FRAGMENT_MASK} mid {FRAGMENT_MASK} tail {FRAGMENT_MASK}"
    )


def test_short_runs_and_other_text_stay() -> None:
    text = "sk-hos is five plus one? no: 'sk-ho' and 'e7d6c' are five"
    assert redact_key_fragments(text, [KEY]) == text.replace("sk-hos", FRAGMENT_MASK)
    assert redact_key_fragments("nothing to see", [KEY]) == "nothing to see"


def test_no_keys_or_short_keys_change_nothing() -> None:
    assert redact_key_fragments("abcdef", []) == "abcdef"
    assert redact_key_fragments("abcdef", [None, "", "abc"]) == "abcdef"


def test_overlapping_and_adjacent_runs_merge_into_one_mask() -> None:
    assert redact_key_fragments(f"<{KEY}{KEY}>", [KEY]) == f"<{FRAGMENT_MASK}>"


def test_several_keys_at_once() -> None:
    other = "pk-another-0123456789"
    text = f"a={KEY[:8]} b={other[-7:]}"
    assert redact_key_fragments(text, [KEY, other]) == f"a={FRAGMENT_MASK} b={FRAGMENT_MASK}"


def test_a_key_that_looks_like_the_mask_cannot_rebuild_itself() -> None:
    key = "[redacted]-[redacted]"
    out = redact_key_fragments(f"x {key} y [redacted]", [key])
    assert not leaks(out, key)


def test_a_text_without_fragments_is_returned_as_is() -> None:
    text = "an ordinary error message"
    assert KeyFragments([KEY]).redact(text) is text


@given(text_with_pieces())
def test_no_six_character_piece_of_any_key_survives(case: tuple[str, str]) -> None:
    key, text = case
    assert not leaks(redact_key_fragments(text, [key]), key)


@given(text_with_pieces(realistic_keys))
def test_realistic_keys_leave_no_piece(case: tuple[str, str]) -> None:
    key, text = case
    out = KeyFragments([key]).redact(text)
    assert not leaks(out, key)
    if leaks(text, key):
        assert FRAGMENT_MASK in out


@given(keys, st.text(max_size=200))
def test_text_without_fragments_is_unchanged(key: str, text: str) -> None:
    if not leaks(text, key):
        assert redact_key_fragments(text, [key]) == text


@given(realistic_keys, st.text(max_size=40), st.text(max_size=40))
def test_only_the_key_is_replaced(key: str, before: str, after: str) -> None:
    if leaks(before + "|", key) or leaks("|" + after, key):
        return
    text = f"{before}|{key}|{after}"
    assert redact_key_fragments(text, [key]) == f"{before}|{FRAGMENT_MASK}|{after}"
