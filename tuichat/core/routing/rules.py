"""Routing rules as data, and the first-match choice over one send's input.

A rule is ``when`` (one or more conditions, all of which must hold) and the
``model`` (or chain) to use. Conditions::

    prompt_tokens_over = 2000   the prompt (history + system + draft) is longer
    tag = "support"             the session's tag (--tag, TUICHAT_TAG) is this
    has_code = true             the draft holds code (see code_check); false: none
    cheap = true                the "cheap" toggle is on (key, palette, ask --cheap)

Rules are tried in file order; the first whose conditions all hold wins. The
reason is kept in words, one part per condition (``tag=support``,
``prompt 2,345 tok > 2,000``), so the HUD, the log and ``ask --json`` say
why without re-deriving it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tuichat.core.route_choice import RouteChoice
from tuichat.core.routing.code_check import looks_like_code

WHEN_KEYS = ("prompt_tokens_over", "tag", "has_code", "cheap")
"""Every condition a rule's ``when`` may name."""


@dataclass(frozen=True, slots=True)
class When:
    """A rule's conditions; None means "not a condition of this rule"."""

    prompt_tokens_over: int | None = None
    tag: str | None = None
    has_code: bool | None = None
    cheap: bool | None = None


@dataclass(frozen=True, slots=True)
class RoutingRule:
    """One ``[[routing]]`` entry: its place in the file (1-based), conditions, target."""

    number: int
    when: When
    model: str
    """A model or chain name (the config checked it exists)."""


@dataclass(frozen=True, slots=True)
class RouteInput:
    """What the rules look at for one send."""

    prompt_tokens: int | None
    """Estimated tokens of history + system + draft; None when no rule asks for it."""
    tag: str | None
    draft: str
    cheap: bool = False


def needs_tokens(rules: Sequence[RoutingRule]) -> bool:
    """Whether any rule reads the token estimate (else it need not be counted)."""
    return any(rule.when.prompt_tokens_over is not None for rule in rules)


def choose_route(rules: Sequence[RoutingRule], given: RouteInput) -> RouteChoice | None:
    """The first rule whose conditions all hold, as a choice; None when none does."""
    code: list[bool] = []  # the draft is scanned once, and only if a rule asks
    for rule in rules:
        reasons = _reasons(rule.when, given, code)
        if reasons is not None:
            return RouteChoice(rule.number, ", ".join(reasons), rule.model)
    return None


def _reasons(when: When, given: RouteInput, code: list[bool]) -> list[str] | None:
    """Why each condition holds, or None as soon as one does not."""
    reasons: list[str] = []
    if when.prompt_tokens_over is not None:
        tokens = given.prompt_tokens
        if tokens is None or tokens <= when.prompt_tokens_over:
            return None
        reasons.append(f"prompt {tokens:,} tok > {when.prompt_tokens_over:,}")
    if when.tag is not None:
        if given.tag != when.tag:
            return None
        reasons.append(f"tag={when.tag}")
    if when.has_code is not None:
        if not code:
            code.append(looks_like_code(given.draft))
        if code[0] != when.has_code:
            return None
        reasons.append("code in draft" if when.has_code else "no code in draft")
    if when.cheap is not None:
        if given.cheap != when.cheap:
            return None
        reasons.append("cheap on" if when.cheap else "cheap off")
    return reasons
