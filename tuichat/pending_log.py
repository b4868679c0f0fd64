"""The log a chat uses until its SQLite log is open: turns go out at once, nothing is lost.

The TUI opens its log after the first paint (migrations, crash recovery,
three SQLite files: 0.1–0.4 s on a busy machine). A message typed the
instant the screen is ready must not wait for that, yet every turn must end
up in the log and keep the durability rule of
:mod:`tuichat.core.turn.source`: nothing is shown before what came before it
is committed. :class:`PendingLog` is the :class:`~tuichat.core.turn.services.LogSink`
such a turn gets:

* ``observe`` keeps the events in memory, in order, while the log opens;
* :meth:`PendingLog.attach` hands them to the log writer once the chat's
  session row is queued (the turn rows refer to it), and forwards every later
  event straight to the writer;
* ``flush`` — awaited before the first token and the end of an answer are
  shown — waits for the attach, then for the writer's own flush. So the
  request goes out at once; only showing text waits for the log, as always.

A log that cannot be opened is attached as ``None``: the held events are
dropped (the chat runs unlogged, as it does when opening fails today) and
``flush`` returns at once from then on.
"""

from __future__ import annotations

import asyncio

from tuichat.core.events import Event
from tuichat.core.turn.services import LogSink


class PendingLog:
    """A log sink that holds events until the real log is attached (see the module doc)."""

    def __init__(self) -> None:
        self._held: list[Event] = []
        self._sink: LogSink | None = None
        self._attached = asyncio.Event()

    @property
    def attached(self) -> bool:
        """True once the log was attached (or found unopenable)."""
        return self._attached.is_set()

    @property
    def held(self) -> int:
        """How many events wait for the log."""
        return len(self._held)

    def observe(self, event: Event) -> None:
        """Hold ``event`` until the log is attached, then forward it; never blocks."""
        if self._sink is not None:
            self._sink.observe(event)
        elif not self._attached.is_set():
            self._held.append(event)

    async def flush(self) -> None:
        """Return once the log is attached and holds everything observed so far."""
        await self._attached.wait()
        if self._sink is not None:
            await self._sink.flush()

    def attach(self, sink: LogSink | None) -> None:
        """Hand the held events to ``sink`` (None: no log; they are dropped), then forward."""
        if self._attached.is_set():
            return
        held, self._held = self._held, []
        if sink is not None:
            for event in held:
                sink.observe(event)
        self._sink = sink
        self._attached.set()
