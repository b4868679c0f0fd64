"""The HUD's provider panel: rate limits, retries and fallbacks, breaker states.

Renders :class:`~tuichat.core.turn_report.TurnReport` and breaker snapshots;
it computes nothing. Providers that send no rate-limit headers get an honest
"no headers", not made-up numbers.
"""

from __future__ import annotations

from collections.abc import Mapping

from textual.content import Content
from textual.widgets import Static

from tuichat.core.breaker import BreakerSnapshot
from tuichat.core.ratelimit import LimitWindow
from tuichat.core.turn_report import TurnReport

BAR_WIDTH = 10


def bar(window: LimitWindow) -> str:
    """``▇▇▇▇▇▁▁▁▁▁ 50/100`` (remaining of limit)."""
    fraction = window.fraction_left()
    if fraction is None:
        return "–" if window.remaining is None else f"{window.remaining:,} left"
    filled = round(fraction * BAR_WIDTH)
    return "▇" * filled + "▁" * (BAR_WIDTH - filled) + f" {window.remaining:,}/{window.limit:,}"


def rate_lines(report: TurnReport | None, now: float) -> list[str]:
    """Rate-limit windows of the last response, with reset countdowns."""
    state = report.rate_limit if report else None
    if state is None:
        return ["limits   no headers seen"]
    lines = []
    for name, window in state.windows().items():
        reset = window.seconds_to_reset(now)
        suffix = f" ↻{reset:.0f}s" if reset else ""
        lines.append(f"{name[:8]:<8} {bar(window)}{suffix}")
    return lines or ["limits   no headers seen"]


def breaker_lines(breakers: Mapping[str, BreakerSnapshot]) -> list[str]:
    """One line per provider endpoint seen this session."""
    lines = []
    for key, snap in sorted(breakers.items()):
        avail = "–" if snap.availability is None else f"{snap.availability:.0%}"
        state = snap.state if snap.state == "closed" else snap.state.upper()
        lines.append(f"{key[:18]:<18} {state} {avail}")
    return lines


class ProviderPanel(Static):
    """Rate limits, what the last turn tried, and provider health."""

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id, classes="hud-panel")
        self.border_title = "Provider"
        self.show(None, {}, 0.0)

    def show(
        self, report: TurnReport | None, breakers: Mapping[str, BreakerSnapshot], now: float
    ) -> None:
        """Render (model and host names are untrusted: plain content only)."""
        lines = rate_lines(report, now)
        if report is not None:
            if report.queue_position is not None:
                lines.append(f"queue    #{report.queue_position}, ~{report.queue_wait_s:.0f} s")
            lines.append(f"retries  {report.retries}   fallbacks {report.fallbacks}")
            if report.summary:
                lines.append(report.summary)
        lines.extend(breaker_lines(breakers))
        self.update(Content("\n".join(lines)))
