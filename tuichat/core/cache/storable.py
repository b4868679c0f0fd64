"""What may be stored: only answers that finished normally, and nothing the log would hide.

A cached answer is served again as if it were fresh, so it must be one a
user would have accepted as complete: the turn finished ``ok`` with a
natural finish reason (the model chose to stop), it was not a stale answer
offered after a failure, it did not come from the cache itself, and it is
not empty. Cut answers (``length``/``max_tokens``), filtered ones
(``content_filter``, refusals), tool-call stops, cancelled, failed and
truncated turns are never stored. A turn whose provider gave no finish
reason is not stored either: nothing says it was complete.

The cache file must not keep what the log would not: when the log keeps no
content (``[log] content = "metrics"``) nothing is cached, and when the log's
redaction would change the question or the answer (a key, a configured
pattern), the exchange is not cached at all — storing it would keep the
secret, and storing the redacted text would serve ``[redacted]`` as an answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tuichat.core.events import TurnEnded, TurnFinished

NATURAL_FINISH = frozenset({"stop", "end_turn", "stop_sequence", "eos"})
"""Finish reasons meaning the model ended its answer itself (OpenAI, Anthropic, llama.cpp)."""

Redact = Callable[[str], str]
"""The log's redaction: a text with its secrets replaced (the same text when none)."""


@dataclass(frozen=True, slots=True)
class StoragePolicy:
    """What the log keeps, as the cache must honour it (built from ``[log]``)."""

    keeps_text: bool = True
    """False in the log's metrics-only mode: then nothing is cached."""
    redact: Redact | None = None
    """The log's redaction; None redacts nothing."""


def refusal(
    ended: TurnEnded,
    question: str,
    *,
    policy: StoragePolicy,
    from_cache: bool = False,
    stale: bool = False,
) -> str | None:
    """Why the answer of ``ended`` to ``question`` must not be stored; None when it may be."""
    if from_cache:
        return "served from the cache"
    if stale:
        return "a stale answer"
    if not isinstance(ended, TurnFinished) or ended.status != "ok":
        return f"not finished ({ended.status})"
    reason = _finish_refusal(ended.finish_reason)
    if reason is not None:
        return reason
    return _content_refusal(ended.text, question, policy)


def _finish_refusal(finish_reason: str | None) -> str | None:
    if finish_reason is None:
        return "the provider gave no finish reason"
    if finish_reason not in NATURAL_FINISH:
        return f"finish reason {finish_reason!r}"
    return None


def _content_refusal(answer: str, question: str, policy: StoragePolicy) -> str | None:
    if not policy.keeps_text:
        return "the log keeps no content"
    if not answer.strip():
        return "empty answer"
    redact = policy.redact
    if redact is not None and (redact(answer) != answer or redact(question) != question):
        return "holds text the log redacts"
    return None
