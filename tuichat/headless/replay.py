"""``tuichat replay ID|last --plain|--json``: a logged session, played back to stdout.

Each turn is a :class:`~tuichat.core.turn.replay.ReplayedTurn`, the same
answer source the chat screen replays, so the text arrives with the logged
pacing (``--speed 1|2|10|max``). ``--plain`` writes the transcript, text
neutralised on a terminal (``␛[2J``) and exact when piped; ``--json`` writes
every event as one JSON object a line. Nothing is sent to a provider and
nothing is written to the log. SIGINT stops the replay (exit 130).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from dataclasses import asdict
from typing import Any, TextIO

from tuichat.core.clock import SystemClock
from tuichat.core.events import (
    Event,
    TextDelta,
    TurnCancelled,
    TurnEnded,
    TurnFailed,
)
from tuichat.core.turn.replay import LoggedTurn, ReplayControl, ReplayedTurn
from tuichat.core.untrusted import neutralise, one_line
from tuichat.headless.log_parsers import SPEED_CHOICES
from tuichat.logbook import LogbookError, LoggedSession, open_logbook

EXIT_OK, EXIT_USAGE, EXIT_INTERRUPTED = 0, 2, 130


def run_replay(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    """Replay to stdout; return the exit code."""
    try:
        session = asyncio.run(_load(args.session))
    except LogbookError as exc:
        print(f"tuichat replay: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    control = ReplayControl(SPEED_CHOICES[args.speed])
    printer = JsonLines(out) if args.json else Transcript(out)
    return asyncio.run(_play(session, control, printer))


async def _load(ref: str) -> LoggedSession:
    async with open_logbook() as book:
        return await book.session(ref)


async def _play(session: LoggedSession, control: ReplayControl, printer: Printer) -> int:
    clock = SystemClock()
    for number, logged in enumerate(session.turns, 1):
        turn = ReplayedTurn(logged.events, clock=clock, control=control)
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGINT, turn.cancel)
        try:
            printer.turn(number, logged)
            async for event in turn:
                printer.event(event)
        finally:
            loop.remove_signal_handler(signal.SIGINT)
        if turn.cancelled:
            return EXIT_INTERRUPTED
    return EXIT_OK


class Printer:
    """What a replay writes for each turn and event."""

    def turn(self, number: int, logged: LoggedTurn) -> None:
        """A turn begins."""

    def event(self, event: Event) -> None:
        """One replayed event."""


class Transcript(Printer):
    """The conversation as text: the prompt, the answer as it streamed, one status line."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.show = neutralise if out.isatty() else _exact

    def turn(self, number: int, logged: LoggedTurn) -> None:
        start = logged.started
        timing = "" if logged.timed else " · logged without timing"
        self._write(f"── turn {number} · {self.show(start.model)}{timing} ──\n")
        self._write(f"> {self.show(start.prompt)}\n")

    def event(self, event: Event) -> None:
        if isinstance(event, TextDelta):
            self._write(self.show(event.text))
        elif isinstance(event, TurnEnded):
            self._write(f"\n[{_status_line(event)}]\n\n")

    def _write(self, text: str) -> None:
        self.out.write(text)
        self.out.flush()


class JsonLines(Printer):
    """Every event as one JSON object a line, ``type`` first (text exact, JSON-escaped)."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def event(self, event: Event) -> None:
        self.out.write(json.dumps(event_json(event), ensure_ascii=False) + "\n")
        self.out.flush()


def event_json(event: Event) -> dict[str, Any]:
    """An event as plain JSON data: its type name, then its fields."""
    return {"type": type(event).__name__, **asdict(event)}


def _status_line(event: TurnEnded) -> str:
    if isinstance(event, TurnFailed):
        return one_line(f"{event.status}: {event.message}")
    if isinstance(event, TurnCancelled):
        return "replay stopped"
    return event.status


def _exact(text: str) -> str:
    return text
