"""The chat's entries in the command palette (ctrl+p), after Textual's own.

One entry per view and per toggle whose key a user may not know yet, then the
entries each mixin offers, then one per configured model and chain.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING

from textual.app import SystemCommand

from tuichat.ui.model_picker import choices

if TYPE_CHECKING:
    from tuichat.ui.app import TuichatApp


def chat_commands(app: TuichatApp) -> Iterable[SystemCommand]:
    """The chat's palette entries: views, cache toggles, the mixins' entries, every model."""
    yield SystemCommand(
        "Debug view",
        "Latency, rate limits, cache, errors, streaming and tokens, from the log",
        app.action_debug,
    )
    yield SystemCommand("Stats view (f9)", "p50/p95/p99, errors, cache, cost", app.action_stats)
    yield SystemCommand(
        "Cache: not what I asked (ctrl+n)",
        "The last answer came from the cache and is wrong: mark it, ask the model again",
        app.action_reject_hit,
    )
    yield SystemCommand(
        "Cache: freshness critical (f8)",
        "Skip the response cache for the next turns, or use it again",
        app.action_toggle_freshness,
    )
    yield SystemCommand(
        "Sessions",
        "Find a logged session: resume, replay or fork it, or compare it on other models",
        app.action_sessions,
    )
    yield from app.structured_system_commands()
    yield from app.context_system_commands()
    yield from app.routing_system_commands()
    yield from app.compare_system_commands()
    if app.chat.settings is None:
        return
    for choice in choices(app.chat.settings):
        yield SystemCommand(
            f"Model: {choice.name}",
            "Use this model for the next turns (the conversation is kept)",
            partial(app._on_model_picked, choice),
        )
