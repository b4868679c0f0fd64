"""A long fence that streams is highlighted and rendered a chunk at a time, and whole once it ends.

* :func:`~tuichat.ui.widgets.code_chunks.chunked` colours each character as
  the whole-code highlight does (for code whose lines stand alone), and a
  step re-highlights only the open chunk: the complete ones are reused.
* In an answer, the open fence's label shows the chunks while it streams,
  and the same cells as the whole highlight; the ended answer's fence is
  highlighted whole (selectable, exactly Textual's).
"""

from __future__ import annotations

from typing import Any

from rich.segment import Segment
from textual.content import Content
from textual.geometry import Offset, Region
from textual.selection import Selection
from textual.strip import Strip
from textual.widgets._markdown import MarkdownFence

from tests.helpers.answer_app import running_answer_app, shown_as_markdown, step_text
from tests.helpers.chat_pilot import wait_until
from tuichat.ui.widgets import code_chunks
from tuichat.ui.widgets.answer_pacing import FRAME
from tuichat.ui.widgets.code_chunks import CHUNK_LINES, ChunkedCode, chunked


def _code(lines: int) -> str:
    return "\n".join(f"value_{n} = compute({n}, 'x')  # step {n}" for n in range(lines))


def _label(answer: Any) -> Any:
    return answer.markdown.query_one("#code-content")


async def _stream_code(pilot: Any, clock: Any, answer: Any, code: str) -> None:
    """``code`` arrives four lines a step."""
    lines = code.splitlines(keepends=True)
    for at in range(0, len(lines), 4):
        last = lines[min(at + 4, len(lines)) - 1].strip()
        await step_text(
            pilot,
            clock,
            answer,
            "".join(lines[at : at + 4]),
            lambda last=last: last in str(_label(answer).render()),
        )


def _whole_code(answer: Any) -> Any:
    """The fence's code as shown, once it is one ``Content`` (None while chunked, or not shown)."""
    for label in answer.markdown.query("#code-content"):
        shown = label.render()
        if isinstance(shown, Content) and "step 35" in str(shown):
            return shown
    return None


def _cells(strips: list[Strip]) -> list[list[tuple[str, object]]]:
    return [[(seg.text, seg.style) for seg in Segment.simplify(strip)] for strip in strips]


def _highlight(text: str, language: str) -> Content:
    return MarkdownFence.highlight(text, language, ansi=False, dark=True)


def _styles(content: Content) -> list[tuple[str, tuple[str, ...]]]:
    """Each character but newlines, with the styles of the spans over it."""
    found = []
    for at, char in enumerate(content.plain):
        if char != "\n":
            over = sorted(str(s.style) for s in content.spans if s.start <= at < s.end)
            found.append((char, tuple(over)))
    return found


def test_chunks_colour_the_code_as_the_whole_highlight_does() -> None:
    code_chunks.forget()
    code = _code(3 * CHUNK_LINES + 5)
    found = chunked(code, "python", (False, True), _highlight)
    assert isinstance(found, ChunkedCode) and len(found.chunks) == 4
    assert found.whole().plain == code == str(found)
    assert _styles(found.whole()) == _styles(_highlight(code, "python"))


def test_a_step_highlights_only_the_open_chunk() -> None:
    code_chunks.forget()
    highlighted: list[str] = []

    def counting(text: str, language: str) -> Content:
        highlighted.append(text)
        return _highlight(text, language)

    code = _code(2 * CHUNK_LINES + 3)
    before = chunked(code, "python", (False, True), counting)
    highlighted.clear()
    after = chunked(code + "\nmore = 1", "python", (False, True), counting)
    assert before is not None and after is not None
    assert after.chunks[:2] == before.chunks[:2]  # the same objects, strips and all
    assert highlighted == [after.chunks[-1].text]  # the open chunk alone


def test_a_short_fence_is_not_chunked() -> None:
    assert chunked(_code(CHUNK_LINES), "python", (False, True), _highlight) is None


async def test_a_streamed_fence_shows_chunks_then_is_highlighted_whole() -> None:
    code = _code(2 * CHUNK_LINES + 4) + "\n"
    async with running_answer_app((100, 30)) as (pilot, clock):
        answer = await shown_as_markdown(pilot, clock, "Here:\n\n", "```python\n")
        await _stream_code(pilot, clock, answer, code)
        label = _label(answer)
        streaming = label.render()
        assert isinstance(streaming, ChunkedCode)
        rows = Region(0, 0, label.size.width, code.count("\n") + 1)  # padding and code lines
        shown = _cells(label.render_lines(rows))
        label.update(_highlight(code.rstrip(), "python"), layout=False)  # as Textual shows it
        assert _cells(label.render_lines(rows)) == shown
        label.update(streaming, layout=False)
        picked = label.get_selection(Selection(Offset(0, 17), Offset(8, 17)))
        assert picked == ("value_17", "\n")  # selectable while it streams
        await answer.finish()
        await wait_until(pilot, lambda: isinstance(label.render(), Content))
        assert str(label.render()) == code.rstrip()
        assert _styles(label.render()) == _styles(_highlight(code.rstrip(), "python"))


async def test_a_closed_fence_is_highlighted_whole_while_the_answer_streams() -> None:
    code = _code(2 * CHUNK_LINES + 4) + "\n"
    async with running_answer_app((100, 30)) as (pilot, clock):
        answer = await shown_as_markdown(pilot, clock, "Here:\n\n", "```python\n")
        await _stream_code(pilot, clock, answer, code)
        assert isinstance(_label(answer).render(), ChunkedCode)
        clock.advance(FRAME)
        answer.append("```\n\nAnd on")
        await wait_until(pilot, lambda: _whole_code(answer) is not None)
        assert not answer.markdown._tail_closed  # still streaming: the marker closed it
        assert _styles(_whole_code(answer)) == _styles(_highlight(code.rstrip(), "python"))
        await answer.finish()
