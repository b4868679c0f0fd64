"""An incremental, tolerant JSON parser: the fields of a document filled so far.

A structured answer streams in chunks that split keys, strings, escapes and
numbers anywhere. :class:`PartialJsonParser` reads each character once
(string bodies in slices) and keeps the document as real dicts and lists
that only grow, so :meth:`~PartialJsonParser.snapshot` can show it at any
moment:

- an object or array appears as soon as it opens; a field appears once its
  key is complete and its value has started (a string, a container) or ended
  (a number, ``true``, ``false``, ``null`` — never a half number);
- a string value shows the text decoded so far; a half escape (``\\``,
  ``\\u00``) or a lone high surrogate waiting for its pair is held back;
- so every snapshot extends the previous one: fields never appear then
  vanish, and a partial string only grows at its end.

``complete`` is True only once the root value has closed (a top-level number
only at :meth:`~PartialJsonParser.finish`); the final value then equals
``json.loads`` of the text. Invalid input stops the parser with one message
(``error``) and keeps the last good state. A code fence around the document
(```json ... ```), which models add in prompt-only mode, is tolerated.
Numbers follow strict JSON (no NaN/Infinity); nesting is capped at
:data:`MAX_DEPTH`, so hostile output cannot recurse without end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

MAX_DEPTH = 256
"""Deepest nesting accepted (json.loads stops near 1,000 with RecursionError)."""

_WHITESPACE = frozenset(" \t\n\r")
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_LITERALS: dict[str, Any] = {"true": True, "false": False, "null": None}
_ATOM_CHARS = frozenset("+-.0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_STRING_STOP = re.compile(r'["\\\x00-\x1f]')


@dataclass(frozen=True, slots=True)
class PartialDocument:
    """What a snapshot shows: the value so far, whether it is done, and why it stopped."""

    value: Any
    """The document so far (a fresh copy); None before anything started."""
    started: bool
    complete: bool
    error: str | None = None


class _Frame:
    """An open object or array and what it expects next."""

    __slots__ = ("container", "expect", "key")

    def __init__(self, container: dict[str, Any] | list[Any]) -> None:
        self.container = container
        self.key: str | None = None
        self.expect = "first"  # first | key | colon | value | comma

    def put(self, value: Any) -> None:
        if isinstance(self.container, dict):
            assert self.key is not None
            self.container[self.key] = value
        else:
            self.container.append(value)

    def take_back(self) -> None:
        """Remove the value :meth:`put` just placed (a snapshot's partial string)."""
        if isinstance(self.container, dict):
            assert self.key is not None
            del self.container[self.key]
        else:
            self.container.pop()


class _StringToken:
    """A string being read: its decoded text, any half escape, a pending high surrogate."""

    __slots__ = ("escape", "high", "is_key", "parts")

    def __init__(self, is_key: bool) -> None:
        self.is_key = is_key
        self.parts: list[str] = []
        self.escape: str | None = None  # "" after a backslash, then "u" + hex digits
        self.high: str | None = None

    def add(self, text: str) -> None:
        if self.high is not None:
            self.parts.append(self.high)
            self.high = None
        self.parts.append(text)

    def add_code_point(self, code: int) -> None:
        if 0xD800 <= code <= 0xDBFF:
            self.add("")  # an earlier lone high surrogate stays as it is
            self.high = chr(code)
        elif 0xDC00 <= code <= 0xDFFF and self.high is not None:
            pair = 0x10000 + ((ord(self.high) - 0xD800) << 10) + (code - 0xDC00)
            self.high = None
            self.parts.append(chr(pair))
        else:
            self.add(chr(code))

    def text(self) -> str:
        return "".join(self.parts)


class _ParseError(ValueError):
    """The text is not JSON (stops the parser)."""


class PartialJsonParser:
    """Feed chunks; read the document so far at any time (see the module docstring)."""

    def __init__(self) -> None:
        self._frames: list[_Frame] = []
        self._root: Any = None
        self._started = False
        self._done = False
        self._finished = False
        self._string: _StringToken | None = None
        self._atom: list[str] | None = None
        self._fence = False  # inside a ``` line before the document, or the closing fence
        self._error: str | None = None
        self._offset = 0

    @property
    def complete(self) -> bool:
        """The root value has closed and nothing invalid followed."""
        return self._done and self._error is None

    @property
    def error(self) -> str | None:
        """Why the text is not JSON, or None."""
        return self._error

    def feed(self, chunk: str) -> None:
        """Read the next piece of the text (ignored after an error or :meth:`finish`)."""
        if self._error is not None or self._finished:
            return
        try:
            self._read(chunk)
        except _ParseError as exc:
            self._error = f"{exc} at character {self._offset + 1}"

    def finish(self) -> PartialDocument:
        """The text has ended: end a top-level number, or say what was left open."""
        if self._error is None and not self._finished:
            try:
                if self._atom is not None:
                    self._end_atom()
                if not self._done:
                    raise _ParseError(self._left_open())
            except _ParseError as exc:
                self._error = f"{exc} (the answer ended early)"
        self._finished = True
        return self.snapshot()

    def snapshot(self) -> PartialDocument:
        """The document so far, as a fresh copy the caller may keep."""
        string = self._string
        partial = string is not None and not string.is_key
        if partial and self._frames:
            assert string is not None
            self._frames[-1].put(string.text())
            value = _copy(self._root)
            self._frames[-1].take_back()
        elif partial:
            assert string is not None
            value = string.text()
        else:
            value = _copy(self._root)
        return PartialDocument(value, self._started, self.complete, self._error)

    def _left_open(self) -> str:
        if self._string is not None:
            return "unterminated string"
        if self._frames:
            is_object = isinstance(self._frames[-1].container, dict)
            return "unclosed " + ("object" if is_object else "array")
        return "no JSON document"

    def _read(self, chunk: str) -> None:
        index, end = 0, len(chunk)
        while index < end:
            if self._string is not None:
                index = self._read_string(chunk, index)
                continue
            char = chunk[index]
            if self._atom is not None:
                if char in _ATOM_CHARS:
                    self._atom.append(char)
                    index += 1
                    self._offset += 1
                    continue
                self._end_atom()
            self._structural(char)
            index += 1
            self._offset += 1

    def _read_string(self, chunk: str, index: int) -> int:
        """Read string characters from ``index``; return where reading stopped."""
        token = self._string
        assert token is not None
        if token.escape is not None:
            self._escape_char(token, chunk[index])
            self._offset += 1
            return index + 1
        found = _STRING_STOP.search(chunk, index)
        stop = found.start() if found else len(chunk)
        if stop > index:
            token.add(chunk[index:stop])
            self._offset += stop - index
        if found is None:
            return stop
        char = chunk[stop]
        if char == "\\":
            token.escape = ""
        elif char == '"':
            self._end_string(token)
        else:
            raise _ParseError("control character in a string")
        self._offset += 1
        return stop + 1

    def _escape_char(self, token: _StringToken, char: str) -> None:
        escape = token.escape
        assert escape is not None
        if escape == "":
            if char == "u":
                token.escape = "u"
            elif char in _ESCAPES:
                token.escape = None
                token.add(_ESCAPES[char])
            else:
                raise _ParseError(f"invalid escape \\{_shown(char)}")
            return
        if char not in "0123456789abcdefABCDEF":
            raise _ParseError("invalid \\u escape")
        token.escape = escape + char
        if len(token.escape) == 5:
            token.add_code_point(int(token.escape[1:], 16))
            token.escape = None

    def _end_string(self, token: _StringToken) -> None:
        self._string = None
        token.add("")
        if token.is_key:
            frame = self._frames[-1]
            frame.key, frame.expect = token.text(), "colon"
        else:
            self._place(token.text())

    def _end_atom(self) -> None:
        assert self._atom is not None
        text, self._atom = "".join(self._atom), None
        if text in _LITERALS:
            self._place(_LITERALS[text])
        elif _NUMBER.fullmatch(text):
            self._place(float(text) if any(c in text for c in ".eE") else int(text))
        else:
            raise _ParseError(f"invalid value {_shown(text[:20])!r}")

    def _structural(self, char: str) -> None:
        """One character outside strings and atoms."""
        if char in _WHITESPACE:
            self._fence = self._fence and char != "\n"
            return
        if char == "`" and (not self._started or self._done):
            self._fence = True  # a ```json line before the document, or the closing ```
            return
        if self._fence and not self._started:
            return  # the fence's language tag
        if self._done:
            raise _ParseError("extra text after the document")
        frame = self._frames[-1] if self._frames else None
        if frame is None or frame.expect in ("value", "first"):
            if frame is not None and char in "]}":
                self._close(frame, char)
            else:
                self._start_value(char)
        elif frame.expect == "colon":
            self._expect(char == ":", "':' after a key")
            frame.expect = "value"
        elif frame.expect == "key":
            self._expect(char == '"', "a key in quotes")
            self._string = _StringToken(is_key=True)
        else:  # comma
            self._after_value(frame, char)

    def _after_value(self, frame: _Frame, char: str) -> None:
        if char == ",":
            frame.expect = "key" if isinstance(frame.container, dict) else "value"
        elif char in "]}":
            self._close(frame, char)
        else:
            raise _ParseError(f"expected ',' or a closing bracket, got {_shown(char)!r}")

    def _start_value(self, char: str) -> None:
        frame = self._frames[-1] if self._frames else None
        if frame is not None and frame.expect == "first" and isinstance(frame.container, dict):
            self._expect(char == '"', "a key in quotes")
            self._string = _StringToken(is_key=True)
            return
        self._started = True
        if char == '"':
            self._string = _StringToken(is_key=False)
        elif char in "{[":
            self._open({} if char == "{" else [])
        elif char in _ATOM_CHARS:
            self._atom = [char]
        else:
            raise _ParseError(f"unexpected {_shown(char)!r}")

    def _open(self, container: dict[str, Any] | list[Any]) -> None:
        if len(self._frames) >= MAX_DEPTH:
            raise _ParseError(f"nested deeper than {MAX_DEPTH} levels")
        self._place(container)
        self._done = False
        self._frames.append(_Frame(container))

    def _close(self, frame: _Frame, char: str) -> None:
        is_object = isinstance(frame.container, dict)
        if char != ("}" if is_object else "]"):
            raise _ParseError(f"mismatched {char!r}")
        if frame.expect == "value":
            raise _ParseError(f"a value is missing before {char!r}")
        self._frames.pop()
        self._done = not self._frames

    def _place(self, value: Any) -> None:
        """Put a value where the open container (or the root) expects one."""
        if not self._frames:
            self._root, self._started, self._done = value, True, True
            return
        frame = self._frames[-1]
        frame.put(value)
        frame.expect = "comma"

    def _expect(self, ok: bool, what: str) -> None:
        if not ok:
            raise _ParseError(f"expected {what}")


def _copy(value: Any) -> Any:
    """A deep copy of a JSON value (faster than ``copy.deepcopy`` for plain data)."""
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value


def _shown(text: str) -> str:
    """A character of hostile text safe to quote in one line."""
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)
