"""A painted frame is written to the terminal before the app goes on (terminal_writer)."""

from __future__ import annotations

import threading
from types import SimpleNamespace

from textual.drivers._writer_thread import WriterThread

from tuichat.ui.terminal_writer import DrainingWriter, hand_to_terminal, install_writer


class Terminal:
    """A file the writer writes to; ``hold`` makes each write wait (a slow terminal)."""

    def __init__(self, *, hold: bool = False) -> None:
        self.release = threading.Event()
        if not hold:
            self.release.set()
        self.written: list[str] = []
        self.flushed = 0

    def write(self, text: str) -> None:
        self.release.wait(10)
        self.written.append(text)

    def flush(self) -> None:
        self.flushed = len(self.written)

    def fileno(self) -> int:
        return 1


def app_with(writer: object) -> SimpleNamespace:
    return SimpleNamespace(_driver=SimpleNamespace(_writer_thread=writer))


def test_returns_once_the_frames_are_written_and_flushed():
    terminal = Terminal()
    writer = DrainingWriter(terminal)  # type: ignore[arg-type]
    writer.start()
    try:
        writer.write("frame 1")
        writer.write("frame 2")
        hand_to_terminal(app_with(writer), wait_s=30)  # generous: a loaded machine is slow
        assert terminal.written == ["frame 1", "frame 2"] and terminal.flushed == 2
        assert writer.drained
    finally:
        writer.stop()


def test_a_slow_terminal_costs_at_most_the_wait():
    terminal = Terminal(hold=True)
    writer = DrainingWriter(terminal)  # type: ignore[arg-type]
    writer.start()
    now = [0.0]

    def clock() -> float:
        now[0] += 0.0004
        return now[0]

    try:
        writer.write("frame")
        hand_to_terminal(app_with(writer), wait_s=0.001, clock=clock)
        assert now[0] < 0.01 and not writer.drained  # gave up at the deadline, nothing lost
    finally:
        terminal.release.set()
        writer.stop()
    assert terminal.written == ["frame"]


def test_textuals_writer_is_replaced_after_it_wrote_what_it_had():
    terminal = Terminal()
    old = WriterThread(terminal)  # type: ignore[arg-type]
    old.start()
    old.write("before")
    app = app_with(old)
    assert install_writer(app)
    new = app._driver._writer_thread
    assert isinstance(new, DrainingWriter) and not old.is_alive()
    new.write("after")
    hand_to_terminal(app, wait_s=30)
    new.stop()
    assert terminal.written == ["before", "after"]


def test_other_drivers_keep_their_writer_and_do_not_wait():
    assert not install_writer(SimpleNamespace())  # headless: no driver
    textuals_kind = SimpleNamespace(_queue=SimpleNamespace(qsize=lambda: 1))  # never drains
    assert not install_writer(app_with(textuals_kind))  # not Textual's own writer
    looked: list[float] = []

    def clock() -> float:
        looked.append(0.0)
        return 0.0

    for app in (SimpleNamespace(), app_with(None), app_with(textuals_kind)):
        hand_to_terminal(app, wait_s=30, clock=clock)
    assert looked == []  # returned at once, without starting to wait
