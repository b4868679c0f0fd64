"""The services bundle a chat's turns use, built from the settings (the factory's half).

Split from :mod:`tuichat.factory` so the factory stays one screen of wiring:
this module turns ``Settings`` and ``ChatWishes`` into the immutable
:class:`~tuichat.core.turn.services.TurnServices` (clock, breakers, cost
meter, retry policy, timeouts, admission), plus the budgets and the system
prompt. Consumers (metrics, budgets, log, cache) are attached by the factory.
"""

from __future__ import annotations

from dataclasses import replace

from tuichat.chat_wishes import ChatWishes
from tuichat.config import Settings
from tuichat.core.clock import Clock
from tuichat.core.cost.attempt_cost import CostMeter
from tuichat.core.cost.budget import Budgets
from tuichat.core.health.breaker import BreakerBoard
from tuichat.core.limits.admission import Admission
from tuichat.core.turn.services import TurnServices
from tuichat.startup import breakers_for, limiter_for, policy_for, timeouts_for


def services_for(
    clock: Clock, settings: Settings | None, wishes: ChatWishes, meter: CostMeter
) -> TurnServices:
    """The bundle before its consumers: clock, breakers, meter, and what the settings add."""
    breakers = _breakers(settings, clock) if wishes.breakers else None
    services = TurnServices(clock=clock, breakers=breakers, meter=meter)
    return services if settings is None else _with_settings(services, settings, wishes, meter)


def warm(meter: CostMeter) -> None:
    """Load the price database and token encodings on threads (never on the loop)."""
    meter.prices.warm_in_background()
    if meter.counter is not None:
        meter.counter.warm_in_background()


def _with_settings(
    services: TurnServices, settings: Settings, wishes: ChatWishes, meter: CostMeter
) -> TurnServices:
    """Retry policy, timeouts and the limiter ``[resilience]`` and the models ask for."""
    limiter = limiter_for(settings, services.clock)
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


def _breakers(settings: Settings | None, clock: Clock) -> BreakerBoard:
    """The circuit breakers ``[resilience]`` configures (defaults without settings)."""
    return breakers_for(settings, clock) if settings is not None else BreakerBoard(clock)


def budgets_for(settings: Settings | None) -> Budgets:
    """The spending limits of the settings' profile and tag (none without settings)."""
    if settings is None:
        return Budgets((), profile="default", tag=None)
    return Budgets(settings.budgets, profile=settings.profile, tag=settings.tag)


def system_for(settings: Settings | None) -> str | None:
    """The configured system prompt, if any."""
    return settings.system if settings is not None else None
