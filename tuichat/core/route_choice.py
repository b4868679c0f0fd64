"""Which model a turn was routed to, by which ``[[routing]]`` rule, and why.

Root vocabulary: :class:`~tuichat.core.events.TurnStarted` carries it, so the
log, the HUD and ``ask --json`` all read the same value. The rules that make
it are in :mod:`tuichat.core.routing`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class RouteChoice:
    """The routing verdict of one turn: ``rule`` 1-based, None when no rule decided."""

    rule: int | None
    """The rule that matched (its place in the file, first is 1); None: none did."""
    why: str
    """What matched, in words: ``tag=support``, ``no rule matched``, ``--model overrides``."""
    model: str
    """The model or chain name the turn went to first."""

    def line(self) -> str:
        """``rule 2 · tag=support → cheap`` (or ``no rule matched → gpt``), for the HUD."""
        head = f"rule {self.rule} · {self.why}" if self.rule is not None else self.why
        return f"{head} → {self.model}"

    def as_json(self) -> dict[str, Any]:
        """``{"rule": 2, "why": "tag=support", "model": "cheap"}`` for ``ask --json``."""
        return {"rule": self.rule, "why": self.why, "model": self.model}
