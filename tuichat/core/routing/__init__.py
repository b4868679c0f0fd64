"""Routing rules: pick the turn's model from a small, visible table before the chain.

``[[routing]]`` entries in the config become :class:`RoutingRule` values; for
each send, :func:`choose_route` reads a :class:`RouteInput` (the prompt's
token estimate, the session's tag, the draft, the "cheap" toggle) and returns
the first rule whose every condition holds, as a
:class:`~tuichat.core.route_choice.RouteChoice`. No match: None, and the
default (or ``--model``) stays. Pure functions over plain values: no I/O,
no clock, nothing of the UI.

    rules.py       When, RoutingRule, RouteInput, choose_route
    code_check.py  looks_like_code: fenced blocks or code-like lines
"""

from __future__ import annotations

from tuichat.core.routing.code_check import looks_like_code
from tuichat.core.routing.rules import (
    WHEN_KEYS,
    RouteInput,
    RoutingRule,
    When,
    choose_route,
    needs_tokens,
)

__all__ = [
    "WHEN_KEYS",
    "RouteInput",
    "RoutingRule",
    "When",
    "choose_route",
    "looks_like_code",
    "needs_tokens",
]
