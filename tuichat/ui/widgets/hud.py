"""The ops HUD: numbers for the current and the last turn.

It renders :class:`~tuichat.core.metrics.TurnSnapshot` values and computes
nothing itself. The app refreshes it on a timer (about ten times a second while
streaming), so a fast stream never waits for the HUD.
"""

from __future__ import annotations

from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from tuichat.core.metrics import TurnSnapshot
from tuichat.ui.widgets.provider_panel import ProviderPanel

DASH = "–"


def _ms(value: float | None) -> str:
    if value is None:
        return DASH
    return f"{value:,.0f} ms" if value >= 10 else f"{value:.1f} ms"


def _rate(value: float | None) -> str:
    return DASH if value is None else f"{value:,.1f}"


def _tokens(value: int | None, estimated: bool = False) -> str:
    if value is None:
        return DASH
    return f"≈{value:,}" if estimated else f"{value:,}"


def format_turn(snapshot: TurnSnapshot | None) -> list[tuple[str, str]]:
    """Label/value rows for one turn."""
    if snapshot is None:
        return [("status", "no turn yet")]
    return [
        ("model", snapshot.model or DASH),
        ("provider", snapshot.provider or DASH),
        ("status", snapshot.status),
        ("TTFT", _ms(snapshot.ttft_ms)),
        ("tokens/s", _rate(snapshot.tokens_per_s)),
        ("tokens in", _tokens(snapshot.input_tokens)),
        ("tokens out", _tokens(snapshot.output_tokens, snapshot.output_estimated)),
        ("duration", _ms(snapshot.duration_ms)),
    ]


class TurnPanel(Static):
    """One titled block of label/value rows."""

    def __init__(self, title: str, *, id: str) -> None:
        super().__init__(id=id, classes="hud-panel")
        self.border_title = title
        self.show(None)

    def show(self, snapshot: TurnSnapshot | None) -> None:
        """Render ``snapshot`` (model names are untrusted: plain content only)."""
        rows = format_turn(snapshot)
        width = max(len(label) for label, _ in rows)
        lines = [Content(f"{label:<{width}}  ") + Content(value) for label, value in rows]
        self.update(Content("\n").join(lines))


class Hud(VerticalScroll):
    """The right-side panel."""

    def compose(self):  # type: ignore[no-untyped-def]
        yield TurnPanel("Current turn", id="hud-current")
        yield TurnPanel("Last turn", id="hud-last")
        yield ProviderPanel(id="hud-provider")

    def show(self, current: TurnSnapshot | None, last: TurnSnapshot | None) -> None:
        """Update both panels."""
        self.query_one("#hud-current", TurnPanel).show(current)
        self.query_one("#hud-last", TurnPanel).show(last)
