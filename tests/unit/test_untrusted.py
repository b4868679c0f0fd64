"""Tests for making hostile text inert: sequence families, splits, properties."""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tuichat.core.untrusted import TerminalSanitizer, one_line, sanitize_text

# Anything that must never reach the terminal.
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")

CASES = [
    # CSI
    ("a\x1b[31mred\x1b[0m", "ared"),
    ("\x1b[2J\x1b[H\x1b[?1049hscreen", "screen"),
    ("\x1b[38;2;255;0;0mrgb\x1b[m", "rgb"),
    ("x\x1b[1 qy", "xy"),  # CSI with an intermediate byte
    ("x\x1b[12éy", "xéy"),  # malformed CSI ends at the non-ASCII char
    # OSC with BEL and with ST
    ("x\x1b]52;c;aGk=\x07y", "xy"),
    ("x\x1b]0;title\x1b\\y", "xy"),
    ("a\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\b", "alinkb"),
    ("a\x1b]8;;https://evil.example\x07link\x1b]8;;\x07b", "alinkb"),
    # DCS, SOS, PM, APC
    ("a\x1bP1$r0m\x1b\\b", "ab"),
    ("a\x1bXsos\x1b\\b", "ab"),
    ("a\x1b^pm\x1b\\b", "ab"),
    ("a\x1b_Gf=100;AAAA\x1b\\b", "ab"),
    # ESC inside a string starts a new escape; CAN/SUB cancel
    ("a\x1b]0;t\x1b[31mb", "ab"),
    ("a\x1b]0;payload\x18b", "ab"),
    ("a\x1b[31\x1ab", "ab"),
    # two- and three-char escapes
    ("a\x1bcb", "ab"),
    ("a\x1b(Bb", "ab"),
    ("a\x1b7b\x1b8c", "abc"),
    ("a\x1b#8b", "ab"),
    ("a\x1b\x1b[1mb", "ab"),
    ("a\x1b\nb", "a\nb"),  # ESC before a non-escape char: only the ESC goes
    ("a\x1b\\b", "ab"),  # stray ST
    # 8-bit C1
    ("a\x9b31mb", "ab"),
    ("a\x9d52;c;aGk=\x9cb", "ab"),
    ("a\x9d0;t\x07b", "ab"),
    ("a\x90q\x9cb", "ab"),
    ("a\x9fapc\x9cb", "ab"),
    ("a\x85b\x9cc\x80d", "abcd"),
    ("a\x9d0;t\x9b1mb", "ab"),  # a C1 introducer interrupts a string
    # C0, DEL, \r
    ("a\x07b\x08c\x7fd\x00e\x0bf\x0cg", "abcdefg"),
    ("keep\ttabs\nand lines", "keep\ttabs\nand lines"),
    ("one\r\ntwo\r\n", "one\ntwo\n"),
    ("over\rwrite", "overwrite"),
    ("a\r\r\nb", "a\nb"),
    # bidi, line separators, surrogates, ordinary Unicode
    ("if \u202eadmin\u202c x", "if admin x"),
    ("\u2066a\u2067b\u2068c\u2069\u202a\u202b\u202d", "abc"),
    ("a\u2028b\u2029c", "a\nb\nc"),
    ("a\ud800b", "a\ufffdb"),
    ("👩\u200d💻 日本語 e\u0301 \u200f", "👩\u200d💻 日本語 e\u0301 \u200f"),
]


def feed_chunks(chunks: list[str]) -> str:
    sanitizer = TerminalSanitizer()
    return "".join(sanitizer.feed(chunk) for chunk in chunks) + sanitizer.finish()


@pytest.mark.parametrize(("raw", "expected"), CASES)
def test_sequence_families(raw: str, expected: str) -> None:
    assert sanitize_text(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), CASES)
def test_split_at_every_point(raw: str, expected: str) -> None:
    for i in range(len(raw) + 1):
        assert feed_chunks([raw[:i], raw[i:]]) == expected, i
    assert feed_chunks(list(raw)) == expected


def test_plain_text_is_returned_as_is() -> None:
    token = "plain token"
    assert TerminalSanitizer().feed(token) is token


def test_unterminated_payload_is_dropped_without_buffering() -> None:
    sanitizer = TerminalSanitizer()
    assert sanitizer.feed("ok\x1b]52;c;") == "ok"
    for _ in range(1000):
        assert sanitizer.feed("QUFBQUFB" * 100) == ""
    assert sanitizer.finish() == ""
    assert sanitizer.feed("next") == "next"  # finish resets the state


def test_unterminated_csi_is_dropped_at_finish() -> None:
    sanitizer = TerminalSanitizer()
    assert sanitizer.feed("a\x1b[3") == "a"
    assert sanitizer.finish() == ""
    assert sanitizer.feed("1mb") == "1mb"


def test_one_line_collapses_and_truncates() -> None:
    body = "<html>\n  <body>\x1b[31mBad\r\n   gateway</body>\n</html>"
    assert one_line(body) == "<html> <body>Bad gateway</body> </html>"
    assert one_line("word " * 100, limit=12) == "word word w…"
    assert one_line("abc", limit=0) == ""
    assert one_line("abcdef", limit=1) == "…"


# Strings rich in the characters the parser cares about.
hostile_chars = st.sampled_from(
    list("\x1b\x07\x9b\x9c\x9d\x90\x9f\x18\r\n\t[]\\P_X^(#;0m\u202e\u2066\u2028\x00\x7f\x85")
)
hostile_text = st.text(alphabet=st.one_of(hostile_chars, st.characters()), max_size=60)


@st.composite
def chunked(draw: st.DrawFn) -> tuple[str, list[str]]:
    text = draw(hostile_text)
    cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=8)))
    bounds = [0, *cuts, len(text)]
    return text, [text[a:b] for a, b in itertools.pairwise(bounds)]


@given(chunked())
def test_output_never_contains_controls(case: tuple[str, list[str]]) -> None:
    _, chunks = case
    assert FORBIDDEN.search(feed_chunks(chunks)) is None


@given(chunked())
def test_chunking_does_not_change_the_result(case: tuple[str, list[str]]) -> None:
    text, chunks = case
    assert feed_chunks(chunks) == sanitize_text(text)


clean_text = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cc", "Cs"),
        blacklist_characters="\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069",
    )
    | st.sampled_from("\n\t")
)


@given(clean_text)
def test_text_without_controls_passes_unchanged(text: str) -> None:
    assert sanitize_text(text) == text


@given(hostile_text, st.integers(0, 80))
def test_one_line_is_one_short_line(text: str, limit: int) -> None:
    line = one_line(text, limit)
    assert "\n" not in line
    assert len(line) <= limit
    assert FORBIDDEN.search(line) is None
