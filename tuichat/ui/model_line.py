"""The one line over the prompt naming the model and provider, HUD or no HUD.

It sits in the prompt's border title ("sim-fast · openai-compat @ 127.0.0.1:8080"),
so it costs no row of the transcript and stays visible with the HUD hidden
(ctrl+b). It follows the route's first model when the user switches (ctrl+o);
when a later model of a chain answered the last turn, it says which one,
since the next turn starts at the first model again.

The names come from the user's config and the provider's host: shown as
:class:`~textual.content.Content`, never parsed as markup.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content

from tuichat.core.metrics.turn_report import TurnReport
from tuichat.core.turn.chat import RouteModel
from tuichat.core.untrusted import one_line


def model_line(route: Sequence[RouteModel], label: str, report: TurnReport | None) -> str:
    """``label · provider @ host``, plus who answered last when a fallback did.

    ``label`` is what the user picked (a model or a chain's name); a chain's
    members follow it in parentheses.
    """
    first = route[0]
    members = " → ".join(model.label for model in route)
    name = members if label == first.label else f"{label} ({members})"
    line = f"{name} · {first.provider.name} @ {first.provider.base_url_host}"
    if answered := fallback_answer(route, report):
        line += f" · last answer from {answered} (fallback)"
    return one_line(line)


def fallback_answer(route: Sequence[RouteModel], report: TurnReport | None) -> str | None:
    """The model that answered the last turn after a fallback (None: the first one did)."""
    if report is None or report.fallbacks == 0 or not report.attempts:
        return None
    last = report.attempts[-1]
    if last.status != "ok":
        return None
    for model in route:
        if model.model == last.model and model.provider.name == last.provider:
            return model.label
    return f"{last.model} ({last.provider})"


def model_title(route: Sequence[RouteModel], label: str, report: TurnReport | None) -> Content:
    """:func:`model_line` as inert content for a border title."""
    return Content(model_line(route, label, report))
