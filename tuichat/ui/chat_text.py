"""Short texts the chat shows around answers: notes, ages, failure reasons."""

from __future__ import annotations

from tuichat.config import ModelSpec
from tuichat.core.events import (
    BreakerChanged,
    CacheLookedUp,
    Event,
    FallbackTaken,
    Queued,
    RetryScheduled,
    TurnFinished,
)
from tuichat.core.untrusted import one_line
from tuichat.local.errors import LocalModelError

CONTINUE_PROMPT = (
    "Your previous answer was cut off. Continue exactly where it stopped, "
    "without repeating anything."
)
"""What ctrl+r sends after a cut-off answer (the partial is already in the history)."""


def finish_note(event: TurnFinished) -> str | None:
    """Under an answer: a cut at max tokens, or what it took when it was not the first try."""
    notes = []
    if event.finish_reason == "length":
        notes.append("stopped at max tokens")
    if event.outcome.eventful:
        notes.append(event.summary)
    return "; ".join(notes) or None


def cache_note(looked: CacheLookedUp) -> str:
    """Under a cached answer: CACHED, how it matched, its age, what it saved, the reject key."""
    kind: str = looked.verdict
    if looked.similarity is not None:
        kind = f"{kind} {looked.similarity:.2f}"
    parts = [f"CACHED · {kind}"]
    if looked.matched_question:
        parts.append(f"matched “{one_line(looked.matched_question, 50)}”")
    parts.append(f"{age(looked.age_s or 0.0)} old")
    saved = [f"{looked.saved_ms / 1000:.1f} s"] if looked.saved_ms is not None else []
    if looked.saved_usd:
        saved.append(f"${looked.saved_usd:.4f}")
    if saved:
        parts.append("saved " + ", ".join(saved))
    if looked.original_ttft_ms is not None:
        parts.append(f"first TTFT {looked.original_ttft_ms:.0f} ms")
    return " · ".join(parts) + " · ctrl+n: not what I asked"


def age(seconds: float) -> str:
    """``42 s``, ``7 min``, ``3 h``, ``2 d``."""
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f} {unit}"
    return f"{seconds:.0f} s"


def max_tokens(flag: int | None, spec: ModelSpec) -> int | None:
    """``--max-tokens`` for every model, else the model's own cap."""
    return flag if flag is not None else spec.max_tokens


def reason(exc: Exception) -> str:
    """One line for a failed switch: local-model errors carry their own message."""
    return exc.message if isinstance(exc, LocalModelError) else str(exc)


def route_notice(event: Event) -> tuple[str, float] | None:
    """A toast for a retry, a fallback, a queued request or a breaker: (one line, seconds)."""
    if isinstance(event, RetryScheduled):
        return one_line(f"{event.model}: {event.reason}"), 3
    if isinstance(event, FallbackTaken):
        return one_line(f"{event.from_model} → {event.to_model}: {event.reason}"), 5
    if isinstance(event, Queued):
        wait = f"~{event.expected_wait_s:.0f} s"
        return one_line(f"{event.model}: queued #{event.position}, {wait}"), 3
    if isinstance(event, BreakerChanged):
        return breaker_notice(event)
    return None


BREAKER_WORDS = {"open": "circuit open", "closed": "circuit closed again"}
"""The breaker moves worth a toast; half-open (a probe is allowed) shows in the HUD only."""


def breaker_notice(event: BreakerChanged) -> tuple[str, float] | None:
    """``openai@api.openai.com: circuit open: 5 failures within 60 s (last: connection)``."""
    words = BREAKER_WORDS.get(event.to_state)
    if words is None:
        return None
    seconds = 8 if event.to_state == "open" else 4
    return one_line(f"{event.provider}: {words}: {event.reason}"), seconds
