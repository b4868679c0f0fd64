"""Paint a step of an answer now, in one frame, instead of at the screen's next tick.

A widget that changes only flags itself (``refresh``); its own message pump
tells the screen later, when that pump next goes idle, and the screen paints
at its update timer's next tick (a 1/60 s grid). A step of an answer changes
several widgets (the live paragraph, its segment, the view, the transcript),
so their news reached the screen at different moments, and the step's text
waited up to a tick after the step was done — on a first token, the larger
part of the wait between the token and the screen (``bench/bench_pty.py``).

:func:`paint_now` does what each widget's idle would do, for every widget
of the screen with a refresh pending (not inside a hidden one), and hands
the result to the screen at once: one layout and one paint, the moment the
step is done. Nothing is drawn that the screen would not draw at its tick;
the tick then finds nothing left to do.

The frame is then handed to the terminal before the app goes on
(:func:`~tuichat.ui.terminal_writer.hand_to_terminal`).

It uses Textual's own refresh machinery (``_check_refresh`` and the
screen's ``_on_update``/``_on_layout``/``_on_update_scroll`` and
``_on_timer_update``): where a Textual version lacks one of them the
widgets tell the screen as before, and it paints at its next tick.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import messages
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widget import Widget

from tuichat.ui.terminal_writer import hand_to_terminal

_FLAGS = ("_repaint_required", "_layout_required", "_scroll_required")
_HANDLERS = {
    messages.Update: "_on_update",
    messages.Layout: "_on_layout",
    messages.UpdateScroll: "_on_update_scroll",
}


def _flagged(widget: Widget) -> bool:
    return any(getattr(widget, flag, False) for flag in _FLAGS)


def refresh_pending(widget: Widget) -> bool:
    """True while ``widget`` waits for a repaint, a layout, a scroll or a restyle."""
    return _flagged(widget) or bool(getattr(widget, "_refresh_styles_required", False))


def _supported(screen: Screen[Any]) -> bool:
    needed = ("_on_timer_update", *_HANDLERS.values())
    return all(callable(getattr(screen, name, None)) for name in needed)


async def paint_now(root: Widget, *, only_root: bool = False) -> None:
    """Hand ``root``'s screen every refresh its widgets asked for, and paint it now.

    The whole screen, not only ``root``: a HUD row that changed with the
    step rides along in the same frame, as it would at the tick. With
    ``only_root``, only ``root``'s own refreshes (and those already handed
    to the screen): a keystroke's echo need not look through every widget
    of a long transcript. Call it outside any ``batch_update`` (inside one,
    the screen holds its paint and the widgets' own idles tell it as usual).
    """
    screen = root.screen
    if root.app._batch_count or not screen.is_current or not _supported(screen):
        return
    candidates = [root, *displayed_widgets(root)] if only_root else displayed_widgets(screen)
    widgets = [
        widget
        for widget in candidates
        if _flagged(widget) and not getattr(widget, "_refresh_styles_required", False)
    ]
    posted: list[Any] = []
    _collect(screen, widgets, posted.append)
    for message in posted:
        handler = getattr(screen, _HANDLERS.get(type(message), ""), None)
        if handler is None:  # not ours to handle: back to the screen's queue
            screen.post_message(message)
        else:
            await handler(message)
    screen._on_timer_update()  # also what the widgets' own idles told it during the step
    hand_to_terminal(screen.app)


def layout_pending(root: Widget) -> bool:
    """True when a widget of ``root``'s screen has asked for a layout (the next frame lays out)."""
    screen = root.screen
    return screen._layout_required or any(
        getattr(widget, "_layout_required", False) for widget in displayed_widgets(screen)
    )


def displayed_widgets(root: DOMNode) -> list[Widget]:
    """The widgets under ``root``, without the insides of hidden ones (``display: none``).

    A hidden widget is listed (hiding it is a change to show), its children
    are not: Textual paints nothing in them, and a streamed answer keeps
    hundreds of them hidden (its settled segments' markdown, drawn from
    pictures: :mod:`~tuichat.ui.widgets.segment_picture`). They refresh as
    usual when shown again.
    """
    found: list[Widget] = []
    stack = list(reversed(root.children))
    while stack:
        widget = stack.pop()
        if not isinstance(widget, Widget):
            continue
        found.append(widget)
        if widget.display:
            stack.extend(reversed(widget.children))
    return found


def _collect(screen: Screen[Any], widgets: list[Widget], post: Callable[[Any], None]) -> None:
    """Run each widget's refresh check, catching what it posts to the screen."""
    screen.post_message = post  # type: ignore[method-assign,assignment]  # only for these calls
    try:
        for widget in widgets:
            check = getattr(widget, "_check_refresh", None)
            if callable(check):
                check()
    finally:
        del screen.post_message
