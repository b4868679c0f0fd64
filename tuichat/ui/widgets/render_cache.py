"""Keep Textual's rendering cheap: caches that pin nothing, containers painted once.

Textual memoises ``StylesCache.get_inner_outer`` with ``functools.lru_cache``
on the instance method, so up to 1,024 ``StylesCache`` objects of removed
widgets stay alive, each with its cached lines (Textualize/textual#6665).
A streamed answer replaces widgets all the time (the live tail, rendered and
parked segments), so the cache fills up, the heap grows by ~200,000 objects,
and every full garbage collection walks them: a 30 ms pause becomes 200 ms,
mid-stream. Trimming the cache costs one ``Style`` per widget on its next
paint. The attribute lookups are guarded, so a Textual that fixes the leak
(or renames the method) just makes this a no-op.

The same cache keeps a set of dirty row numbers per widget as long as the
widget is tall (:func:`forget_painted_lines` lets a tall, mostly unseen
widget drop it).

:class:`BlankLines` makes a growing container's repaint cost one line, not
a screen of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.geometry import Region

if TYPE_CHECKING:
    from textual.strip import Strip
    from textual.widget import Widget

TRIM_ABOVE = 256  # entries; live widgets re-add theirs on their next paint


def _cached_method() -> Any:
    try:
        from textual._styles_cache import StylesCache
    except ImportError:  # pragma: no cover - a Textual without the module
        return None
    method = getattr(StylesCache, "get_inner_outer", None)
    return method if hasattr(method, "cache_info") and hasattr(method, "cache_clear") else None


def trim_render_cache(limit: int = TRIM_ABOVE) -> bool:
    """Clear the leaking cache if it holds more than ``limit`` entries."""
    method = _cached_method()
    if method is None or method.cache_info().currsize <= limit:
        return False
    method.cache_clear()
    return True


def forget_painted_lines(widget: Widget) -> None:
    """Drop what ``widget`` keeps of its painted lines, and its dirty-line marks.

    Textual marks every row of a widget dirty when it is refreshed (a set of
    row numbers) and unmarks only the rows it paints. A tall widget that is
    mostly out of view, such as the spacer for a long hidden history, keeps a
    set as long as its height; cleared, its rows are simply painted afresh
    when they come into view. A no-op where Textual keeps no such cache.
    """
    clear = getattr(getattr(widget, "_styles_cache", None), "clear", None)
    if callable(clear):
        clear()


class BlankLines:
    """Mixin for a container whose own lines are all one line: rendered once, repeated.

    The compositor renders every widget under a dirty row on every repaint,
    containers too, and Textual clears a widget's line cache whenever its
    size changes. An answer's containers (the message, the view, the live
    segment) grow with every new line, and the transcript scrolls with it,
    so each repaint rendered (and cut up) a screen of their blank lines.
    Without a border, outline or title every line of such a container is the
    same strip (its background and padding), so one is rendered through
    Textual (styles, filters, opacity as usual) and repeated: the compositor's
    cut of that one strip is cached too. Anything with a top or bottom edge
    or a title renders as usual. (Textual's own ``BLANK`` flag would skip
    the app's line filters, e.g. the dimming behind a modal screen.)
    """

    def render_lines(self, crop: Region) -> list[Strip]:
        render = super().render_lines  # type: ignore[misc]
        if crop.height <= 1 or not uniform(self):  # type: ignore[arg-type]
            return render(crop)  # type: ignore[no-any-return]
        line: list[Strip] = render(Region(crop.x, crop.y, crop.width, 1))
        return line * crop.height


def uniform(widget: Widget) -> bool:
    """True when every line of ``widget``'s own rendering is the same (a blank container)."""
    styles = widget.styles
    top, bottom = styles.border_top[0], styles.border_bottom[0]
    outline = styles.outline_top[0], styles.outline_bottom[0]
    return (
        top in _NO_EDGE
        and bottom in _NO_EDGE
        and all(edge in _NO_EDGE for edge in outline)
        and widget._border_title is None
        and widget._border_subtitle is None
    )


_NO_EDGE = ("", "none", "hidden")
