"""What a turn tried, as data: the models of its route and what happened on each.

Terminal events carry a :class:`RouteOutcome`; the one-line summary users
read (``gpt-4o: 429, waited 2.1 s, answered; claude: not tried``) is derived
from it, never parsed back. Consumers that need a fact (were there retries?
a fallback? how long did we wait?) read the fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

StepKind = Literal["answered", "failed", "waited", "skipped", "refused", "cancelled"]


@dataclass(frozen=True, slots=True)
class RouteStep:
    """One thing that happened on one model: an attempt's end, or a wait before a retry."""

    kind: StepKind
    error_type: str | None = None
    status_code: int | None = None
    wait_s: float | None = None

    def describe(self) -> str:
        """``429``, ``timeout``, ``waited 2.1 s``, ``answered``."""
        if self.kind == "failed":
            return str(self.status_code) if self.status_code else (self.error_type or "failed")
        if self.kind == "waited":
            return f"waited {self.wait_s or 0.0:.1f} s"
        return _PHRASES[self.kind]


_PHRASES: dict[str, str] = {
    "answered": "answered",
    "skipped": "skipped (circuit open)",
    "refused": "refused by the local rate limiter",
    "cancelled": "cancelled",
}


@dataclass(frozen=True, slots=True)
class ModelOutcome:
    """The steps taken on one model of the route, in order."""

    label: str
    steps: tuple[RouteStep, ...] = ()

    def describe(self) -> str:
        """``gpt-4o: 429, waited 2.1 s, answered``."""
        said = ", ".join(step.describe() for step in self.steps) if self.steps else "not tried"
        return f"{self.label}: {said}"


@dataclass(frozen=True, slots=True)
class RouteOutcome:
    """Every model the turn reached, in order, with what happened on each."""

    models: tuple[ModelOutcome, ...] = ()

    @property
    def attempts(self) -> int:
        """Requests sent (answered, failed or cancelled), across models."""
        sent = ("answered", "failed", "cancelled")
        return sum(1 for m in self.models for s in m.steps if s.kind in sent)

    @property
    def retries(self) -> int:
        """Waits before a retry on the same model."""
        return sum(1 for m in self.models for s in m.steps if s.kind == "waited")

    @property
    def waited_s(self) -> float:
        """Seconds spent waiting before retries."""
        return sum(s.wait_s or 0.0 for m in self.models for s in m.steps if s.kind == "waited")

    @property
    def fallbacks(self) -> int:
        """Moves to a later model of the route."""
        return max(0, len(self.models) - 1)

    @property
    def eventful(self) -> bool:
        """True when more happened than one model answering (or failing) at once."""
        return self.fallbacks > 0 or len(self.models[0].steps) > 1 if self.models else False

    def summary(self) -> str:
        """``a: 429, waited 2.1 s, answered; b: not tried`` — derived, never parsed."""
        return "; ".join(model.describe() for model in self.models)


NO_OUTCOME = RouteOutcome()
"""Nothing was tried (e.g. a turn cancelled before its first attempt)."""


class OutcomeBuilder:
    """Collects a turn's route outcome as it happens (the turn's private notebook)."""

    def __init__(self) -> None:
        self._models: list[tuple[str, list[RouteStep]]] = []

    def model(self, label: str) -> None:
        """The turn moved on to ``label``."""
        self._models.append((label, []))

    def step(self, step: RouteStep) -> None:
        """Something happened on the current model."""
        self._models[-1][1].append(step)

    def build(self) -> RouteOutcome:
        """The outcome so far, frozen."""
        return RouteOutcome(tuple(ModelOutcome(label, tuple(s)) for label, s in self._models))

    @property
    def single(self) -> bool:
        """One model, at most one step: the error alone says it all."""
        return len(self._models) == 1 and len(self._models[0][1]) <= 1
