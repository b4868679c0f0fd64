"""A child process in a pseudo-terminal, and a small screen model of what it painted.

Used by ``bench_pty.py``: the app runs in a real pty (120x40 by default), a
reader thread stamps every chunk of its output with ``time.monotonic`` the
moment it is read, and the analysis feeds the chunks, in order, into
:class:`Screen` afterwards. So "when was this text on screen" is the stamp
of the chunk that completed it, whatever the analysis costs.

:class:`Screen` understands what a Textual app (and a plain program) writes:
text with autowrap and scrolling, CR/LF/BS, cursor moves (CUP, CUU/CUD/
CUF/CUB, CHA, VPA), erases (ED, EL, ECH) and ignores the rest (SGR colours,
private modes, OSC titles). Wide characters count as one cell; the benches'
answers have none.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import termios
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

_SEQUENCE = re.compile(
    rb"\x1b\[([0-9;?<>=]*)([ -/]*)([@-~])"  # CSI
    rb"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC
    rb"|\x1b[PX^_][^\x1b]*\x1b\\"  # DCS/SOS/PM/APC
    rb"|\x1b[()][0-9A-Za-z]"  # charset
    rb"|\x1b[@-Z\\-_]"  # other two-byte escapes
    rb"|[\x00-\x1a\x1c-\x1f]"  # controls (not ESC: an escape cut at a chunk's end waits)
)


class Screen:
    """The cells of a terminal, enough to read back the text an app painted."""

    def __init__(self, width: int = 120, height: int = 40) -> None:
        self.width, self.height = width, height
        self.rows = [[" "] * width for _ in range(height)]
        self.row = self.col = 0
        self._pending = b""

    def feed(self, data: bytes) -> None:
        """Apply a chunk of output (sequences split across chunks are kept for the next)."""
        data = self._pending + data
        self._pending = b""
        position = 0
        for match in _SEQUENCE.finditer(data):
            self._text(data[position : match.start()])
            self._sequence(match)
            position = match.end()
        tail = data[position:]
        cut = tail.rfind(b"\x1b")
        if cut != -1 and len(tail) - cut < 64:  # an unfinished escape sequence
            tail, self._pending = tail[:cut], tail[cut:]
        self._text(tail)

    def text(
        self, top: int = 0, bottom: int | None = None, left: int = 0, right: int | None = None
    ) -> str:
        """The characters of a region, one line a row."""
        rows = self.rows[top : self.height if bottom is None else bottom]
        end = self.width if right is None else right
        return "\n".join("".join(r[left:end]) for r in rows)

    def _text(self, raw: bytes) -> None:
        for char in raw.decode("utf-8", errors="replace"):
            if self.col >= self.width:
                self.col = 0
                self._line_feed()
            self.rows[self.row][self.col] = char
            self.col += 1

    def _line_feed(self) -> None:
        if self.row == self.height - 1:
            self.rows.pop(0)
            self.rows.append([" "] * self.width)
        else:
            self.row += 1

    def _sequence(self, match: re.Match[bytes]) -> None:
        raw = match.group(0)
        if raw == b"\n":
            self._line_feed()
        elif raw == b"\r":
            self.col = 0
        elif raw == b"\b":
            self.col = max(0, self.col - 1)
        elif match.group(3) is not None and not match.group(1).startswith(b"?"):
            self._csi(match.group(1), match.group(3))

    def _csi(self, params: bytes, final: bytes) -> None:
        numbers = [int(p) if p.isdigit() else 0 for p in params.split(b";")] if params else []
        first = numbers[0] if numbers and numbers[0] else 1
        if final in b"Hf":
            row = numbers[0] if numbers and numbers[0] else 1
            col = numbers[1] if len(numbers) > 1 and numbers[1] else 1
            self.row, self.col = min(row, self.height) - 1, min(col, self.width) - 1
        elif final == b"A":
            self.row = max(0, self.row - first)
        elif final == b"B":
            self.row = min(self.height - 1, self.row + first)
        elif final == b"C":
            self.col = min(self.width - 1, self.col + first)
        elif final == b"D":
            self.col = max(0, self.col - first)
        elif final == b"G":
            self.col = min(first, self.width) - 1
        elif final == b"d":
            self.row = min(first, self.height) - 1
        elif final in b"JKX":
            self._erase(final, numbers[0] if numbers else 0, first)

    def _erase(self, final: bytes, mode: int, count: int) -> None:
        row = self.rows[self.row]
        if final == b"X":
            row[self.col : self.col + count] = [" "] * len(row[self.col : self.col + count])
        elif final == b"K":
            spans = {0: (self.col, self.width), 1: (0, self.col + 1)}
            start, end = spans.get(mode, (0, self.width))
            row[start:end] = [" "] * (end - start)
        elif mode == 2 or mode == 3:
            self.rows = [[" "] * self.width for _ in range(self.height)]
        elif mode == 0:
            self._erase(b"K", 0, 1)
            for r in range(self.row + 1, self.height):
                self.rows[r] = [" "] * self.width


def _take_terminal() -> None:
    """In the child: make the pty its controlling terminal, as a real terminal would be.

    Then closing the pty (the harness ending, even killed) hangs the child up
    (SIGHUP) instead of leaving it running against a terminal that is gone.
    """
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


@dataclass
class PtyChild:
    """A process on the slave side of a pty; its output chunks stamped as they are read."""

    argv: Sequence[str]
    env: dict[str, str]
    size: tuple[int, int] = (120, 40)
    chunks: list[tuple[float, bytes]] = field(default_factory=list)
    started_at: float = 0.0

    def start(self) -> None:
        """Spawn the child with the pty as its terminal and start reading."""
        master, slave = pty.openpty()
        width, height = self.size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", height, width, 0, 0))
        self._master = master
        self.started_at = time.monotonic()
        self.proc = subprocess.Popen(
            list(self.argv), stdin=slave, stdout=slave, stderr=slave, env=self.env,
            start_new_session=True, close_fds=True, preexec_fn=_take_terminal,
        )  # fmt: skip
        os.close(slave)
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self._master, 1 << 16)
            except OSError:
                return
            if not data:
                return
            stamp = time.monotonic()
            with self._lock:
                self.chunks.append((stamp, data))

    def taken(self, start: int) -> list[tuple[float, bytes]]:
        """The chunks read since index ``start``."""
        with self._lock:
            return self.chunks[start:]

    def write(self, data: bytes) -> float:
        """Type ``data``; returns the monotonic time just before the write."""
        stamp = time.monotonic()
        os.write(self._master, data)
        return stamp

    def cpu_seconds(self) -> float:
        """User + system CPU of the child so far (all its threads)."""
        stat = Path(f"/proc/{self.proc.pid}/stat").read_text()
        fields = stat.rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def peak_rss_mb(self) -> float:
        """The child's peak resident set (``VmHWM``), in MB."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        """End the child (SIGTERM, then SIGKILL) and close the pty."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        os.close(self._master)


class Watcher:
    """Feeds a child's chunks into a screen and waits for what the screen shows."""

    def __init__(self, child: PtyChild) -> None:
        self.child = child
        self.screen = Screen(*child.size)
        self.fed = 0
        self.stamp = child.started_at
        self.changes: list[float] = []
        """Stamps of chunks that changed the watched region (see :meth:`until`)."""

    def drain(self) -> None:
        """Feed every chunk read so far into the screen (nothing is waited for)."""
        for stamp, data in self.child.taken(self.fed):
            self.fed += 1
            self.screen.feed(data)
            self.stamp = stamp

    def until(
        self,
        shown: Callable[[Screen], bool],
        timeout: float = 60.0,
        region: tuple[int, int, int, int] | None = None,
    ) -> float:
        """Feed chunks until ``shown(screen)`` holds; returns the stamp of the chunk that did it.

        ``region`` (top, bottom, left, right): chunks that change it are
        recorded in :attr:`changes` (the gaps between screen updates).
        """
        deadline = time.monotonic() + timeout
        if shown(self.screen):
            return self.stamp
        while True:
            for stamp, data in self.child.taken(self.fed):
                self.fed += 1
                before = self.screen.text(*region) if region else None
                self.screen.feed(data)
                self.stamp = stamp
                if region and self.screen.text(*region) != before:
                    self.changes.append(stamp)
                if shown(self.screen):
                    return stamp
            if time.monotonic() > deadline:
                raise TimeoutError("the screen never showed what was waited for")
            time.sleep(0.002)
