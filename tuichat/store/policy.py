"""What the log keeps: redaction, metrics-only content and timeline sampling.

A :class:`LogPolicy` is built by the caller (the factory, from the API keys
it resolved and the ``[log]`` settings) and handed to the
:class:`~tuichat.store.writer.LogWriter`, which applies it to every text
*before* it is written: prompts, answers (the growing streamed row too), the
request as sent, the system prompt, the title, error messages and the
reasons of routing events. Nothing unredacted reaches the file, its WAL or
its free pages.

Redaction (:class:`Redactor`), in this order, each hit becoming ``[redacted]``:

1. anything shaped like an API key (``sk-…``, ``pk-…``, ``rk-…``, ``AIza…``)
   or a bearer token (``Bearer xyz…`` keeps the word ``Bearer``), always;
2. the configured keys (``secrets``): whole, and any run of
   :data:`~tuichat.core.secrets.MIN_FRAGMENT` or more of their characters
   (:class:`~tuichat.core.secrets.KeyFragments`);
3. the configured ``patterns`` (``[log] redact``), in order.

A text with nothing to redact comes back as the very same object, so the
writer can tell a redacted row (``messages.content_kept = 'redacted'``) from
one kept as sent. Checking is C-speed substring search, cheapest first: the
shapes' regex runs only on a text holding ``k-``, ``AIza`` or ``bearer``; the
key windows are looked for only when one of the keys' *anchors* is present
(every third 3-character piece of a key: any 6-character run of a key holds
one), and the character-by-character pass over key fragments only runs when a
fragment is actually there. A 4 KB answer costs ~10 µs with nothing to redact.

``content = "metrics"`` stores no prompt, answer, title, system prompt or
request messages at all (empty text, ``content_kept = 'none'``): timings,
tokens, costs and errors are still written. ``timeline_sample_rate`` keeps
the chunk timeline of that share of turns, chosen by a hash of the trace id
(:meth:`LogPolicy.samples`), so a turn is in or out whatever process asks.
"""

from __future__ import annotations

import math
import re
import zlib
from dataclasses import dataclass, field
from typing import Literal

from tuichat.core.secrets import MIN_FRAGMENT, KeyFragments

ContentMode = Literal["full", "metrics"]
CONTENT_MODES: tuple[ContentMode, ...] = ("full", "metrics")
REDACTED = "[redacted]"
"""What replaces a secret or a configured pattern in the log."""

KEPT_FULL, KEPT_REDACTED, KEPT_NONE = "full", "redacted", "none"
"""Values of ``messages.content_kept`` (NULL in rows older than the column: full)."""

_SHAPES = re.compile(
    r"(?:sk|pk|rk)-[A-Za-z0-9_\-]{8,}"  # OpenAI / Anthropic / Stripe style keys
    r"|AIza[0-9A-Za-z_\-]{35}"  # Google API keys
    r"|(?P<bearer>[Bb][Ee][Aa][Rr][Ee][Rr]\s+)[A-Za-z0-9._~+/\-]{8,}=*"
)


@dataclass(frozen=True, slots=True)
class LogPolicy:
    """What the writer redacts, whether it keeps text, and which timelines it keeps."""

    secrets: tuple[str, ...] = field(default=(), repr=False)
    """API keys to redact, whole and as any run of 6+ of their characters."""
    patterns: tuple[re.Pattern[str], ...] = ()
    """Configured regexes (``[log] redact``); each match becomes ``[redacted]``."""
    content: ContentMode = "full"
    """``full`` keeps the text; ``metrics`` keeps no prompt, answer or request text."""
    timeline_sample_rate: float = 1.0
    """Share (0–1) of turns whose chunk timeline is kept; metrics are always kept."""

    def __post_init__(self) -> None:
        if self.content not in CONTENT_MODES:
            raise ValueError(f"content must be 'full' or 'metrics', not {self.content!r}")
        rate = self.timeline_sample_rate
        if not (isinstance(rate, int | float) and math.isfinite(rate) and 0.0 <= rate <= 1.0):
            raise ValueError(f"timeline_sample_rate must be a number from 0 to 1, not {rate!r}")

    @property
    def keeps_text(self) -> bool:
        """False in metrics-only mode."""
        return self.content == "full"

    def samples(self, trace_id: str) -> bool:
        """True when the chunk timeline of ``trace_id`` is kept (stable per trace id)."""
        rate = self.timeline_sample_rate
        if rate >= 1.0:
            return True
        if rate <= 0.0:
            return False
        return zlib.crc32(trace_id.encode("utf-8", "surrogatepass")) < rate * 2**32


class Redactor:
    """Applies a policy's redaction to a text (see the module doc for the order)."""

    __slots__ = ("_anchors", "_fragments", "_patterns", "_windows")

    def __init__(self, policy: LogPolicy) -> None:
        keys = [key for key in policy.secrets if key]
        run = MIN_FRAGMENT
        self._fragments = KeyFragments(keys, run)
        self._windows = tuple({key[i : i + run] for key in keys for i in range(len(key) - run + 1)})
        step = run // 2  # every run of `run` characters holds a whole anchor
        self._anchors = tuple(
            {
                key[i : i + step]
                for key in keys
                if len(key) >= run
                for i in range(0, len(key) - step + 1, step)
            }
        )
        self._patterns = policy.patterns

    def __call__(self, text: str) -> str:
        """``text`` with every secret and pattern replaced; the same object if none is found."""
        if not text:
            return text
        result = _SHAPES.sub(_shape_mask, text) if _may_hold_shape(text) else text
        if self._holds_fragment(result):
            result = self._fragments.redact(result)
        for pattern in self._patterns:
            if pattern.search(result):
                result = pattern.sub(_pattern_mask, result)
        return text if result == text else result

    def _holds_fragment(self, text: str) -> bool:
        if not any(anchor in text for anchor in self._anchors):
            return False
        return any(window in text for window in self._windows)


def _may_hold_shape(text: str) -> bool:
    """False when no key or bearer shape can be in ``text`` (a cheap test before the regex)."""
    return "k-" in text or "AIza" in text or "bearer" in text.lower()


def _shape_mask(match: re.Match[str]) -> str:
    return (match.group("bearer") or "") + REDACTED


def _pattern_mask(match: re.Match[str]) -> str:
    """An empty match (``\\b``, ``x*``) replaces nothing."""
    return REDACTED if match.group() else ""
