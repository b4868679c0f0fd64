"""Tests for sentence-boundary buffering: rules, deadlines, and no loss."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tuichat.core.turn.sentence_buffer import SentenceBuffer

# What a boundary release may end with (an independent statement of the rules).
ENDS_AT_BOUNDARY = re.compile(
    r"(\n|[.!?…:;][\"')\]”’»」』）】]*\s+|[。！？][\"')\]”’»」』）】]*\s*)\Z"
)


def run(chunks: list[str], step: float = 0.01) -> list[str]:
    """Feed chunks ``step`` seconds apart; return each feed's release."""
    buffer = SentenceBuffer()
    return [buffer.feed(chunk, i * step) for i, chunk in enumerate(chunks)]


@pytest.mark.parametrize(
    ("chunks", "released"),
    [
        (["Hel", "lo wor", "ld. Ho", "w are"], ["Hel", "", "lo world. ", ""]),
        (["A", "b! C", "d? E", "f"], ["A", "b! ", "Cd? ", ""]),
        (["A", 'b." C'], ["A", 'b." ']),
        (["A", "b.) (C"], ["A", "b.) "]),
        (["A", "b…", " c"], ["A", "", "b… "]),
        (["A", "note: x; y"], ["A", "note: x; "]),
        # a period at the end is not a boundary yet
        (["Pi", " is 3.", "14 and"], ["Pi", "", ""]),
        (["Pi", " is 3.", "14. Yes"], ["Pi", "", " is 3.14. "]),
        (["A", "b.", " c"], ["A", "", "b. "]),
        # "e.g. " releases early; that is accepted
        (["A", " e.g. x"], ["A", " e.g. "]),
        # no whitespace after a colon: not a boundary (URLs, times)
        (["See", " https://x.y at 10:30"], ["See", ""]),
        # newlines: lists, paragraphs and code go out line by line
        (["- a", "\n- b\n- c"], ["- a", "\n- b\n"]),
        (["P", "1\n\nP2"], ["P", "1\n\n"]),
        # CJK: no space needed, but the next char must arrive
        (["你", "好。", "世界！", "」"], ["你", "", "好。", ""]),
        (["你", "好。」再"], ["你", "好。」"]),
    ],
)
def test_release_rules(chunks: list[str], released: list[str]) -> None:
    assert run(chunks) == released


def test_code_fences_go_out_line_by_line() -> None:
    buffer = SentenceBuffer()
    assert buffer.feed("Code:", 0.0) == "Code:"
    assert buffer.feed("\n```py", 0.01) == "\n"
    assert buffer.feed("thon\nx = 3.", 0.02) == "```python\n"
    assert buffer.feed("14\n", 0.03) == "x = 3.14\n"
    # a fence without its newline may still become "```python": held
    assert buffer.feed("```", 0.04) == ""
    assert buffer.pending == "```"
    assert buffer.feed("\n", 0.05) == "```\n"
    assert buffer.feed("```", 0.06) == ""
    assert buffer.flush() == "```"


def test_size_cap_releases_everything() -> None:
    buffer = SentenceBuffer(max_chars=10)
    assert buffer.feed("a", 0.0) == "a"
    assert buffer.feed("bcdefghij", 0.0) == ""
    assert buffer.feed("kl", 0.0) == "bcdefghijkl"
    assert buffer.pending == ""


def test_deadline_and_due() -> None:
    buffer = SentenceBuffer(max_delay=0.1)
    assert buffer.deadline is None
    buffer.feed("first", 1.0)
    assert buffer.feed(" held", 1.0) == ""
    assert buffer.deadline == pytest.approx(1.1)
    assert buffer.feed(" more", 1.05) == ""
    assert buffer.deadline == pytest.approx(1.1)  # the oldest char sets it
    assert buffer.due(1.09) == ""
    assert buffer.due(1.1) == " held more"
    assert buffer.deadline is None
    assert buffer.due(5.0) == ""


def test_tail_after_boundary_gets_a_fresh_deadline() -> None:
    buffer = SentenceBuffer(max_delay=0.1)
    buffer.feed("x", 0.0)
    buffer.feed(" a", 0.0)
    assert buffer.feed("b. c", 0.05) == " ab. "
    assert buffer.deadline == pytest.approx(0.15)


def test_feed_past_the_deadline_releases_everything() -> None:
    buffer = SentenceBuffer(max_delay=0.1)
    buffer.feed("x", 0.0)
    buffer.feed(" a", 0.0)
    assert buffer.feed("b", 0.2) == " ab"


def test_empty_feeds_do_not_count_as_first_text() -> None:
    buffer = SentenceBuffer()
    assert buffer.feed("", 0.0) == ""
    assert buffer.feed("Hi", 0.01) == "Hi"
    assert buffer.deadline is None


def test_rejects_bad_settings() -> None:
    with pytest.raises(ValueError):
        SentenceBuffer(max_delay=-1)
    with pytest.raises(ValueError):
        SentenceBuffer(max_chars=0)


# --- properties -------------------------------------------------------------

MAX_DELAY = 0.12
chunk_text = st.text(alphabet=st.sampled_from(list("ab3 .!?…:;\n\t\"')`。！？」你")), max_size=12)
events = st.lists(
    st.tuples(chunk_text, st.floats(0, 0.2, allow_nan=False), st.booleans()), max_size=40
)


@dataclass
class Recorder:
    """Feeds a schedule and remembers when each input char arrived."""

    buffer: SentenceBuffer = field(default_factory=lambda: SentenceBuffer(MAX_DELAY, max_chars=50))
    fed: str = ""
    fed_at: list[float] = field(default_factory=list)
    released: str = ""

    def feed(self, text: str, now: float) -> str:
        self.fed += text
        self.fed_at += [now] * len(text)
        out = self.buffer.feed(text, now)
        self.released += out
        return out

    def due(self, now: float) -> str:
        out = self.buffer.due(now)
        self.released += out
        return out


@given(events)
def test_nothing_lost_or_reordered(schedule: list[tuple[str, float, bool]]) -> None:
    rec, now = Recorder(), 0.0
    for text, gap, call_due in schedule:
        now += gap
        rec.feed(text, now)
        if call_due:
            rec.due(now)
        assert rec.released + rec.buffer.pending == rec.fed
    assert rec.released + rec.buffer.flush() == rec.fed


@given(events)
def test_never_held_too_long(schedule: list[tuple[str, float, bool]]) -> None:
    rec, now = Recorder(), 0.0
    for text, gap, _ in schedule:
        now += gap
        rec.feed(text, now)
        rec.due(now)
        held_times = rec.fed_at[len(rec.released) :]
        assert all(t + MAX_DELAY > now for t in held_times)


@given(events)
def test_first_text_is_released_at_once(schedule: list[tuple[str, float, bool]]) -> None:
    buffer, now = SentenceBuffer(MAX_DELAY), 0.0
    for text, gap, _ in schedule:
        now += gap
        out = buffer.feed(text, now)
        if text:
            assert out == text
            return


@given(events)
def test_boundary_releases_end_at_a_boundary(schedule: list[tuple[str, float, bool]]) -> None:
    rec, now, first = Recorder(), 0.0, True
    for text, gap, call_due in schedule:
        now += gap
        deadline = rec.buffer.deadline
        forced = (deadline is not None and now >= deadline) or (
            len(rec.buffer.pending) + len(text) > rec.buffer.max_chars
        )
        out = rec.feed(text, now)
        if out and not first and not forced:
            assert ENDS_AT_BOUNDARY.search(out), out
        first = first and not text
        if call_due:
            rec.due(now)
