"""The services bundle a chat's turns use, built from the settings (the factory's half).

Split from :mod:`tuichat.factory` so the factory stays one screen of wiring:
this module turns ``Settings`` and ``ChatWishes`` into the immutable
:class:`~tuichat.core.turn.services.TurnServices` (clock, breakers, cost
meter, retry policy, timeouts, admission), plus the budgets and the system
prompt. Consumers (metrics, budgets, log, cache) are attached by the factory.

:func:`open_shared` opens the limits every tuichat process of the user shares
(``limits.sqlite3`` beside the log, :mod:`tuichat.store.shared_state`): the
limiter's buckets, the circuit breakers and the last rate-limit readings.
When it cannot be opened, they hold in this process, as before, with one line
to say so. With it, even a one-shot ``ask`` obeys and feeds the breakers:
the next process has turns to protect.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from tuichat import paths
from tuichat.chat_wishes import ChatWishes
from tuichat.config import Settings
from tuichat.core.clock import Clock
from tuichat.core.cost.attempt_cost import CostMeter
from tuichat.core.cost.budget import Budgets
from tuichat.core.health.breaker import BreakerBoard
from tuichat.core.limits.admission import Admission
from tuichat.core.limits.shared_buckets import SharedStateUnavailable
from tuichat.core.turn.services import TurnServices
from tuichat.core.untrusted import one_line
from tuichat.startup import breakers_for, limiter_for, policy_for, timeouts_for

if TYPE_CHECKING:
    from tuichat.store.shared_state import SqliteSharedState

log = logging.getLogger(__name__)


def open_shared(
    settings: Settings | None, wishes: ChatWishes
) -> tuple[SqliteSharedState | None, str | None]:
    """The shared limits beside the log (None without settings), or None and one line why not."""
    if settings is None:
        return None, None
    from tuichat.store.shared_state import open_shared_state
    from tuichat.store.shared_state_schema import state_path_beside

    path = state_path_beside(wishes.database or paths.database_path())
    try:
        return open_shared_state(path), None
    except SharedStateUnavailable as exc:
        log.warning("%s", exc)
        return None, one_line(f"Limits and breakers hold in this process only: {exc}")


def services_for(
    clock: Clock,
    settings: Settings | None,
    wishes: ChatWishes,
    meter: CostMeter,
    shared: SqliteSharedState | None = None,
) -> TurnServices:
    """The bundle before its consumers: clock, breakers, meter, and what the settings add."""
    breakers = _breakers(settings, clock, shared) if wishes.breakers or shared else None
    services = TurnServices(clock=clock, breakers=breakers, meter=meter)
    if settings is None:
        return services
    return _with_settings(services, settings, wishes, meter, shared)


def warm(meter: CostMeter) -> None:
    """Load the price database and token encodings on threads (never on the loop)."""
    meter.prices.warm_in_background()
    if meter.counter is not None:
        meter.counter.warm_in_background()


def _with_settings(
    services: TurnServices,
    settings: Settings,
    wishes: ChatWishes,
    meter: CostMeter,
    shared: SqliteSharedState | None,
) -> TurnServices:
    """Retry policy, timeouts and the limiter ``[resilience]`` and the models ask for."""
    limiter = limiter_for(settings, services.clock, shared)
    admission = None
    if limiter is not None:
        admission = Admission(
            limiter,
            profile=settings.profile,
            priority=wishes.priority,
            budget=wishes.queue_budget_s,
            label=wishes.label,
            counter=meter.counter,
        )
        if meter.counter is not None:
            meter.counter.warm_in_background()  # the limiter counts the first send
    return replace(
        services, policy=policy_for(settings), timeouts=timeouts_for(settings), admission=admission
    )


def _breakers(
    settings: Settings | None, clock: Clock, shared: SqliteSharedState | None
) -> BreakerBoard:
    """The circuit breakers ``[resilience]`` configures (defaults without settings)."""
    if settings is None:
        return BreakerBoard(clock, records=shared)
    return breakers_for(settings, clock, shared)


def budgets_for(settings: Settings | None) -> Budgets:
    """The spending limits of the settings' profile and tag (none without settings)."""
    if settings is None:
        return Budgets((), profile="default", tag=None)
    return Budgets(settings.budgets, profile=settings.profile, tag=settings.tag)


def system_for(settings: Settings | None) -> str | None:
    """The configured system prompt, if any."""
    return settings.system if settings is not None else None
