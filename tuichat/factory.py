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
   connection belongs to it; :mod:`tuichat.chat_log`): the log writer, the
   session row, the stale-answer lookup and the budgets' baselines. A log that cannot be opened
   leaves a working, unlogged chat and a one-line notice. The response cache
   (``cache.sqlite3`` beside the log, see :mod:`tuichat.cache_setup`) is
   opened there too, whether or not the log opened; never for a ``rerun``.

The individual builders (``policy_for``, ``limiter_for``, ...) are in
:mod:`tuichat.startup`; this module is the only caller that assembles them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from tuichat import paths
from tuichat.backends import Backends, route_for
from tuichat.chat_log import ChatLog
from tuichat.chat_routing import ChatRouter
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

    from tuichat.pending_log import PendingLog
    from tuichat.store import LogWriter
    from tuichat.store.policy import LogPolicy
    from tuichat.store.shared_state import SqliteSharedState
    from tuichat.telemetry import LiveTelemetry

log = logging.getLogger(__name__)


class Chat(ChatLog):
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
        self.router = ChatRouter(self)
        """``[[routing]]``: picks each send's route (front ends call ``before_send``)."""
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
        chat.router = ChatRouter(chat)  # after the route: no rule matched means this one
    return chat


def _continue(session: ChatSession, logged: LoggedSession, fork_at: int | None) -> None:
    """Resume ``logged`` in its own row, or fork it into a new one through ``fork_at``."""
    session.conversation = logged.history(fork_at)
    if fork_at is None:
        session.session_id = logged.session_id
