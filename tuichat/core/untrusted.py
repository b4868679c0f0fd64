"""Make hostile text inert before it reaches a terminal.

Model output, provider error bodies and text read back from the log may carry
terminal control sequences: colour codes are harmless, but OSC 52 writes the
user's clipboard, OSC 8 disguises links, and DCS/APC strings reach terminal
features nobody audited. Bidi overrides let text show something other than
what it is ("Trojan source"). This module removes all of that and keeps every
ordinary character (emoji, CJK, combining marks, ``\\n`` and ``\\t``).

Whole sequences are removed, parameters and payload included, so the visible
text stays clean: ``"a\\x1b[31mred\\x1b[0m"`` becomes ``"ared"``. The parser is
a small state machine after the VT500 model, so a sequence split across two
stream chunks is still removed, and it never buffers a payload: an endless
OSC string costs one state value, not memory.

Rules beyond the escape families:

* C0 controls are dropped except ``\\n`` and ``\\t``; every ``\\r`` is dropped,
  which turns ``\\r\\n`` into ``\\n`` and removes a lone ``\\r`` (it would let
  text overwrite itself), so no ``\\r`` decision is ever pending.
* C1 controls U+0080–U+009F are dropped; the 8-bit introducers (CSI U+009B,
  OSC U+009D, DCS U+0090, SOS U+0098, PM U+009E, APC U+009F) take their
  sequence with them, like their ``ESC`` forms.
* U+2028/U+2029 become ``\\n`` (Python's ``splitlines`` already breaks there).
* A lone surrogate becomes U+FFFD: it is not a terminal control, but JSON can
  smuggle one in (``"\\ud800"``) and it cannot be encoded for the terminal or
  SQLite, so it would crash the consumer instead.
* A string sequence (OSC, DCS, SOS, PM, APC) ends at BEL or ST (``ESC \\`` or
  U+009C); CAN/SUB cancel any sequence; an ``ESC`` or C1 introducer inside a
  sequence starts a new one, as in a real terminal.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable

__all__ = ["TerminalSanitizer", "neutralise", "one_line", "sanitize_text", "storable"]

_ESC = "\x1b"
# BEL and 8-bit ST end a string; CAN and SUB cancel it.
_STRING_END = "\x07\x9c\x18\x1a"

# Every character the ground state must not pass through as-is.
_SPECIAL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
# Characters that end or interrupt a string payload; everything else is skipped.
_STRING_STOP = re.compile("[\x07\x18\x1a\x1b\x80-\x9f]")
# The first char after CSI parameter/intermediate bytes (0x20-0x3F): the final
# byte if it is in 0x40-0x7E, else a malformed end.
_CSI_END = re.compile("[^\x20-\x3f]")


class _State(enum.Enum):
    GROUND = enum.auto()
    ESC = enum.auto()  # saw ESC
    ESC_INTERMEDIATE = enum.auto()  # ESC then 0x20-0x2F, e.g. "ESC ( B"
    CSI = enum.auto()  # ESC [ or U+009B
    STRING = enum.auto()  # OSC / DCS / SOS / PM / APC payload
    STRING_ESC = enum.auto()  # ESC inside a payload: ST if "\" follows


_AFTER_ESC = {"[": _State.CSI, "]": _State.STRING, "P": _State.STRING}
_AFTER_ESC |= {"X": _State.STRING, "^": _State.STRING, "_": _State.STRING}
_C1_INTRODUCERS = {"\x9b": _State.CSI, "\x9d": _State.STRING, "\x90": _State.STRING}
_C1_INTRODUCERS |= {"\x98": _State.STRING, "\x9e": _State.STRING, "\x9f": _State.STRING}
_LINE_SEPARATORS = "\u2028\u2029"

_Handler = Callable[[str, int, list[str]], int]


class TerminalSanitizer:
    """Strip terminal controls from one stream of text, chunk by chunk.

    Stateful: use one per stream, so a sequence split across two feeds is still
    removed. Ordinary text is emitted at once; only the parser state (never
    text) is carried between feeds.
    """

    def __init__(self) -> None:
        self._state = _State.GROUND
        self._handlers: dict[_State, _Handler] = {
            _State.GROUND: self._ground,
            _State.ESC: self._escape,
            _State.ESC_INTERMEDIATE: self._intermediate,
            _State.CSI: self._csi,
            _State.STRING: self._string,
            _State.STRING_ESC: self._string_escape,
        }

    def feed(self, text: str) -> str:
        """Return the safe part of ``text``; plain text comes back unchanged."""
        if self._state is _State.GROUND and _SPECIAL.search(text) is None:
            return text  # fast path: the common token has no control at all
        out: list[str] = []
        i, end = 0, len(text)
        while i < end:
            i = self._handlers[self._state](text, i, out)
        return "".join(out)

    def finish(self) -> str:
        """End of stream: drop any unterminated sequence.

        Returns what is still owed, which is always ``""`` because no text is
        ever held back; it exists so callers need not know that.
        """
        self._state = _State.GROUND
        return ""

    # Each handler consumes from text[i:] and returns the index to go on from.
    # Returning ``i`` unchanged after switching state means "reprocess this char".

    def _ground(self, text: str, i: int, out: list[str]) -> int:
        """Copy the run of ordinary text, then deal with one control char."""
        match = _SPECIAL.search(text, i)
        if match is None:
            out.append(text[i:])
            return len(text)
        start = match.start()
        out.append(text[i:start])
        self._control(text[start], out)
        return start + 1

    def _control(self, char: str, out: list[str]) -> None:
        """Drop a control char, or enter the sequence it introduces."""
        if char == _ESC:
            self._state = _State.ESC
        elif char in _C1_INTRODUCERS:
            self._state = _C1_INTRODUCERS[char]
        elif char in _LINE_SEPARATORS:
            out.append("\n")
        elif "\ud800" <= char <= "\udfff":
            out.append("\ufffd")

    def _escape(self, text: str, i: int, out: list[str]) -> int:
        """Classify the char after ESC: a sequence family or a 2-char escape."""
        char = text[i]
        code = ord(char)
        if char in _AFTER_ESC:
            self._state = _AFTER_ESC[char]
        elif 0x20 <= code <= 0x2F:
            self._state = _State.ESC_INTERMEDIATE
        elif 0x30 <= code <= 0x7E:
            self._state = _State.GROUND  # e.g. "ESC 7", "ESC c", a stray "ESC \"
        else:
            self._state = _State.GROUND  # not an escape: drop the ESC only
            return i
        return i + 1

    def _intermediate(self, text: str, i: int, out: list[str]) -> int:
        """Skip intermediates of an nF escape such as ``ESC ( B`` up to its final."""
        code = ord(text[i])
        if 0x20 <= code <= 0x2F:
            return i + 1
        self._state = _State.GROUND
        return i + 1 if 0x30 <= code <= 0x7E else i

    def _csi(self, text: str, i: int, out: list[str]) -> int:
        """Skip CSI parameters and intermediates, then its final byte."""
        match = _CSI_END.search(text, i)
        if match is None:
            return len(text)  # still inside the CSI; the rest comes in the next feed
        end = match.start()
        self._state = _State.GROUND
        return end + 1 if 0x40 <= ord(text[end]) <= 0x7E else end

    def _string(self, text: str, i: int, out: list[str]) -> int:
        """Skip a string payload without buffering it, up to what ends it."""
        match = _STRING_STOP.search(text, i)
        if match is None:
            return len(text)
        char, start = match.group(), match.start()
        if char == _ESC:
            self._state = _State.STRING_ESC
        elif char in _STRING_END:
            self._state = _State.GROUND
        else:
            self._state = _State.GROUND  # another C1 interrupts the string
            return start
        return start + 1

    def _string_escape(self, text: str, i: int, out: list[str]) -> int:
        """``ESC \\`` ends the string; ``ESC`` + anything else starts a new escape."""
        if text[i] == "\\":
            self._state = _State.GROUND
            return i + 1
        self._state = _State.ESC
        return i


def sanitize_text(text: str) -> str:
    """Make a whole string inert (one-shot form of :class:`TerminalSanitizer`)."""
    sanitizer = TerminalSanitizer()
    return sanitizer.feed(text) + sanitizer.finish()


def one_line(text: str, limit: int = 300) -> str:
    """Sanitize and squeeze ``text`` onto one line of at most ``limit`` chars.

    For error messages on screen: a provider's error body may be a multi-line
    HTML page, which must neither break the layout nor carry escapes.
    """
    flat = " ".join(sanitize_text(text).split())
    if len(flat) <= limit:
        return flat
    if limit <= 0:
        return ""
    return flat[: limit - 1].rstrip() + "…"


def _visible_forms() -> dict[int, str]:
    """Every character :func:`neutralise` replaces, with what a person sees instead."""
    table = {c: chr(0x2400 + c) for c in range(0x20) if c not in (0x09, 0x0A)}  # ␀ … ␟
    table[0x7F] = "\u2421"  # ␡
    table |= {c: f"\\x{c:02x}" for c in range(0x80, 0xA0)}  # C1: \x9b
    table |= {c: f"\\u{c:04x}" for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}
    table |= {0x2028: "\n", 0x2029: "\n"}
    table |= {c: "\ufffd" for c in range(0xD800, 0xE000)}
    return table


_VISIBLE = _visible_forms()


def neutralise(text: str) -> str:
    """Show every terminal control in ``text`` as a visible stand-in, deleting nothing.

    For answer text at a display edge (the TUI, ``ask`` on a terminal, replay,
    export to a terminal): the user sees that the model sent an escape
    (``␛[2J``, ``\\x9b``, ``\\u202e``) and nothing reaches the terminal as a
    control. Stateless, so it works on any chunking (``\r\n`` is one line end
    when it arrives in one piece). Newlines and tabs pass through.
    """
    if _SPECIAL.search(text) is None:
        return text  # fast path: the common chunk has no control at all
    return text.replace("\r\n", "\n").translate(_VISIBLE)


_SURROGATE = re.compile("[\ud800-\udfff]")


def storable(text: str) -> str:
    """``text`` with lone surrogates as U+FFFD: all UTF-8 (SQLite, files) can hold.

    A JSON string can carry ``"\\ud800"``; nothing else is changed, so the log
    keeps what the provider sent.
    """
    return text if _SURROGATE.search(text) is None else _SURROGATE.sub("\ufffd", text)
