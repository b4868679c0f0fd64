"""Keep secrets out of messages, logs and the screen.

Error bodies can echo keys back (some servers do), whole or in pieces; every
message that leaves a provider passes through :class:`KeyFragments` built from
the keys that provider knows (no run of :data:`MIN_FRAGMENT` characters of a
key survives) and through :func:`redact` (anything shaped like some key).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "***"

_KEY_PATTERNS = re.compile(
    r"(?:sk|pk|rk)-[A-Za-z0-9_\-]{8,}"  # OpenAI / Anthropic style keys
    r"|(?i:bearer)\s+[A-Za-z0-9._\-]{8,}"  # bearer tokens
)


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """Replace known secrets and anything shaped like an API key with ``***``."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, MASK)
    return _KEY_PATTERNS.sub(MASK, text)


def mask(secret: str | None) -> str:
    """Show that a secret is set without showing it: ``sk-…abcd`` style."""
    if not secret:
        return "(not set)"
    if len(secret) < 12:
        return MASK
    return f"{secret[:3]}…{secret[-4:]}"


FRAGMENT_MASK = "[redacted]"
"""What replaces a run of key characters found in a text."""
MIN_FRAGMENT = 6
"""Shortest run of a key's characters that is redacted.

Six characters of a random key are ~36 bits of it: enough to matter when a
server echoes pieces ("prefix sk-hosti ... tail e7d6c5b4a"), and rare enough
by chance in ordinary error text that nothing else is lost.
"""
_FALLBACK_MASKS = ("\u2588", "#", "*", "?", "\ufffd")


class KeyFragments:
    """The keys one provider was built with, ready to redact any run of their characters.

    Every ``min_run``-character window of every key is put in a set once, so
    redacting a text is one pass over it with a set lookup per position. A text
    that holds no window comes back as the very same string.
    """

    __slots__ = ("_mask", "_min_run", "_windows")

    def __init__(self, keys: Iterable[str | None], min_run: int = MIN_FRAGMENT) -> None:
        if min_run < 1:
            raise ValueError("min_run must be >= 1")
        self._min_run = min_run
        self._windows = frozenset(
            key[i : i + min_run] for key in keys if key for i in range(len(key) - min_run + 1)
        )
        self._mask = self._safe_mask()

    def redact(self, text: str) -> str:
        """``text`` with every run of ``min_run``+ key characters replaced by the mask."""
        redacted = self._redact_once(text)
        while not self._mask and redacted != text:  # a removal may join two pieces
            text, redacted = redacted, self._redact_once(redacted)
        return redacted

    def _redact_once(self, text: str) -> str:
        if not self._windows or len(text) < self._min_run:
            return text
        spans = self._covered_spans(text)
        if not spans:
            return text
        pieces: list[str] = []
        last = 0
        for start, end in spans:
            pieces += (text[last:start], self._mask)
            last = end
        pieces.append(text[last:])
        return "".join(pieces)

    def _covered_spans(self, text: str) -> list[tuple[int, int]]:
        """Merged ``[start, end)`` ranges of ``text`` covered by key windows."""
        n, windows = self._min_run, self._windows
        spans: list[tuple[int, int]] = []
        for i in range(len(text) - n + 1):
            if text[i : i + n] not in windows:
                continue
            if spans and spans[-1][1] >= i:
                spans[-1] = (spans[-1][0], i + n)
            else:
                spans.append((i, i + n))
        return spans

    def _safe_mask(self) -> str:
        """A mask that cannot itself complete a key window with its neighbours.

        Any window that overlaps the mask contains one of its characters, so a
        mask whose characters appear in no key is always safe. ``[redacted]``
        qualifies unless a key has a bracket or a window inside the word.
        """
        chars = {c for window in self._windows for c in window}
        inner = FRAGMENT_MASK[1:-1]
        inner_windows = {inner[i : i + self._min_run] for i in range(len(inner))}
        if not {"[", "]"} & chars and not inner_windows & self._windows:
            return FRAGMENT_MASK
        for mask in _FALLBACK_MASKS:
            if mask not in chars:
                return f"[{mask}]" if not {"[", "]"} & chars else mask * 3
        return ""  # keys using every fallback character: the runs are dropped instead


def redact_key_fragments(text: str, keys: Iterable[str | None], min_run: int = MIN_FRAGMENT) -> str:
    """Replace every run of ``min_run``+ consecutive characters of any of ``keys``.

    For one-off use; a provider builds a :class:`KeyFragments` once and reuses it.
    The result never contains a ``min_run``-character piece of a key, and a text
    with no such piece is returned unchanged.
    """
    return KeyFragments(keys, min_run).redact(text)
