"""The terminal's writer thread, and waiting (briefly) until a frame is really written.

Textual writes every frame through a thread (so a slow terminal never blocks
the app), and that thread needs the interpreter lock to encode and write.
The app's thread usually goes straight on to more work after a frame, so the
writer got the lock only when the loop next blocked, or after the 5 ms switch
interval: a first token's frame was done but reached the terminal 0.3–3 ms
later (traced through a pseudo-terminal, ``bench/bench_pty.py``).

:class:`DrainingWriter` is Textual's writer loop that also counts what it has
written; :func:`hand_to_terminal` sleeps (releasing the lock, using no CPU)
until everything queued is written, for at most a millisecond. It never
waits for the terminal to read: a write that blocks on a slow terminal only
costs that millisecond.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import IO, Any

from textual.drivers._writer_thread import WriterThread

HAND_OVER_S = 0.001
"""How long :func:`hand_to_terminal` waits at most."""


class DrainingWriter(WriterThread):
    """Textual's writer thread that also tells when everything given to it is written."""

    def __init__(self, file: IO[str]) -> None:
        super().__init__(file)
        self._given = 0  # texts queued (counted on the app's thread only)
        self._written = 0  # texts written, the last one flushed (this thread only)

    def write(self, text: str) -> None:
        self._given += 1
        super().write(text)

    @property
    def drained(self) -> bool:
        """True when every text queued so far has been handed to the terminal."""
        return self._written >= self._given

    def run(self) -> None:
        """Textual's loop (write each text, flush when none is waiting), counting the writes."""
        write, flush = self._file.write, self._file.flush
        get, qsize = self._queue.get, self._queue.qsize
        while (text := get()) is not None:
            write(text)
            if qsize() == 0:
                flush()
            self._written += 1
        flush()


def install_writer(app: Any) -> bool:
    """Put a :class:`DrainingWriter` in place of the driver's writer thread; True if it did.

    Only over Textual's own writer (not a test driver's, not a subclass); the
    old thread writes what it holds before the new one takes over.
    """
    driver = getattr(app, "_driver", None)
    old = getattr(driver, "_writer_thread", None)
    if type(old) is not WriterThread:
        return False
    new = DrainingWriter(old._file)
    new.start()
    old.stop()  # writes what it was given, then ends
    driver._writer_thread = new  # type: ignore[union-attr]
    return True


def hand_to_terminal(
    app: Any, wait_s: float = HAND_OVER_S, clock: Callable[[], float] = time.perf_counter
) -> None:
    """Sleep until the frames queued so far are written, for at most ``wait_s``.

    Only with a :class:`DrainingWriter` in place; otherwise (headless, another
    driver) it returns at once.
    """
    writer = getattr(getattr(app, "_driver", None), "_writer_thread", None)
    if not isinstance(writer, DrainingWriter):
        return
    deadline = clock() + wait_s
    while not writer.drained and clock() < deadline:
        time.sleep(0.00002)
