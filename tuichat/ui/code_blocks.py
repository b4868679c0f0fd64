"""The code blocks of an answer, and the words a copy toast uses.

Blocks are found by a CommonMark block parse (markdown-it, as the answer
view renders), so a fence inside a list, a tilde fence or an indented block
counts, and a ```` ``` ```` inside a longer fence does not end it. An
unclosed fence (an answer cut off mid-block) is a block up to the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from markdown_it import MarkdownIt


@dataclass(frozen=True, slots=True)
class CodeBlock:
    """A block's code as written, and its language (the fence's first word; may be empty)."""

    code: str
    language: str


@cache
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark")


def code_blocks(markdown: str) -> list[CodeBlock]:
    """Every code block of ``markdown``, in order."""
    blocks = []
    for token in _parser().parse(markdown):
        if token.type in ("fence", "code_block"):
            language = token.info.split()[0] if token.info.strip() else ""
            blocks.append(CodeBlock(token.content, language))
    return blocks


def line_count(text: str) -> int:
    """Lines of ``text`` as a reader counts them (a final newline ends a line, adds none)."""
    return len(text.splitlines()) or (1 if text else 0)


def lines(count: int) -> str:
    return f"{count} line" if count == 1 else f"{count} lines"


def copied_code(block: CodeBlock, where: str) -> str:
    """``copied 3 lines of python (the last code block)``."""
    of = f" of {block.language}" if block.language else " of code"
    return f"copied {lines(line_count(block.code))}{of} ({where})"


def copied_answer(text: str) -> str:
    """``copied the last answer: 12 lines``."""
    return f"copied the last answer: {lines(line_count(text))}"
