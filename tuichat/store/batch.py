"""From turn events to log rows.

The writer drains events in batches; :class:`EventMapper` turns a batch into
a :class:`LogBatch` of rows grouped by statement, so the writer needs one
``executemany`` per statement. No I/O happens here: mapping is plain Python
on the event loop, and the database work stays in aiosqlite's thread.

Events carry monotonic ``ts``; :class:`TurnStarted` adds ``wall_time`` for
its own ``ts``, so every later stamp of that trace maps to epoch seconds as
``wall_time + (ts - turn_ts)``. The mapper keeps that anchor (and each
attempt's start) per trace and drops it on the turn's terminal event.

Streamed text (:mod:`tuichat.store.streamed`) is kept apart from the queued
events and becomes the turn's growing answer row (:meth:`EventMapper.text_rows`),
with the chunk timelines of its attempts. Every text passes through the
:class:`~tuichat.store.policy.LogPolicy` first (redaction, metrics-only), and
each attempt's request is stored against the session's previous one
(:mod:`tuichat.store.request_rows`).
Feedback on an ended turn (a rating, a follow-up seen) arrives as events of
its own, carrying their session and wall time (:mod:`tuichat.store.feedback`);
so do a regeneration's link to its original turn and the alternative kept
(:mod:`tuichat.store.regen_rows`).
With a ``writer_id``, a turn's first rows also list it in ``open_turns`` and
its final rows remove it, so a crash in between is found later
(:mod:`tuichat.store.recovery`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from tuichat.core.events import (
    AttemptEnded,
    AttemptStarted,
    BreakerChanged,
    CacheLookedUp,
    CostReported,
    Event,
    FallbackTaken,
    FirstToken,
    HeadersReceived,
    RateLimitObserved,
    RetryScheduled,
    StaleAnswerOffered,
    TerminalEvent,
    TimingsReported,
    TurnCancelled,
    TurnFailed,
    TurnFinished,
    TurnStarted,
    UsageReported,
)
from tuichat.core.feedback.records import FeedbackGiven, FollowUpSeen
from tuichat.core.regen.records import AlternativeKept, RegenerationMade
from tuichat.store.cache_lookups import cache_lookup_row
from tuichat.store.feedback import feedback_row, follow_up_row
from tuichat.store.policy import KEPT_NONE, KEPT_REDACTED, LogPolicy, Redactor
from tuichat.store.regen_rows import kept_row, regeneration_row
from tuichat.store.request_rows import RequestLog
from tuichat.store.route_rows import RouteEvent, route_event_detail
from tuichat.store.statements import LogBatch
from tuichat.store.streamed import STREAMING, AnswerRow, StreamedText

logger = logging.getLogger(__name__)

__all__ = ["EventMapper", "LogBatch"]  # LogBatch lives in statements.py


@dataclass
class _Turn:
    """What the mapper remembers about a trace until its terminal event."""

    session_id: str | None
    wall_time: float
    turn_ts: float
    model: str | None
    attempt_starts: dict[int, float] = field(default_factory=dict)

    def wall(self, ts: float) -> float:
        return self.wall_time + (ts - self.turn_ts)

    def ms_since_attempt_start(self, attempt: int, ts: float) -> float | None:
        start = self.attempt_starts.get(attempt)
        return None if start is None else (ts - start) * 1000.0


class EventMapper:
    """Turns events into rows, keeping the per-trace state between batches.

    ``writer_id`` names the writer in ``open_turns``; None writes no such rows.
    ``policy`` says what is redacted and kept (default: keys redacted, text kept).
    """

    def __init__(
        self,
        wall_clock: Callable[[], float] = time.time,
        writer_id: str | None = None,
        policy: LogPolicy | None = None,
    ) -> None:
        policy = policy or LogPolicy()
        self._turns: dict[str, _Turn] = {}
        self._wall_clock = wall_clock
        self._writer_id = writer_id
        self._keep_text = policy.keeps_text
        self.redact = Redactor(policy)
        self.streamed = StreamedText(keep_text=policy.keeps_text, sample=policy.samples)
        self._requests = RequestLog(self.redact, keep_text=policy.keeps_text)

    def stored_text(self, raw: str) -> tuple[str, str | None]:
        """``(text to store, content_kept)`` for a prompt or an answer under the policy."""
        if not self._keep_text:
            return "", KEPT_NONE
        text = self.redact(raw)
        return text, (None if text is raw else KEPT_REDACTED)

    @property
    def open_traces(self) -> int:
        """Traces started and not yet ended (their state is still held)."""
        return len(self._turns)

    def text_rows(self, batch: LogBatch) -> None:
        """Add the growing answer row of every turn with text no row holds yet.

        Text of a turn whose start is not mapped yet waits for a later batch.
        """
        for trace_id in self.streamed.dirty_traces():
            turn = self._turns.get(trace_id)
            if turn is None or turn.session_id is None:
                continue
            text, last_ts = self.streamed.take(trace_id)
            content, kept = self.stored_text(text)
            batch.answers[trace_id] = AnswerRow(
                turn.session_id, trace_id, content, STREAMING, turn.model, turn.wall(last_ts), kept
            )
            for attempt, timeline in self.streamed.timelines(trace_id):
                batch.update_attempt(trace_id, attempt, timeline=timeline)

    def add(self, batch: LogBatch, event: Event) -> None:
        """Add the rows ``event`` implies to ``batch``; ignore events the log skips."""
        match event:
            case TurnStarted():
                self._turn_started(batch, event)
                self._route_choice(batch, event)
            case AttemptStarted():
                self._attempt_started(batch, event)
            case HeadersReceived():
                ttfb = self._turn(event).ms_since_attempt_start(event.attempt, event.ts)
                reused = event.connection_reused
                batch.update_attempt(
                    event.trace_id,
                    event.attempt,
                    http_status=event.status_code,
                    ttfb_ms=ttfb,
                    connect_ms=event.connect_ms,
                    connection_reused=None if reused is None else int(reused),
                    client_busy_ttfb_ms=event.client_busy_ms,
                )
            case FirstToken():
                ttft = self._turn(event).ms_since_attempt_start(event.attempt, event.ts)
                batch.update_attempt(
                    event.trace_id, event.attempt, ttft_ms=ttft, client_busy_ms=event.client_busy_ms
                )
            case UsageReported():
                self._usage(batch, event)
            case CostReported():
                batch.update_attempt(
                    event.trace_id,
                    event.attempt,
                    cost_usd=event.cost_usd,
                    input_cost_usd=event.input_cost_usd,
                    output_cost_usd=event.output_cost_usd,
                    price_source=event.price_source,
                    cost_estimated=int(event.estimated),
                )
            case TimingsReported():
                batch.update_attempt(
                    event.trace_id,
                    event.attempt,
                    server_prefill_ms=event.prefill_ms,
                    server_generation_ms=event.generation_ms,
                    server_cached_prompt_tokens=event.cached_prompt_tokens,
                )
            case AttemptEnded():
                self._attempt_ended(batch, event)
            case CacheLookedUp():
                self._cache_looked_up(batch, event)
            case (
                RetryScheduled()
                | FallbackTaken()
                | BreakerChanged()
                | RateLimitObserved()
                | StaleAnswerOffered()
            ):
                self._route_event(batch, event)
            case TurnFinished() | TurnFailed() | TurnCancelled():
                self._turn_ended(batch, event)
            case FeedbackGiven():  # after the turn ended: the event carries its session
                comment = None if event.comment is None else self.stored_text(event.comment)[0]
                batch.feedback.append(feedback_row(event, comment or None))
            case FollowUpSeen():
                batch.follow_ups.append(follow_up_row(event))
            case RegenerationMade():
                batch.regenerations.append(regeneration_row(event))
            case AlternativeKept():
                batch.kept.append(kept_row(event))
            case _:
                pass  # text events, and events later issues add: nothing to log

    def _turn(self, event: Event) -> _Turn:
        """The trace's state; a trace seen mid-way is anchored at the wall clock now."""
        turn = self._turns.get(event.trace_id)
        if turn is None:
            logger.debug("trace %s seen without TurnStarted", event.trace_id)
            turn = _Turn(None, self._wall_clock(), event.ts, None)
            self._turns[event.trace_id] = turn
        return turn

    def _route_event(self, batch: LogBatch, event: RouteEvent) -> None:
        turn = self._turn(event)
        kind, attempt, detail = route_event_detail(event, self.redact)
        batch.route_events.append(
            (event.trace_id, turn.session_id, turn.wall(event.ts), kind, attempt, detail)
        )

    def _cache_looked_up(self, batch: LogBatch, event: CacheLookedUp) -> None:
        """The cache's verdict; its reason may quote the question, so it obeys the policy."""
        turn = self._turn(event)
        reason = event.reason
        if reason is not None:
            reason = self.redact(reason) if self._keep_text else None
        batch.cache_lookups.append(
            cache_lookup_row(event, turn.session_id, turn.wall(event.ts), reason)
        )

    def _turn_started(self, batch: LogBatch, event: TurnStarted) -> None:
        self._turns[event.trace_id] = _Turn(
            event.session_id, event.wall_time, event.ts, event.model
        )
        batch.sessions.append((event.session_id, event.wall_time, event.model))
        if self._writer_id is not None:
            batch.opened.append(
                (event.trace_id, self._writer_id, event.session_id, event.wall_time)
            )
        prompt, kept = self.stored_text(event.prompt)
        batch.messages.append(
            (
                event.session_id,
                event.trace_id,
                "user",
                prompt,
                "ok",
                event.model,
                event.wall_time,
                kept,
            )
        )

    def _route_choice(self, batch: LogBatch, event: TurnStarted) -> None:
        """The routing rule that picked the turn's model (m016), when routing is on."""
        if (route := event.route) is not None:
            row = (route.rule, self.redact(route.why), route.model, event.trace_id)
            batch.route_choices.append(row)

    def _attempt_started(self, batch: LogBatch, event: AttemptStarted) -> None:
        turn = self._turn(event)
        turn.attempt_starts[event.attempt] = event.ts
        turn.model = event.model  # a partial answer belongs to the latest attempt's model
        key = (event.trace_id, event.attempt)
        batch.attempts.append(
            (
                event.trace_id,
                turn.session_id,
                event.attempt,
                event.model,
                event.provider,
                event.base_url_host,
                turn.wall(event.ts),
                self._requests.encode(turn.session_id, key, event.request),
            )
        )

    def _usage(self, batch: LogBatch, event: UsageReported) -> None:
        batch.update_attempt(
            event.trace_id,
            event.attempt,
            input_tokens=event.input_tokens,
            output_tokens=event.output_tokens,
            cached_input_tokens=event.cached_input_tokens,
            cache_write_tokens=event.cache_write_tokens,
            reasoning_tokens=event.reasoning_tokens,
        )

    def _attempt_ended(self, batch: LogBatch, event: AttemptEnded) -> None:
        turn = self._turn(event)
        batch.update_attempt(
            event.trace_id,
            event.attempt,
            ended_at=turn.wall(event.ts),
            duration_ms=turn.ms_since_attempt_start(event.attempt, event.ts),
            last_token_ms=(
                None
                if event.last_text_at is None
                else turn.ms_since_attempt_start(event.attempt, event.last_text_at)
            ),
            status=event.status,
            finish_reason=event.finish_reason,
            served_model=event.served_model,
            error_type=event.error_type,
            error_message=None if event.error_message is None else self.redact(event.error_message),
            timeline=self.streamed.end_attempt(event.trace_id, event.attempt),
        )

    def _turn_ended(self, batch: LogBatch, event: TerminalEvent) -> None:
        turn = self._turn(event)
        del self._turns[event.trace_id]
        for attempt, timeline in self.streamed.timelines(event.trace_id):  # never ended
            batch.update_attempt(event.trace_id, attempt, timeline=timeline)
        self.streamed.drop(event.trace_id)  # the event carries the whole text
        if self._writer_id is not None:
            batch.closed.append((event.trace_id,))
        answer = _answer(event, turn.model)
        if answer is None:
            return
        if turn.session_id is None:
            logger.warning(
                "answer of trace %s not logged: its TurnStarted was not seen", event.trace_id
            )
            return
        raw, status, model = answer
        content, kept = self.stored_text(raw)
        batch.answers[event.trace_id] = AnswerRow(
            turn.session_id, event.trace_id, content, status, model, turn.wall(event.ts), kept
        )


def _answer(event: TerminalEvent, attempt_model: str | None) -> tuple[str, str, str | None] | None:
    """``(content, status, model)`` of the assistant message, or None for no row.

    A cancelled turn is stored even when empty so the log shows it happened;
    a failed turn only when text arrived, since its attempt rows hold the error.
    """
    if isinstance(event, TurnFinished):
        return event.text, "ok", event.model
    if event.answered or isinstance(event, TurnCancelled):
        return event.text, event.status, attempt_model
    return None
