"""Does a draft hold code? Fenced blocks, or lines that read as code.

A cheap, visible heuristic for the ``has_code`` routing condition: a fenced
block (a line opening with three backticks or tildes) always counts; else
code-like lines (a keyword that starts a statement, or a line ending in an
opening/closing brace, ``):`` or an assignment's ``;``) count when there are
at least two of them, or when they are at least half of the draft's lines
(a one-line ``SELECT * FROM t;``). Prose that merely mentions ``import`` in
a sentence does not start its line with it, so it does not count.
"""

from __future__ import annotations

import re

_FENCE = re.compile(r"^\s*(```|~~~)")
_STATEMENT = re.compile(
    r"^\s*(def|class|import|from\s+[\w.]+\s+import|function|const|let|var|fn|func|package"
    r"|public|private|static|return|#include|SELECT|INSERT|UPDATE|DELETE|CREATE)\b"
    r"|^\s*(for|while|if)\s*\(.*\)\s*\{?\s*$"
)
_ENDING = re.compile(r"([{}]|\):|[(=].*;)\s*$")
MIN_CODE_LINES = 2
"""Code-like lines that make a draft "code", whatever else it says."""


def looks_like_code(draft: str) -> bool:
    """True when ``draft`` has a fenced block or enough code-like lines."""
    lines = [line for line in draft.splitlines() if line.strip()]
    if any(_FENCE.match(line) for line in lines):
        return True
    code = sum(1 for line in lines if _is_code_line(line))
    return code >= MIN_CODE_LINES or (code > 0 and 2 * code >= len(lines))


def _is_code_line(line: str) -> bool:
    return bool(_STATEMENT.match(line) or _ENDING.search(line))
