"""Where a turn may go: an ordered route of targets, and what happened on it.

A route is the selected model followed by its fallbacks. The turn walks it:
retrying a target while the retry policy says so, moving on when it says
"fallback", and ending with one human line that says what was tried, e.g.
``gpt-4o: 429, waited 2.1 s; claude-haiku: answered``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tuichat.core import errors
from tuichat.core.conversation import ChatRequest
from tuichat.core.cost.pricing import Tariff
from tuichat.core.provider import Provider


@dataclass(frozen=True, slots=True)
class Target:
    """One model to try: the name shown, who serves it, and the request for it."""

    label: str
    provider: Provider
    request: ChatRequest
    tariff: Tariff | None = None
    """How to price it; None prices by the provider's name and the model id."""

    def pricing(self) -> Tariff:
        """The tariff to price this target's attempts with."""
        return self.tariff or Tariff(self.provider.name, self.request.model)

    @property
    def breaker_key(self) -> str:
        """Circuit breakers are per provider endpoint, not per model."""
        return f"{self.provider.name}@{self.provider.base_url_host}"


@dataclass
class TargetLog:
    """What happened on one target, in order, for the summary line."""

    label: str
    outcomes: list[str] = field(default_factory=list)

    def describe(self) -> str:
        return f"{self.label}: {', '.join(self.outcomes) if self.outcomes else 'not tried'}"


def summary(logs: list[TargetLog]) -> str:
    """``a: 429, waited 2.1 s; b: answered``."""
    return "; ".join(log.describe() for log in logs)


def short_outcome(error: errors.ProviderError) -> str:
    """``429`` or ``timeout``: the compact outcome used in the summary line."""
    return str(error.status_code) if error.status_code else error.error_type
