"""Small internals of :mod:`tuichat.core.turn.turn`: trace ids, how an attempt gave up."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from tuichat.core import errors
from tuichat.core.outcome import RouteStep


def new_trace_id() -> str:
    """A W3C/OpenTelemetry-shaped trace id (32 hex chars)."""
    return uuid.uuid4().hex


class Failed(Exception):
    """Internal: an attempt failed with ``error`` (already logged as AttemptEnded)."""

    def __init__(self, error: errors.ProviderError) -> None:
        self.error = error


@dataclass(frozen=True, slots=True)
class GaveUp:
    """Internal: a target gave up with ``error``; ``stop`` ends the route (no fallback)."""

    error: errors.ProviderError
    stop: bool


async def close_stream(parts: object) -> None:
    """Close a provider's stream left mid-way (closing its HTTP response)."""
    aclose = getattr(parts, "aclose", None)
    if aclose is not None:
        await aclose()


def failed_step(error: errors.ProviderError) -> RouteStep:
    """An attempt that failed with ``error``, as a step of the outcome."""
    return RouteStep("failed", error.error_type, error.status_code)
