"""How to ask again: another model, a stricter prompt, a temperature, a shorter answer.

A :class:`Strategy` is pure data parsed from ``/regen [model NAME|strict|temp X|short]``
(:func:`parse_strategy`); :func:`adjust_route` and :func:`system_for` turn it
into the changes of the next request — the route's temperature and
``max_tokens``, and an instruction added to the system prompt — without
touching the session (:mod:`tuichat.core.regen.regenerate` applies them to one
turn only). Choosing *which* model ``model NAME`` means is the front end's
job (it may have to start a backend); rotating the session's own chain is here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from tuichat.core.turn.chat import RouteModel

StrategyKind = Literal["model", "strict", "temp", "short"]

STRICT_INSTRUCTION = "Answer precisely; say when unsure."
SHORT_WORDS = 80
SHORT_MAX_TOKENS = 200
SHORT_INSTRUCTION = f"Answer briefly: at most {SHORT_WORDS} words."
TEMPERATURE_RANGE = (0.0, 2.0)
USAGE = "/regen [model NAME | strict | temp X | short]"


class StrategyProblem(ValueError):
    """A ``/regen`` argument that names no strategy (one line, nothing sent)."""


@dataclass(frozen=True, slots=True)
class Strategy:
    """One way to regenerate; ``model`` None with kind ``model`` means the chain's next one."""

    kind: StrategyKind
    model: str | None = None
    temperature: float | None = None

    @property
    def label(self) -> str:
        """Short words for the hint and the log: ``strict``, ``temp 1.2``, ``other model``."""
        if self.kind == "temp":
            return f"temp {self.temperature:g}"
        return "other model" if self.kind == "model" else self.kind


NEXT_MODEL = Strategy("model")
STRICT = Strategy("strict")
SHORT = Strategy("short")


def parse_strategy(argument: str) -> Strategy | None:
    """The strategy ``argument`` names; None for an empty one (the default applies).

    Raises :class:`StrategyProblem` with one line saying what is accepted.
    """
    words = argument.split()
    if not words:
        return None
    head, rest = words[0].casefold(), words[1:]
    if head in ("strict", "short") and not rest:
        return STRICT if head == "strict" else SHORT
    if head == "model" and len(rest) <= 1:
        return Strategy("model", rest[0] if rest else None)
    if head == "temp" and len(rest) == 1:
        return Strategy("temp", temperature=_temperature(rest[0]))
    raise StrategyProblem(f"unknown regenerate strategy {argument!r}: {USAGE}")


def _temperature(text: str) -> float:
    """A temperature in :data:`TEMPERATURE_RANGE` (else one line)."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    low, high = TEMPERATURE_RANGE
    if not low <= value <= high:  # also rejects nan
        raise StrategyProblem(f"temperature must be a number from {low:g} to {high:g}: {text!r}")
    return value


def default_strategy(route: Sequence[RouteModel]) -> Strategy:
    """No strategy named: the chain's next model when there is one, else stricter."""
    return NEXT_MODEL if len(route) > 1 else STRICT


def rotate_route(route: Sequence[RouteModel], name: str | None) -> list[RouteModel] | None:
    """The route starting at model ``name`` (None: the second), the rest after it, or None.

    None when the chain has no such model (the front end may look further).
    """
    labels = [entry.label for entry in route]
    if name is None:
        start = 1 if len(route) > 1 else -1
    else:
        start = labels.index(name) if name in labels else -1
    if start < 0:
        return None
    return [*route[start:], *route[:start]]


def adjust_route(route: Sequence[RouteModel], strategy: Strategy) -> list[RouteModel]:
    """Each model of ``route`` with the strategy's temperature or length cap."""
    if strategy.kind == "temp":
        return [replace(entry, temperature=strategy.temperature) for entry in route]
    if strategy.kind == "short":
        return [replace(entry, max_tokens=_short_cap(entry.max_tokens)) for entry in route]
    return list(route)


def _short_cap(max_tokens: int | None) -> int:
    return SHORT_MAX_TOKENS if max_tokens is None else min(max_tokens, SHORT_MAX_TOKENS)


def system_for(system: str | None, strategy: Strategy) -> str | None:
    """The system prompt with the strategy's instruction appended (strict, short)."""
    instruction = {"strict": STRICT_INSTRUCTION, "short": SHORT_INSTRUCTION}.get(strategy.kind)
    if instruction is None:
        return system
    return f"{system}\n\n{instruction}" if system else instruction
