"""Fit arithmetic: does history + system + draft + the answer budget fit the window?

All counts are tokens as :class:`~tuichat.core.cost.tokens.TokenCounter`
counts them, per-message overhead included. The history can only lose whole
messages from its oldest end, and what is kept must open with a user message
(providers expect it), so a drop always takes an exchange, never half of one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FitInput:
    """What the next request carries, in tokens."""

    window: int
    fixed: int
    """System prompt, summary, reply priming: sent whatever is dropped."""
    history: tuple[int, ...]
    """Each message still in the context, oldest first."""
    draft: int
    answer: int
    """Tokens reserved for the answer (``max_tokens``)."""
    roles: tuple[str, ...] = ()
    """Each history message's role (empty: alternating, user first)."""

    @property
    def used(self) -> int:
        """Everything the request and its answer budget take."""
        return self.fixed + sum(self.history) + self.draft + self.answer


@dataclass(frozen=True, slots=True)
class FitPlan:
    """The verdict: fits as is, fits after dropping the oldest ``drop`` messages, or cannot."""

    used: int
    window: int
    drop: int = 0
    """Oldest history messages to leave out so the rest fits (0: fits as is)."""
    possible: bool = True
    """False when even an empty history leaves no room (system + draft + answer too big)."""

    @property
    def fits(self) -> bool:
        """Nothing to do: the request and its budget fit."""
        return self.used <= self.window

    @property
    def over(self) -> int:
        """Tokens too many (0 when it fits)."""
        return max(0, self.used - self.window)


def plan_fit(given: FitInput, room_for: int = 0) -> FitPlan:
    """How many of the oldest messages must go for ``given`` (plus ``room_for``) to fit.

    ``room_for`` is extra space to keep free (a summary that will replace the
    dropped messages).
    """
    if given.used <= given.window:
        return FitPlan(given.used, given.window)
    need = given.used + room_for - given.window
    roles = given.roles or _alternating(len(given.history))
    freed = 0
    for index, tokens in enumerate(given.history):
        freed += tokens
        kept_from = index + 1
        if freed >= need and _opens_with_user(roles, kept_from):
            return FitPlan(given.used, given.window, drop=kept_from)
    return FitPlan(given.used, given.window, drop=len(given.history), possible=False)


DEFAULT_ANSWER_SHARE = 4
"""Without a ``max_tokens``, a quarter of the window is kept for the answer ..."""
DEFAULT_ANSWER_CAP = 4096
"""... but no more than this (the pre-send cost bound's assumption too)."""


def answer_budget(cap: int | None, window: int) -> int:
    """Tokens to keep free for the answer: ``max_tokens``, else a share of the window."""
    return cap if cap is not None else min(DEFAULT_ANSWER_CAP, window // DEFAULT_ANSWER_SHARE)


def system_fits(window: int, fixed: int, answer: int) -> bool:
    """Whether the system prompt alone (and the answer budget) leave room for any prompt."""
    return fixed + answer < window


def _alternating(count: int) -> tuple[str, ...]:
    return tuple("user" if i % 2 == 0 else "assistant" for i in range(count))


def _opens_with_user(roles: Sequence[str], start: int) -> bool:
    """The history kept from ``start`` is empty or opens with the user."""
    return start >= len(roles) or roles[start] == "user"


@dataclass(frozen=True, slots=True)
class WindowUse:
    """The live "window used" figure: the next request and its answer budget against the window."""

    prompt: int
    answer: int
    window: int | None
    source: str
    """Where the window came from (``config``, ``genai-prices``, ``local n_ctx`` …)."""
    exact: bool = True

    @property
    def share(self) -> float | None:
        """Prompt + answer budget over the window (above 1: it does not fit)."""
        return (self.prompt + self.answer) / self.window if self.window else None
