"""The chunk timeline format: a lossless round trip, compact, and corruption detected."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tuichat.store.errors import CorruptTimeline
from tuichat.store.timeline import UNIT_S, VERSION, TimelineRecorder, decode, encode

gaps = st.lists(st.floats(min_value=0.0, max_value=120.0, allow_nan=False), max_size=200)
lengths = st.integers(min_value=1, max_value=100_000)


def offsets_of(steps: list[float]) -> list[float]:
    total, offsets = 0.0, []
    for step in steps:
        total += step
        offsets.append(total)
    return offsets


@given(steps=gaps, data=st.data())
def test_offsets_and_lengths_round_trip(steps: list[float], data: st.DataObject) -> None:
    offsets = offsets_of(steps)
    sizes = data.draw(st.lists(lengths, min_size=len(offsets), max_size=len(offsets)))

    timeline = decode(encode(offsets, sizes))

    assert timeline.lengths == tuple(sizes)
    for logged, read in zip(offsets, timeline.offsets, strict=True):
        assert abs(logged - read) <= UNIT_S / 2 + 1e-9  # rounding never accumulates


@given(steps=gaps)
def test_gaps_between_deltas_are_kept_within_a_unit(steps: list[float]) -> None:
    offsets = offsets_of(steps)
    read = decode(encode(offsets, [1] * len(offsets))).offsets

    for i in range(1, len(offsets)):
        assert abs((read[i] - read[i - 1]) - (offsets[i] - offsets[i - 1])) <= UNIT_S + 1e-9


def test_three_thousand_deltas_cost_well_under_30_kb() -> None:
    # 200 tokens/s with jitter, 1-12 characters per delta, and a few long pauses
    recorder = TimelineRecorder(attempt_start=50.0)
    ts = 50.0 + 0.4
    for i in range(3000):
        ts += 0.005 + (i % 7) * 0.0007 + (1.5 if i % 500 == 499 else 0.0)
        recorder.add(ts, 1 + (i * 5) % 12)
    blob = recorder.blob()

    assert len(decode(blob)) == 3000
    assert len(blob) < 10_000, len(blob)  # about 2-3 bytes a delta


def test_a_burst_costs_two_bytes_a_delta() -> None:
    recorder = TimelineRecorder(attempt_start=0.0)
    for _ in range(3000):
        recorder.add(0.25, 4)

    assert len(recorder.blob()) == 1 + 2 + 2 * 2999 + 1  # the first gap takes two bytes


def test_an_attempt_without_text_is_the_version_byte_alone() -> None:
    assert TimelineRecorder(0.0).blob() == bytes([VERSION])
    assert len(decode(bytes([VERSION]))) == 0


def test_a_clock_that_steps_back_keeps_the_order() -> None:
    recorder = TimelineRecorder(attempt_start=10.0)
    recorder.add(10.5, 3)
    recorder.add(10.25, 2)  # earlier than the previous delta
    recorder.add(10.75, 1)

    assert decode(recorder.blob()).offsets == pytest.approx((0.5, 0.5, 0.75))


@pytest.mark.parametrize(
    ("blob", "problem"),
    [
        (b"", "empty"),
        (bytes([2, 1, 1]), "unknown timeline format version 2"),
        (bytes([VERSION, 0x85]), "cut short inside a number"),
        (bytes([VERSION, 5]), "ends on a gap without its length"),
        (bytes([VERSION, 5, 0]), "delta 1 of the timeline has no characters"),
        (bytes([VERSION, *([0xFF] * 7), 1, 1]), "oversized number"),
    ],
)
def test_a_corrupt_blob_is_named_not_crashed_on(blob: bytes, problem: str) -> None:
    with pytest.raises(CorruptTimeline, match=problem) as caught:
        decode(blob)

    assert "\n" not in str(caught.value)


@given(st.binary(max_size=64))
def test_any_bytes_decode_or_raise_corrupt_timeline(blob: bytes) -> None:
    try:
        timeline = decode(blob)
    except CorruptTimeline:
        return
    assert all(length >= 1 for length in timeline.lengths)
    assert list(timeline.offsets) == sorted(timeline.offsets)
