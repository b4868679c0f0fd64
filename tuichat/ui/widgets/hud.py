"""The ops HUD: latency, throughput, cache, rate limits, cost and health panels.

It renders a :class:`~tuichat.core.metrics.hud_view.HudSnapshot` and computes
nothing itself. The app refreshes it on a timer (about ten times a second
while streaming), so a fast stream never waits for the HUD; each panel
repaints only when its text changed.

Panels start unfolded in order of importance (latency, throughput, rate
limits, cost, cache, health) as far as the terminal's height allows; the rest
show their headline in the title line until the user unfolds them (tab to a
title, enter). What the user folded or unfolded stays so across resizes.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from tuichat.core.metrics.hud_view import HudSnapshot
from tuichat.core.untrusted import one_line
from tuichat.ui.widgets import hud_lines as draw
from tuichat.ui.widgets.hud_cache_lines import cache_headline, cache_lines
from tuichat.ui.widgets.hud_panel import Format, Headline, HudPanel
from tuichat.ui.widgets.hud_text import MUTED, STYLES, fit


@dataclass(frozen=True)
class PanelSpec:
    """A panel: its id, title, which view of the snapshot it draws, and how."""

    id: str
    title: str
    view: str
    lines: Format
    headline: Headline
    rows: int
    """Body lines it usually needs, to decide what fits unfolded."""
    priority: int
    """Lower unfolds first when the height is short."""


PANELS = (
    PanelSpec("hud-latency", "Latency", "latency", draw.latency_lines, draw.latency_headline, 8, 0),
    PanelSpec(
        "hud-throughput",
        "Throughput",
        "throughput",
        draw.throughput_lines,
        draw.throughput_headline,
        3,
        1,
    ),
    PanelSpec("hud-cache", "Cache", "cache", cache_lines, cache_headline, 4, 4),
    PanelSpec("hud-limits", "Rate limits", "limits", draw.limits_lines, draw.limits_headline, 4, 2),
    PanelSpec("hud-cost", "Cost", "cost", draw.cost_lines, draw.cost_headline, 4, 3),
    PanelSpec("hud-health", "Health", "health", draw.health_lines, draw.health_headline, 5, 5),
)
CHROME_ROWS = 5
"""Rows of the screen that are not the HUD's panels: prompt (3), footer, HUD header."""


class HudHeader(Static):
    """``model · status`` (the model name is untrusted: plain content)."""

    def __init__(self) -> None:
        super().__init__(id="hud-header")
        self._shown: tuple[str, str, int] | None = None

    def show(self, model: str, status: str) -> None:
        width = self.size.width or 26
        if (model, status, width) == self._shown:
            return
        self._shown = (model, status, width)
        room = max(1, width - len(status) - 3)
        name = fit(one_line(model), room) if model else "no turn yet"
        parts = [name] if not model else [name, (f" · {status}", STYLES[MUTED])]
        self.update(Content.assemble(*parts), layout=False)


class Hud(VerticalScroll):
    """The right-side panel column; scrolls when the panels do not fit."""

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id)
        self.header = HudHeader()
        self.panels = [HudPanel(s.title, s.lines, s.headline, id=s.id) for s in PANELS]

    def compose(self) -> ComposeResult:
        yield self.header
        yield from self.panels

    def show(self, snapshot: HudSnapshot) -> None:
        """Render every panel's view (unchanged text is not repainted)."""
        self.header.show(snapshot.latency.model, snapshot.latency.status)
        for spec, panel in zip(PANELS, self.panels, strict=True):
            panel.show(getattr(snapshot, spec.view))

    def fold_for_height(self, height: int) -> None:
        """Unfold panels by priority while they fit in ``height`` rows (user choices kept).

        Every panel keeps its title line; unfolding one costs its body and a
        blank line. Panels the user folded or unfolded count as they are.
        """
        pairs = sorted(zip(PANELS, self.panels, strict=True), key=lambda p: p[0].priority)
        room = height - CHROME_ROWS - len(PANELS)
        for spec, panel in pairs:
            if panel.user_folded:
                room -= 0 if panel.collapsed else spec.rows + 1
        for spec, panel in pairs:
            if not panel.user_folded:
                fits = room >= spec.rows + 1
                panel.set_collapsed(not fits)
                room -= spec.rows + 1 if fits else 0

    def fold_all(self) -> None:
        """Fold every panel, or unfold them all if all are folded already."""
        panels = self.panels
        fold = not all(panel.collapsed for panel in panels)
        for panel in panels:
            panel.user_folded = True
            panel.set_collapsed(fold)
