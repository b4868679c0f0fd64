"""The bounded SSE parser: events as the spec says, whatever the chunking; limits named."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tuichat.core import errors
from tuichat.providers.sse_reader import BOM, EventStreamParser, ServerEvent
from tuichat.providers.stream_limits import (
    ASSUMED_MAX_TOKENS,
    CHARS_PER_TOKEN,
    MIN_ANSWER_CHARS,
    MIN_BODY_BYTES,
    StreamLimits,
    size_text,
)

LIMITS = StreamLimits()


def parse(*chunks: bytes, limits: StreamLimits = LIMITS) -> list[ServerEvent]:
    parser = EventStreamParser(limits)
    return [event for chunk in chunks for event in parser.feed(chunk)]


def test_fields_comments_and_multi_line_data() -> None:
    body = b": keep-alive\n\nevent: delta\ndata: a\ndata: b\nid: 7\nretry: 10\n\ndata:x\n\n"
    assert parse(body) == [ServerEvent("delta", "a\nb"), ServerEvent("", "x")]


def test_events_without_data_are_not_dispatched() -> None:
    assert parse(b"event: ping\n\n: comment\n\ndata: 1\n\n") == [ServerEvent("", "1")]


def test_an_incomplete_last_event_is_dropped() -> None:
    assert parse(b"data: 1\n\ndata: 2\n") == [ServerEvent("", "1")]


@pytest.mark.parametrize("end", [b"\n", b"\r\n", b"\r"])
def test_every_line_ending(end: bytes) -> None:
    body = b"data: a" + end + end + b"data: b" + end + end
    assert parse(body) == [ServerEvent("", "a"), ServerEvent("", "b")]


def test_crlf_split_across_chunks_is_one_line_end() -> None:
    assert parse(b"data: a\r", b"\n\r", b"\ndata: b\r\n\r\n") == [
        ServerEvent("", "a"),
        ServerEvent("", "b"),
    ]


def test_invalid_utf8_is_replaced_not_fatal() -> None:
    assert parse(b"data: \xff\xfe ok\n\n") == [ServerEvent("", "\ufffd\ufffd ok")]


@pytest.mark.parametrize(
    "chunks",
    [
        (BOM + b"data: Hello\n\n",),
        (BOM[:1], BOM[1:2], BOM[2:] + b"data: Hello\n\n"),
        (b"data: \xef\xbb\xbfHello\n\n",),
        (BOM + b"data: \xef\xbb\xbfHello\n\n",),
    ],
)
def test_a_leading_bom_is_stripped(chunks: tuple[bytes, ...]) -> None:
    assert parse(*chunks) == [ServerEvent("", "Hello")]


def test_only_the_first_event_loses_a_bom() -> None:
    events = parse(b"data: 1\n\ndata: \xef\xbb\xbf2\n\n")
    assert events[1].data == "\ufeff2"


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
    limits = StreamLimits(max_line_bytes=100)
    with pytest.raises(errors.ResponseTooLarge, match="event went over 100 bytes"):
        parse(b"data: " + b"x" * 60 + b"\n" + b"data: " + b"x" * 60 + b"\n", limits=limits)


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


@given(EVENT_BODIES, st.lists(st.integers(0, 400), max_size=10), st.booleans())
def test_chunking_never_changes_the_events(
    events: list[tuple[str, str, str]], cuts: list[int], bom: bool
) -> None:
    body = BOM if bom else b""
    expected = []
    for name, data, end in events:
        head = f"event: {name}{end}" if name else ""
        body += f"{head}data: {data}{end}{end}".encode()
        expected.append(ServerEvent(name, data.removeprefix("\ufeff") if not expected else data))
    points = sorted({min(c, len(body)) for c in cuts})
    chunks = [body[a:b] for a, b in zip([0, *points], [*points, len(body)], strict=True)]
    assert parse(*chunks) == expected
