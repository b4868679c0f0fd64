"""The log writer: turn events in, committed rows out, the UI never waits.

``observe`` is called from the event loop for every event of every turn, so it
only appends the event to a queue, or, for ``TextDelta``, the text to its
turn's pending text (:mod:`tuichat.store.streamed`). A background task maps
what is queued to rows (:mod:`tuichat.store.batch`) and commits them in one
transaction through aiosqlite's thread. All waiting goes through the injected
:class:`~tuichat.core.clock.Clock`.

When rows are committed:

* **milestones** (a turn's start, each attempt's start, a turn's end, and
  ``ensure_session``) at once: a turn's rows are on disk long before its
  first token, and its final rows as soon as it ends;
* other events (headers, usage, rate limits...) within ``batch_window`` of
  the previous commit, so a burst shares one transaction;
* streamed text within ``text_interval`` of its arrival, as one growing
  answer row per turn; any earlier commit takes the pending text along.

``flush()`` returns once every milestone observed so far is committed (with
everything queued before it): at once, with no thread hop, when they already
are. ``flush(everything=True)`` also waits for the detail and the text.

**Locks.** A write that finds the database locked by another process is not
dropped: the rows stay queued in order and are retried with a backoff, and
``late_since`` says since when the log is behind (``on_late`` is called once
when that starts). While late, ``flush`` and ``ensure_session`` return at
once instead of blocking the chat on someone else's lock. ``close`` keeps
trying until its deadline; rows still unwritten then are counted in
``failed_writes``. A refused row (a constraint, a trigger) is dropped and
counted, never stopping the log. The writer owns the transactions on its
connection and sets its busy timeout to a short slice; others should only read.

**Policy.** A :class:`~tuichat.store.policy.LogPolicy` says what reaches the
file: every text is redacted before it is queued for writing (keys, bearer
tokens, configured patterns), metrics-only mode keeps no prompt or answer
text, and the chunk timelines of a sampled share of turns are kept
(:mod:`tuichat.store.timeline`: a few bytes appended per delta in
``observe``, the blob written with the growing row and at the attempt's end).

**Crashes.** Each transaction also stamps the writer's row in ``writers`` and
keeps ``open_turns`` current; :mod:`tuichat.store.recovery` uses them to mark
the turns of a process that died ``interrupted``. ``close`` does the same for
turns it never saw end.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable

import aiosqlite

from tuichat.core.clock import Clock, SystemClock
from tuichat.core.events import AttemptStarted, Event, TextDelta, TextReleased
from tuichat.store.backlog import Backlog
from tuichat.store.batch import EventMapper
from tuichat.store.commit import Statement, Transaction
from tuichat.store.policy import LogPolicy
from tuichat.store.recovery import Registration
from tuichat.store.statements import LogBatch
from tuichat.store.write_queue import Item, Marker, SessionUpsert, WriteQueue

logger = logging.getLogger(__name__)

BATCH_WINDOW_S = 0.05
"""Detail events are committed at most this long after the previous commit."""
TEXT_FLUSH_INTERVAL_S = 0.8
"""Streamed text reaches the disk at most this long after it arrived."""
BUSY_SLICE_MS = 250
"""How long one write waits for another process's lock before the writer backs off."""
CLOSE_DEADLINE_S = 30.0
"""How long ``close`` keeps trying to write what is left while the database is locked."""


class LogWriter:
    """Writes the events of every turn to the SQLite log, in batches."""

    def __init__(
        self,
        db: aiosqlite.Connection,
        *,
        clock: Clock | None = None,
        batch_window: float = BATCH_WINDOW_S,
        text_interval: float = TEXT_FLUSH_INTERVAL_S,
        max_batch: int = 500,
        busy_slice_ms: int = BUSY_SLICE_MS,
        on_late: Callable[[], None] | None = None,
        policy: LogPolicy | None = None,
    ) -> None:
        self._db = db
        self.policy = policy or LogPolicy()
        self._clock: Clock = clock or SystemClock()
        self._batch_window = batch_window
        self._text_interval = text_interval
        self._max_batch = max_batch  # bounds the mapping work done per loop turn
        self._busy_slice_ms = busy_slice_ms
        self._registration = Registration(self._clock)
        self._mapper = EventMapper(
            self._clock.wall, writer_id=self._registration.id, policy=self.policy
        )
        self._tx = Transaction(db)
        self._queue = WriteQueue()
        self._wake = asyncio.Event()
        self._backlog = Backlog(self._clock, on_late)
        self._text_due: float | None = None
        self._last_commit = -math.inf
        self._writing = False
        self._registered = False  # the writers row may exist: close must remove it
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self._deadline = math.inf
        # The most recent database error and the count of rows (or session
        # upserts) that could not be written, for a HUD or a test to show.
        self.last_error: BaseException | None = None
        self.failed_writes = 0

    async def start(self) -> None:
        """Start the background task that writes what is observed."""
        if self._task is not None:
            return
        try:
            await self._db.execute(f"PRAGMA busy_timeout={int(self._busy_slice_ms)}")
        except Exception as exc:
            self._record_failure(exc)
        self._task = asyncio.create_task(self._run(), name="tuichat-log-writer")

    def observe(self, event: Event) -> None:
        """Queue ``event`` for writing; never blocks. Call it from the event loop.

        Events observed after ``close`` are dropped.
        """
        if self._closed:
            return
        if isinstance(event, TextDelta):
            self._mapper.streamed.add(event)
            if self._text_due is None:
                self._text_due = self._clock.now() + self._text_interval
                self._wake.set()
        elif not isinstance(event, TextReleased):  # the same text as the deltas
            if isinstance(event, AttemptStarted):  # the timeline counts from here
                self._mapper.streamed.attempt_started(event)
            self._queue.put(event)
            self._wake.set()

    async def ensure_session(
        self,
        session_id: str,
        *,
        model: str | None,
        system_prompt: str | None,
        title: str | None = None,
        tag: str | None = None,
        profile: str | None = None,
        rerun_of: str | None = None,
    ) -> None:
        """Create the session row, or fill in the fields given (None keeps a value).

        ``rerun_of`` links a rerun to the session it re-sends. The title and
        the system prompt are redacted (not kept at all in metrics-only mode).
        Returns once it is committed, or at once while the log is late (it is
        written, in order, when the lock is free). A refused write is counted
        in ``failed_writes`` rather than raised: a broken log never breaks a chat.
        """
        if self._closed:
            logger.warning("ensure_session after close: session %s not logged", session_id)
            return
        title, system_prompt = self._session_text(title), self._session_text(system_prompt)
        row = (session_id, self._clock.wall(), title, model, system_prompt, tag, profile, rerun_of)
        await self.start()
        self._queue.put(SessionUpsert(row))
        self._wake.set()
        await self.flush()

    def _session_text(self, text: str | None) -> str | None:
        if text is None or not self.policy.keeps_text:
            return None
        return self._mapper.redact(text)

    async def flush(self, *, everything: bool = False) -> None:
        """Return once every milestone observed so far is committed (see the module doc).

        ``everything`` also waits for detail events and streamed text. While
        the log is late (``late_since``), returns at once: the rows stay queued.
        """
        if self._task is None:
            raise RuntimeError("LogWriter.flush() before start()")
        if self._closed:
            await self._wait_for_task()
        elif self.late_since is None and not self._settled(everything):
            await self._mark(stop=False)

    async def close(self, deadline: float = CLOSE_DEADLINE_S) -> None:
        """Write everything observed, then stop the task. Does not close the db.

        While another process holds the database, keeps trying for at most
        ``deadline`` seconds; rows still unwritten are counted in ``failed_writes``.
        Turns that never ended are marked ``interrupted``.
        """
        if not self._closed:
            await self.start()
            self._closed = True
            self._deadline = self._clock.now() + deadline
            await self._mark(stop=True)
        await self._wait_for_task()

    @property
    def late_since(self) -> float | None:
        """Clock time since when rows wait for another process's lock; None: up to date."""
        return self._backlog.since

    def behind_s(self) -> float:
        """Seconds the log has been waiting for another process's lock (0: up to date)."""
        return self._backlog.behind_s()

    def late_notice(self) -> str | None:
        """The one line a front end shows while the log is late, else None."""
        return self._backlog.notice()

    def _settled(self, everything: bool) -> bool:
        """True when a flush has nothing to wait for (no thread hop needed)."""
        if not self._queue.settled:
            return False
        if not everything:
            return True
        return not (self._queue or self._backlog or self._writing or self._mapper.streamed.pending)

    async def _wait_for_task(self) -> None:
        if self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    async def _mark(self, *, stop: bool) -> None:
        """Queue a marker and wait until the task has committed everything before it."""
        if self._task is None or self._task.done():
            logger.warning("the log writer is not running; nothing to wait for")
            return
        marker = Marker(asyncio.get_running_loop().create_future(), stop)
        self._queue.put(marker)
        self._wake.set()
        await asyncio.shield(marker.done)

    # --- the background task ----------------------------------------------

    async def _run(self) -> None:
        try:
            stop = False
            while not stop:
                await self._wait_for_work()
                await self._hold()
                stop = await self._round()
        finally:
            self._queue.release()

    async def _round(self) -> bool:
        """Map what is queued, commit it with the pending text; True when told to stop."""
        batch, markers = self._map(self._queue.take(self._max_batch))
        stop = any(marker.stop for marker in markers)
        if stop or not self._backlog:  # while late, the text waits in memory
            self._take_text(batch)
        statements: list[Statement] = [*self._backlog.rows(), *batch.statements()]
        if stop and self._registered:
            statements += self._registration.retire()
        if statements:
            statements.insert(0, self._registration.stamp())
        await self._commit(statements)
        if stop:
            await self._write_backlog_until_deadline()
        self._queue.resolve(markers)
        return stop

    def _take_text(self, batch: LogBatch) -> None:
        """Add the growing answer rows; the next text is due an interval after it arrives."""
        self._mapper.text_rows(batch)
        self._text_due = None
        if self._mapper.streamed.pending:  # text of a turn whose start is still queued
            self._text_due = self._clock.now() + self._text_interval

    def _map(self, items: list[Item]) -> tuple[LogBatch, list[Marker]]:
        batch, markers = LogBatch(), []
        for item in items:
            if isinstance(item, Marker):
                markers.append(item)
            elif isinstance(item, SessionUpsert):
                batch.session_upserts.append(item.row)
            else:
                try:
                    self._mapper.add(batch, item)
                except Exception as exc:  # a bug here must not stop the log
                    self._record_failure(exc)
        return batch, markers

    async def _commit(self, statements: list[Statement]) -> None:
        if not statements:
            self._queue.settle()
            return
        started = self._clock.now()
        self._writing = self._registered = True
        try:
            outcome = await self._tx.run(statements)
        finally:
            self._writing = False
        for error in outcome.failures:
            self._record_failure(error)
        if outcome.locked:
            self.last_error = outcome.lock_error
            self._backlog.locked(outcome.backlog, started, outcome.lock_error)
        else:
            self._queue.settle()
            self._backlog.written()
            self._last_commit = self._clock.now()

    async def _write_backlog_until_deadline(self) -> None:
        """Closing: retry a locked backlog until it is written or the deadline passes."""
        while self._backlog and self._clock.now() < self._deadline:
            now = self._clock.now()
            wait = min(self._backlog.retry_due or now, self._deadline) - now
            if wait > 0:
                await self._clock.sleep(wait)
            await self._commit([self._registration.stamp(), *self._backlog.rows()])
        if self._backlog:
            self.failed_writes += self._backlog.give_up()
            self._queue.settle()

    async def _wait_for_work(self) -> None:
        """Until something is queued, the pending text is due or a locked retry is."""
        while not self._queue:
            due = self._backlog.retry_due if self._backlog else self._text_due
            now = self._clock.now()
            if due is not None and due <= now:
                return
            self._wake.clear()
            await self._wait(None if due is None else due - now)

    async def _hold(self) -> None:
        """Pace the next commit (see the module doc); milestones and flushes skip the wait."""
        while (until := self._hold_until()) > (now := self._clock.now()):
            self._wake.clear()
            await self._wait(until - now)

    def _hold_until(self) -> float:
        if self._queue.markers or self._closed:
            return -math.inf
        if self._backlog:
            return self._backlog.retry_due or -math.inf
        due = self._text_due is not None and self._text_due <= self._clock.now()
        if due or self._queue.milestone_queued or len(self._queue) >= self._max_batch:
            return -math.inf
        return self._last_commit + self._batch_window

    async def _wait(self, seconds: float | None) -> None:
        """Until ``observe``/``flush`` wakes the task or ``seconds`` pass on the clock."""
        if seconds is None:
            await self._wake.wait()
            return
        timer = self._clock.call_at(self._clock.now() + seconds, self._wake.set)
        try:
            await self._wake.wait()
        finally:
            timer.cancel()

    def _record_failure(self, exc: BaseException) -> None:
        self.failed_writes += 1
        self.last_error = exc
        logger.warning("could not write to the log: %s", exc, exc_info=exc)
