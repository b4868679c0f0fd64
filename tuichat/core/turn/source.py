"""An answer source: the one shape a live turn, a cache hit and a replayed turn share.

A source is an async iterator of the events of :mod:`tuichat.core.events`,
ending with exactly one terminal event, plus ``trace_id``, ``running`` and
``cancel()``. Front ends consume sources only through this shape, so the chat
screen and the HUD cannot tell a live answer from a cached or replayed one.

:class:`EventPump` is the machinery every source uses: the source's work runs
in its own task (:meth:`EventPump._run`) and emits events; each event goes to
the consumers first (synchronously, in order — see
:mod:`tuichat.core.turn.services`), then onto the queue the front end reads.
Before the front end gets an event after which text is shown (a first token,
a stale answer, the terminal event) the pump waits for the log to be durable.
Cancelling (or the front end going away) cancels the task; the source's
``_run`` turns that into its terminal ``TurnCancelled``.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator, Sequence

from tuichat.core.events import TERMINAL_EVENTS, Event, FirstToken, StaleAnswerOffered
from tuichat.core.turn.services import LogSink, Observer

log = logging.getLogger(__name__)

DURABLE_BEFORE = (FirstToken, StaleAnswerOffered, *TERMINAL_EVENTS)
"""Events after which text is shown: the log must hold what came before them."""


class EventPump:
    """Runs a source's work in a task; consumers first, then the front end's iterator."""

    trace_id: str

    def __init__(self, observers: Sequence[Observer], log_sink: LogSink | None) -> None:
        self._observers = tuple(observers)
        self._log_sink = log_sink
        self._pending: deque[Event] = deque()  # emitted, not yet handed to the front end
        self._arrived: asyncio.Future[None] | None = None  # set while the front end waits
        self._task: asyncio.Task[None] | None = None
        self._cancel_requested = False
        self._iterated = False

    @property
    def running(self) -> bool:
        """True until the terminal event has been emitted."""
        return self._task is not None and not self._task.done()

    @property
    def cancelled(self) -> bool:
        """True once :meth:`cancel` stopped the source (or its consumer went away)."""
        return self._cancel_requested

    def cancel(self) -> None:
        """Stop now; the stream ends with ``TurnCancelled``."""
        if self._task is not None and not self._task.done():
            self._cancel_requested = True
            self._task.cancel()

    def start(self) -> None:
        """Start the source's work now, before anyone iterates (its events wait in the queue).

        A front end calls this first thing on send, so the request goes out
        before (and while) it builds the widgets that will show the answer.
        Iterating starts the work too if this was not called.
        """
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"answer-{self.trace_id[:8]}")

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._events()

    async def _run(self) -> None:
        """The source's work: emit events, ending with exactly one terminal event."""
        raise NotImplementedError

    async def _events(self) -> AsyncIterator[Event]:
        if self._iterated:
            raise RuntimeError("an answer source can be iterated only once")
        self._iterated = True
        self.start()
        pending = self._pending
        try:
            while True:
                if not pending:
                    await self._arrival()
                    continue
                event = pending.popleft()
                if isinstance(event, DURABLE_BEFORE):
                    await self._durable()
                yield event
                if isinstance(event, TERMINAL_EVENTS):
                    return
        finally:
            # The consumer went away early (app quit, worker cancelled): that is
            # a cancel too, so consumers still get TurnCancelled and the partial.
            self.cancel()

    async def _arrival(self) -> None:
        """Wait until the source emits (a deque and one future: no queue machinery per event)."""
        arrived = self._arrived = asyncio.get_running_loop().create_future()
        try:
            await arrived
        finally:
            self._arrived = None

    async def _durable(self) -> None:
        """Wait until the log holds everything so far (a broken log never stops a turn)."""
        if self._log_sink is None:
            return
        try:
            await self._log_sink.flush()
        except Exception:
            log.exception("the log could not be flushed before showing text")

    def _emit(self, event: Event) -> None:
        """Hand ``event`` to every consumer, in order, then to the front end."""
        for observer in self._observers:
            try:
                observer(event)
            except Exception:  # a consumer bug must not break the answer
                log.exception("consumer failed on %s", type(event).__name__)
        self._pending.append(event)
        arrived = self._arrived
        if arrived is not None and not arrived.done():
            arrived.set_result(None)
