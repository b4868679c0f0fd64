"""BlankLines: a container's repaint renders one line, and looks exactly as before."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.containers import Vertical
from textual.geometry import Region
from textual.widgets import Static

from tuichat.ui.widgets.render_cache import BlankLines


class Blank(BlankLines, Vertical):
    """A container painted through BlankLines."""


class Boxes(App[None]):
    CSS = """
    Vertical { height: 8; padding: 1 2; background: $panel; }
    .bordered { border: round $accent; border-title-align: left; }
    """

    def compose(self) -> ComposeResult:
        yield Vertical(Static("x"), id="plain")
        yield Blank(Static("x"), id="blank")
        yield Vertical(Static("x"), id="plain-border", classes="bordered")
        yield Blank(Static("x"), id="blank-border", classes="bordered")


def _texts(widget: Vertical) -> list[str]:
    crop = Region(0, 0, *widget.outer_size)
    return [strip.text for strip in widget.render_lines(crop)]


def _styled(widget: Vertical) -> list[list[tuple[str, object]]]:
    """Every cell of every line with its style (however the segments are split)."""
    crop = Region(0, 0, *widget.outer_size)
    lines = widget.render_lines(crop)
    return [[(char, s.style) for s in strip for char in s.text] for strip in lines]


async def test_a_blank_container_renders_one_line_and_repeats_it() -> None:
    async with Boxes().run_test(size=(40, 40)) as pilot:
        await pilot.pause()
        plain, blank = pilot.app.query_one("#plain", Vertical), pilot.app.query_one("#blank", Blank)
        lines = blank.render_lines(Region(0, 0, *blank.outer_size))
        assert len(lines) == 8
        assert all(line is lines[0] for line in lines)  # one strip: its cut is cached too
        assert _styled(blank) == _styled(plain)  # padding and background as before


async def test_a_container_with_a_border_or_title_renders_as_usual() -> None:
    async with Boxes().run_test(size=(40, 40)) as pilot:
        await pilot.pause()
        plain = pilot.app.query_one("#plain-border", Vertical)
        blank = pilot.app.query_one("#blank-border", Blank)
        assert _texts(blank) == _texts(plain)
        assert _texts(blank)[0] != _texts(blank)[1]  # the top edge differs
        plain.border_title = blank.border_title = "title"
        await pilot.pause()
        assert _styled(blank) == _styled(plain)
