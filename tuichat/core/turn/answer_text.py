"""The answer text of a turn: kept as sent, counted, buffered and made inert for display.

Every piece of text a provider sends passes through here. ``TextDelta`` (for
the log, the metrics, the history and ``ask``) carries it exactly as sent —
only a lone surrogate, which no UTF-8 store can hold, becomes U+FFFD — so the
log is lossless and a model that emits escape sequences is on record. The
sentence buffer then holds it until a boundary, and its releases become
``TextReleased`` for the screen, neutralised *visibly* (``␛[2J``): nothing
reaches the terminal as a control, and nothing is silently deleted. A timer
on the turn's clock releases held text when it reaches the buffer's max delay.
"""

from __future__ import annotations

from collections.abc import Callable

from tuichat.core.clock import Clock, TimerHandle
from tuichat.core.events import Event, FirstToken, TextDelta, TextReleased
from tuichat.core.turn.sentence_buffer import SentenceBuffer
from tuichat.core.untrusted import neutralise, storable


class AnswerText:
    """Accumulates one turn's answer across its attempts and emits text events."""

    def __init__(
        self,
        trace_id: str,
        clock: Clock,
        emit: Callable[[Event], None],
        max_delay: float,
        busy_ms: Callable[[], float | None] = lambda: None,
    ) -> None:
        self._trace_id = trace_id
        self._busy_ms = busy_ms
        """The attempt's client busy time so far, stamped on its FirstToken."""
        self._clock = clock
        self._emit = emit
        self.last_text_at: float | None = None
        """When this attempt's latest text arrived (the log's last-token time)."""
        self._buffer = SentenceBuffer(max_delay)
        self._timer: TimerHandle | None = None
        self._chunks: list[str] = []

    @property
    def text(self) -> str:
        """Everything received so far."""
        return "".join(self._chunks)

    @property
    def shown(self) -> bool:
        """True once any text went out (a retry would then repeat it)."""
        return bool(self._chunks)

    def new_attempt(self) -> None:
        """A new attempt: its last-token time starts over."""
        self.last_text_at = None

    def feed(self, raw: str, attempt: int) -> None:
        """Untrusted text from the provider: logged as sent, shown neutralised."""
        text = storable(raw)
        if not text:
            return
        now = self._clock.now()
        self.last_text_at = now
        if not self._chunks:
            busy = self._busy_ms()
            self._emit(
                FirstToken(trace_id=self._trace_id, ts=now, attempt=attempt, client_busy_ms=busy)
            )
        self._chunks.append(text)
        self._emit(TextDelta(trace_id=self._trace_id, ts=now, attempt=attempt, text=text))
        self._release(self._buffer.feed(text, now), now)
        if self._buffer.pending and self._timer is None:
            deadline = self._buffer.deadline or now
            self._timer = self._clock.call_at(deadline, self._release_due)

    def flush(self, attempt: int) -> float:
        """Release everything held (before a terminal event); return now."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        now = self._clock.now()
        self._release(self._buffer.flush(), now)
        return now

    def _release_due(self) -> None:
        """Timer callback: the oldest held text reached the max delay."""
        self._timer = None
        self._release(self._buffer.flush(), self._clock.now())

    def _release(self, text: str, now: float) -> None:
        if text:
            shown = neutralise(text)
            self._emit(TextReleased(trace_id=self._trace_id, ts=now, text=shown))
