"""Split streamed markdown into top-level blocks, re-parsing only the open tail.

An answer only ever grows at its end. CommonMark closes a block for good once a
line does not continue it, so when a later top-level block has begun on a
*complete* line, every block before it is final: nothing appended later can
reopen it. (A block begun on the last, still incomplete line proves nothing:
``"1. a\\n\\n2"`` may yet become ``"1. a\\n\\n2."``, one list.) So
:class:`BlockSplitter` hands settled blocks out as plain strings and keeps only
the open tail, which it re-parses with one reusable block-level parser (inline
parsing is skipped: only the block structure matters here).

Invariants (the tests check them for any chunking of any document):

* the settled blocks joined with the tail give back exactly the text fed in;
* after :meth:`BlockSplitter.close`, the blocks are the ones
  :func:`split_blocks` finds in the whole text, and each block renders alone
  exactly as it renders inside the whole document, except for reference
  definitions (``[id]: url``), which reach across blocks; :func:`references`
  finds them and :func:`render_parser` lends them to every block.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from itertools import pairwise
from typing import Any

from markdown_it import MarkdownIt

__all__ = [
    "SEGMENT_CHARS",
    "BlockSplitter",
    "block_starts",
    "first_block",
    "group_blocks",
    "line_count",
    "references",
    "render_parser",
    "split_blocks",
]

SEGMENT_CHARS = 1_000  # source per segment: a few blocks, about a frame to render

# markdown-it ends a line at "\n", "\r\n" or a lone "\r" (its normalize rule).
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")
_BLANK_LINE = re.compile(r"(?:^|\n|\r(?!\n))[ \t]*(?:\r\n|\r|\n)$")  # the last line is blank
_NOT_BLANK = re.compile(r"[^ \t\r\n]")
# Blocks over once their last line ends (nothing after it can join them).
_OVER_AT_LINE_END = frozenset({"heading_open", "hr"})
# Blocks a blank line ends for good: no line after one can join them. (A list
# item may still take an indented line, a table or an HTML block may go on.)
_OVER_AT_BLANK = frozenset({"paragraph_open", "blockquote_open"})
# Core rules past block structure: inline parsing and what works on its output.
_INLINE_RULES = ["inline", "linkify", "replacements", "smartquotes", "text_join"]


@cache
def _block_parser() -> MarkdownIt:
    """The gfm-like parser Textual's ``Markdown`` uses, stopped after blocks.

    Shared and reused on the event loop's thread only (markdown-it keeps no
    per-parse state on the instance once inline rules are off).
    """
    return MarkdownIt("gfm-like").disable(_INLINE_RULES, ignoreInvalid=True)


def block_starts(source: str) -> list[int]:
    """Line numbers (0-based) where the top-level blocks of ``source`` start."""
    return [block[0] for block in _top_blocks(source)]


def _top_blocks(source: str) -> list[tuple[int, str, str, int]]:
    """Each top-level block of ``source``: first line, opening token type, markup, end line."""
    return list(_top_tokens(source))


def first_block(source: str) -> tuple[int, str, str] | None:
    """The first top-level block of ``source``: its first line, opening token type and markup."""
    block = next(_top_tokens(source), None)
    return block[:3] if block is not None else None


def _top_tokens(source: str) -> Iterator[tuple[int, str, str, int]]:
    for token in _block_parser().parse(source):
        if token.level == 0 and token.nesting >= 0 and token.map is not None:
            yield token.map[0], token.type, token.markup, token.map[1]


def line_count(source: str) -> int:
    """How many lines markdown-it sees in ``source`` (a last line without its end counts)."""
    return len(_LINE.findall(source))


def references(source: str) -> dict[str, Any]:
    """The link reference definitions of ``source`` (``[id]: url "title"``)."""
    env: dict[str, Any] = {}
    _block_parser().parse(source, env)
    refs: dict[str, Any] = env.get("references", {})
    return refs


def render_parser(refs: Mapping[str, Any] | None = None) -> Callable[[], MarkdownIt]:
    """A ``parser_factory`` for ``Markdown``: one reused parser, knowing ``refs``.

    ``Markdown.append`` calls the factory on every append, and building a
    gfm-like parser costs about half a millisecond, so the factory hands out
    one instance. The widgets here only ``append`` (on the event loop's
    thread); the one worker-thread parse Textual does is of an empty
    document at mount, which touches no per-parse state.
    """
    parser = _ReferencedParser(dict(refs)) if refs else _shared_parser()
    return lambda: parser


@cache
def _shared_parser() -> MarkdownIt:
    return MarkdownIt("gfm-like")


class _ReferencedParser(MarkdownIt):
    """A gfm-like parser that starts every document with known references."""

    def __init__(self, refs: Mapping[str, Any]) -> None:
        super().__init__("gfm-like")
        self._refs = refs

    def parse(self, src: str, env: Any = None) -> Any:
        env = {} if env is None else env
        # markdown-it keeps the first definition of a label; the answer's
        # definitions are already first-wins over the whole text, so they
        # take precedence over this block's own.
        env["references"] = {**env.get("references", {}), **self._refs}
        return super().parse(src, env)


def _cut(source: str, starts: list[int]) -> list[str]:
    """``source`` cut before each block start but the first (leading blank
    lines stay with the first block, so nothing is lost)."""
    lines = _LINE.findall(source)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    bounds = [0, *(offsets[start] for start in starts[1:]), len(source)]
    return [source[a:b] for a, b in pairwise(bounds) if b > a]


def split_blocks(source: str) -> list[str]:
    """The top-level blocks of a whole document, as source strings."""
    return _cut(source, block_starts(source)) if source else []


def _complete_length(text: str) -> int:
    """Length of ``text`` up to its last line end ("\\r" may grow into "\\r\\n")."""
    return text.rfind("\n") + 1


def _last_is_over(complete: str, blocks: list[tuple[int, str, str, int]], rest: str) -> bool:
    """True when the last complete block is final although no later block is complete.

    Once the next line has begun (``rest`` is not blank) it can only start a
    new block after a heading, a rule or a closed fence, and after a blank
    line that ended a paragraph or a quote. Without this a prose paragraph
    would stay in the live tail until the *next* paragraph's first line
    ended, which in prose is that paragraph's end: every block would be
    streamed into the tail, then moved out of it one block late.
    """
    if not blocks or _NOT_BLANK.search(rest) is None:
        return False
    _, kind, markup, end = blocks[-1]
    if kind in _OVER_AT_LINE_END:
        return True
    if kind == "fence":
        return _closed_fence(_LINE.findall(complete), blocks[-1][0], end, markup)
    return kind in _OVER_AT_BLANK and _BLANK_LINE.search(complete) is not None


def _closed_fence(lines: list[str], start: int, end: int, markup: str) -> bool:
    """True when the fence on ``lines[start:end]`` ends with its closing line."""
    if not markup or end - 1 <= start or end > len(lines):
        return False
    return _closing_line(markup).fullmatch(lines[end - 1]) is not None


@cache
def _closing_line(markup: str) -> re.Pattern[str]:
    """A closing line for a fence opened with ``markup`` (compiled once per marker)."""
    return re.compile(rf" {{0,3}}{re.escape(markup[0])}{{{len(markup)},}}[ \t]*(?:\r\n|\r|\n)?")


class BlockSplitter:
    """Incremental :func:`split_blocks`: feed chunks, get settled blocks."""

    def __init__(self) -> None:
        self._tail = ""
        self._parsed: tuple[int, list[tuple[int, str, str, int]]] = (-1, [])
        """The tail's complete lines as last parsed: how long, and their blocks."""

    @property
    def tail(self) -> str:
        """The text not settled yet (the open last block, plus what follows)."""
        return self._tail

    def feed(self, text: str) -> list[str]:
        """Add ``text``; return the blocks it settled (often none)."""
        self._tail += text
        end = _complete_length(self._tail)
        complete = self._tail[:end]
        blocks = self._blocks_of(complete)
        starts = [block[0] for block in blocks]
        if _last_is_over(complete, blocks, self._tail[end:]):
            settled = _cut(complete, starts)  # all of them are final
        elif len(blocks) < 2:
            return []
        else:
            settled = _cut(complete, starts)[:-1]  # the last may grow
        self._tail = self._tail[sum(map(len, settled)) :]
        self._parsed = (-1, [])
        return settled

    def _blocks_of(self, complete: str) -> list[tuple[int, str, str, int]]:
        """The blocks of the tail's complete lines, parsed again only when a line ended.

        Most feeds are a word or two inside a line: the complete lines are
        the same text as at the feed before, and parsing the open block
        again (a long list or table: all of it) would give the same blocks.
        """
        length, blocks = self._parsed
        if length != len(complete):
            blocks = _top_blocks(complete) if complete else []
            self._parsed = (len(complete), blocks)
        return blocks

    def close(self) -> list[str]:
        """The stream ended: every remaining block is settled."""
        tail, self._tail = self._tail, ""
        return split_blocks(tail)


def group_blocks(blocks: list[str], limit: int = SEGMENT_CHARS) -> list[list[str]]:
    """Group ``blocks`` into segments of about ``limit`` characters (none empty).

    A block is never split: one longer than ``limit`` is a segment of its own.
    """
    groups: list[list[str]] = []
    used = 0
    for block in blocks:
        if not groups or (used and used + len(block) > limit):
            groups.append([])
            used = 0
        groups[-1].append(block)
        used += len(block)
    return groups
