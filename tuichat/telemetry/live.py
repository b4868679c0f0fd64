"""A chat's live telemetry: the collector on the event loop, the export on its own thread.

:func:`start_telemetry` is what the factory calls: it decides from the
settings and the environment whether export is on (nothing is imported when
it is off), and returns a :class:`LiveTelemetry` whose :attr:`observe` the
factory taps onto the session. The OpenTelemetry SDK is imported and built
on the telemetry thread, so neither the first paint nor the first message
waits for it; turns that end meanwhile wait in the bounded queue.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable

from tuichat.config import Settings
from tuichat.core.events import Event
from tuichat.telemetry.collector import DEFAULT_QUEUE_TURNS, TelemetryStats, TurnCollector
from tuichat.telemetry.target import (
    TelemetryTarget,
    TelemetryUnavailable,
    require_extra,
    telemetry_target,
)

log = logging.getLogger(__name__)

SHUTDOWN_S = 1.5
"""Quitting waits at most this long for the last spans and metrics to be sent."""
STARTING_S = 5.0
"""...after waiting at most this long for the SDK to finish loading (a loaded machine)."""

Say = Callable[[str], None]
Redact = Callable[[str], str]


class LiveTelemetry:
    """Spans and metrics of every turn of a chat, sent in the background (see the module doc)."""

    def __init__(
        self,
        target: TelemetryTarget,
        *,
        redact: Redact | None = None,
        say: Say | None = None,
        queue_turns: int = DEFAULT_QUEUE_TURNS,
    ) -> None:
        self.target = target
        self.stats = TelemetryStats(endpoint=target.endpoint)
        self.collector = TurnCollector(self.stats, queue_turns)
        self._redact, self._say = redact, say
        self._stopping = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tuichat-otel", daemon=True)

    @property
    def observe(self) -> Callable[[Event], None]:
        """The turn consumer to tap onto the session (cheap; never blocks)."""
        return self.collector.observe

    def start(self) -> None:
        """Start the telemetry thread."""
        self._thread.start()

    def close(self, timeout_s: float = SHUTDOWN_S) -> None:
        """Send what is left and stop; returns within ``timeout_s`` whatever the collector does.

        A pipeline still loading the SDK is given :data:`STARTING_S` first, so
        a short ``ask`` still sends its turn.
        """
        self._ready.wait(STARTING_S)
        deadline = time.monotonic() + timeout_s
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(max(0.0, deadline - time.monotonic()))

    def _run(self) -> None:
        try:
            from tuichat.telemetry.pipeline import TelemetryPipeline

            pipeline = TelemetryPipeline(
                self.target, self.stats, content=self._redact, say=self._say
            )
        except Exception as exc:  # a broken install: one line, the chat goes on
            self._ready.set()
            log.exception("cannot start OpenTelemetry export")
            self.stats.notice = f"OpenTelemetry export is off: {exc}"
            if self._say is not None:
                self._say(self.stats.notice)
            return
        self._ready.set()
        pipeline.drain(self.collector, self._stopping)
        pipeline.close()


def start_telemetry(
    settings: Settings, redact: Redact | None, say: Say | None
) -> tuple[LiveTelemetry | None, str | None]:
    """Live telemetry if configured (else None), and a one-line notice if it cannot run.

    ``redact`` is applied to prompts and answers when content capture is on
    (never with ``[log] content = "metrics"``). ``say`` gets the one notice
    about an unreachable collector, on the calling event loop.
    """
    target = telemetry_target(settings.otel)
    if target is None:
        return None, None
    try:
        require_extra(target)
    except TelemetryUnavailable as exc:
        return None, str(exc)
    keeps_text = settings.log.content == "full"
    live = LiveTelemetry(target, redact=redact if keeps_text else None, say=_on_loop(say))
    live.start()
    return live, None


def _on_loop(say: Say | None) -> Say | None:
    """``say`` called on the current event loop from any thread (None stays None)."""
    if say is None:
        return None
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return say

    def threadsafe(line: str) -> None:
        if not loop.is_closed():
            loop.call_soon_threadsafe(say, line)

    return threadsafe
