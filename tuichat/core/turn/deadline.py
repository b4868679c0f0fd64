"""Per-attempt timeouts: response headers, first token, idle gap between chunks, total.

The connect timeout belongs to the HTTP client; these four are enforced by
the turn with a :class:`~tuichat.core.clock.ClockTimeout` on the turn's clock,
rescheduled as the stream moves on (so a manual clock tests them without
waiting). An attempt goes through three waits, each bounded by the total:

* ``headers``: from sending to the first part of the response (its headers;
  a provider that reports no headers ends this wait with its first text).
  Providers send headers before the model thinks, so this is seconds, and a
  server that stays silent is hung: :class:`~tuichat.core.errors.NoResponseHeaders`.
* ``first_token``: from sending to the first text:
  :class:`~tuichat.core.errors.FirstTokenTimeout`.
* ``idle``: between two pieces of text: a plain
  :class:`~tuichat.core.errors.ProviderTimeout`, like the total.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tuichat.core import errors
from tuichat.core.clock import Clock

Wait = Literal["headers", "first_token", "idle"]
"""What an attempt is waiting for."""


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Per-attempt limits in seconds (None: no limit); connect is the HTTP client's."""

    first_token: float | None = 60.0
    """From sending the request to the first text."""
    idle: float | None = 60.0
    """Longest gap between two pieces of text."""
    total: float | None = 600.0
    """The whole attempt."""
    headers: float | None = 20.0
    """From sending the request to the response headers.

    Providers send headers before the model thinks, so this is far below the
    first-token limit; but llama.cpp sends none until the prompt is processed,
    so it leaves room for a long prompt on a slow CPU. A silent server then
    fails within 20 + backoff + 20 s (one retry), under the 45 s promised."""


class Deadline:
    """When the current wait must end: headers, first token, then idle gaps, within the total."""

    def __init__(self, timeouts: Timeouts, clock: Clock) -> None:
        self._timeouts = timeouts
        self._clock = clock
        self._start = clock.now()
        self._total_at = None if timeouts.total is None else self._start + timeouts.total
        self._wait: Wait = "headers"
        self._by_total = False

    def next(self, wait: Wait) -> float | None:
        """The clock time at which to give up waiting for ``wait`` (the earliest limit)."""
        self._wait = wait
        candidates = [self._step_at(wait), self._total_at]
        if wait == "headers":  # the first-token limit also runs while headers are awaited
            candidates.append(self._step_at("first_token"))
        known = [at for at in candidates if at is not None]
        at = min(known, default=None)
        self._by_total = at is not None and at == self._total_at and at != self._step_at(wait)
        return at

    def next_idle(self) -> float | None:
        """``next("idle")`` for the hot path: called once per piece of text."""
        self._wait = "idle"
        idle, total_at = self._timeouts.idle, self._total_at
        if idle is None:
            self._by_total = total_at is not None
            return total_at
        at = self._clock.now() + idle
        self._by_total = total_at is not None and total_at < at
        return total_at if self._by_total else at

    def _step_at(self, wait: Wait) -> float | None:
        """When ``wait``'s own limit ends: headers and first token count from the start."""
        limit: float | None = getattr(self._timeouts, wait)
        if limit is None:
            return None
        return (self._clock.now() if wait == "idle" else self._start) + limit

    def error(self, who: str) -> errors.ProviderTimeout:
        """The error for the wait that ran out; ``who`` names the provider."""
        t = self._timeouts
        if self._by_total:
            return errors.ProviderTimeout(f"the answer took longer than {t.total:g} s")
        if self._wait == "idle":
            return errors.ProviderTimeout(f"no text for {t.idle:g} s")
        headers_due = self._step_at("headers")
        if self._wait == "headers" and headers_due is not None and headers_due <= self._clock.now():
            return errors.NoResponseHeaders(
                f"no response headers from {who} within {t.headers:g} s"
            )
        return errors.FirstTokenTimeout(f"no first token from {who} within {t.first_token:g} s")
