"""The chat's key bar: Textual's footer drawn as one line of one widget.

Textual's :class:`~textual.widgets.Footer` is a container of one widget per
key (``FooterKey``), rebuilt on every bindings change: each rebuild removed
and mounted ~15 widgets (~17 ms), start-up changed the bindings twice after
the first frame, and the launch waited for the second rebuild's frame
before the keys were on screen. :class:`ChatFooter` keeps the footer's look
(its CSS type is still ``Footer``, its keys use the same theme variables)
and its manners (a key is clicked, hovered, dimmed when disabled, has a
tooltip), but it reads the screen's bindings when it renders: a bindings
change is a repaint of one line.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import groupby

from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer


@dataclass(frozen=True, slots=True)
class FooterItem:
    """One key of the bar (or a group's label, which has no ``key``)."""

    key: str
    key_display: str
    description: str
    enabled: bool = True
    tooltip: str = ""
    palette: bool = False
    """The command palette's key, drawn at the right end."""
    gap: bool = False
    """Blank columns (in the footer's own colours)."""


@dataclass(frozen=True, slots=True)
class _Placed:
    """An item and the columns it takes on the bar."""

    item: FooterItem
    start: int
    end: int


class ChatFooter(Footer):
    """The key bar as one line (see the module doc)."""

    COMPONENT_CLASSES = {
        "footer-key--key",
        "footer-key--description",
        "footer-key--hover",
        "footer-key--separator",
    }
    DEFAULT_CSS = """
    ChatFooter {
        .footer-key--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        .footer-key--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        .footer-key--hover {
            color: $footer-key-foreground;
            background: $block-hover-background;
        }
        .footer-key--separator {
            color: $foreground 20%;
        }
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self._placed: list[_Placed] = []
        self._hover: str | None = None
        """The key under the pointer."""

    def compose(self) -> ComposeResult:
        """No child widgets: the keys are drawn by :meth:`render`."""
        yield from ()

    def bindings_changed(self, screen: Screen[object]) -> None:
        """The keys are read when the line is drawn: repaint it."""
        self._bindings_ready = True
        if self.is_attached and screen is self.screen:
            self.refresh()

    def items(self) -> list[FooterItem]:
        """The keys the bar shows, left to right (the palette's last), as Textual's footer does."""
        if not self._bindings_ready:
            return []
        active = self.screen.active_bindings
        by_action: defaultdict[str, list[tuple[Binding, bool, str]]] = defaultdict(list)
        for _node, binding, enabled, tooltip in active.values():
            if binding.show:
                by_action[binding.action].append((binding, enabled, tooltip))
        items = list(self._grouped(list(by_action.values())))
        palette = active.get(self.app.COMMAND_PALETTE_BINDING)
        if palette is not None and self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
            _node, binding, enabled, tooltip = palette
            items.append(self._item(binding, enabled, binding.tooltip or binding.description,
                                    palette=True))  # fmt: skip
        return items

    def _grouped(self, actions: list[list[tuple[Binding, bool, str]]]) -> Iterator[FooterItem]:
        """One item per action; a group of actions is its keys, then its description."""
        for group, members in groupby(actions, lambda bindings: bindings[0][0].group):
            listed = list(members)
            if group is not None and len(listed) > 1:
                between = "" if group.compact else " "  # Textual's margins, collapsed
                for index, (binding, enabled, tooltip) in enumerate(b[0] for b in listed):
                    yield from _gap(" " if index == 0 else between)
                    yield self._item(binding, enabled, tooltip or binding.description, text="")
                yield from _gap(" ")
                yield FooterItem("", "", group.description)
                yield from _gap(" ")
            else:
                for binding, enabled, tooltip in (bindings[0] for bindings in listed):
                    yield self._item(binding, enabled, tooltip)

    def _item(
        self,
        binding: Binding,
        enabled: bool,
        tooltip: str,
        *,
        text: str | None = None,
        palette: bool = False,
    ) -> FooterItem:
        description = binding.description if text is None else text
        display = self.app.get_key_display(binding)
        return FooterItem(binding.key, display, description, enabled, tooltip, palette)

    def render(self) -> Text:
        """The bar: keys from the left, the palette's key over its right end."""
        width = self.content_region.width
        left, palette = self._pieces()
        line = Text(no_wrap=True, overflow="crop", end="")
        placed: list[_Placed] = []
        for item, piece in left:
            self._add(line, placed, item, self._styled(piece, item), len(line))
        if palette is not None:
            item, piece = palette
            at = max(0, width - len(piece) - 2)  # the separator before it, a blank after it
            line.truncate(at, pad=True)
            placed = [_Placed(s.item, s.start, min(s.end, at)) for s in placed if s.start < at]
            line.append("▏", self.get_component_rich_style("footer-key--separator"))
            self._add(line, placed, item, self._styled(piece, item), at + 1)
            line.append(" ")
        self._placed = [spot for spot in placed if spot.start < width]
        return line

    def _pieces(self) -> tuple[list[tuple[FooterItem, Text]], tuple[FooterItem, Text] | None]:
        """Each item's text, unstyled by hover: the left ones and the palette's."""
        left: list[tuple[FooterItem, Text]] = []
        palette: tuple[FooterItem, Text] | None = None
        key_style = self.get_component_rich_style("footer-key--key")
        text_style = self.get_component_rich_style("footer-key--description")
        for item in self.items():
            piece = _piece(item, key_style, text_style)
            if item.palette:
                palette = (item, piece)
            else:
                left.append((item, piece))
        return left, palette

    def _styled(self, piece: Text, item: FooterItem) -> Text:
        if item.key and item.key == self._hover:
            piece = piece.copy()
            piece.stylize(self.get_component_rich_style("footer-key--hover"))
        return piece

    @staticmethod
    def _add(line: Text, placed: list[_Placed], item: FooterItem, piece: Text, at: int) -> None:
        if not item.enabled:
            piece.stylize(Style(dim=True))
        line.append_text(piece)
        placed.append(_Placed(item, at, at + len(piece)))

    def _at(self, x: int) -> FooterItem | None:
        """The key drawn at column ``x`` (None: none, or a label or a gap)."""
        for placed in self._placed:
            if placed.item.key and placed.start <= x < placed.end:
                return placed.item
        return None

    def on_mouse_move(self, event: events.MouseMove) -> None:
        item = self._at(event.x)
        key = item.key if item is not None else None
        if key != self._hover:
            self._hover = key
            self.tooltip = (item.tooltip or None) if item is not None else None
            self.refresh()

    def on_leave(self, event: events.Leave) -> None:
        if self._hover is not None:
            self._hover = None
            self.tooltip = None
            self.refresh()

    def on_mouse_down(self, event: events.MouseDown) -> None:
        """A click on a key presses it; on a disabled key, the bell."""
        item = self._at(event.x)
        if item is None:
            return
        if item.enabled:
            self.app.simulate_key(item.key)
        else:
            self.app.bell()


def _gap(spaces: str) -> Iterator[FooterItem]:
    """Blank columns between a group's keys (Textual's margins), if any."""
    if spaces:
        yield FooterItem("", "", spaces, gap=True)


def _piece(item: FooterItem, key_style: Style, text_style: Style) -> Text:
    """How Textual's ``FooterKey`` draws an item: `` key `` then ``description ``."""
    if not item.key:  # a gap, or a group's description
        return Text(item.description, Style() if item.gap else text_style)
    if not item.description:  # a key of a group
        return Text(item.key_display, key_style)
    if item.palette:  # drawn without the key's padding, as Textual does
        return Text.assemble((item.key_display, key_style), (f" {item.description}", text_style))
    return Text.assemble((f" {item.key_display} ", key_style), (f"{item.description} ", text_style))
