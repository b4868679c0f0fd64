"""The streamed answer view: block splitting, segments, and what reaches the screen.

Settled blocks stay in the live segment that shows them and are handed over
as rendered (the same widgets), never parsed and mounted a second time.
"""

from __future__ import annotations

import asyncio
import time
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Markdown
from textual.widgets.markdown import MarkdownBlock

from tests.helpers.held_clock import HeldClock
from tuichat.config import ModelSpec
from tuichat.providers.openai_compat import OpenAICompatProvider
from tuichat.sim.answers import answer_text
from tuichat.sim.thread import SimServerThread
from tuichat.ui.app import TuichatApp
from tuichat.ui.chat_options import ChatOptions
from tuichat.ui.widgets import markdown_blocks
from tuichat.ui.widgets.answer_geometry import distance
from tuichat.ui.widgets.answer_pacing import FRAME, IDLE_DELAY, AnswerPacing
from tuichat.ui.widgets.answer_triage import IDLE_SCREENS
from tuichat.ui.widgets.answer_view import AnswerView
from tuichat.ui.widgets.draft_text import DraftText
from tuichat.ui.widgets.markdown_blocks import (
    BlockSplitter,
    group_blocks,
    references,
    render_parser,
    split_blocks,
)
from tuichat.ui.widgets.messages import AssistantMessage
from tuichat.ui.widgets.transcript import Transcript

# -- markdown documents for property tests ----------------------------------

WORD = st.sampled_from(["alpha", "beta", "`code()`", "*em*", "**strong**", "1.", "-", "|", "x"])


def _line(words: st.SearchStrategy[list[str]]) -> st.SearchStrategy[str]:
    return words.map(" ".join)


LINE = _line(st.lists(WORD, min_size=1, max_size=6))
PARAGRAPH = st.lists(LINE, min_size=1, max_size=3).map(lambda ls: "\n".join(ls) + "\n")
HEADING = st.builds(lambda n, t: "#" * n + " " + t + "\n", st.integers(1, 6), LINE)
SETEXT = st.builds(lambda t, u: f"{t}\n{u}\n", LINE, st.sampled_from(["===", "---", "-"]))
HR = st.sampled_from(["---\n", "***\n", "___\n", "- - -\n"])
INDENTED = st.lists(LINE, min_size=1, max_size=3).map(lambda ls: "".join(f"    {x}\n" for x in ls))


@st.composite
def fence(draw: st.DrawFn) -> str:
    mark = draw(st.sampled_from(["```", "~~~", "````"]))
    info = draw(st.sampled_from(["", "python", "text"]))
    body = draw(st.lists(st.one_of(LINE, st.sampled_from(["", "```", "~~~", "# not a heading"]))))
    closed = draw(st.booleans())
    return f"{mark}{info}\n" + "".join(f"{b}\n" for b in body) + (f"{mark}\n" if closed else "")


@st.composite
def md_list(draw: st.DrawFn) -> str:
    ordered = draw(st.booleans())
    start = draw(st.integers(0, 12))
    lines = []
    for i in range(draw(st.integers(1, 4))):
        marker = f"{start + i}{draw(st.sampled_from(['.', ')']))}" if ordered else "-"
        lines.append(f"{marker} {draw(LINE)}")
        if draw(st.booleans()):
            lines.append(f"{' ' * (len(marker) + 1)}- {draw(LINE)}")  # nested
        if draw(st.booleans()):
            lines.append("")  # loose
    return "\n".join(lines) + "\n"


TABLE = st.builds(
    lambda h, rows: f"| {h} | b |\n| --- | ---: |\n" + "".join(f"| {r} | 1 |\n" for r in rows),
    LINE,
    st.lists(LINE, max_size=3),
)
QUOTE = st.lists(LINE, min_size=1, max_size=3).map(lambda ls: "".join(f"> {x}\n" for x in ls))
HTML = st.just("<div>\nraw\n</div>\n")
BLOCK = st.one_of(PARAGRAPH, HEADING, SETEXT, HR, INDENTED, fence(), md_list(), TABLE, QUOTE, HTML)


@st.composite
def document(draw: st.DrawFn) -> str:
    """Blocks joined by 0-2 blank lines (0 lets blocks interrupt or merge)."""
    parts = []
    for block in draw(st.lists(BLOCK, min_size=1, max_size=8)):
        parts.append(block + "\n" * draw(st.integers(0, 2)))
    text = "".join(parts)
    return text if draw(st.booleans()) else text.rstrip("\n")  # may end mid-line


@st.composite
def chunked(draw: st.DrawFn) -> tuple[str, list[str]]:
    text = draw(document())
    cuts = sorted(draw(st.sets(st.integers(1, max(1, len(text) - 1)), max_size=12)))
    bounds = [0, *cuts, len(text)]
    return text, [text[a:b] for a, b in pairwise(bounds) if b > a]


def _tokens(source: str) -> list[tuple[Any, ...]]:
    """What rendering depends on: every token but its line map."""

    def key(token: Any) -> tuple[Any, ...]:
        children = tuple(key(child) for child in token.children or [])
        return (token.type, token.tag, token.nesting, token.level, token.content,
                token.info, token.markup, token.hidden, tuple(sorted(token.attrs.items())),
                children)  # fmt: skip

    return [key(token) for token in MarkdownIt("gfm-like").parse(source)]


PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(chunked())
def test_any_chunking_settles_the_blocks_of_the_whole_text(case: tuple[str, list[str]]) -> None:
    text, chunks = case
    splitter, settled, fed = BlockSplitter(), [], ""
    for chunk in chunks:
        settled += splitter.feed(chunk)
        fed += chunk
        assert "".join(settled) + splitter.tail == fed  # nothing lost or doubled
    settled += splitter.close()
    assert settled == split_blocks(text)


@PROPERTY
@given(document())
def test_each_block_renders_alone_as_in_the_whole_text(text: str) -> None:
    pieces = [token for block in split_blocks(text) for token in _tokens(block)]
    assert pieces == _tokens(text)


def test_a_list_and_a_fence_across_chunk_joins() -> None:
    splitter = BlockSplitter()
    blocks = [b for chunk in ["1. a\n\n2", ". b\n\n``", "`py\nx = 1\n\n# n", "o\n```\n\npara\n"]
              for b in splitter.feed(chunk)]  # fmt: skip
    blocks += splitter.close()
    assert blocks == ["1. a\n\n2. b\n\n", "```py\nx = 1\n\n# no\n```\n\n", "para\n"]


def test_a_feed_that_ends_no_line_parses_nothing_again(monkeypatch: pytest.MonkeyPatch) -> None:
    splitter, parsed = BlockSplitter(), []
    real = markdown_blocks._top_blocks

    def spy(text: str) -> Any:
        parsed.append(text)
        return real(text)

    monkeypatch.setattr(markdown_blocks, "_top_blocks", spy)
    splitter.feed("- a\n- b")
    splitter.feed(" grows")
    splitter.feed(" more")
    assert parsed == ["- a\n"]  # the complete lines did not change: same blocks
    assert splitter.feed("\n\nafter\n\nx") == ["- a\n- b grows more\n\n", "after\n\n"]
    assert splitter.tail == "x"


def test_a_line_still_growing_settles_nothing() -> None:
    splitter = BlockSplitter()
    assert splitter.feed("1. a\n\n2") == []  # "2" may become "2." and join the list
    assert splitter.feed(".") == []
    assert splitter.close() == ["1. a\n\n2."]


def test_a_paragraph_settles_once_a_blank_line_and_the_next_block_began() -> None:
    splitter = BlockSplitter()
    assert splitter.feed("one\r\n") == []  # no blank line yet: "===" may follow
    assert splitter.feed("\r\n  \t") == []  # blank, and the next line still blank
    assert splitter.feed("tw") == ["one\r\n\r\n"]  # a new block began: "one" is over
    assert splitter.tail == "  \ttw"
    assert splitter.feed("o\n\n- a\n\nb") == ["  \ttwo\n\n"]
    assert splitter.tail == "- a\n\nb"  # a list is never settled early (indented lines join it)


def test_a_heading_or_a_closed_fence_settles_once_the_next_line_began() -> None:
    splitter = BlockSplitter()
    assert splitter.feed("# Title\n") == []
    assert splitter.feed("T") == ["# Title\n"]  # nothing can join a heading
    assert splitter.feed("ext\n\n```py\nx = 1\n") == ["Text\n\n"]
    assert splitter.feed("y") == []  # an open fence takes every line
    assert splitter.feed("\n```\n") == []  # closed, but what follows may be blank lines
    assert splitter.feed("\n- a") == ["```py\nx = 1\ny\n```\n\n"]


def test_reference_definitions_reach_every_block() -> None:
    text = "see [the docs][d]\n\nmore\n\n[d]: https://example.com\n"
    refs = references(text)
    assert set(refs) == {"D"}
    [first, *_] = split_blocks(text)
    tokens = render_parser(refs)().parse(first)
    links = [c for t in tokens for c in t.children or [] if c.type == "link_open"]
    assert links and links[0].attrs["href"] == "https://example.com"


def test_group_blocks_fills_segments_and_never_splits_a_block() -> None:
    assert group_blocks(["a" * 300, "b" * 300], limit=1000) == [["a" * 300, "b" * 300]]
    assert group_blocks(["a" * 600, "b" * 600], limit=1000) == [["a" * 600], ["b" * 600]]
    assert group_blocks(["x" * 2000, "y"], limit=1000) == [["x" * 2000], ["y"]]
    assert group_blocks([], limit=1000) == []


# -- the view in a small app ------------------------------------------------


class AnswerApp(App[None]):
    """A scrolling transcript holding one answer view (paced by ``clock``, if given)."""

    def __init__(self, clock: HeldClock | None = None) -> None:
        super().__init__()
        self.clock = clock

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="transcript"):
            yield AnswerView(clock=self.clock)


def _block_types_of(markdown: Markdown) -> list[str]:
    return [type(b).__name__ for b in markdown.children if isinstance(b, MarkdownBlock)]


def _block_types(view: AnswerView) -> list[str]:
    """The block widgets of every segment's markdown, top to bottom."""
    markdowns = [segment.query_children(Markdown).first() for segment in view.segments]
    return [name for markdown in markdowns for name in _block_types_of(markdown)]


async def _rendered_beside_one_markdown(pilot: Any, view: AnswerView, text: str) -> Markdown:
    """Render every segment of ``view`` and mount one ``Markdown`` of ``text`` to compare with.

    Once the view's worker has rendered the drafts the last step painted
    (right after it): only it changes the view's widgets.
    """
    seen = pilot.app.query_one("#transcript").region
    await _wait(pilot, lambda: all(s.rendered for s in view.segments if s.region.overlaps(seen)))
    for segment in view.segments:
        await segment.render_markdown()
    whole = Markdown(text)
    await pilot.app.query_one("#transcript").mount(whole)
    await pilot.pause()
    return whole


async def _stream(view: AnswerView, text: str, chunk: int = 37) -> None:
    for start in range(0, len(text), chunk):
        view.append(text[start : start + chunk])
        if start % (chunk * 20) == 0:
            await asyncio.sleep(0)
    await view.finish()


async def _wait(
    pilot: Any, predicate: Any, timeout: float = 10.0, clock: HeldClock | None = None
) -> None:
    """Poll ``predicate`` (a guard against hanging, not a timing); move ``clock`` a frame a poll."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:  # a hang guard, not a timing assertion
            raise TimeoutError("condition not reached")
        if clock is not None:
            clock.advance(FRAME)
        await pilot.pause(0.02)


async def test_a_burst_renders_the_bottom_then_what_is_near_it_in_idle_time() -> None:
    text = answer_text("markdown", 3000)
    clock = HeldClock()
    app = AnswerApp(clock)
    async with app.run_test(size=(100, 30)) as pilot:
        view = app.query_one(AnswerView)
        scroller = app.query_one("#transcript", VerticalScroll)
        scroller.anchor()
        await _stream(view, text)
        assert view.source == text
        assert "".join(s.source for s in view.segments) == text
        assert [b for s in view.segments for b in s.blocks] == split_blocks(text)
        rendered = [s.rendered for s in view.segments]
        assert rendered[-1] and not all(rendered)  # the top waits: drafts
        clock.advance(IDLE_DELAY)
        await _wait(pilot, lambda: not view.busy, clock=clock)  # idle rendering is done
        reach = scroller.region.height * IDLE_SCREENS
        near = [s for s in view.segments if distance(s.region, scroller.region) <= reach]
        assert all(s.rendered for s in near)
        assert not view.segments[0].rendered  # screens away: a draft until scrolled to
        scroller.scroll_home(animate=False)
        await _wait(pilot, lambda: view.segments[0].rendered, clock=clock)
        await _wait(pilot, lambda: not view.segments[-1].rendered, clock=clock)  # parked again
        assert [b for s in view.segments for b in s.blocks] == split_blocks(text)


async def test_settled_blocks_are_not_rendered_again_and_the_hand_over_keeps_them() -> None:
    text = answer_text("markdown", 1200)
    clock = HeldClock()
    app = AnswerApp(clock)
    async with app.run_test(size=(100, 30)) as pilot:
        view = app.query_one(AnswerView)
        app.query_one("#transcript", VerticalScroll).anchor()
        first_block: Any = None
        handed_over_as_shown = False
        for start in range(0, len(text), 20):  # paced: a step per chunk
            view.append(text[start : start + 20])
            clock.advance(FRAME)
            await _wait(pilot, lambda: not view._unsent, clock=clock)
            if first_block is None and view.segments[0].rendered:
                [markdown] = view.segments[0].children
                first_block = markdown.children[0]
            if len(view.segments) == 2 and not handed_over_as_shown:  # the first hand-over
                assert first_block is not None and first_block.is_attached  # the same widget
                handed_over_as_shown = True
        await view.finish()
        assert handed_over_as_shown and len(view.segments) > 2
        assert [b for s in view.segments for b in s.blocks] == split_blocks(text)
        # (those parked far up are rendered afresh: the rest are as handed over)
        whole = await _rendered_beside_one_markdown(pilot, view, text)
        assert _block_types(view) == _block_types_of(whole)  # its blocks, none of the tail's


async def test_the_whole_answer_looks_like_one_markdown_widget() -> None:
    text = answer_text("markdown", 800)
    app = AnswerApp()
    async with app.run_test(size=(100, 30)) as pilot:
        view = app.query_one(AnswerView)
        await _stream(view, text)
        whole = await _rendered_beside_one_markdown(pilot, view, text)
        assert _block_types(view) == _block_types_of(whole)
        assert view.outer_size.height == whole.outer_size.height  # same spacing, too


async def test_a_line_that_joins_the_block_above_is_shown_right_at_the_end() -> None:
    app = AnswerApp()
    async with app.run_test() as pilot:
        view = app.query_one(AnswerView)
        for chunk in ["1. a\n\n", "2", ". b"]:  # "2" starts a paragraph, "2." joins the list
            view.append(chunk)
            await pilot.pause(0.05)
        await view.finish()
        assert _block_types(view) == ["MarkdownOrderedList"]


async def test_drafts_show_untrusted_text_literally() -> None:
    # Idle rendering turns every draft into markdown IDLE_DELAY after the end;
    # on a real clock a slow pause() could outlast that (NoMatches: DraftText).
    # Here time stands still, so the drafts out of view stay drafts.
    app = AnswerApp(HeldClock())
    async with app.run_test() as pilot:
        view = app.query_one(AnswerView)
        view.append("[b]bold?[/b] [@click=app.quit]x[/]\n\n" * 200)
        await view.finish()
        await pilot.pause()
        drafts = view.query(DraftText)
        assert drafts, "the segments out of view are drafts until idle time"
        assert all("[@click=app.quit]" in str(draft.render()) for draft in drafts)
        assert app.is_running


class TranscriptApp(App[None]):
    """Just a transcript."""

    def compose(self) -> ComposeResult:
        yield Transcript(id="transcript")


async def test_a_transcript_knows_which_of_its_answers_stream() -> None:
    app = TranscriptApp()
    async with app.run_test():
        transcript = app.query_one(Transcript)
        answer = AssistantMessage("m")
        await transcript.add(answer)
        probe = AnswerPacing()  # stands for another answer, whose idle rendering would yield
        assert not transcript.answers.others_than(probe)
        answer.append("hello")
        assert transcript.answers.others_than(probe)
        await answer.finish()
        assert not transcript.answers.others_than(probe)


# -- the real app against the simulator --------------------------------------


def make_app(sim: SimServerThread, model: str, db: Path) -> TuichatApp:
    spec = ModelSpec("sim-test", "openai-compat", model, origin="test", base_url=sim.base_url)
    provider = OpenAICompatProvider(sim.base_url, None, name="simulator")
    return TuichatApp(ChatOptions(model=spec, database=db).chat(provider))


async def _ask(pilot: Any, app: TuichatApp, text: str) -> None:
    app.query_one("#prompt").text = text  # type: ignore[attr-defined]
    await pilot.press("enter")
    await _wait(pilot, lambda: app.turn is not None and not app.turn.running)


@pytest.mark.parametrize("tps", [0, 2000])
async def test_a_long_streamed_answer_ends_with_all_its_text(
    sim: SimServerThread, tmp_path: Path, tps: int
) -> None:
    app = make_app(sim, f"sim?content=markdown&tokens=3000&tps={tps}", tmp_path / "t.db")
    async with app.run_test(size=(120, 40)) as pilot:
        await _ask(pilot, app, "long")
        answer = app.query_one(AssistantMessage)
        # The turn's task ends before the renderer has read its last event.
        await _wait(pilot, lambda: not answer.markdown.streaming, timeout=60.0)
        expected = answer_text("markdown", 3000)
        assert answer.text == expected and answer.markdown.source == expected
        assert "".join(s.source for s in answer.markdown.segments) == expected
        assert not answer.markdown.streaming


async def test_scrolling_to_the_top_shows_rendered_markdown(
    sim: SimServerThread, tmp_path: Path
) -> None:
    app = make_app(sim, "sim?content=markdown&tokens=3000&tps=0", tmp_path / "t.db")
    async with app.run_test(size=(120, 40)) as pilot:
        await _ask(pilot, app, "long")
        transcript = app.query_one("#transcript")
        transcript.scroll_home(animate=False)
        view = app.query_one(AssistantMessage).markdown

        def heading_in_view() -> bool:
            headings = view.query("MarkdownH1")
            return bool(headings) and headings.first().region.overlaps(transcript.region)

        await _wait(pilot, heading_in_view, timeout=5)


async def test_the_app_stays_responsive_while_an_answer_streams(
    sim: SimServerThread, tmp_path: Path
) -> None:
    app = make_app(sim, "sim?content=markdown&tokens=3000&tps=1500", tmp_path / "t.db")
    async with app.run_test(size=(120, 40)) as pilot:
        prompt = app.query_one("#prompt")
        prompt.text = "go"  # type: ignore[attr-defined]
        sending = asyncio.create_task(pilot.press("enter"))  # Pilot waits for idle: not here
        await _wait(pilot, lambda: app.streaming and len(app.turn.text) > 500)  # type: ignore[union-attr]
        late: list[float] = []
        typed_while_streaming = False
        typing = asyncio.create_task(pilot.press("h"))
        while app.streaming:
            started = time.monotonic()
            await asyncio.sleep(0.01)
            late.append(time.monotonic() - started - 0.01)
            typed_while_streaming |= prompt.text == "h"  # type: ignore[attr-defined]
        await asyncio.gather(sending, typing)
        assert typed_while_streaming
        assert max(late) < 0.5  # generous: the machine is shared; typical is ~0.05 s


async def test_older_answers_fold_out_of_view(sim: SimServerThread, tmp_path: Path) -> None:
    app = make_app(sim, "sim?content=markdown&tokens=1500&tps=0", tmp_path / "t.db")
    async with app.run_test(size=(120, 40)) as pilot:
        await _ask(pilot, app, "one")
        await _ask(pilot, app, "two")
        first, second = app.transcript.shown_answers()
        await _wait(pilot, lambda: len(first.markdown.children) == 1, timeout=5)
        assert isinstance(first.markdown.children[0], DraftText)  # one widget for the answer
        app.query_one("#transcript").scroll_home(animate=False)
        await _wait(pilot, lambda: bool(first.markdown.query("MarkdownH1")), timeout=5)
        assert first.markdown.source == answer_text("markdown", 1500)
        assert second.markdown.source == answer_text("markdown", 1500)
