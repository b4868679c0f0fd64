"""The bounded SSE reader: httpx-sse's events, whatever the chunking; limits named."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from itertools import pairwise

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tuichat.core import errors
from tuichat.providers.sse_reader import BOM, EventStreamGuard, read_events
from tuichat.providers.stream_limits import (
    ASSUMED_MAX_TOKENS,
    CHARS_PER_TOKEN,
    MIN_ANSWER_CHARS,
    MIN_BODY_BYTES,
    StreamLimits,
    size_text,
)

LIMITS = StreamLimits()

Event = tuple[str, str]  # (event, data)


async def _chunks(chunks: tuple[bytes, ...]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


async def _read(chunks: tuple[bytes, ...], limits: StreamLimits) -> list[Event]:
    return [(sse.event, sse.data) async for sse in read_events(_chunks(chunks), limits)]


def parse(*chunks: bytes, limits: StreamLimits = LIMITS) -> list[Event]:
    """The (event, data) pairs ``read_events`` yields for a body read as ``chunks``."""
    return asyncio.run(_read(chunks, limits))


def test_fields_comments_and_multi_line_data() -> None:
    body = b": keep-alive\n\nevent: delta\ndata: a\ndata: b\nid: 7\nretry: 10\n\ndata:x\n\n"
    assert parse(body) == [("delta", "a\nb"), ("message", "x")]


def test_comments_dispatch_nothing_and_fields_without_data_dispatch_empty_data() -> None:
    body = b": keep-alive\n\n:\n\nevent: ping\n\ndata: 1\n\n"
    assert parse(body) == [("ping", ""), ("message", "1")]  # adapters skip empty data


def test_an_incomplete_last_event_is_dropped() -> None:
    assert parse(b"data: 1\n\ndata: 2\n") == [("message", "1")]
    assert parse(b"data: 1\n\ndata: 2") == [("message", "1")]


@pytest.mark.parametrize("end", [b"\n", b"\r\n", b"\r"])
def test_every_line_ending(end: bytes) -> None:
    body = b"data: a" + end + end + b"data: b" + end + end
    assert parse(body) == [("message", "a"), ("message", "b")]


def test_crlf_split_across_chunks_is_one_line_end() -> None:
    assert parse(b"data: a\r", b"\n\r", b"\ndata: b\r\n\r\n") == [
        ("message", "a"),
        ("message", "b"),
    ]


def test_invalid_utf8_is_replaced_not_fatal() -> None:
    assert parse(b"data: \xff\xfe ok\n\n") == [("message", "\ufffd\ufffd ok")]


def test_utf8_split_across_chunks_is_decoded_whole() -> None:
    euro = "€".encode()
    assert parse(b"data: " + euro[:1], euro[1:] + b"\n\n") == [("message", "€")]


@pytest.mark.parametrize(
    "chunks",
    [
        (BOM + b"data: Hello\n\n",),
        (BOM[:1], BOM[1:2], BOM[2:] + b"data: Hello\n\n"),
        (b"data: \xef\xbb\xbfHello\n\n",),
        (BOM + b"data: \xef\xbb\xbfHello\n\n",),
        (b"data:\xef\xbb\xbfHello\n\n",),
        (b": hi\r\nevent: x\r\nda", b"ta: \xef", b"\xbb", b"\xbfHel", b"lo\r\n\r\n"),
    ],
)
def test_a_leading_bom_is_stripped(chunks: tuple[bytes, ...]) -> None:
    assert [data for _, data in parse(*chunks)] == ["Hello"]


@pytest.mark.parametrize(
    "body",
    [
        b"data: 1\n\ndata: \xef\xbb\xbf2\n\n",  # not the first event
        b"data\ndata: \xef\xbb\xbf2\n\n",  # not the start of the first event's data
        b"datum: 1\ndata:  \xef\xbb\xbf2\n\n",  # a second space is part of the value
    ],
)
def test_only_the_start_of_the_first_data_loses_a_bom(body: bytes) -> None:
    assert "\ufeff" in parse(body)[-1][1]


def test_a_body_that_is_only_part_of_a_bom_yields_nothing() -> None:
    assert parse(BOM[:2]) == []


def test_a_line_over_the_limit_names_it() -> None:
    limits = StreamLimits(max_line_bytes=1024)
    with pytest.raises(errors.ResponseTooLarge, match="line went over 1 KiB, the line limit"):
        parse(b"data: ", b"x" * 600, b"x" * 600, limits=limits)


def test_a_long_line_inside_one_big_chunk_is_caught_too() -> None:
    limits = StreamLimits(max_line_bytes=100)
    with pytest.raises(errors.ResponseTooLarge, match="line limit"):
        parse(b"data: 1\n" + b"x" * 200 + b"\ndata: 2\n\n", limits=limits)


def test_an_event_over_the_limit_names_it() -> None:
    limits = StreamLimits(max_event_bytes=100)
    with pytest.raises(errors.ResponseTooLarge, match="event went over 100 bytes, the event limit"):
        parse(b"data: " + b"x" * 60 + b"\n" + b"data: " + b"x" * 60 + b"\n", limits=limits)


def test_the_limits_stop_a_chunk_before_the_decoder_sees_it() -> None:
    guard = EventStreamGuard(StreamLimits(max_line_bytes=100))
    assert guard.check(b"data: 1\n\n") == b"data: 1\n\n"
    assert guard.check(b"data: " + b"x" * 90) == b"data: " + b"x" * 90
    with pytest.raises(errors.ResponseTooLarge, match="line limit"):
        guard.check(b"x" * 10)


def test_the_first_line_is_held_only_until_it_ends() -> None:
    guard = EventStreamGuard(LIMITS)
    assert guard.check(b": ok\r\ndata: {") == b": ok\n"
    assert guard.check(b"}\r") == b"data: {}\n"
    assert guard.check(b"\ndata: 2") == b"data: 2"


@pytest.mark.parametrize("first", [b"data\r", b"data"])
def test_one_line_end_split_from_its_line_ends_no_event(first: bytes) -> None:
    guard = EventStreamGuard(StreamLimits(max_event_bytes=8))
    guard.check(first)
    with pytest.raises(errors.ResponseTooLarge, match="event limit"):
        guard.check(b"\ndata")  # "data", one line end, "data": one event of 9 bytes


def test_a_blank_line_split_across_chunks_ends_an_event() -> None:
    guard = EventStreamGuard(StreamLimits(max_event_bytes=8))
    for chunk in (b"data\r", b"\n", b"\r\n", b"data\n\n"):
        guard.check(chunk)  # no event over 8 bytes


def test_the_body_limit_names_its_basis() -> None:
    limits = StreamLimits(max_body_bytes=100, max_tokens=3)
    with pytest.raises(errors.ResponseTooLarge, match="100 bytes, the body limit for max_tokens 3"):
        parse(b": ping\n\n" * 20, limits=limits)


def test_limits_scale_with_max_tokens_above_their_floors() -> None:
    assert StreamLimits.for_max_tokens(1).max_answer_chars == MIN_ANSWER_CHARS
    assert StreamLimits.for_max_tokens(1).max_body_bytes == MIN_BODY_BYTES
    big = StreamLimits.for_max_tokens(100_000)
    assert big.max_answer_chars == CHARS_PER_TOKEN * 100_000
    uncapped = StreamLimits.for_max_tokens(None)
    assert uncapped.max_answer_chars == CHARS_PER_TOKEN * ASSUMED_MAX_TOKENS
    assert uncapped.basis() == "no max_tokens set"


def test_sizes_read_as_people_write_them() -> None:
    assert [size_text(n) for n in (1 << 20, 64 << 10, 1000)] == ["1 MiB", "64 KiB", "1000 bytes"]


def cut(body: bytes, cuts: list[int]) -> list[bytes]:
    """``body`` split at the offsets in ``cuts``."""
    points = sorted({min(c, len(body)) for c in cuts})
    return [body[a:b] for a, b in zip([0, *points], [*points, len(body)], strict=True)]


EVENT_BODIES = st.lists(
    st.tuples(
        st.sampled_from(["", "delta", "ping"]),
        st.text(
            alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"),
            min_size=1,
            max_size=30,
        ),
        st.sampled_from(["\n", "\r\n", "\r"]),
    ),
    max_size=8,
)


@given(
    EVENT_BODIES,
    st.lists(st.integers(0, 400), max_size=10),
    st.booleans(),
    st.sampled_from(["", "\ufeff"]),
)
def test_chunking_never_changes_the_events(
    events: list[tuple[str, str, str]], cuts: list[int], bom: bool, data_bom: str
) -> None:
    body = BOM if bom else b""
    expected: list[Event] = []
    for name, data, end in events:
        head = f"event: {name}{end}" if name else ""
        sent = data if expected else data_bom + data
        body += f"{head}data: {sent}{end}{end}".encode()
        expected.append((name or "message", sent.removeprefix("\ufeff") if not expected else data))
    assert parse(*cut(body, cuts)) == expected


def longest_spans(body: bytes) -> tuple[int, int]:
    """Longest line and longest event of ``body`` (spans between line ends / blank lines)."""
    text = body.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    ends = [i for i, byte in enumerate(text) if byte == ord("\n")]
    blank = [i for i in ends if i == 0 or text[i - 1] == ord("\n")]

    def longest(marks: list[int]) -> int:
        bounds = [-1, *marks, len(text)]
        return max(b - a - 1 for a, b in pairwise(bounds))

    return longest(ends), longest(blank)


LINE_ENDS_AND_TEXT = st.binary(max_size=200).map(lambda raw: bytes(b"a\n\r"[b % 3] for b in raw))


@given(LINE_ENDS_AND_TEXT, st.lists(st.integers(0, 200), max_size=10), st.sampled_from("-le"))
def test_the_guard_measures_lines_and_events_exactly(
    body: bytes, cuts: list[int], over: str
) -> None:
    """At limits equal to the longest line and event the body passes; one byte less, it stops."""
    line, event = longest_spans(body)
    assume({"l": line, "e": event}.get(over, 1) > 0)
    limits = StreamLimits(
        max_line_bytes=line - (over == "l"), max_event_bytes=event - (over == "e")
    )
    guard = EventStreamGuard(limits)
    if over == "-":
        passed = b"".join(guard.check(chunk) for chunk in cut(body, cuts))
        normalised = body.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        assert normalised.startswith(passed)  # less only a last line held while seeking data
        return
    with pytest.raises(errors.ResponseTooLarge, match="line limit" if over == "l" else "event"):
        for chunk in cut(body, cuts):
            guard.check(chunk)
