"""The ``[context]`` table: what to do when a conversation outgrows the model's window.

    [context]
    policy = "summarise"        # or "drop-oldest" (the default) or "refuse"
    summary_model = "mini"      # a cheaper model for the summarising call (default: the chat's)

A model's window is its ``context_window`` (``[models.NAME]``), else what
tuichat knows of the server or genai-prices lists (see
:mod:`tuichat.core.context.window`). Each mistake is one line naming the key;
a ``summary_model`` that names no model is refused at start-up.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from tuichat.config.errors import did_you_mean, expected_one_of
from tuichat.config.fields import Where, check_keys, quoted, string, table
from tuichat.core.context.keeper import POLICIES, Policy

CONTEXT_FIELDS = ("policy", "summary_model")


@dataclass(frozen=True, slots=True)
class ContextSettings:
    """``[context]``: the policy applied before a send that would not fit the window."""

    policy: Policy = "drop-oldest"
    """``summarise``, ``drop-oldest`` or ``refuse`` (always visible, never silent)."""
    summary_model: str | None = None
    """The model that writes summaries (None: the chat's own model)."""


def parse_context(value: Any, where: Where, models: Collection[str]) -> ContextSettings:
    """Validate ``[context]``; ``models`` are the names ``summary_model`` may use."""
    keys = ("context",)
    data = table(value, keys, where)
    check_keys(data, CONTEXT_FIELDS, keys, where, {})
    policy: Policy = "drop-oldest"
    if "policy" in data:
        said = string(data["policy"], (*keys, "policy"), where)
        if said not in POLICIES:
            message = f"unknown policy {quoted(said)}{expected_one_of(POLICIES)}"
            raise where.error((*keys, "policy"), message)
        policy = said
    summary_model = None
    if "summary_model" in data:
        summary_model = string(data["summary_model"], (*keys, "summary_model"), where)
        if summary_model not in models:
            hint = did_you_mean(summary_model, models)
            raise where.error(
                (*keys, "summary_model"), f"unknown model {quoted(summary_model)}{hint}"
            )
    return ContextSettings(policy, summary_model)
