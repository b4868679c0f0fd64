"""Spending budgets: limits per session, day and month, per profile and tag.

A :class:`BudgetRule` is one limit from the config. :class:`Budgets` holds the
rules that apply to this session (its profile and tag), what the log says was
already spent in each rule's window (``load``), and what this process spent
since (``observe`` of :class:`CostReported`). Budgets survive restarts
because the baseline comes from the log, never from memory.

A soft limit warns once per window; a hard limit blocks sending until the
limit is raised (the chat asks for confirmation, ``ask`` exits with its own
code), and cuts an answer that reaches it while streaming
(:mod:`tuichat.core.cost.budget_guard`). Days and months are the user's local calendar.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from tuichat.core.cost.budget_guard import reached_line
from tuichat.core.cost.budget_status import BudgetLine
from tuichat.core.cost.money import usd
from tuichat.core.events import CostReported, Event

Period = Literal["session", "day", "month"]
PERIODS: tuple[Period, ...] = ("session", "day", "month")
SOFT_SHARE = 0.8
"""A limit given as a plain number is hard; its soft limit is 80% of it."""


@dataclass(frozen=True, slots=True)
class BudgetRule:
    """One limit: a period, optionally narrowed to a user profile or a feature tag."""

    period: Period
    soft_usd: float | None
    hard_usd: float | None
    profile: str | None = None
    tag: str | None = None

    @property
    def scope(self) -> str:
        """``day``, ``profile alice day``, ``tag ci month``."""
        if self.profile is not None:
            return f"profile {self.profile} {self.period}"
        if self.tag is not None:
            return f"tag {self.tag} {self.period}"
        return self.period

    def applies(self, profile: str, tag: str | None) -> bool:
        """Whether spending by ``profile`` under ``tag`` counts against this rule."""
        if self.profile is not None and self.profile != profile:
            return False
        return self.tag is None or self.tag == tag


def window_start(period: Period, wall: float) -> float:
    """Epoch seconds where ``period``'s current window began (local midnight, 1st)."""
    now = datetime.fromtimestamp(wall)
    if period == "month":
        return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0).timestamp()
    return now.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()


class Budgets:
    """The budgets of one session: log baseline plus live spending."""

    def __init__(
        self,
        rules: Sequence[BudgetRule],
        *,
        profile: str,
        tag: str | None,
    ) -> None:
        self.profile, self.tag = profile, tag
        self.rules = tuple(rule for rule in rules if rule.applies(profile, tag))
        self._baseline: dict[BudgetRule, float] = {}
        self._live: dict[BudgetRule, float] = {}
        self._today_baseline: float | None = None
        self._today_live = 0.0
        self._alerted: set[tuple[BudgetRule, float, str]] = set()
        self._window: dict[BudgetRule, float] = {}

    def load(
        self,
        spent: Mapping[BudgetRule, float],
        today: float,
        windows: Mapping[BudgetRule, float],
    ) -> None:
        """Set the baseline from the log (before sending; live spending restarts at 0).

        ``windows`` holds each rule's window start, so a soft-limit alert is
        given once per day or month, and again in the next one.
        """
        self._baseline = dict(spent)
        self._window = dict(windows)
        self._live = {}
        self._today_baseline, self._today_live = today, 0.0

    def observe(self, event: Event) -> None:
        """Add an attempt's cost to every rule (a turn observer)."""
        if isinstance(event, CostReported) and event.cost_usd:
            for rule in self.rules:
                self._live[rule] = self._live.get(rule, 0.0) + event.cost_usd
            self._today_live += event.cost_usd

    def spent(self, rule: BudgetRule) -> float:
        """Spent in ``rule``'s current window, as far as the log and this process know."""
        return self._baseline.get(rule, 0.0) + self._live.get(rule, 0.0)

    @property
    def today_usd(self) -> float | None:
        """Everything spent today (every profile and tag); None before ``load``."""
        if self._today_baseline is None:
            return None
        return self._today_baseline + self._today_live

    def lines(self) -> list[BudgetLine]:
        """Every applicable budget's state, for the HUD and ``ask --json``."""
        return [
            BudgetLine(rule.scope, self.spent(rule), rule.soft_usd, rule.hard_usd)
            for rule in self.rules
        ]

    @property
    def armed(self) -> bool:
        """True when a hard limit applies: a streaming answer is then watched (a SpendGuard)."""
        return any(rule.hard_usd is not None for rule in self.rules)

    def crossing(self, extra_usd: float) -> str | None:
        """The first hard limit that ``extra_usd`` more would reach, in words (None: none).

        The streaming attempt's estimate is not in ``spent`` yet (it is priced when
        the attempt ends), so it is added here.
        """
        for rule in self.rules:
            if rule.hard_usd is None:
                continue
            total = self.spent(rule) + extra_usd
            if total >= rule.hard_usd:
                return reached_line(rule.scope, rule.hard_usd, total)
        return None

    def blocking(self) -> list[BudgetLine]:
        """Budgets at or over their hard limit: sending needs the user's say-so."""
        return [line for line in self.lines() if line.level == "hard"]

    def new_alerts(self) -> list[BudgetLine]:
        """Budgets that crossed a limit since the last call (soft, hard: once per window)."""
        alerts = []
        for rule, line in zip(self.rules, self.lines(), strict=True):
            key = (rule, self._window.get(rule, 0.0), line.level)
            if line.level != "ok" and key not in self._alerted:
                self._alerted.add(key)
                alerts.append(line)
        return alerts


def describe(line: BudgetLine) -> str:
    """``day budget: $5.10 spent of $5.00 (hard limit)``."""
    limit = line.hard_usd if line.level == "hard" else line.soft_usd
    kind = "hard" if line.level == "hard" else "soft"
    return f"{line.scope} budget: {usd(line.spent_usd)} spent of {usd(limit or 0)} ({kind} limit)"
