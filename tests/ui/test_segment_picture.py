"""Settled segments of a streaming answer, and an ended answer's, paint from pictures.

The picture must be exactly what the screen showed, its markdown widgets must
leave the layout while it is shown, and the real widgets must come back when
the pointer comes (selection, links) and when the width or the theme changes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from rich.segment import Segment
from textual.widget import Widget

from tests.helpers.answer_app import new_answer, running_answer_app
from tests.helpers.chat_pilot import wait_until
from tests.helpers.held_clock import HeldClock
from tuichat.sim.answers import answer_text
from tuichat.ui.widgets.answer_pacing import FRAME, IDLE_DELAY, TYPING_QUIET_S
from tuichat.ui.widgets.answer_segment import AnswerSegment
from tuichat.ui.widgets.answer_view import AnswerView
from tuichat.ui.widgets.messages import AssistantMessage
from tuichat.ui.widgets.transcript import Transcript

TEXT = answer_text("markdown", 1500)
WIDE_FENCE = "Before.\n\n```text\n" + "x" * 300 + "\n```\n\n"
SHORT = "# Plan\n\n- one\n- two, with `code`\n\n```py\nx = 1\n```\n\nDone.\n"
MAX_POLLS = 500
"""Polls (each a frame of the held clock) a step may take: a hang guard, counted, not timed."""


async def _stream_until(
    pilot: Any, clock: HeldClock, answer: AssistantMessage, text: str, done: Any
) -> str:
    """Stream ``text`` a step per chunk until ``done()``; return what was not sent."""
    view = answer.markdown
    for start in range(0, len(text), 24):
        answer.append(text[start : start + 24])
        await _stepped(pilot, clock, view)
        if done():
            return text[start + 24 :]
    raise AssertionError("never happened")


async def _stepped(pilot: Any, clock: HeldClock, view: AnswerView) -> None:
    """Let the view take its next step (a frame of the held clock per poll)."""
    for _ in range(MAX_POLLS):
        if not view._unsent:
            return
        clock.advance(FRAME)
        await pilot.pause(0.01)
    raise AssertionError("the step never came")


def _pictured(view: AnswerView) -> list[AnswerSegment]:
    return [segment for segment in view.segments if segment.pictured]


def _screen(app: Any) -> list[list[tuple[str, Any]]]:
    """What the screen shows: every cell's text and style."""
    strips = app.screen._compositor.render_strips()
    return [[(seg.text, seg.style) for seg in Segment.simplify(strip)] for strip in strips]


@dataclass
class Pictured:
    """A streaming answer (its ``rest`` not sent yet) with at least one pictured ``segment``."""

    pilot: Any
    clock: HeldClock
    answer: AssistantMessage
    segment: AnswerSegment
    rest: str


@asynccontextmanager
async def answer_with_a_picture() -> AsyncIterator[Pictured]:
    async with running_answer_app((90, 60)) as (pilot, clock):
        answer = await new_answer(pilot)
        rest = await _stream_until(pilot, clock, answer, TEXT, lambda: _pictured(answer.markdown))
        await pilot.pause(0.1)  # painted
        yield Pictured(pilot, clock, answer, _pictured(answer.markdown)[0], rest)


async def test_a_picture_shows_exactly_what_its_widgets_showed() -> None:
    async with answer_with_a_picture() as it:
        height = it.segment.size.height
        with_picture = _screen(it.pilot.app)
        it.segment.drop_picture()
        await it.pilot.pause(0.1)
        assert it.segment.size.height == height
        assert _screen(it.pilot.app) == with_picture  # cell for cell, style for style
        assert any(text.strip() for line in with_picture for text, _ in line)


async def test_a_pictured_segment_leaves_its_widgets_out_of_the_layout() -> None:
    async with answer_with_a_picture() as it:
        laid_out = it.pilot.app.screen._compositor.full_map
        inside = list(it.segment.walk_children(Widget))
        assert inside and it.segment in laid_out
        assert not any(widget in laid_out for widget in inside)  # hidden, not removed
        assert not it.segment.allow_select  # a picture's offsets are not its own


async def test_pictures_stay_when_the_answer_ends_and_still_look_the_same() -> None:
    async with answer_with_a_picture() as it:
        it.answer.append(it.rest)
        it.clock.advance(FRAME)
        await it.answer.markdown.finish()
        await it.pilot.pause(0.1)
        view = it.answer.markdown
        pictured = _pictured(view)
        assert pictured  # no segment's widgets laid out again in the last frame
        assert view.source == TEXT
        at_the_end = _screen(it.pilot.app)
        for segment in pictured:
            segment.drop_picture()
        await it.pilot.pause(0.1)
        assert _screen(it.pilot.app) == at_the_end


async def test_the_pointer_brings_the_widgets_back() -> None:
    async with answer_with_a_picture() as it:
        await it.pilot.hover(it.segment, offset=(2, 1))
        await wait_until(it.pilot, lambda: not it.segment.pictured)
        assert it.segment.allow_select


async def test_a_new_width_brings_the_widgets_back() -> None:
    async with answer_with_a_picture() as it:
        await it.pilot.resize_terminal(70, 60)
        await wait_until(it.pilot, lambda: not it.segment.pictured)
        await it.pilot.pause(0.1)
        markdown = it.segment.children[0]
        assert markdown.display and it.segment.size.height == markdown.outer_size.height


async def test_a_new_theme_brings_the_widgets_back() -> None:
    async with answer_with_a_picture() as it:
        app = it.pilot.app
        app.theme = "textual-light" if app.theme != "textual-light" else "textual-dark"
        await wait_until(it.pilot, lambda: not it.segment.pictured)  # the old theme's colours
        await it.pilot.pause(0.1)
        assert it.segment.children[0].display


async def test_a_segment_that_scrolls_inside_is_not_pictured() -> None:
    async with running_answer_app((90, 60)) as (pilot, clock):
        answer = await new_answer(pilot)
        view = answer.markdown
        text = WIDE_FENCE + TEXT
        await _stream_until(pilot, clock, answer, text, lambda: len(view.segments) > 3)
        first = view.segments[0]
        assert first.rendered and "x" * 300 in first.source
        assert not first.pictured  # its fence scrolls sideways: only the real widget can
        assert _pictured(view)  # the others are


def _laid_out_inside(app: Any, view: AnswerView) -> list[Widget]:
    """The widgets inside ``view``'s segments that the compositor lays out."""
    laid_out = app.screen._compositor.full_map
    return [w for segment in view.segments for w in segment.walk_children(Widget) if w in laid_out]


async def _same_without_pictures(pilot: Any, view: AnswerView) -> None:
    """Dropping every picture changes no cell of the screen."""
    with_pictures = _screen(pilot.app)
    for segment in view.segments:
        segment.drop_picture()
    await pilot.pause(0.1)
    assert _laid_out_inside(pilot.app, view)  # the real widgets are back
    assert _screen(pilot.app) == with_pictures


async def test_an_ended_answer_paints_from_pictures_once_painted() -> None:
    """Its last segment (the live one when it ended) too: later frames lay out one widget."""
    async with running_answer_app((90, 30)) as (pilot, clock):
        answer = await new_answer(pilot)
        answer.append(SHORT)
        clock.advance(FRAME)
        await answer.markdown.finish()
        await pilot.pause(0.1)
        view = answer.markdown
        assert view.segments and all(segment.pictured for segment in view.segments)
        assert not _laid_out_inside(pilot.app, view)
        await _same_without_pictures(pilot, view)


async def _ended_while_typing(pilot: Any, clock: HeldClock) -> AnswerView:
    """An answer that ended as the user pressed a key (its view)."""
    answer = await new_answer(pilot)
    answer.append(SHORT)
    clock.advance(FRAME)
    pilot.app.query_one(Transcript).typed()
    await answer.markdown.finish()
    await pilot.pause(0.1)
    return answer.markdown


async def test_an_ended_answer_is_pictured_only_once_the_typing_pauses() -> None:
    """Picturing holds the event loop (30-70 ms for a long answer): not under a typing user."""
    async with running_answer_app((90, 30)) as (pilot, clock):
        view = await _ended_while_typing(pilot, clock)
        assert view.segments and not any(segment.pictured for segment in view.segments)
        clock.advance(TYPING_QUIET_S)
        await wait_until(pilot, lambda: all(segment.pictured for segment in view.segments))


async def test_a_picture_put_off_by_typing_also_waits_for_the_next_answers_stream() -> None:
    """The user typed on and sent: the new stream must not stop for the old answer's picture."""
    async with running_answer_app((90, 40)) as (pilot, clock):
        view = await _ended_while_typing(pilot, clock)
        following = await new_answer(pilot)
        following.append("The next answer streams")  # sent before the typing paused
        await pilot.pause(0.05)
        clock.advance(TYPING_QUIET_S)
        await pilot.pause(0.1)
        assert not any(segment.pictured for segment in view.segments)
        await following.markdown.finish()
        clock.advance(TYPING_QUIET_S)
        await wait_until(pilot, lambda: all(segment.pictured for segment in view.segments))


async def test_drafts_rendered_after_the_end_are_pictured_too() -> None:
    async with running_answer_app((90, 60)) as (pilot, clock):
        answer = await new_answer(pilot)
        view = answer.markdown
        answer.append(TEXT)  # a burst: its blocks arrive as drafts, rendered in idle time
        clock.advance(FRAME)
        await view.finish()
        await pilot.pause(0.1)
        seen = pilot.app.screen.region

        def in_view(segment: AnswerSegment) -> bool:
            return segment.region.overlaps(seen)

        for _ in range(MAX_POLLS):
            if not any(in_view(s) and not s.rendered for s in view.segments):  # none left
                break
            clock.advance(IDLE_DELAY)
            await pilot.pause(0.02)
        clock.advance(IDLE_DELAY)  # idle time, once they are rendered
        await pilot.pause(0.1)
        rendered = [segment for segment in view.segments if segment.rendered]
        assert any(map(in_view, rendered)) and all(segment.pictured for segment in rendered)
        await _same_without_pictures(pilot, view)
