"""Release streamed text at natural boundaries, but never late.

Tokens arrive a few characters at a time. Handing each one to the UI makes the
answer jitter and costs a render per token; handing it over a sentence or a
line at a time looks calm and renders cheaper. The buffer holds text back only
until a boundary, a size cap or a short deadline, whichever comes first, and
it never drops or reorders anything.

Boundaries (text is released up to and including the *last* one held):

* a newline, so code blocks, lists and paragraphs go out line by line; a
  closing code fence goes out with its newline;
* a sentence end ``. ! ? … : ;`` plus up to three closing quotes or brackets,
  followed by whitespace (the whitespace goes out too). A period at the very
  end is not a boundary yet: it may be the "3." of "3.14". "e.g. " does count
  as a boundary; releasing a little early there is harmless;
* a CJK sentence end ``。！？`` (plus closers), once any other character
  follows, since CJK text has no spaces between sentences.

A fence line without its newline (``"```"`` at the end of the held text) is
*held*: it may still grow into an opening fence such as ``"```python"``, and
showing half a fence makes the markdown view flicker. Its newline, the
deadline or :meth:`SentenceBuffer.flush` releases it.

The caller owns the clock: every method that cares about time takes ``now``.
"""

from __future__ import annotations

import re

__all__ = ["SentenceBuffer"]

_CLOSERS = re.escape("\"')]”’»」』）】")
_MAX_CLOSERS = 3
_BOUNDARY = re.compile(
    rf"\n"
    rf"|[.!?…:;][{_CLOSERS}]{{0,{_MAX_CLOSERS}}}\s+"
    rf"|[。！？][{_CLOSERS}]{{0,{_MAX_CLOSERS}}}(?:\s+|(?=[^{_CLOSERS}]))"
)
_TERMINATOR = re.compile(r"[\n.!?…:;。！？]")
"""The first character of every boundary: where none is, no boundary starts (a cheap scan)."""
# A boundary still waiting for its next char is at most a terminator plus its
# closers long, so a rescan only needs to step back this far into old text.
_LOOKBACK = 1 + _MAX_CLOSERS


class SentenceBuffer:
    """Hold streamed text until a boundary, the size cap or ``max_delay``.

    One per stream. The first non-empty text is released at once, so the
    first token reaches the screen without waiting for a sentence to end.
    """

    def __init__(self, max_delay: float = 0.05, *, max_chars: int = 400) -> None:
        if max_delay < 0 or max_chars < 1:
            raise ValueError("max_delay must be >= 0 and max_chars >= 1")
        self.max_delay = max_delay
        self.max_chars = max_chars
        self._held = ""
        self._held_since: float | None = None  # when the oldest held char arrived
        self._started = False

    @property
    def deadline(self) -> float | None:
        """When the held text must go out, or ``None`` if nothing is held."""
        if self._held_since is None:
            return None
        return self._held_since + self.max_delay

    @property
    def pending(self) -> str:
        """The text held back right now."""
        return self._held

    def feed(self, text: str, now: float) -> str:
        """Add ``text`` that arrived at ``now``; return what to show now."""
        if not self._started and text:
            self._started = True
            return text  # nothing can be held before the first text
        overdue = self._is_due(now)
        old_len = len(self._held)
        self._held += text
        if self._held_since is None and text:
            self._held_since = now
        if overdue or len(self._held) > self.max_chars:
            return self.flush()
        return self._release_to_boundary(max(0, old_len - _LOOKBACK), old_len, now)

    def due(self, now: float) -> str:
        """Release everything if the oldest held char has waited ``max_delay``."""
        return self.flush() if self._is_due(now) else ""

    def flush(self) -> str:
        """Release everything: end of stream, cancel, or a deadline."""
        released, self._held, self._held_since = self._held, "", None
        return released

    def _is_due(self, now: float) -> bool:
        deadline = self.deadline
        return deadline is not None and now >= deadline

    def _release_to_boundary(self, scan_from: int, old_len: int, now: float) -> str:
        """Release through the last boundary at or after ``scan_from``.

        Only the new text (plus a short lookback) is scanned: the held text
        had no complete boundary before this feed, so the hot path stays
        proportional to the token, not to what is held.
        """
        if _TERMINATOR.search(self._held, scan_from) is None:  # most tokens
            return ""
        cut = -1
        for match in _BOUNDARY.finditer(self._held, scan_from):
            cut = match.end()
        if cut < 0:
            return ""
        released, self._held = self._held[:cut], self._held[cut:]
        if not self._held:
            self._held_since = None
        elif cut >= old_len:
            self._held_since = now  # the tail is all new text
        # else: keep the older stamp; releasing a little early is safe
        return released
