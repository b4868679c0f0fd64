"""The chat's key bar: one widget drawing the screen's keys as Textual's footer does."""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from tests.helpers.chat_pilot import make_app
from tuichat.sim.thread import SimServerThread
from tuichat.ui.widgets.chat_footer import ChatFooter

WIDTH = Binding.Group("Width", compact=True)
SPACED = Binding.Group("Zoom")


class Keys(App[None]):
    """A screen with plain, grouped and disabled keys, in the chat's footer or Textual's."""

    BINDINGS = [
        Binding("ctrl+b", "toggle", "HUD", tooltip="Show or hide the HUD"),
        Binding("ctrl+r", "again", "Continue"),
        Binding("f4", "narrower", "Narrower", group=WIDTH),
        Binding("f5", "wider", "Wider", group=WIDTH),
        Binding("f6", "zoom_in", "In", group=SPACED),
        Binding("f7", "zoom_out", "Out", group=SPACED),
        Binding("ctrl+q", "quit", "Quit"),
    ]

    def __init__(self, footer: Footer) -> None:
        super().__init__()
        self.footer = footer
        self.pressed: list[str] = []
        self.rang = 0

    def compose(self) -> ComposeResult:
        yield self.footer

    def action_toggle(self) -> None:
        self.pressed.append("toggle")

    def action_again(self) -> None:
        self.pressed.append("again")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return None if action == "again" else True  # None: shown, dimmed

    def bell(self) -> None:
        self.rang += 1


async def bottom_line(footer: Footer, width: int = 100) -> str:
    """The footer's row as the user sees it."""
    app = Keys(footer)
    async with app.run_test(size=(width, 5)) as pilot:
        await pilot.pause()
        await pilot.pause()
        return _row(app, 4)


def _row(app: App[None], y: int) -> str:
    return "".join(segment.text for segment in app.screen._compositor.render_strips()[y])


def _column(footer: ChatFooter, description: str) -> int:
    """The first column of the key described ``description``."""
    line = footer.render().plain
    return line.index(description) - 2


async def test_it_draws_the_same_line_as_textuals_footer() -> None:
    for width in (100, 60, 30):
        ours, textuals = await bottom_line(ChatFooter(), width), await bottom_line(Footer(), width)
        assert ours == textuals
        assert "^b HUD" in ours  # not vacuous: the keys are drawn


async def test_it_is_one_widget_and_a_bindings_change_repaints_it() -> None:
    app = Keys(ChatFooter())
    async with app.run_test(size=(100, 5)) as pilot:
        await pilot.pause()
        assert not app.footer.children
        assert not app.query(FooterKey)
        assert "^q Quit" in _row(app, 4)
        app.bind("f9", "ring", description="Again")  # a new key: the line is drawn again
        app.screen.refresh_bindings()
        await pilot.pause()
        await pilot.pause()
        assert "f9 Again" in _row(app, 4)


async def test_a_click_presses_the_key_and_a_disabled_one_rings() -> None:
    footer = ChatFooter()
    app = Keys(footer)
    async with app.run_test(size=(100, 5)) as pilot:
        await pilot.pause()
        await pilot.click(ChatFooter, offset=(_column(footer, "HUD"), 0))
        await pilot.pause()
        assert app.pressed == ["toggle"]
        await pilot.click(ChatFooter, offset=(_column(footer, "Continue"), 0))
        await pilot.pause()
        assert app.pressed == ["toggle"] and app.rang == 1


async def test_a_click_on_the_palettes_key_presses_it_over_the_keys_it_covers() -> None:
    footer = ChatFooter()
    app = Keys(footer)
    pressed: list[str] = []
    app.simulate_key = pressed.append  # type: ignore[method-assign]
    async with app.run_test(size=(30, 5)) as pilot:  # the palette's key covers "Continue"
        await pilot.pause()
        line = footer.render().plain
        assert "Continue" not in line
        await pilot.click(ChatFooter, offset=(line.index("^p"), 0))
        await pilot.pause()
        assert pressed == ["ctrl+p"]


async def test_hover_marks_the_key_and_shows_its_tooltip() -> None:
    footer = ChatFooter()
    app = Keys(footer)
    async with app.run_test(size=(100, 5)) as pilot:
        await pilot.pause()
        plain = footer.render()
        await pilot.hover(ChatFooter, offset=(_column(footer, "HUD"), 0))
        await pilot.pause()
        assert footer.tooltip == "Show or hide the HUD"
        hovered = footer.render()
        assert hovered.plain == plain.plain
        assert hovered.spans != plain.spans  # the key is drawn in the hover colours
        await pilot.hover(ChatFooter, offset=(99, 0))  # off any key
        await pilot.pause()
        assert footer.tooltip is None
        assert footer.render().spans == plain.spans


async def test_the_chat_shows_its_keys_in_one_widget(sim: SimServerThread, tmp_path: Path) -> None:
    app = make_app(sim, "sim", tmp_path / "t.db")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        footer = app.query_one(ChatFooter)
        keys = {item.description: item.key_display for item in footer.items()}
        assert keys["Quit"] == "^q" and keys["New line"] == "^j"
        assert not app.query(FooterKey)
        assert footer.render().plain.rstrip().endswith("▏^p palette")
