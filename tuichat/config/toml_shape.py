"""Refuse TOML that would make the parser recurse or crawl, before it runs.

``tomllib`` recurses once per nested array or inline table, so ``a = [[[…]]]``
a few hundred levels deep ends in a ``RecursionError``, and it handles a
dotted key in quadratic time (50,000 parts take a minute). No configuration
needs either, so a light scan counts both first. It skips strings and
comments; what it cannot tokenise is left for ``tomllib`` to report.
"""

from __future__ import annotations

import re
from pathlib import Path

from tuichat.config.errors import ConfigError

MAX_NESTING = 20
"""Arrays and inline tables inside each other (a real config uses 2)."""
MAX_KEY_PARTS = 20
"""Parts of one dotted key or table header (a real config uses 5)."""

_TOKEN = re.compile(
    r"""\#[^\n]*                       # a comment
    | \"\"\"(?:[^\\]|\\.)*?\"\"\"      # a multi-line basic string
    | '''.*?'''                        # a multi-line literal string
    | "(?:[^"\\\n]|\\.)*"              # a basic string
    | '[^'\n]*'                        # a literal string
    | [\[\]{}.=,\n]                    # what nests, dots and what ends a key
    """,
    re.DOTALL | re.VERBOSE,
)


def check_shape(text: str, path: Path) -> None:
    """Raise ``ConfigError`` at the first line nested or dotted beyond the limits."""
    depth, parts, line = 0, 1, 1
    for match in _TOKEN.finditer(text):
        token = match.group()
        first = token[0]
        if token == "\n":
            line, parts = line + 1, 1
        elif first in "#\"'":
            line += token.count("\n")
        elif first in "[{":
            depth, parts = depth + 1, 1
            if depth > MAX_NESTING:
                raise _error(f"nested more than {MAX_NESTING} levels deep", path, line)
        elif first in "]}":
            depth = max(0, depth - 1)
        elif first in "=,":
            parts = 1
        else:  # a dot
            parts += 1
            if parts > MAX_KEY_PARTS:
                raise _error(f"a dotted key has more than {MAX_KEY_PARTS} parts", path, line)


def _error(message: str, path: Path, line: int) -> ConfigError:
    return ConfigError(f"syntax error: {message}", path=path, line=line)
