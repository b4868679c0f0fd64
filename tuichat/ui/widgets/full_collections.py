"""No full garbage collection while an answer streams; the interpreter's own rule otherwise.

(And no collection at all inside an answer's step, but a young one right
after it: :func:`young_collection_after`.)

CPython runs a full (generation 2) collection once enough objects have
survived into the oldest generation since the last one. A streamed answer
creates a steady flow of short-lived widgets, strips and caches, so full
collections came every couple of seconds mid-stream; each walks the whole
heap (30-100 ms measured on a 10 s paced answer, five of them) and they
were the longest gaps between screen updates.

While any answer streams, :class:`FullCollections` raises the oldest
generation's threshold so only the young generations are collected (they
still free most garbage as it is made). :data:`RESTORE_AFTER_S` after the
last answer stopped streaming — while the user reads it — the saved
thresholds come back and the deferred full collection runs, between
answers. Process-wide, as the collector is.

Many users start typing the next message as soon as an answer ends, and a
key pressed during the collection was echoed 40-60 ms late (through a
pseudo-terminal). So the collection also waits for a pause of
:data:`TYPING_QUIET_S` in the typing (:meth:`FullCollections.typed`), but
never more than :data:`MAX_DEFER_S` in all: garbage that survived into the
oldest generation is only freed by it.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import math
from collections.abc import Iterator
from weakref import WeakSet

HELD_THRESHOLD = 1_000_000_000
"""Young collections between full ones while answers stream: in effect, none."""

RESTORE_AFTER_S = 1.0
"""After the last answer stops streaming, the full collection waits this long.

Long enough for the answer's last frames, and for a next message sent right
away to start streaming (which holds the collection again) instead of
waiting for it: a full collection holds the interpreter 30-120 ms."""

TYPING_QUIET_S = 0.4
"""The deferred collection (an answer's idle work too) waits for this long without a key ..."""

MAX_DEFER_S = 10.0
"""... but runs at most this long after it was first due, typing or not."""


class FullCollections:
    """Holds full collections back while any of its holders has answers streaming."""

    def __init__(self) -> None:
        self._holders: WeakSet[object] = WeakSet()
        self._saved: tuple[int, int, int] | None = None
        self._restore: asyncio.TimerHandle | None = None
        self._typed_at = -math.inf  # the event loop's time of the last key
        self._due_at: float | None = None  # when the pending collection was first due

    @property
    def held(self) -> bool:
        """True while full collections are held back."""
        return self._saved is not None

    def streaming(self, holder: object, active: bool) -> None:
        """``holder`` has answers streaming (``active``) or none any more (on the event loop)."""
        if active:
            self._holders.add(holder)
        else:
            self._holders.discard(holder)
        if self._holders:
            self._hold()
        elif self._saved is not None and self._restore is None:
            self._restore_later()

    def typed(self) -> None:
        """The user pressed a key (on the event loop): a pending collection waits for a pause."""
        with contextlib.suppress(RuntimeError):  # no event loop: nothing is pending
            self._typed_at = asyncio.get_running_loop().time()

    def _hold(self) -> None:
        if self._restore is not None:
            self._restore.cancel()
            self._restore = None
        self._due_at = None
        if self._saved is None:
            self._saved = gc.get_threshold()
            young, middle, _ = self._saved
            gc.set_threshold(young, middle, HELD_THRESHOLD)

    def _restore_later(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop (a test, a shutdown): at once
            self.restore()
            return
        self._restore = loop.call_later(RESTORE_AFTER_S, self.restore)

    def restore(self) -> None:
        """Give the interpreter its thresholds back and run the full collection held back.

        On an event loop, while the user types, it is put off until a pause
        (or :data:`MAX_DEFER_S` after it was first due).
        """
        self._restore = None
        if self._saved is None or self._holders:
            return
        if (wait := self._typing_wait()) > 0:
            self._restore = asyncio.get_running_loop().call_later(wait, self.restore)
            return
        gc.set_threshold(*self._saved)
        self._saved = self._due_at = None
        gc.collect()

    def _typing_wait(self) -> float:
        """Seconds until the typing pauses (0: collect now; always 0 without a loop)."""
        try:
            now = asyncio.get_running_loop().time()
        except RuntimeError:
            return 0.0
        if self._due_at is None:
            self._due_at = now
        quiet_at = self._typed_at + TYPING_QUIET_S
        return max(0.0, min(quiet_at, self._due_at + MAX_DEFER_S) - now)


FULL_COLLECTIONS = FullCollections()
"""The process's one (the collector is process-wide)."""


@contextlib.contextmanager
def young_collection_after() -> Iterator[None]:
    """No collection inside an answer's step; one of the young generations right after it.

    A step parses the open last block again, building a widget for every
    part of it (every item of a list), and drops those it does not mount.
    Young collections that ran inside the step found them still alive and
    moved them on to the oldest generation, where, dead a moment later,
    they waited for the full collection held back while the answer streams:
    a 120-item list at 200 tok/s peaked at ~290 MB in the pty. With the
    collector off for the step and generations 0-1 collected after it, they
    go at once (~110 MB); markdown answers are unchanged in CPU and gaps.
    If the collector was off already, it is left off and nothing is run.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
            gc.collect(1)
