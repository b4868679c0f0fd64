"""``ask --cheap`` and what ``ask`` says about routing.

With ``[[routing]]`` rules in the config, the prompt is routed once before
the first turn (a ``--repair`` attempt keeps that route): ``--cheap`` sets
the "cheap" toggle a rule can test (``when = { cheap = true }``), ``--tag``
the tag. ``--json`` reports ``"route": {"rule": 2, "why": "tag=support",
"model": "cheap"}`` (``rule`` null when none matched or ``--model`` chose;
``route`` null without rules); on a terminal one stderr line says it.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any, TextIO

from tuichat.core.route_choice import RouteChoice
from tuichat.core.untrusted import one_line

if TYPE_CHECKING:  # the parser imports this module: --help must not load httpx
    from tuichat.factory import Chat


def add_routing_options(ask: argparse.ArgumentParser) -> None:
    """``ask --cheap``."""
    ask.add_argument(
        "--cheap",
        action="store_true",
        help='turn the "cheap" toggle on: [[routing]] rules with when = { cheap = true } match',
    )


def route_prompt(chat: Chat, prompt: str, *, cheap: bool) -> RouteChoice | None:
    """Route ``prompt`` by the chat's rules (None: no rules configured)."""
    chat.router.cheap = cheap
    return chat.router.before_send(prompt)


def say_route(route: RouteChoice | None, err: TextIO) -> None:
    """``tuichat: routed: rule 2 · tag=support → cheap`` on a terminal's stderr."""
    if route is not None and err.isatty():
        err.write(f"tuichat: routed: {one_line(route.line())}\n")


def route_json(route: RouteChoice | None) -> dict[str, Any]:
    """``{"route": {...}}`` for ``--json`` (null without rules)."""
    return {"route": route.as_json() if route is not None else None}
