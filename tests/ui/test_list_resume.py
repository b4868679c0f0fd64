"""A list that is the last block is parsed from its last item, and shows what Textual shows.

``AnswerMarkdown.append`` lets a streamed list re-parse only its last item
(``ListInPlace.resume_line``), where Textual's ``Markdown.append`` re-parses
the whole list. Each document here is appended in chunks of several sizes
to both, and after every chunk their widgets are compared, block by block
and row by row. (Where Textual's append itself differs from a whole parse,
as when a line was a block of its own for one step, the answer's segment
rebuilds: see ``AnswerSegment.show``.) The cases are where a parse from the
last item could go wrong: a line that stops being an item, a new kind of
marker, numbers that widen, nested and lazy lines, line ends that
``str.splitlines`` counts and markdown-it does not.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.await_complete import AwaitComplete
from textual.containers import Vertical
from textual.widgets import Markdown
from textual.widgets._markdown import MarkdownListItem

from tuichat.ui.widgets.answer_segment import AnswerMarkdown
from tuichat.ui.widgets.list_pictures import list_rows
from tuichat.ui.widgets.markdown_blocks import render_parser

DOCUMENTS = [
    "- a\n- b\n- c\n",
    "".join(f"{n}. step {n}\n" for n in range(1, 13)),
    "1. a\n1. b\n1. c\n1. d\n",
    "10. a\n11. b\n12. c\n",
    "- a\n- b\n2.5 is a number\n- c\n",
    "1. a\n2. b\n2.5 is\n3. c\n",
    "- a\n- b\n- - -\n- c\n",
    "- a\n- b\n* c\n* d\n- e\n",
    "1. a\n2. b\n3) c\n4) d\n",
    "- a\n- b\n  - nested\n  - nested two\n- c\n",
    "- a\n- b\n\n  a paragraph in b\n- c\n\nafter the list\n",
    "- a\n- b\n  ```\n  code\n  ```\n- c\n",
    "- a\n- b\nlazy line\n- c\n",
    "- a\n-\n- c\n",
    "- a\n- b\n---\n",
    "- a\n- b\n\n\n- c\n",
    "- a\n- b | x\n|---|---|\n- c\n",
    "- a\n- b\u2028c\n- d\n- e\n",
    "- a\u2028- x\n- b\n- c\n- d\n",
    "- a\n - b\n  - c\n   - d\n- e\n",
    "+ a\n+ b\n> quote\n+ c\n",
    "- a\n- b\n    indented four\n- c\n",
    "1. a\n2. b\n\n# heading\n\n3. c\n4. d\n",
    "[x]: https://example.com\n\n- [link][x]\n- b\n- c [x]\n",
    "- [x]: https://example.com\n- b\n- [x]\n- c [x]:\n",
]
# (A definition *after* a list is left out: Textual's parse from the list's
# start sees it for a step, one from the last item does not; neither does a
# settled block. The ended answer renders every block knowing the definitions:
# ``AnswerView._check_blocks``. A definition *in* a list makes it parse whole.)


class TextualAppend(AnswerMarkdown):
    """An answer's markdown that appends as Textual does (the whole last block re-parsed)."""

    def append(self, markdown: str) -> AwaitComplete:
        return Markdown.append(self, markdown)


class Holder(App[None]):
    def compose(self) -> ComposeResult:
        yield Vertical(id="holder")


def _tree(widget: Any) -> list[Any]:
    """What a markdown widget shows: each descendant's class, text and bullet, in order."""
    shown = []
    for child in widget.children:
        content = getattr(child, "_content", None)
        shown.append(
            (
                type(child).__name__,
                getattr(content, "plain", None),
                getattr(child, "symbol", None),
                _tree(child),
            )
        )
    return shown


def _chunks(document: str, size: int) -> list[str]:
    """``document`` in pieces of ``size`` characters, or line by line (``size`` 0)."""
    if not size:
        return document.splitlines(keepends=True)
    return [document[start : start + size] for start in range(0, len(document), size)]


@pytest.mark.parametrize("size", [0, 2])
async def test_every_step_of_a_streamed_list_shows_what_textual_shows(size: int) -> None:
    async with Holder().run_test(size=(80, 60)) as pilot:
        holder = pilot.app.query_one("#holder")
        for document in DOCUMENTS:
            markdown = AnswerMarkdown(parser_factory=render_parser())
            textual = TextualAppend(parser_factory=render_parser())
            await holder.mount_all([markdown, textual])
            shown = ""
            for chunk in _chunks(document, size):
                await markdown.append(chunk)
                await textual.append(chunk)
                await pilot.pause()
                shown += chunk
                assert _tree(markdown) == _tree(textual), (document, shown)
            await markdown.remove()
            await textual.remove()


LINES = [
    "- a", "- b b", "* c", "+ d", "1. x", "2. y", "3) z", "10. ten", "  - nested", "   1. n",
    "lazy text", "", "- - -", "2.5 is", "    code", "```", "# h", "> q", "| a | b |",
    "|---|---|", "-", "1.", "  continued", "- [x]: https://example.com", "---",
]  # fmt: skip


def _random_document(rng: random.Random) -> str:
    """Lines that start, continue, nest, break and end lists, mostly list items."""
    items = [f"- item {n}" if rng.random() < 0.4 else rng.choice(LINES) for n in range(14)]
    return "\n".join(items) + "\n"


async def test_random_lists_in_random_chunks_show_what_textual_shows() -> None:
    rng = random.Random(2026)
    async with Holder().run_test(size=(80, 60)) as pilot:
        holder = pilot.app.query_one("#holder")
        for _ in range(40):
            document = _random_document(rng)
            markdown = AnswerMarkdown(parser_factory=render_parser())
            textual = TextualAppend(parser_factory=render_parser())
            await holder.mount_all([markdown, textual])
            shown = ""
            while len(shown) < len(document):
                chunk = document[len(shown) : len(shown) + rng.randint(1, 9)]
                await markdown.append(chunk)
                await textual.append(chunk)
                shown += chunk
                assert _tree(markdown) == _tree(textual), (document, shown)
            await markdown.remove()
            await textual.remove()


async def test_a_step_of_a_long_list_parses_its_last_item_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built: list[int] = []
    real = MarkdownListItem.__init__

    def counting(item: Any, *args: Any, **kwargs: Any) -> None:
        built.append(1)
        real(item, *args, **kwargs)

    async with Holder().run_test(size=(80, 60)) as pilot:
        markdown = AnswerMarkdown(parser_factory=render_parser())
        await pilot.app.query_one("#holder").mount(markdown)
        for n in range(1, 40):
            await markdown.append(f"{n}. item")
            await markdown.append(f" number {n}\n")
        monkeypatch.setattr(MarkdownListItem, "__init__", counting)
        await markdown.append("40. the last")
        await markdown.append(" item\n")
        await pilot.pause()
        assert len(built) <= 4  # (the item, then it and the next): not 40 per step
        rows = list_rows(markdown.query_one("MarkdownOrderedList"))
        assert len(rows) == 40 and str(rows[-1].children[0].symbol).strip() == "40."
