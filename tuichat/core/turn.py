"""A turn: one prompt, one streamed answer, as an async iterator of events.

The provider is read by a pump task so that :meth:`Turn.cancel` can stop it at
any ``await`` (closing the HTTP response) and still end the stream with a
:class:`TurnCancelled` that carries the partial answer. Observers (store,
metrics, history) see every event synchronously, in order, before the
iterating consumer (the UI) does, so a slow consumer never loses a log row.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Sequence

from tuichat.core import errors
from tuichat.core.clock import Clock, SystemClock
from tuichat.core.conversation import ChatRequest
from tuichat.core.events import (
    TERMINAL_EVENTS,
    AttemptEnded,
    AttemptStarted,
    AttemptStatus,
    Event,
    FirstToken,
    HeadersReceived,
    TextDelta,
    TextReleased,
    TimingsReported,
    TurnCancelled,
    TurnFailed,
    TurnFinished,
    TurnStarted,
    UsageReported,
)
from tuichat.core.provider import (
    FinishPart,
    Provider,
    ResponseHead,
    TextPart,
    TimingsPart,
    UsagePart,
)
from tuichat.core.sentence_buffer import SentenceBuffer
from tuichat.core.untrusted import TerminalSanitizer, one_line

log = logging.getLogger(__name__)

Observer = Callable[[Event], None]


MetaPart = ResponseHead | UsagePart | TimingsPart


def meta_event(part: MetaPart, trace_id: str, ts: float, attempt: int) -> Event:
    """The event for a non-text stream part."""
    if isinstance(part, ResponseHead):
        return HeadersReceived(
            trace_id=trace_id, ts=ts, attempt=attempt, status_code=part.status_code
        )
    if isinstance(part, TimingsPart):
        return TimingsReported(
            trace_id=trace_id,
            ts=ts,
            attempt=attempt,
            prefill_ms=part.prefill_ms,
            generation_ms=part.generation_ms,
            cached_prompt_tokens=part.cached_prompt_tokens,
        )
    return UsageReported(
        trace_id=trace_id,
        ts=ts,
        attempt=attempt,
        input_tokens=part.input_tokens,
        output_tokens=part.output_tokens,
        cached_input_tokens=part.cached_input_tokens,
        cache_write_tokens=part.cache_write_tokens,
        reasoning_tokens=part.reasoning_tokens,
    )


def new_trace_id() -> str:
    """A W3C/OpenTelemetry-shaped trace id (32 hex chars)."""
    return uuid.uuid4().hex


class Turn:
    """Run one request against one provider and emit its events."""

    def __init__(
        self,
        *,
        provider: Provider,
        request: ChatRequest,
        session_id: str,
        prompt: str,
        observers: Sequence[Observer] = (),
        clock: Clock | None = None,
        max_delay: float = 0.12,
        trace_id: str | None = None,
    ) -> None:
        self.provider = provider
        self.request = request
        self.session_id = session_id
        self.prompt = prompt
        self.trace_id = trace_id or new_trace_id()
        self._observers = tuple(observers)
        self._clock = clock or SystemClock()
        self._buffer = SentenceBuffer(max_delay)
        self._queue: asyncio.Queue[Event] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._cancel_requested = False
        self._chunks: list[str] = []
        self._attempt = 0

    @property
    def text(self) -> str:
        """The answer received so far."""
        return "".join(self._chunks)

    @property
    def running(self) -> bool:
        """True until the terminal event has been emitted."""
        return self._task is not None and not self._task.done()

    def cancel(self) -> None:
        """Stop the turn now; the stream ends with ``TurnCancelled``."""
        if self._task is not None and not self._task.done():
            self._cancel_requested = True
            self._task.cancel()

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._events()

    async def _events(self) -> AsyncIterator[Event]:
        if self._task is not None:
            raise RuntimeError("a turn can be iterated only once")
        self._task = asyncio.create_task(self._run(), name=f"turn-{self.trace_id[:8]}")
        try:
            while True:
                event = await self._queue.get()
                yield event
                if isinstance(event, TERMINAL_EVENTS):
                    return
        finally:
            # The consumer went away early (app quit, worker cancelled): that is
            # a cancel too, so observers still get TurnCancelled and the partial.
            self.cancel()

    def _emit(self, event: Event) -> None:
        for observer in self._observers:
            try:
                observer(event)
            except Exception:  # an observer bug must not break the turn
                log.exception("turn observer failed on %s", type(event).__name__)
        self._queue.put_nowait(event)

    async def _run(self) -> None:
        now = self._clock.now()
        self._emit(
            TurnStarted(
                trace_id=self.trace_id,
                ts=now,
                session_id=self.session_id,
                prompt=self.prompt,
                model=self.request.model,
                wall_time=self._clock.wall(),
            )
        )
        await self._attempt_once()

    async def _attempt_once(self) -> None:
        """One attempt; every way out ends in exactly one terminal event."""
        self._attempt += 1
        self._emit(
            AttemptStarted(
                trace_id=self.trace_id,
                ts=self._clock.now(),
                attempt=self._attempt,
                model=self.request.model,
                provider=self.provider.name,
                base_url_host=self.provider.base_url_host,
            )
        )
        sanitizer = TerminalSanitizer()
        finish = FinishPart(None)
        try:
            async for part in self.provider.stream(self.request):
                if isinstance(part, FinishPart):
                    finish = part
                else:
                    self._on_part(part, sanitizer)
            self._on_text(sanitizer.finish())
        except asyncio.CancelledError:
            if not self._cancel_requested:
                raise
            self._end_cancelled(sanitizer)
        except errors.ProviderError as exc:
            self._end_failed(sanitizer, exc)
        except Exception as exc:  # a bug: log the trace, show one line
            log.exception("turn %s failed unexpectedly", self.trace_id)
            self._end_failed(sanitizer, errors.ProviderError(one_line(f"internal error: {exc}")))
        else:
            self._end_finished(finish)

    def _on_part(self, part: MetaPart | TextPart, sanitizer: TerminalSanitizer) -> None:
        if isinstance(part, TextPart):
            self._on_text(sanitizer.feed(part.text))
        else:
            self._emit(meta_event(part, self.trace_id, self._clock.now(), self._attempt))

    def _on_text(self, text: str) -> None:
        if not text:
            return
        now = self._clock.now()
        if not self._chunks:
            self._emit(FirstToken(trace_id=self.trace_id, ts=now, attempt=self._attempt))
        self._chunks.append(text)
        self._emit(TextDelta(trace_id=self.trace_id, ts=now, attempt=self._attempt, text=text))
        self._release(self._buffer.feed(text, now), now)
        if self._buffer.pending and self._timer is None:
            deadline = self._buffer.deadline or now
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(max(0.0, deadline - now), self._release_due)

    def _release_due(self) -> None:
        """Timer callback: the oldest held text reached the max delay."""
        self._timer = None
        self._release(self._buffer.flush(), self._clock.now())

    def _release(self, text: str, now: float) -> None:
        if text:
            self._emit(TextReleased(trace_id=self.trace_id, ts=now, text=text))

    def _flush(self, sanitizer: TerminalSanitizer) -> float:
        """Release everything held before a terminal event; return now."""
        self._on_text(sanitizer.finish())
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        now = self._clock.now()
        self._release(self._buffer.flush(), now)
        return now

    def _end_finished(self, finish: FinishPart) -> None:
        now = self._flush(TerminalSanitizer())
        self._emit(
            AttemptEnded(
                trace_id=self.trace_id,
                ts=now,
                attempt=self._attempt,
                status="ok",
                finish_reason=finish.reason,
                served_model=finish.served_model,
            )
        )
        self._emit(
            TurnFinished(
                trace_id=self.trace_id,
                ts=now,
                text=self.text,
                finish_reason=finish.reason,
                model=finish.served_model or self.request.model,
            )
        )

    def _end_cancelled(self, sanitizer: TerminalSanitizer) -> None:
        now = self._flush(sanitizer)
        self._emit(
            AttemptEnded(trace_id=self.trace_id, ts=now, attempt=self._attempt, status="cancelled")
        )
        self._emit(TurnCancelled(trace_id=self.trace_id, ts=now, partial_text=self.text))

    def _end_failed(self, sanitizer: TerminalSanitizer, exc: errors.ProviderError) -> None:
        now = self._flush(sanitizer)
        status: AttemptStatus = "truncated" if isinstance(exc, errors.StreamTruncated) else "failed"
        message = exc.one_line()
        self._emit(
            AttemptEnded(
                trace_id=self.trace_id,
                ts=now,
                attempt=self._attempt,
                status=status,
                error_type=exc.error_type,
                error_message=message,
            )
        )
        self._emit(
            TurnFailed(
                trace_id=self.trace_id,
                ts=now,
                error_type=exc.error_type,
                message=message,
                partial_text=self.text,
                status=status,
            )
        )
