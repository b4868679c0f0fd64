"""The event-loop side of telemetry: gather a turn's events, hand the whole turn over.

:class:`TurnCollector` is a turn consumer (attached by the factory as a tap,
after the log and the history). Its whole cost on the event loop is a dict
lookup and a list append per event; answer text deltas are skipped (the
terminal event carries the answer). When a turn ends, its events go onto a
bounded queue that the export thread (:mod:`tuichat.telemetry.pipeline`)
drains. A full queue (a collector that is slow or down) drops the turn and
counts it, and the spans it would have made, in :class:`TelemetryStats`: the
chat never waits for telemetry. Nothing here imports OpenTelemetry.
"""

from __future__ import annotations

import queue
from dataclasses import dataclass

from tuichat.core.events import (
    TERMINAL_EVENTS,
    AttemptStarted,
    Event,
    TextDelta,
    TextReleased,
    TurnStarted,
)

DEFAULT_QUEUE_TURNS = 256
"""Turns waiting for the export thread at most; more are dropped (and counted)."""

Turn = tuple[Event, ...]


@dataclass(slots=True)
class TelemetryStats:
    """What became of the turns: sent, dropped, failed (the debug view shows it)."""

    endpoint: str = ""
    turns_queued: int = 0
    turns_dropped: int = 0
    spans_dropped: int = 0
    """Spans never made because their turn found the queue full."""
    spans_exported: int = 0
    spans_failed: int = 0
    """Spans the collector did not accept (unreachable, refused, timed out)."""
    notice: str | None = None
    """The one line about an unreachable collector (None: none so far)."""

    def line(self) -> str:
        """``OTel → URL: 12 spans sent, 0 dropped, 0 failed`` for the debug view."""
        dropped = self.spans_dropped
        line = (
            f"OTel → {self.endpoint}: {self.spans_exported} spans sent, "
            f"{dropped} dropped (queue full), {self.spans_failed} failed"
        )
        return f"{line} · {self.notice}" if self.notice else line


class TurnCollector:
    """Gathers each turn's events; a finished turn goes to the bounded queue (or is dropped)."""

    def __init__(self, stats: TelemetryStats, queue_turns: int = DEFAULT_QUEUE_TURNS) -> None:
        self.stats = stats
        self.turns: queue.Queue[Turn | None] = queue.Queue(queue_turns)
        self._open: dict[str, list[Event]] = {}

    def observe(self, event: Event) -> None:
        """Keep ``event`` with its turn; hand the turn over when it ends (never blocks)."""
        if isinstance(event, TextDelta | TextReleased):
            return
        events = self._open.get(event.trace_id)
        if events is None:
            if not isinstance(event, TurnStarted):
                return  # a turn that began before telemetry was attached
            events = self._open[event.trace_id] = []
        events.append(event)
        if isinstance(event, TERMINAL_EVENTS):
            del self._open[event.trace_id]
            self._hand_over(tuple(events))

    def _hand_over(self, turn: Turn) -> None:
        try:
            self.turns.put_nowait(turn)
        except queue.Full:
            self.stats.turns_dropped += 1
            self.stats.spans_dropped += 1 + sum(isinstance(e, AttemptStarted) for e in turn)
        else:
            self.stats.turns_queued += 1
