"""A painted frame is handed to Textual's writer thread before the app goes on."""

from __future__ import annotations

import threading
from types import SimpleNamespace

from textual.drivers._writer_thread import WriterThread

from tuichat.ui.widgets.frame_flush import hand_to_terminal


class SlowFile:
    """A terminal that takes its time: the writer thread holds each write until released."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.written: list[str] = []

    def write(self, text: str) -> None:
        self.release.wait(10)
        self.written.append(text)

    def flush(self) -> None:
        return

    def fileno(self) -> int:
        return 1


def app_with(writer: object) -> SimpleNamespace:
    return SimpleNamespace(_driver=SimpleNamespace(_writer_thread=writer))


def test_returns_once_the_writer_took_the_frame_not_once_the_terminal_read_it():
    terminal = SlowFile()
    writer = WriterThread(terminal)  # type: ignore[arg-type]
    writer.start()
    try:
        writer.write("frame")
        hand_to_terminal(app_with(writer), wait_s=30)  # generous: a loaded machine is slow
        assert writer._queue.qsize() == 0  # taken...
        assert terminal.written == []  # ...and the terminal not waited for
    finally:
        terminal.release.set()
        writer.stop()
    assert terminal.written == ["frame"]


def test_a_writer_that_never_takes_it_costs_at_most_the_wait():
    stuck = SimpleNamespace(_queue=SimpleNamespace(qsize=lambda: 1))
    now = [0.0]

    def clock() -> float:
        now[0] += 0.0004
        return now[0]

    hand_to_terminal(app_with(stuck), wait_s=0.001, clock=clock)
    assert now[0] < 0.01  # it gave up at the deadline


def test_no_writer_thread_returns_at_once():
    hand_to_terminal(SimpleNamespace())  # headless: no driver
    hand_to_terminal(app_with(None))
