"""What a budget looks like right now: the value the HUD and ``ask`` render.

A budget is a spending limit over a scope (this session, today, this month,
a user profile's day, a feature tag's month). ``soft`` warns (the cost panel
turns amber, one notification); ``hard`` refuses to send until it is raised.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

BudgetLevel = Literal["ok", "soft", "hard"]


@dataclass(frozen=True, slots=True)
class BudgetLine:
    """One budget's state: spent against its soft and hard limits (USD)."""

    scope: str
    """Human name of the scope: "session", "day", "month", "profile alice day", "tag ci month"."""
    spent_usd: float
    soft_usd: float | None
    hard_usd: float | None

    @property
    def level(self) -> BudgetLevel:
        """ "hard" at or over the hard limit, "soft" at or over the soft one."""
        if self.hard_usd is not None and self.spent_usd >= self.hard_usd:
            return "hard"
        if self.soft_usd is not None and self.spent_usd >= self.soft_usd:
            return "soft"
        return "ok"

    @property
    def fraction(self) -> float | None:
        """Spent over the tightest limit that caps it (hard, else soft), for a bar."""
        cap = self.hard_usd if self.hard_usd is not None else self.soft_usd
        if not cap:
            return None
        return self.spent_usd / cap
