"""The picker's words about a session, without Textual: rows, preview, clipping."""

from __future__ import annotations

from dataclasses import replace

from tests.helpers.fake_logbook import summary
from tests.helpers.logged import logged_session, logged_turn
from tuichat.ui.session_text import clip, preview_text, row_details, row_title

SESSION = replace(
    logged_session(
        logged_turn("one\nline two\x9b31m", ["answer \u202eevil"]),
        logged_turn("two", ["b"]),
        logged_turn("three", ["c"]),
        logged_turn("four", [], status="failed"),
        logged_turn("five", ["e"]),
    ),
    session_id="s-text",
)


def test_a_row_is_one_line_of_title_and_one_of_details() -> None:
    row = summary(SESSION, 0.0, rerun_of="s-first", cost_usd=None)
    assert row_title(row) == "one line two\\x9b31m"  # controls shown, never removed
    assert row_title(row, current="s-text").endswith("· this chat")
    details = row_details(row).split(" · ")
    assert details[0] == "s-text" and details[2:] == ["5 turns", "—", "failed", "rerun of s-first"]


def test_the_preview_shows_the_first_turns_then_how_many_more() -> None:
    text = preview_text(summary(SESSION, 0.0), SESSION, turns=4)
    assert "1 › one\nline two\\x9b31m\nanswer \\u202eevil" in text
    assert "4 › four\n(no answer)\n  [failed]" in text
    assert text.endswith("… 1 more turn")


def test_an_empty_session_says_so() -> None:
    empty = replace(SESSION, turns=())
    assert preview_text(summary(empty, 0.0), empty).endswith(
        "No turns were logged in this session."
    )


def test_clip_keeps_three_lines_and_marks_the_cut() -> None:
    assert clip("a\nb\nc", 10) == "a\nb\nc"
    assert clip("a\nb\nc\nd", 10) == "a\nb\nc…"
    assert clip("x" * 20, 10) == "x" * 9 + "…"
