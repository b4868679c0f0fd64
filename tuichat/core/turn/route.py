"""Where a turn may go: an ordered route of targets, and what happened on it.

A route is the selected model followed by its fallbacks. The turn walks it:
retrying a target while the retry policy says so, moving on when it says
"fallback"; what happened is recorded as a typed
:class:`~tuichat.core.outcome.RouteOutcome` on the terminal event.
"""

from __future__ import annotations

from dataclasses import dataclass

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
