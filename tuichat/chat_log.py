"""Opening a chat's log: the SQLite log, the response cache and the shared limits.

The second half of building a chat (:mod:`tuichat.factory`), a mixin of
:class:`~tuichat.factory.Chat`: :meth:`ChatLog.open_log` runs on the front
end's event loop, since the log's connection belongs to it. The three SQLite
files (the log, ``cache.sqlite3`` and ``limits.sqlite3`` beside it) are
opened in threads, the log first: a turn sent before it opened waits for it
alone, not for the other two (which serve the turns after it). The event
loop only attaches them to the session's services.

A front end that lets a send go before the log is open (the TUI, for a
message typed the instant its screen is ready) calls :meth:`ChatLog.log_later`
first: turns then log into a :class:`~tuichat.pending_log.PendingLog`, which
hands their events to the writer once this chat's session row is queued
(:meth:`ChatLog._release_pending`). Nothing is shown before it is committed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from tuichat.chat_services import open_shared, services_for
from tuichat.chat_wishes import ChatWishes
from tuichat.config import ModelSpec, Settings
from tuichat.core.clock import Clock
from tuichat.core.cost.attempt_cost import CostMeter
from tuichat.core.cost.budget import Budgets
from tuichat.core.limits.shared_readings import ReadingBoard
from tuichat.core.metrics.session_metrics import SessionMetrics
from tuichat.core.turn.chat import ChatSession
from tuichat.core.turn.services import TurnServices
from tuichat.core.untrusted import one_line

if TYPE_CHECKING:
    import aiosqlite

    from tuichat.cache_setup import CacheRequest
    from tuichat.core.cache.response_cache import ResponseCache
    from tuichat.pending_log import PendingLog
    from tuichat.store import LogWriter
    from tuichat.store.policy import LogPolicy
    from tuichat.store.shared_state import SqliteSharedState

log = logging.getLogger(__name__)


class ChatLog:
    """Opens the log, the cache and the shared limits (a mixin of ``Chat``: see the module doc)."""

    session: ChatSession
    spec: ModelSpec
    settings: Settings | None
    wishes: ChatWishes
    metrics: SessionMetrics
    budgets: Budgets
    meter: CostMeter
    db: aiosqlite.Connection | None
    writer: LogWriter | None
    shared: SqliteSharedState | None
    shared_failure: str | None
    _pending: PendingLog | None
    _prepared_log: Path | None = None  # created and migrated ahead (prepare_log_file)

    if TYPE_CHECKING:  # provided by Chat

        @property
        def services(self) -> TurnServices: ...
        @property
        def clock(self) -> Clock: ...
        @property
        def database_path(self) -> Path: ...
        @property
        def cache_path(self) -> Path: ...
        def _policy(self) -> LogPolicy: ...
        def _late(self, say: Callable[[str], None] | None) -> Callable[[], None] | None: ...
        def open_telemetry(self, say: Callable[[str], None] | None = None) -> str | None: ...
        async def open_session_row(
            self, *, forked_from: str | None = None, fork_at: int | None = None
        ) -> str | None: ...

    def open_cache(self) -> str | None:
        """Open the response cache and attach it; on failure one line (the chat goes live)."""
        wanted = self._cache_wanted()
        return self._use_cache(*self._open_cache_file(wanted)) if wanted else None

    def _cache_wanted(self) -> CacheRequest | None:
        """The cache this chat asks for (None: no settings, or a rerun, which asks anew)."""
        from tuichat.cache_setup import CacheRequest

        if self.settings is None or self.wishes.rerun_of is not None:
            return None
        wishes, tag = self.wishes, self.settings.tag
        tags = wishes.cache_tags or ((tag,) if tag else ())  # the feature tag by default
        return CacheRequest(self.cache_path, wishes.cache_ttl_s, tags, self.spec)

    def _open_cache_file(self, wanted: CacheRequest) -> tuple[ResponseCache | None, str | None]:
        """The cache's SQLite file opened (blocking: the log's opening runs it in a thread)."""
        from tuichat.cache_setup import open_response_cache

        assert self.settings is not None
        return open_response_cache(self.settings, wanted, self._policy(), self.clock)

    def _use_cache(self, cache: ResponseCache | None, failure: str | None) -> str | None:
        """Attach an opened cache to the next turns (on the event loop); ``failure`` back."""
        from tuichat.cache_setup import cache_mode

        self.metrics.cache_mode = cache_mode(self.settings, cache)
        if cache is not None:
            self.session.services = replace(self.services, cache=cache)
            if not self.wishes.cache:  # ``ask --no-cache``; a bypass chosen meanwhile stays
                self.session.bypass_cache = True
        return failure

    def log_later(self) -> None:
        """Let turns start before :meth:`open_log` has finished: their events wait in memory.

        The TUI calls it before its first send, so a message typed the
        instant the screen is ready goes out at once (:mod:`tuichat.pending_log`);
        the events reach the log once it is open, and no answer is shown
        before they are committed.
        """
        from tuichat.pending_log import PendingLog

        if self.writer is None and self._pending is None:
            self._pending = PendingLog()
            self.session.services = replace(self.services, log=self._pending)

    @property
    def send_waits_for_log(self) -> bool:
        """True when a send needs the open log first: budgets' baselines, the OpenTelemetry tap.

        Without budgets or telemetry a send needs nothing the log brings (the
        response cache and the shared limits serve the turns after it).
        """
        if self.budgets.rules:
            return True
        otel = self.settings.otel if self.settings is not None else None
        if otel is None or not otel.enabled:
            return False
        from tuichat.telemetry.target import telemetry_target

        return telemetry_target(otel) is not None

    def prepare_log_file(self) -> None:
        """Create, migrate and recover the log file now (blocking: a thread's work).

        The TUI does it in the thread that imports the log's modules after
        its first paint, while the event loop is busy with the HTTP stack: a
        new log's migrations are then done before :meth:`open_log` runs, so
        a message typed at once waits for less (its text is shown once its
        rows are committed). A failure here is met and reported by the open.
        """
        from tuichat.store.database import prepare_database

        path = self.database_path
        if prepare_database(path):
            self._prepared_log = path

    async def open_log(self, on_late: Callable[[str], None] | None = None) -> str | None:
        """Open the log and attach it; on failure return a one-line notice (chat goes on).

        ``on_late`` gets one line when the log falls behind because another
        process holds the database (nothing is lost; rows wait in memory).
        The log, the response cache and the shared limits are three SQLite
        files, opened in threads: the log first, and the turns held for it
        go to it before the other two are opened (measured in a pty: the
        first text of a message typed at once 38-43 ms after its first
        token when all three competed for the interpreter, 28-32 ms after).
        """
        from tuichat.cache_setup import warm_semantic

        try:
            telemetry_failure = self.open_telemetry(on_late)
            failure = await self._open_writer(on_late)
            if failure is None:
                failure = await self._record_session()
        finally:
            self._release_pending()  # opened or not: held turns go to the log or are let go
        sidecars = await self._open_sidecars()
        if self.wishes.warm:  # the TUI warms it when the chat is quiet (ui.warm_up)
            self._warming = warm_semantic(self.services.cache)
        return failure or sidecars or telemetry_failure

    async def _open_sidecars(self) -> str | None:
        """The response cache and (``shared_later``) the shared limits: files opened in threads."""
        wanted = self._cache_wanted()
        share = self.wishes.shared_later and self.shared is None
        cache, shared = await asyncio.gather(
            asyncio.to_thread(self._open_cache_file, wanted) if wanted else _nothing(),
            asyncio.to_thread(open_shared, self.settings, self.wishes) if share else _nothing(),
        )
        if shared is not None:
            self._use_shared(*shared)
        cache_failure = self._use_cache(*cache) if cache is not None else None
        return cache_failure or self.shared_failure

    async def _open_writer(self, on_late: Callable[[str], None] | None) -> str | None:
        """The log's connection and writer; one line if they cannot be opened."""
        from tuichat.store import LogWriter, cached_answer, open_database

        path = self.database_path
        try:
            self.db = await open_database(path, prepared=path == self._prepared_log)
            self.writer = LogWriter(
                self.db, clock=self.clock, on_late=self._late(on_late), policy=self._policy()
            )
            await self.writer.start()
        except Exception as exc:
            log.exception("cannot open the log at %s", path)
            return one_line(f"Not logging: cannot open {path}: {exc}")  # telemetry still runs
        self.session.services = replace(self.services, stale_lookup=partial(cached_answer, self.db))
        return None

    async def _record_session(self) -> str | None:
        """This chat's session row (a fork's copies its history's rows), then the budgets."""
        resumed = self.wishes.resume
        if resumed is not None and self.wishes.fork_at is not None:
            return await self.open_session_row(
                forked_from=resumed.session_id, fork_at=self.wishes.fork_at
            )
        return await self.open_session_row()

    def _release_pending(self) -> None:
        """The log is open (or failed): the next turns log to it, and the held events follow.

        Called once the session row is queued: a turn's rows refer to it.
        """
        if self.writer is not None and self.services.log is not self.writer:
            self.session.services = replace(self.services, log=self.writer)
        if self._pending is not None:
            self._pending.attach(self.writer)

    def share_limits(self) -> None:
        """Open the limits shared by the user's processes now, and use them from the next turn.

        The breakers, the limiter and the HUD's readings are rebuilt on the
        shared file (``ChatWishes.shared_later``: the TUI opens it after its
        first paint, before any send).
        """
        self._use_shared(*open_shared(self.settings, self.wishes))

    def _use_shared(self, shared: SqliteSharedState | None, failure: str | None) -> None:
        """Rebuild the breakers, the limiter and the readings on the opened shared file."""
        self.shared_failure = failure
        if shared is None:
            return
        self.shared = shared
        rebuilt = services_for(self.clock, self.settings, self.wishes, self.meter, shared)
        self.session.services = replace(
            self.services, breakers=rebuilt.breakers, admission=rebuilt.admission
        )
        self.metrics.stats.readings = ReadingBoard(shared, self.clock)


async def _nothing() -> None:
    """Nothing to open (the other branch of a ``gather``)."""
    return None
