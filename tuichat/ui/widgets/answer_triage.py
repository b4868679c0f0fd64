"""Which of an answer's segments are rendered, by where they are on screen.

Decisions of :class:`~tuichat.ui.widgets.answer_view.AnswerView` that only
look at geometry: while the view follows the stream, render what the last
screen shows and park what is far above it; render the painted drafts still
in view; after it, find the draft nearest
the viewport, render a segment without moving what the reader looks at, and
park what a reader scrolled far away from. The view owns the segments; these
functions only render or park them.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.widget import Widget

from tuichat.ui.widgets import answer_geometry as geometry
from tuichat.ui.widgets.answer_segment import AnswerSegment

RENDER_SLACK = 2  # rows rendered beyond the screen, for rounding and scrollbars
PARK_SCREENS = 1.5  # while streaming, rendered segments this far up are parked
IDLE_SCREENS = 1.0  # after the stream, drafts this close to the viewport render in idle time
KEEP_SCREENS = 3.0  # rendered segments farther than this from view are parked when idle


async def follow_bottom(
    view: Widget, segments: Sequence[AnswerSegment], live: AnswerSegment, *, render: bool
) -> None:
    """Following the bottom: render what the last screen shows, park what is far up."""
    scroller = geometry.scroller_of(view)
    if scroller is None or not geometry.follows_bottom(scroller):
        return  # the reader scrolled away: exposures decide what to render
    screen = geometry.screen_rows(scroller)
    width = geometry.content_width(view, scroller)
    below = 0  # rows between the segment's bottom and the answer's
    for segment in reversed(segments):
        if below >= screen * PARK_SCREENS:
            # (the live one streams; a picture costs a frame what a draft does)
            if segment.rendered and segment is not live and not segment.pictured:
                await segment.park()
            continue
        if render and below < screen + RENDER_SLACK and segment is not live:
            await segment.render_markdown()  # (the live one renders as it shows)
        below += segment.rows(width, screen)


async def render_in_place(view: Widget, segment: AnswerSegment) -> None:
    """Render ``segment``; if it is above the viewport, keep the view still."""
    scroller = geometry.scroller_of(view)
    if scroller is None or geometry.follows_bottom(scroller):
        await segment.render_markdown()
        return
    above = bool(segment.region) and segment.region.bottom <= scroller.region.y
    width, screen = geometry.content_width(view, scroller), geometry.screen_rows(scroller)
    before = segment.rows(width, screen)
    await segment.render_markdown()
    if above:
        grown = segment.rows(width, screen) - before
        scroller.scroll_to(y=scroller.scroll_y + grown, animate=False, immediate=True)


async def render_wanted(view: Widget, wanted: dict[AnswerSegment, None]) -> bool:
    """Render the exposed drafts still in view, taking them from ``wanted``; True if any.

    The others ask again when they are painted.
    """
    scroller = geometry.scroller_of(view)
    seen = scroller.region if scroller is not None else None
    rendered = False
    while wanted:
        segment = next(iter(wanted))
        del wanted[segment]
        if seen is None or geometry.distance(segment.region, seen) == 0:
            await render_in_place(view, segment)
            rendered = True
        else:
            segment.ask_again()
    return rendered


def nearest_draft(view: Widget, segments: Sequence[AnswerSegment]) -> AnswerSegment | None:
    """The draft nearest the viewport, if one is within IDLE_SCREENS of it."""
    drafts = [segment for segment in reversed(segments) if not segment.rendered]
    scroller = geometry.scroller_of(view)
    if not drafts or scroller is None:
        return drafts[0] if drafts else None
    seen = scroller.region
    distance, nearest = min(
        ((geometry.distance(segment.region, seen), segment) for segment in drafts),
        key=lambda pair: pair[0],
    )
    return nearest if distance <= seen.height * IDLE_SCREENS else None


async def park_far(view: Widget, segments: Sequence[AnswerSegment], screens: float) -> None:
    """Park rendered segments more than ``screens`` screens from the viewport."""
    scroller = geometry.scroller_of(view)
    if scroller is None:
        return
    seen = scroller.region
    for segment in segments:
        if segment.rendered and geometry.distance(segment.region, seen) > seen.height * screens:
            await segment.park()
