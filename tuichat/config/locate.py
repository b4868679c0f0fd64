"""Line numbers for TOML keys, which ``tomllib`` does not report.

A light scan of the text, good enough for error messages: it follows
``[table]`` headers and ``dotted.key = value`` lines (bare, "basic" and
'literal' key parts) and skips comments and multi-line strings. Inline tables
and multi-line arrays are located at the line of their key.
"""

from __future__ import annotations

import re

KeyPath = tuple[str, ...]

_BARE = re.compile(r"[A-Za-z0-9_-]+")
_TRIPLE = re.compile(r'"""|\'\'\'')


class KeyLocator:
    """Maps key paths like ``("models", "haiku", "provider")`` to 1-based lines."""

    def __init__(self, text: str) -> None:
        self._lines: dict[KeyPath, int] = {}
        table: KeyPath = ()
        in_multiline = False
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            if in_multiline:  # an odd count of triple quotes closes the string
                in_multiline = not _opens_multiline(line)
                continue
            if not line or line.startswith("#"):
                continue
            if line.startswith("["):
                table = _header(line) or table
                self._record(table, number)
                continue
            key = _key(line)
            if key:
                self._record(table + key, number)
            in_multiline = _opens_multiline(line)

    def line_of(self, path: KeyPath) -> int | None:
        """Line of ``path``, else of its closest enclosing key or table that is known."""
        for end in range(len(path), 0, -1):
            line = self._lines.get(path[:end])
            if line is not None:
                return line
        return None

    def _record(self, path: KeyPath, number: int) -> None:
        # The first mention of a path (and of each prefix) is where it is defined.
        for end in range(1, len(path) + 1):
            self._lines.setdefault(path[:end], number)


def _opens_multiline(line: str) -> bool:
    """Whether ``line`` leaves a multi-line string open (an odd count of triple quotes)."""
    return len(_TRIPLE.findall(line)) % 2 == 1


def _header(line: str) -> KeyPath | None:
    """The path in ``[a.b]`` or ``[[a.b]]``; None when the line is not a header."""
    inner = line.lstrip("[")
    parts, rest = _dotted(inner)
    return parts if parts and rest.lstrip().startswith("]") else None


def _key(line: str) -> KeyPath | None:
    """The path in ``a."b".c = ...``; None when the line is not a key/value."""
    parts, rest = _dotted(line)
    return parts if parts and rest.lstrip().startswith("=") else None


def _dotted(text: str) -> tuple[KeyPath, str]:
    """Parse a dotted key at the start of ``text``; return its parts and the rest."""
    parts: list[str] = []
    rest = text
    while True:
        part, rest = _part(rest.lstrip())
        if part is None:
            return (), text
        parts.append(part)
        rest = rest.lstrip()
        if not rest.startswith("."):
            return tuple(parts), rest
        rest = rest[1:]


def _part(text: str) -> tuple[str | None, str]:
    """One key part (bare, "basic" or 'literal') and the text after it."""
    if text[:1] in ('"', "'"):
        quote = text[0]
        end = text.find(quote, 1)
        while quote == '"' and end > 0 and text[end - 1] == "\\":
            end = text.find(quote, end + 1)
        return (text[1:end], text[end + 1 :]) if end > 0 else (None, text)
    match = _BARE.match(text)
    return (match.group(), text[match.end() :]) if match else (None, text)
