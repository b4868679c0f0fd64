"""Deterministic answer text, cut into word-sized tokens like real BPE output.

Every content kind is one endless token sequence generated from a fixed seed,
so ``answer_tokens(kind, n)`` is always a prefix of ``answer_tokens(kind, m)``
for ``n < m`` and tests can know the exact text a request will receive.
Generated tokens are cached; a 3,000-token answer costs a list slice.
"""

from __future__ import annotations

import random
import re
import threading
from collections.abc import Callable, Iterator

CONTENT_KINDS = ("prose", "markdown", "hostile", "code", "list", "table")

# GPT-2-style pre-tokenisation: a word with its leading space, a run of
# punctuation, newlines, other whitespace; the last branch makes it total.
_TOKEN_RE = re.compile(r" ?[A-Za-z]+| ?[0-9]+| ?[^\sA-Za-z0-9]+|\n+|[ \t]+|\s", re.DOTALL)

_VOCABULARY = (
    "the a model stream token latency answer server client request buffer cache "
    "window budget system question reason simple careful quiet rapid steady open "
    "network provider fallback retry limit cost signal trace metric chart panel "
    "terminal screen every small large early late first second often rarely still "
    "runs writes reads sends waits returns checks keeps shows breaks moves counts "
    "because while after before although since until unless where when and but or "
    "of to in on for with from about between under over through against"
)
_WORDS = _VOCABULARY.split()
_CODE_LINES = (
    "async def fetch(client, url):",
    "    response = await client.get(url, timeout=5.0)",
    "    response.raise_for_status()",
    "    return response.json()",
    "for index, item in enumerate(items):",
    '    print(f"{index}: {item}")',
    "total = sum(row.cost for row in rows if row.ok)",
    "class RetryPolicy:",
    "    attempts: int = 3",
    "    backoff: float = 0.5",
)


def tokenize(text: str) -> list[str]:
    """Split text into tokens that join back to exactly ``text``."""
    return _TOKEN_RE.findall(text)


def _words(rng: random.Random, low: int, high: int) -> list[str]:
    return [rng.choice(_WORDS) for _ in range(rng.randint(low, high))]


def _sentence(rng: random.Random) -> str:
    """A capitalised sentence ending with '.' or '?', sometimes with a comma."""
    words = _words(rng, 5, 14)
    if len(words) > 8 and rng.random() < 0.4:
        words[rng.randint(3, len(words) - 3)] += ","
    end = "?" if rng.random() < 0.15 else "."
    return " ".join(words).capitalize() + end


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(3, 5))) + "\n\n"


def _prose_blocks(rng: random.Random) -> Iterator[str]:
    while True:
        yield _paragraph(rng)


def _styled(rng: random.Random, word: str) -> str:
    """A word, now and then bold, italic or inline code."""
    roll = rng.random()
    if roll < 0.06:
        return f"**{word}**"
    if roll < 0.10:
        return f"*{word}*"
    if roll < 0.14:
        return f"`{word}()`"
    return word


def _md_paragraph(rng: random.Random) -> str:
    words = [_styled(rng, word) for word in _words(rng, 20, 45)]
    return " ".join(words).capitalize() + ".\n\n"


def _md_heading(rng: random.Random) -> str:
    level = rng.choice(("##", "##", "###"))
    return f"{level} {' '.join(_words(rng, 2, 5)).title()}\n\n"


def _md_list(rng: random.Random, numbered: bool) -> str:
    items = []
    for number in range(1, rng.randint(3, 6)):
        marker = f"{number}." if numbered else "-"
        items.append(f"{marker} {_sentence(rng)}")
        if not numbered and rng.random() < 0.25:
            items.append(f"  - {' '.join(_styled(rng, w) for w in _words(rng, 3, 7))}")
    return "\n".join(items) + "\n\n"


def _md_code(rng: random.Random) -> str:
    start = rng.randrange(len(_CODE_LINES))
    lines = [_CODE_LINES[(start + i) % len(_CODE_LINES)] for i in range(rng.randint(3, 7))]
    return "```python\n" + "\n".join(lines) + "\n```\n\n"


_TABLE_HEAD = ("| Provider | TTFT | Cost |", "| --- | ---: | ---: |")


def _md_table(rng: random.Random) -> str:
    rows = list(_TABLE_HEAD)
    for _ in range(rng.randint(2, 5)):
        name = rng.choice(_WORDS).title()
        rows.append(f"| {name} | {rng.randint(80, 900)} ms | ${rng.randint(1, 99) / 100:.2f} |")
    return "\n".join(rows) + "\n\n"


def _md_quote(rng: random.Random) -> str:
    return f"> {_sentence(rng)}\n\n"


_MD_BLOCKS: tuple[tuple[Callable[[random.Random], str], int], ...] = (
    (_md_paragraph, 30),
    (_md_heading, 10),
    (lambda rng: _md_list(rng, numbered=False), 15),
    (lambda rng: _md_list(rng, numbered=True), 10),
    (_md_code, 17),
    (_md_table, 8),
    (_md_quote, 5),
    (_paragraph, 5),
)


def _markdown_blocks(rng: random.Random) -> Iterator[str]:
    yield f"# {' '.join(_words(rng, 3, 5)).title()}\n\n"
    builders = [builder for builder, _ in _MD_BLOCKS]
    weights = [weight for _, weight in _MD_BLOCKS]
    while True:
        yield rng.choices(builders, weights)[0](rng)


_NUMBERED_CODE = (
    "async def fetch_{n}(client, url):",
    "    response = await client.get(url, timeout={n}.0)",
    "    rows_{n} = [row for row in response.json() if row.ok]",
    "    return sum(row.cost for row in rows_{n})",
    'print(f"{{index}}: {{item}} ({n})")',
    "# step {n}: retry with backoff before the fallback",
    "class Policy{n}:",
    "    attempts: int = {n}",
)
LONG_BLOCK_LINES = 400
"""Lines of one fenced block of the "code" kind (the items of "list", the rows of "table")."""


def _code_blocks(rng: random.Random) -> Iterator[str]:
    """What a model asked for a program writes: a line of prose, then one long fence."""
    while True:
        yield _sentence(rng) + "\n\n"
        lines = [rng.choice(_NUMBERED_CODE).format(n=n) for n in range(LONG_BLOCK_LINES)]
        yield "```python\n" + "\n".join(lines) + "\n```\n\n"


def _list_blocks(rng: random.Random) -> Iterator[str]:
    """A long list, as a model asked for "a hundred ideas" writes it."""
    while True:
        yield _sentence(rng) + "\n\n"
        yield "\n".join(f"- idea {n}: {_sentence(rng)}" for n in range(LONG_BLOCK_LINES)) + "\n\n"


def _table_blocks(rng: random.Random) -> Iterator[str]:
    """A long table, as a model asked to compare many things writes it."""
    while True:
        yield _sentence(rng) + "\n\n"
        rows = list(_TABLE_HEAD)
        for n in range(LONG_BLOCK_LINES):
            name = rng.choice(_WORDS).title()
            rows.append(f"| {name} {n} | {rng.randint(80, 900)} ms | ${n}.{rng.randint(10, 99)} |")
        yield "\n".join(rows) + "\n\n"


# Payloads a model (or an attacker steering one) can emit. Several are split
# across tokens on purpose: a sanitiser that looks at one delta at a time
# misses them.
HOSTILE_PAYLOADS: tuple[tuple[str, ...], ...] = (
    (" \x1b", "[31mred", "\x1b[0m"),
    (" \x1b[31m", " colour", "\x1b[0m"),
    (" clip", "\x1b]52;c;aGVsbG8=\x07"),
    (" \x1b]8;;http://evil\x1b\\", "link", "\x1b]8;;\x1b\\"),
    (" \x1b]", "52;c;aGVsbG8=\x07"),
    ("\x1b[2J",),
    (" \x9b31m", "c1"),
    (" [bold]", "loud", "[/bold]"),
    (" [@click=app.quit]quit[/]",),
    (" [/unbalanced]",),
    (" [link=x]", "click"),
    ("\r", "overwritten"),
    (" bell\x07",),
    (" \x1b[?1049h",),
)


def _hostile_tokens(rng: random.Random) -> Iterator[str]:
    """Every payload once up front (short answers see them all), then at random."""
    for payload in HOSTILE_PAYLOADS:
        yield from tokenize(" " + " ".join(_words(rng, 1, 3)))
        yield from payload
    while True:
        yield from tokenize(" " + _sentence(rng))
        yield from rng.choice(HOSTILE_PAYLOADS)


def _tokens_from_blocks(blocks: Iterator[str]) -> Iterator[str]:
    for block in blocks:
        yield from tokenize(block)


def _token_source(content: str) -> Iterator[str]:
    rng = random.Random(f"tuichat-sim-{content}")
    if content == "prose":
        return _tokens_from_blocks(_prose_blocks(rng))
    if content == "markdown":
        return _tokens_from_blocks(_markdown_blocks(rng))
    if content == "hostile":
        return _hostile_tokens(rng)
    if content == "code":
        return _tokens_from_blocks(_code_blocks(rng))
    if content == "list":
        return _tokens_from_blocks(_list_blocks(rng))
    if content == "table":
        return _tokens_from_blocks(_table_blocks(rng))
    raise ValueError(f"unknown content kind {content!r}; expected one of {CONTENT_KINDS}")


class _TokenCache:
    """Tokens generated so far per content kind; thread-safe (tests read it too)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[str, list[str]] = {}
        self._sources: dict[str, Iterator[str]] = {}

    def first(self, content: str, n: int) -> list[str]:
        with self._lock:
            if content not in self._sources:
                self._sources[content] = _token_source(content)
                self._tokens[content] = []
            tokens, source = self._tokens[content], self._sources[content]
            while len(tokens) < n:
                tokens.append(next(source))
            return tokens[:n]


_CACHE = _TokenCache()


def answer_tokens(content: str, n: int) -> list[str]:
    """The first ``n`` tokens of the answer for ``content`` ("prose", "markdown", "hostile")."""
    return _CACHE.first(content, max(0, n))


def answer_text(content: str, n: int) -> str:
    """The answer an ``n``-token response carries: the tokens joined."""
    return "".join(answer_tokens(content, n))
