"""One collapsible HUD panel, drawn as a single widget with the line API.

Row 0 is the title (``▼ Latency  TTFT 312 ms``: the panel's headline number,
shown folded or not); the rows below are the body. Cheap to draw, because the
HUD is redrawn ten times a second while an answer streams:

- :meth:`HudPanel.show` formats the view into plain tuples and repaints only
  the rows that differ from what is on screen; an unchanged view costs one
  comparison, and a folded panel does not format its body at all;
- every row is exactly one line (cropped, never wrapped), so the height is
  the row count, set explicitly: a layout never measures the panel, and
  happens only when the number of rows changes;
- one widget per panel keeps the HUD's share of every layout small.

The panel is focusable (tab reaches it); enter or space folds it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.content import Content
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from tuichat.core.untrusted import one_line
from tuichat.ui.widgets.hud_text import MUTED, STYLES, Line, plain, to_content

Format = Callable[[Any, int], tuple[Line, ...]]
Headline = Callable[[Any], str]
FALLBACK_WIDTH = 26
"""Width to format for before the first layout tells the real one."""
TITLE = "title"


class HudPanel(Widget, can_focus=True):
    """A titled, foldable panel of the HUD."""

    BINDINGS = [
        Binding("enter,space", "fold", "Fold panel", show=False, id="hud-panel-toggle"),
    ]
    COMPONENT_CLASSES = {f"hud--{name}" for name in (*STYLES, TITLE)}
    DEFAULT_CSS = """
    HudPanel { height: 1; }
    HudPanel > .hud--title { color: $text-accent; text-style: bold; }
    HudPanel:focus > .hud--title {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
    }
    HudPanel > .hud--muted { color: $text-muted; }
    HudPanel > .hud--accent { color: $accent; }
    HudPanel > .hud--warning { color: $text-warning; }
    HudPanel > .hud--error { color: $text-error; }
    """

    def __init__(self, title: str, format_lines: Format, headline: Headline, *, id: str) -> None:
        super().__init__(id=id, classes="hud-panel")
        self.title = title
        self._format = format_lines
        self._headline = headline
        self._view: object = None
        self._width = 0
        self._rows: tuple[Line, ...] = ()
        self._styles: dict[str, Style] | None = None
        self.collapsed = False
        self.user_folded = False
        """Set once the user folds or unfolds it: size-based defaults then leave it alone."""
        self.paints = 0
        """How many times the body's rows changed (tests and the benchmark read it)."""

    @property
    def title_text(self) -> str:
        """The title row as plain text (headline included)."""
        return plain(self._rows[0]) if self._rows else ""

    @property
    def body_lines(self) -> tuple[Line, ...]:
        """The body rows on screen (none while folded)."""
        return self._rows[1:]

    def show(self, view: object, *, force: bool = False) -> None:
        """Render ``view``: the headline always, the body only when unfolded."""
        width = self.size.width or FALLBACK_WIDTH
        if view == self._view and width == self._width and not force:
            return
        self._view, self._width = view, width
        arrow = "▶" if self.collapsed else "▼"
        headline = self._headline(view) if view is not None else ""
        title: Line = ((f"{arrow} {self.title}", TITLE), (f"  {headline}", MUTED))
        body = () if self.collapsed or view is None else self._format(view, width)
        self._set_rows((title, *body))

    def _set_rows(self, rows: tuple[Line, ...]) -> None:
        old = self._rows
        if rows == old:
            return
        self._rows = rows
        if rows[1:] != old[1:]:
            self.paints += 1
        if len(rows) != len(old):
            self.styles.height = len(rows)  # a layout, only when the row count changes
            self.refresh()
            return
        for y, (new, before) in enumerate(zip(rows, old, strict=True)):
            if new != before:
                self.refresh(Region(0, y, self.size.width or self._width, 1))

    def toggle(self) -> None:
        """Fold or unfold (the user's choice: it sticks across resizes)."""
        self.user_folded = True
        self.set_collapsed(not self.collapsed)

    def set_collapsed(self, collapsed: bool) -> None:
        """Fold or unfold, and redraw from the last view."""
        if collapsed == self.collapsed:
            return
        self.collapsed = collapsed
        self.set_class(collapsed, "-collapsed")
        self.show(self._view, force=True)

    def action_fold(self) -> None:
        """Fold or unfold this panel (enter or space on a focused panel)."""
        self.toggle()

    def on_click(self, event: events.Click) -> None:
        if event.y == 0:  # the title row
            event.stop()
            self.toggle()

    def on_mount(self) -> None:
        self.show(None, force=True)

    def on_resize(self, event: events.Resize) -> None:
        """Bars and sparklines are drawn for a width: redraw for the new one."""
        if event.size.width != self._width:
            self.show(self._view, force=True)
            self.refresh()

    def on_focus(self) -> None:
        self._restyle_title()

    def on_blur(self) -> None:
        self._restyle_title()

    def _restyle_title(self) -> None:
        self._styles = None  # :focus changes the title's component style
        self.refresh(Region(0, 0, self._width or self.size.width, 1))

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None  # the theme changed: restyle every row

    def _row_styles(self) -> dict[str, Style]:
        """The rich style of each style name over the panel's own (cached per theme)."""
        if self._styles is None:
            base = self.rich_style  # walks the ancestors: once, not per row
            names = (*STYLES, TITLE)
            self._styles = {"": base} | {
                name: base + self.get_component_rich_style(f"hud--{name}") for name in names
            }
        return self._styles

    def render_line(self, y: int) -> Strip:
        """Row ``y`` (Textual caches the result until the row is refreshed)."""
        width = self.size.width
        styles = self._row_styles()
        if y >= len(self._rows):
            return Strip.blank(width, styles[""])
        return _strip(self._rows[y], styles, width)

    def render(self) -> Content:
        """The rows as content (what the screen shows, for tests and screenshots)."""
        return to_content(self._rows)


def _strip(line: Line, styles: dict[str, Style], width: int) -> Strip:
    """One row as a strip exactly ``width`` cells wide (padded, or cropped: never wrapped).

    Built in one go: every Strip carries several caches, and a repaint that
    made throw-away strips would feed the garbage collector for nothing. Text
    goes to the terminal as is, so anything unprintable (a hostile model or
    host name) is made inert first.
    """
    segments = []
    for part in line:
        text, style = (part, "") if isinstance(part, str) else part
        segments.append(Segment(text if text.isprintable() else one_line(text), styles[style]))
    length = sum(cell_len(segment.text) for segment in segments)
    if length > width:
        return Strip(segments, length).crop(0, width)
    if length < width:
        segments.append(Segment(" " * (width - length), styles[""]))
    return Strip(segments, width)
