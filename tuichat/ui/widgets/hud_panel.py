"""One collapsible HUD panel: a focusable title line and a body of lines.

Cheap to draw: :meth:`HudPanel.show` formats the panel's view into plain
tuples and repaints only when they differ from what is on screen; the layout
is refreshed only when the number of lines changes. A collapsed panel does
not format its body at all; its title carries a one-line headline (TTFT,
tok/s, cost ...) either way, so a folded panel still says something at a
glance (80x24 starts with most panels folded).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static

from tuichat.ui.widgets.hud_text import MUTED, Line, to_content

Format = Callable[[Any, int], tuple[Line, ...]]
Headline = Callable[[Any], str]
FALLBACK_WIDTH = 26
"""Width to format for before the first layout tells the real one."""


class PanelTitle(Static, can_focus=True):
    """``▼ Latency  TTFT 312 ms``: the panel's headline number; enter or space folds it."""

    BINDINGS = [
        Binding("enter,space", "fold", "Fold panel", show=False, id="hud-panel-toggle"),
    ]

    def __init__(self, title: str) -> None:
        super().__init__(classes="hud-title")
        self.title = title
        self._shown: tuple[bool, str] | None = None

    def show(self, collapsed: bool, headline: str) -> None:
        """Redraw only if the fold state or the headline changed."""
        key = (collapsed, headline)
        if key == self._shown:
            return
        self._shown = key
        arrow = "▶" if collapsed else "▼"
        parts: list[str | tuple[str, str]] = [f"{arrow} {self.title}"]
        if headline:
            parts.append((f"  {headline}", MUTED))
        self.update(Content.assemble(*parts), layout=False)

    def action_fold(self) -> None:
        """Fold or unfold the panel this title belongs to."""
        if isinstance(self.parent, HudPanel):
            self.parent.toggle()

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.action_fold()


class PanelBody(Widget):
    """The panel's lines; repainted only when they change."""

    DEFAULT_CSS = "PanelBody { height: auto; }"

    def __init__(self, format_lines: Format) -> None:
        super().__init__(classes="hud-body")
        self._format = format_lines
        self._view: object = None
        self._lines: tuple[Line, ...] = ()
        self._content = Content("")
        self._width = 0
        self.paints = 0
        """How many times the lines changed (tests and the benchmark read it)."""

    def show(self, view: object) -> None:
        """Format ``view`` at the current width; repaint if the lines changed."""
        self._view = view
        width = self._width = self.size.width or FALLBACK_WIDTH
        lines = self._format(view, width)
        if lines == self._lines:
            return
        relayout = len(lines) != len(self._lines) or any(_may_wrap(line, width) for line in lines)
        self._lines, self._content = lines, to_content(lines)
        self.paints += 1
        self.refresh(layout=relayout)

    def on_resize(self, event: events.Resize) -> None:
        """Bars and sparklines are drawn for a width: redraw for the new one."""
        if self._view is not None and event.size.width != self._width:
            self._lines = ()
            self.show(self._view)

    def render(self) -> Content:
        return self._content


def _may_wrap(line: Line, width: int) -> bool:
    """A line longer than the panel wraps, so its height can change."""
    return sum(len(part if isinstance(part, str) else part[0]) for part in line) > width


class HudPanel(Vertical):
    """A titled, collapsible panel of the HUD."""

    DEFAULT_CSS = "HudPanel { height: auto; }"

    def __init__(self, title: str, format_lines: Format, headline: Headline, *, id: str) -> None:
        super().__init__(id=id, classes="hud-panel")
        self.title_bar = PanelTitle(title)
        self.body = PanelBody(format_lines)
        self._headline = headline
        self._view: object = None
        self.collapsed = False
        self.user_folded = False
        """Set once the user folds or unfolds it: size-based defaults then leave it alone."""

    def compose(self) -> ComposeResult:
        yield self.title_bar
        yield self.body

    def on_mount(self) -> None:
        self.title_bar.show(self.collapsed, "")

    def show(self, view: object) -> None:
        """Render ``view``: the headline always, the body only when unfolded."""
        self._view = view
        self.title_bar.show(self.collapsed, self._headline(view))
        if not self.collapsed:
            self.body.show(view)

    def toggle(self) -> None:
        """Fold or unfold (the user's choice: it sticks across resizes)."""
        self.user_folded = True
        self.set_collapsed(not self.collapsed)

    def set_collapsed(self, collapsed: bool) -> None:
        """Fold or unfold and redraw from the last view."""
        if collapsed == self.collapsed:
            return
        self.collapsed = collapsed
        self.body.display = not collapsed
        self.set_class(collapsed, "-collapsed")
        if self._view is not None:
            self.show(self._view)
        else:
            self.title_bar.show(collapsed, "")
