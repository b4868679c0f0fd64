"""Make text a server controls safe to show, log and store.

Error bodies, SSE error events, content types, httpx exception text (which can
quote a request header, key included) all end up in a
:class:`~tuichat.core.errors.ProviderError`, and from there on stderr, in the
TUI, in ``ask --json``, in ``debug`` and in ``attempts.error_message``. A
:class:`Scrubber` holds the keys one provider was built with and cleans that
text in one order: made inert and single-line first (so characters a terminal
would drop cannot split a key into pieces that rejoin later), then whole keys
and key-shaped strings, then every run of :data:`~tuichat.core.secrets.MIN_FRAGMENT`
characters of the provider's own keys.
"""

from __future__ import annotations

from collections.abc import Iterable

from tuichat.core import errors
from tuichat.core.secrets import KeyFragments, redact
from tuichat.core.untrusted import one_line

MAX_CODE_CHARS = 80
"""Longest error code kept (codes are identifiers such as ``insufficient_quota``)."""
_MAX_CHAIN = 8


class Scrubber:
    """Cleans provider text of its keys (see the module docstring for the order)."""

    def __init__(self, keys: Iterable[str | None]) -> None:
        self._keys = tuple(key for key in keys if key)
        self._fragments = KeyFragments(self._keys)

    def text(self, text: str, limit: int = 300) -> str:
        """``text`` on one inert line of at most ``limit`` chars, with no piece of a key."""
        return self._fragments.redact(redact(one_line(text, limit), self._keys))

    def tainted(self, text: str) -> bool:
        """Whether ``text`` holds a piece of a key."""
        return self._fragments.redact(text) != text

    def error(self, exc: errors.ProviderError) -> errors.ProviderError:
        """Clean ``exc`` in place: its message, its code, and a cause that quotes a key."""
        exc.message = self.text(exc.message)
        exc.args = (exc.message,)
        if exc.code is not None:
            exc.code = self.text(exc.code, MAX_CODE_CHARS)
        if any(self.tainted(str(cause)) for cause in _chain(exc)):
            exc.__cause__ = exc.__context__ = None
            exc.__suppress_context__ = True
        return exc


def _chain(exc: BaseException) -> list[BaseException]:
    """The exceptions behind ``exc`` (its cause or context, theirs, ...), a few deep."""
    chain: list[BaseException] = []
    current = exc.__cause__ or exc.__context__
    while current is not None and len(chain) < _MAX_CHAIN:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain
