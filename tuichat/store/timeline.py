"""The chunk timeline of one attempt: when each piece of text arrived, and how long it was.

Replay plays an answer back at the pace it streamed, so the log keeps, per
attempt, the arrival offset and the length of every ``TextDelta`` in
``attempts.timeline``, a small BLOB. The text itself is the answer row; the
timeline only says how to cut it and when to show each piece.

Format, version 1 (all integers unsigned LEB128 varints: 7 bits per byte,
least significant group first, high bit set on every byte but the last)::

    0x01                      version byte; a future format gets another one
    (gap, length)*            one pair per delta, in arrival order
        gap     arrival time since the previous delta (the first: since the
                attempt started), in units of 100 µs
        length  the delta's length in characters (code points), at least 1

Gaps are taken between *rounded* offsets from the attempt's start, so an
offset read back is within 50 µs of the logged one and rounding never
accumulates. At 200 tokens/s a pair is 2–3 bytes: 3,000 deltas cost about
7 KB. A blob of the version byte alone is an attempt that sent no text.

:func:`decode` checks everything (version, truncated or oversized varints, a
gap without its length, a zero length) and raises :class:`CorruptTimeline`,
one line saying what is wrong, instead of returning garbage.

:class:`TimelineRecorder` builds a blob while the attempt streams: O(1) per
delta (a subtraction, a rounding and a few bytes appended), nothing kept but
the bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

from tuichat.store.errors import CorruptTimeline

VERSION = 1
"""The format :class:`TimelineRecorder` writes."""
UNIT_S = 0.0001
"""One gap unit: 100 µs."""
_PER_SECOND = 10_000
_MAX_VARINT_BYTES = 6
"""42 bits: a gap of 5 days, a chunk of 4 trillion characters. Anything longer is corrupt."""


def _put(buf: bytearray, value: int) -> None:
    """Append ``value`` (>= 0) as an unsigned LEB128 varint."""
    while value >= 0x80:
        buf.append((value & 0x7F) | 0x80)
        value >>= 7
    buf.append(value)


class TimelineRecorder:
    """The timeline of one attempt, appended delta by delta (see the module doc)."""

    __slots__ = ("_buf", "_last", "_start", "count")

    def __init__(self, attempt_start: float) -> None:
        self._start = attempt_start
        self._last = 0
        self._buf = bytearray((VERSION,))
        self.count = 0
        """Deltas recorded so far."""

    def add(self, ts: float, length: int) -> None:
        """Record a delta of ``length`` characters that arrived at monotonic ``ts``."""
        units = round((ts - self._start) * _PER_SECOND)
        gap = units - self._last
        if gap < 0:  # a clock that stepped back: keep the order, lose nothing else
            gap = 0
        else:
            self._last = units
        buf = self._buf
        if gap < 0x80 and length < 0x80:  # the common case: one byte each
            buf.append(gap)
            buf.append(length)
        else:
            _put(buf, gap)
            _put(buf, length)
        self.count += 1

    def blob(self) -> bytes:
        """The encoded timeline so far."""
        return bytes(self._buf)


@dataclass(frozen=True, slots=True)
class Timeline:
    """A decoded timeline: per delta, its offset from the attempt's start and its length."""

    offsets: tuple[float, ...]
    """Seconds since the attempt started, non-decreasing."""
    lengths: tuple[int, ...]
    """Characters in each delta."""

    def __len__(self) -> int:
        return len(self.lengths)


def encode(offsets: list[float] | tuple[float, ...], lengths: list[int] | tuple[int, ...]) -> bytes:
    """The blob for deltas at ``offsets`` (s since the attempt's start) of ``lengths``."""
    if len(offsets) != len(lengths):
        raise ValueError("one length per offset")
    recorder = TimelineRecorder(0.0)
    for offset, length in zip(offsets, lengths, strict=True):
        if length < 1:
            raise ValueError("a delta holds at least one character")
        recorder.add(offset, length)
    return recorder.blob()


def decode(blob: bytes) -> Timeline:
    """The timeline in ``blob``; :class:`CorruptTimeline` when it is not a valid one."""
    if not blob:
        raise CorruptTimeline("the timeline is empty (no version byte)")
    if blob[0] != VERSION:
        raise CorruptTimeline(f"unknown timeline format version {blob[0]}")
    values = _varints(blob)
    if len(values) % 2:
        raise CorruptTimeline(f"the timeline ends on a gap without its length (byte {len(blob)})")
    offsets: list[float] = []
    lengths = values[1::2]
    units = 0
    for index, gap in enumerate(values[0::2]):
        if lengths[index] == 0:
            raise CorruptTimeline(f"delta {index + 1} of the timeline has no characters")
        units += gap
        offsets.append(units * UNIT_S)
    return Timeline(tuple(offsets), tuple(lengths))


def _varints(blob: bytes) -> list[int]:
    """Every varint after the version byte; raises on a truncated or oversized one."""
    values: list[int] = []
    value = shift = size = 0
    for position in range(1, len(blob)):
        byte = blob[position]
        value |= (byte & 0x7F) << shift
        size += 1
        if size > _MAX_VARINT_BYTES:
            raise CorruptTimeline(f"the timeline has an oversized number at byte {position}")
        if byte & 0x80:
            shift += 7
            continue
        values.append(value)
        value = shift = size = 0
    if size:
        raise CorruptTimeline(f"the timeline is cut short inside a number (byte {len(blob)})")
    return values
