"""No full garbage collection while an answer streams; the interpreter's own rule otherwise.

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
"""

from __future__ import annotations

import asyncio
import gc
from weakref import WeakSet

HELD_THRESHOLD = 1_000_000_000
"""Young collections between full ones while answers stream: in effect, none."""

RESTORE_AFTER_S = 1.0
"""After the last answer stops streaming, the full collection waits this long.

Long enough for the answer's last frames, and for a next message sent right
away to start streaming (which holds the collection again) instead of
waiting for it: a full collection holds the interpreter 30-120 ms."""


class FullCollections:
    """Holds full collections back while any of its holders has answers streaming."""

    def __init__(self) -> None:
        self._holders: WeakSet[object] = WeakSet()
        self._saved: tuple[int, int, int] | None = None
        self._restore: asyncio.TimerHandle | None = None

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

    def _hold(self) -> None:
        if self._restore is not None:
            self._restore.cancel()
            self._restore = None
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
        """Give the interpreter its thresholds back and run the full collection held back."""
        self._restore = None
        if self._saved is None or self._holders:
            return
        gc.set_threshold(*self._saved)
        self._saved = None
        gc.collect()


FULL_COLLECTIONS = FullCollections()
"""The process's one (the collector is process-wide)."""
