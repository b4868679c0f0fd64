"""The log writer: turn events in, committed rows out, the UI never waits.

``observe`` is called from the event loop for every event of every turn, so it
only puts the event on a queue. A background task drains the queue in
batches, maps each batch to rows (:mod:`tuichat.store.batch`) and writes them
in one transaction through aiosqlite's thread. Under load, commits are spaced
by ``batch_window`` so each carries many rows; ``flush``/``close`` cut the
wait short.

A failing write never stops logging: the batch is retried row by row, the
rows that still fail are counted in ``failed_writes`` and logged, and the
writer carries on with the next batch. The writer owns the transactions on
its connection; other users of the connection should only read.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import aiosqlite

from tuichat.core.events import Event, TextDelta, TextReleased
from tuichat.store.batch import EventMapper, LogBatch, Row

logger = logging.getLogger(__name__)

# The high-frequency events carry nothing the log keeps (final text arrives with
# the terminal event), so they are dropped before they reach the queue.
_STREAM_EVENTS = (TextDelta, TextReleased)

_ENSURE_SESSION_SQL = """
INSERT INTO sessions (id, created_at, title, model, system_prompt, tag, profile)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET
    title = COALESCE(excluded.title, title),
    model = COALESCE(excluded.model, model),
    system_prompt = COALESCE(excluded.system_prompt, system_prompt),
    tag = COALESCE(excluded.tag, tag),
    profile = COALESCE(excluded.profile, profile)
"""


@dataclass(frozen=True)
class _Marker:
    """Queued by ``flush``/``close``: resolved once everything before it is committed."""

    done: asyncio.Future[None]
    stop: bool


class LogWriter:
    """Writes the events of every turn to the SQLite log, in batches."""

    def __init__(
        self,
        db: aiosqlite.Connection,
        *,
        batch_window: float = 0.05,
        max_batch: int = 500,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._db = db
        self._batch_window = batch_window
        self._max_batch = max_batch  # bounds the mapping work done per loop turn
        self._wall_clock = wall_clock
        self._mapper = EventMapper(wall_clock)
        self._queue: asyncio.Queue[Event | _Marker] = asyncio.Queue()
        self._lock = asyncio.Lock()  # one transaction at a time on the connection
        self._hurry = asyncio.Event()
        self._waiting = 0
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self._last_commit = -math.inf
        # The most recent database error and the count of rows (or session
        # upserts) that could not be written, for a HUD or a test to show.
        self.last_error: BaseException | None = None
        self.failed_writes = 0

    async def start(self) -> None:
        """Start the background task that drains the queue."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="tuichat-log-writer")

    def observe(self, event: Event) -> None:
        """Queue ``event`` for writing; never blocks. Call it from the event loop.

        Events observed after ``close`` are dropped.
        """
        if self._closed or isinstance(event, _STREAM_EVENTS):
            return
        self._queue.put_nowait(event)

    async def ensure_session(
        self,
        session_id: str,
        *,
        model: str | None,
        system_prompt: str | None,
        title: str | None = None,
        tag: str | None = None,
        profile: str | None = None,
    ) -> None:
        """Create the session row, or fill in the fields given (None keeps a value).

        Written at once, not queued. A database error is recorded like any
        failed write rather than raised: a broken log never breaks a chat.
        """
        row = (session_id, self._wall_clock(), title, model, system_prompt, tag, profile)
        async with self._lock:
            try:
                await self._db.execute(_ENSURE_SESSION_SQL, row)
                await self._db.commit()
            except Exception as exc:
                await self._rollback()
                self._record_failure(exc)

    async def flush(self) -> None:
        """Return once everything observed so far is committed (or failed)."""
        if self._task is None:
            raise RuntimeError("LogWriter.flush() before start()")
        if self._closed:
            await self._wait_for_task()
        else:
            await self._mark(stop=False)

    async def close(self) -> None:
        """Write everything observed, then stop the task. Does not close the db."""
        if not self._closed:
            await self.start()
            self._closed = True
            await self._mark(stop=True)
        await self._wait_for_task()

    async def _wait_for_task(self) -> None:
        if self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    async def _mark(self, *, stop: bool) -> None:
        """Queue a marker and wait until the task has committed everything before it."""
        if self._task is None or self._task.done():
            logger.warning("the log writer is not running; nothing to wait for")
            return
        marker = _Marker(asyncio.get_running_loop().create_future(), stop)
        self._waiting += 1
        self._hurry.set()
        self._queue.put_nowait(marker)
        await asyncio.shield(marker.done)

    async def _run(self) -> None:
        try:
            while True:
                events, markers = _split(await self._next_items())
                if events:
                    await self._write(events)
                self._resolve(markers)
                if any(marker.stop for marker in markers):
                    return
        finally:
            self._release_waiters()

    async def _next_items(self) -> list[Event | _Marker]:
        """Wait for one item, let a burst gather (see ``_pace``), take what is there."""
        items = [await self._queue.get()]
        await self._pace()
        while len(items) < self._max_batch and not self._queue.empty():
            items.append(self._queue.get_nowait())
        return items

    async def _pace(self) -> None:
        """Hold the next commit until ``batch_window`` after the last, unless hurried."""
        if self._waiting or self._queue.qsize() >= self._max_batch:
            return
        remaining = self._last_commit + self._batch_window - time.monotonic()
        if remaining <= 0:
            return
        self._hurry.clear()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(remaining):
                await self._hurry.wait()

    async def _write(self, events: list[Event]) -> None:
        batch = LogBatch()
        for event in events:
            try:
                self._mapper.add(batch, event)
            except Exception as exc:  # a bug here must not stop the log
                self._record_failure(exc)
        statements = batch.statements()
        if not statements:
            return
        async with self._lock:
            try:
                await self._write_statements(statements)
            except Exception as exc:
                logger.warning("log batch failed (%s); retrying row by row", exc)
                self.last_error = exc
                await self._rollback()
                await self._write_rows(statements)
        self._last_commit = time.monotonic()

    async def _write_statements(self, statements: list[tuple[str, list[Row]]]) -> None:
        for sql, rows in statements:
            await self._db.executemany(sql, rows)
        await self._db.commit()

    async def _write_rows(self, statements: list[tuple[str, list[Row]]]) -> None:
        """Write each row in its own transaction, so one bad row costs only itself."""
        for sql, rows in statements:
            for row in rows:
                try:
                    await self._db.execute(sql, row)
                    await self._db.commit()
                except Exception as exc:
                    await self._rollback()
                    self._record_failure(exc)

    async def _rollback(self) -> None:
        try:
            await self._db.rollback()
        except Exception:
            logger.debug("rollback of the log failed", exc_info=True)

    def _record_failure(self, exc: BaseException) -> None:
        self.failed_writes += 1
        self.last_error = exc
        logger.warning("could not write to the log: %s", exc, exc_info=exc)

    def _resolve(self, markers: list[_Marker]) -> None:
        for marker in markers:
            self._waiting -= 1
            if not marker.done.done():
                marker.done.set_result(None)

    def _release_waiters(self) -> None:
        """If the task ends early (cancelled), do not leave flush() callers hanging."""
        while not self._queue.empty():
            item = self._queue.get_nowait()
            if isinstance(item, _Marker):
                self._resolve([item])


def _split(items: list[Event | _Marker]) -> tuple[list[Event], list[_Marker]]:
    events: list[Event] = []
    markers: list[_Marker] = []
    for item in items:
        if isinstance(item, _Marker):
            markers.append(item)
        else:
            events.append(item)
    return events, markers
