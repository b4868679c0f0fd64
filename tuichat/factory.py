"""The one place a chat is built: settings in, a ready :class:`Chat` out.

Every front end — the TUI, ``ask``, and the coming ``replay``, ``rerun`` and
``bench`` — gets its chat from here and never opens the database or
constructs a core service itself. Building happens in two steps because the
two halves live in different places:

1. :func:`start_chat` / :func:`assemble_chat` (synchronous, before any event
   loop runs the UI): the providers and their embedded servers, the route and
   fallbacks, retry policy, timeouts, breakers, limiter, cost meter, budgets
   and metrics, bundled as the session's immutable
   :class:`~tuichat.core.turn.services.TurnServices`.
2. :meth:`Chat.open_log` (on the front end's event loop, since the SQLite
   connection belongs to it): the log writer, the session row, the
   stale-answer lookup and the budgets' baselines. A log that cannot be opened
   leaves a working, unlogged chat and a one-line notice. The response cache
   (``cache.sqlite3`` beside the log, see :mod:`tuichat.cache_setup`) is
   opened there too, whether or not the log opened; never for a ``rerun``.

The individual builders (``policy_for``, ``limiter_for``, ...) are in
:mod:`tuichat.startup`; this module is the only caller that assembles them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from tuichat import paths
from tuichat.backends import Backends, route_for
from tuichat.chat_services import budgets_for, open_shared, services_for, system_for, warm
from tuichat.chat_wishes import ChatWishes as ChatWishes  # re-exported: front ends import it here
from tuichat.config import ModelSpec, Settings
from tuichat.core.clock import Clock, SystemClock
from tuichat.core.cost.attempt_cost import CostMeter
from tuichat.core.cost.budget import Budgets
from tuichat.core.cost.pricing import PriceBook
from tuichat.core.cost.tokens import TokenCounter
from tuichat.core.health.breaker import BreakerBoard
from tuichat.core.limits.shared_readings import ReadingBoard
from tuichat.core.metrics.cache_tally import CacheTally
from tuichat.core.metrics.session_metrics import SessionMetrics
from tuichat.core.provider import Provider
from tuichat.core.turn.chat import ChatSession, RouteModel
from tuichat.core.turn.services import TurnServices
from tuichat.core.untrusted import one_line
from tuichat.logbook import LoggedSession
from tuichat.startup import (
    Started,
    start_primary,
)

if TYPE_CHECKING:
    import aiosqlite

    from tuichat.cache_setup import CacheRequest
    from tuichat.core.cache.response_cache import ResponseCache
    from tuichat.pending_log import PendingLog
    from tuichat.store import LogWriter
    from tuichat.store.policy import LogPolicy
    from tuichat.store.shared_state import SqliteSharedState
    from tuichat.telemetry import LiveTelemetry

log = logging.getLogger(__name__)


class Chat:
    """A ready chat: the session, the consumers of its events, its log and providers."""

    def __init__(
        self,
        session: ChatSession,
        *,
        spec: ModelSpec,
        settings: Settings | None,
        backends: Backends | None,
        metrics: SessionMetrics,
        budgets: Budgets,
        meter: CostMeter,
        wishes: ChatWishes,
        notice: str | None = None,
    ) -> None:
        self.session = session
        self.spec = spec
        self.settings = settings
        self.backends = backends
        self.metrics = metrics
        self.budgets = budgets
        self.meter = meter
        self.wishes = wishes
        self.notice = notice
        self.db: aiosqlite.Connection | None = None
        self.writer: LogWriter | None = None
        self.cache_today: CacheTally | None = None
        """Today's response-cache lookups from the log (the HUD's "today" line)."""
        self.shared: SqliteSharedState | None = None
        """Limits, breakers and readings shared by the user's processes (None: this one's)."""
        self.shared_failure: str | None = None
        self.telemetry: LiveTelemetry | None = None
        """OpenTelemetry export of every turn (None: not configured)."""
        self._pending: PendingLog | None = None
        """Where turns log while the log opens (:meth:`log_later`; None: they wait for it)."""

    @property
    def services(self) -> TurnServices:
        """The bundle every turn of the session uses."""
        return self.session.services

    @property
    def clock(self) -> Clock:
        """The one clock of this chat."""
        return self.session.services.clock

    @property
    def counter(self) -> TokenCounter:
        """Offline token counts (the pre-send estimate and the limiter use them)."""
        assert self.meter.counter is not None
        return self.meter.counter

    @property
    def breakers(self) -> BreakerBoard | None:
        """The circuit breakers of the session's providers (None: not watched)."""
        return self.services.breakers

    @property
    def database_path(self) -> Path:
        """Where the log lives."""
        return self.wishes.database or paths.database_path()

    @property
    def cache_path(self) -> Path:
        """Where the response cache lives: a sibling file of the log."""
        return self.database_path.with_name("cache.sqlite3")

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

    async def open_log(self, on_late: Callable[[str], None] | None = None) -> str | None:
        """Open the log and attach it; on failure return a one-line notice (chat goes on).

        ``on_late`` gets one line when the log falls behind because another
        process holds the database (nothing is lost; rows wait in memory).
        The log, the response cache and the shared limits are three SQLite
        files, opened side by side in threads; the event loop only attaches them.
        """
        from tuichat.cache_setup import warm_semantic

        try:
            telemetry_failure = self.open_telemetry(on_late)
            sidecars, failure = await asyncio.gather(
                self._open_sidecars(), self._open_writer(on_late)
            )
            if self.wishes.warm:  # the TUI warms it when the chat is quiet (ui.warm_up)
                self._warming = warm_semantic(self.services.cache)
            if failure is None:
                failure = await self._record_session()
            return failure or sidecars or telemetry_failure
        finally:
            self._release_pending()  # opened or not: held turns go to the log or are let go

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
            self.db = await open_database(path)
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

    async def open_session_row(
        self, *, forked_from: str | None = None, fork_at: int | None = None
    ) -> str | None:
        """Record the row of ``session.session_id``; a fork copies its history's rows.

        A fork of ``forked_from`` through turn ``fork_at`` shares that
        session's logged turns (``forked_from`` recorded on the new row).
        Then the budgets' baselines are re-read. Returns a one-line notice on
        failure (the chat goes on).
        """
        from tuichat.store.sessions import fork_session

        if self.writer is None or self.db is None:
            return None
        try:
            if forked_from is not None and fork_at is not None:
                await self.writer.flush(everything=True)  # a live fork copies its own rows
                await fork_session(self.db, forked_from, fork_at, self.session.session_id)
            else:
                await self._ensure_session_row()
        except Exception as exc:
            log.exception("cannot record session %s", self.session.session_id)
            return one_line(f"Not recorded as a session of its own: {exc}")
        self._release_pending()  # the session row is queued: held turns can follow it
        await self.refresh_budgets()
        return None

    def open_telemetry(self, say: Callable[[str], None] | None = None) -> str | None:
        """Tap OpenTelemetry export onto the session if configured; one line if it cannot run."""
        from tuichat.store.policy import Redactor
        from tuichat.telemetry import start_telemetry

        if self.settings is not None and self.telemetry is None:
            self.telemetry, failure = start_telemetry(self.settings, Redactor(self._policy()), say)
            if self.telemetry is not None:
                self.session.tap(self.telemetry.observe)
            return failure
        return None

    def _policy(self) -> LogPolicy:
        """What the log redacts and keeps: keys always, then ``[log]`` of the settings."""
        from tuichat.config.api_keys import known_keys
        from tuichat.store.policy import LogPolicy

        if self.settings is None:
            return LogPolicy()
        log_settings = self.settings.log
        return LogPolicy(
            secrets=known_keys(self.settings),
            patterns=log_settings.redact,
            content=log_settings.content,
            timeline_sample_rate=log_settings.timeline_sample_rate,
        )

    def _late(self, say: Callable[[str], None] | None) -> Callable[[], None] | None:
        """The writer's "late" callback, turned into the line the front end shows."""
        if say is None:
            return None

        def late() -> None:
            notice = self.writer.late_notice() if self.writer is not None else None
            if notice:
                say(notice)

        return late

    async def _ensure_session_row(self) -> None:
        assert self.writer is not None
        settings = self.settings
        await self.writer.ensure_session(
            self.session.session_id,
            model=self.spec.name,
            system_prompt=self.session.conversation.system,
            tag=settings.tag if settings else None,
            profile=settings.profile if settings else None,
            rerun_of=self.wishes.rerun_of,
        )

    async def refresh_budgets(self) -> None:
        """Budget baselines from the log, after flushing what this session wrote."""
        from tuichat.store.spend import load_budgets

        if self.db is None or self.writer is None:
            return
        try:
            await self.writer.flush(everything=True)
            await load_budgets(
                self.db, self.budgets, session_id=self.session.session_id, now=self.clock.wall()
            )
        except Exception:  # a broken log must not stop the chat; budgets go live-only
            log.exception("cannot read spending from the log")
        await self.refresh_cache_today()

    async def refresh_cache_today(self) -> None:
        """Today's response-cache lookups of every tuichat process, re-read from the log."""
        from tuichat.cache_setup import today_tally

        if self.db is not None and self.services.cache is not None:
            self.cache_today = await today_tally(self.db, self.clock.wall())

    def route_for(
        self, spec: ModelSpec, provider: Provider, fallbacks: Sequence[str] | None = None
    ) -> list[RouteModel]:
        """The route starting at ``spec`` (its chain's fallbacks unless given)."""
        if self.settings is None or self.backends is None:
            cap = self.wishes.max_tokens or spec.max_tokens
            return [RouteModel(spec.name, provider, spec.model, cap, spec.temperature)]
        return route_for(self.settings, self.backends, spec, provider, fallbacks)

    async def aclose(self) -> str | None:
        """Write what is queued, close the log and the providers' HTTP clients.

        Returns one line when rows could not be written (the database stayed
        locked past the writer's deadline), else None.
        """
        unwritten = 0
        if self.telemetry is not None:
            self.telemetry.close()  # bounded: a hanging collector never holds the exit
        if self.writer is not None:
            await self.writer.close()
            unwritten = self.writer.failed_writes
        await self._close_connections()
        if unwritten:
            return f"{unwritten} log rows could not be written (see tuichat.log)"
        return None

    async def _close_connections(self) -> None:
        cache = self.services.cache
        close = getattr(cache.store, "close", None) if cache is not None else None
        if callable(close):
            close()
        if self.db is not None:
            await self.db.close()
        if self.shared is not None:
            self.shared.close()
        if self.backends is not None:
            await self.backends.aclose_providers()
        else:
            await self.session.provider.aclose()


def start_chat(
    settings: Settings,
    wishes: ChatWishes | None = None,
    *,
    backends: Backends,
    clock: Clock | None = None,
) -> Chat:
    """Start the selected model (embedded servers included) and assemble its chat."""
    started: Started = start_primary(settings, backends)
    chat = assemble_chat(
        started.spec,
        started.provider,
        wishes,
        settings=settings,
        backends=backends,
        clock=clock,
    )
    chat.notice = started.notice
    return chat


def assemble_chat(
    spec: ModelSpec,
    provider: Provider,
    wishes: ChatWishes | None = None,
    *,
    settings: Settings | None = None,
    backends: Backends | None = None,
    clock: Clock | None = None,
) -> Chat:
    """A chat on ``provider`` for ``spec``; ``settings`` add limits, budgets and fallbacks."""
    wishes = wishes or ChatWishes()
    meter = CostMeter(PriceBook(), TokenCounter(paths.cache_dir()))
    if wishes.warm:
        warm(meter)
    metrics, budgets = SessionMetrics(), budgets_for(settings)
    shared, shared_failure = (None, None) if wishes.shared_later else open_shared(settings, wishes)
    clock = clock or SystemClock()
    services = services_for(clock, settings, wishes, meter, shared)
    if shared is not None:  # the HUD shows the newest reading of any process
        metrics.stats.readings = ReadingBoard(shared, clock)
    services = replace(
        services, metrics=metrics.observe, budgets=budgets.observe, spend_guard=budgets
    )
    session = ChatSession(
        provider,
        spec.model,
        services=services,
        system=wishes.system if wishes.system is not None else system_for(settings),
        max_tokens=wishes.max_tokens if wishes.max_tokens is not None else spec.max_tokens,
        temperature=spec.temperature,
    )
    if wishes.resume is not None:
        _continue(session, wishes.resume, wishes.fork_at)
    chat = Chat(session, spec=spec, settings=settings, backends=backends, metrics=metrics,
                budgets=budgets, meter=meter, wishes=wishes)  # fmt: skip
    chat.shared, chat.shared_failure = shared, shared_failure
    if settings is not None and backends is not None:
        session.set_route(chat.route_for(spec, provider))
    return chat


async def _nothing() -> None:
    """Nothing to open (the other branch of a ``gather``)."""
    return None


def _continue(session: ChatSession, logged: LoggedSession, fork_at: int | None) -> None:
    """Resume ``logged`` in its own row, or fork it into a new one through ``fork_at``."""
    session.conversation = logged.history(fork_at)
    if fork_at is None:
        session.session_id = logged.session_id
