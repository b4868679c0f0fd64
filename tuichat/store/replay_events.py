"""Events of one logged attempt, of routing rows and of a turn's end (see :mod:`replay_rows`).

Small builders, each from rows to the events of the grammar in
:mod:`tuichat.core.events`, stamped in epoch seconds from the logged times.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from tuichat.core.conversation import ChatRequest
from tuichat.core.events import (
    AttemptEnded,
    AttemptStarted,
    AttemptStatus,
    BreakerChanged,
    CostReported,
    Event,
    FallbackTaken,
    FirstToken,
    HeadersReceived,
    RetryScheduled,
    TextDelta,
    TimingsReported,
    TurnCancelled,
    TurnEnded,
    TurnFailed,
    TurnFinished,
    TurnStarted,
    UsageReported,
)
from tuichat.core.outcome import ModelOutcome, RouteOutcome, RouteStep
from tuichat.store.timeline import Timeline
from tuichat.store.turn_rows import AttemptRecord, RouteRecord, TurnRecord

logger = logging.getLogger(__name__)

INTERRUPTED_MESSAGE = "interrupted: the process stopped mid-answer; this is what had arrived"
RUNNING_MESSAGE = "still running: this is what had been logged when it was read"
NOT_SENT_MESSAGE = "no request was logged for this turn"
_ENDED: dict[str, AttemptStatus] = {
    "ok": "ok",
    "cancelled": "cancelled",
    "failed": "failed",
    "truncated": "truncated",
}


class TextCutter:
    """Hands out a stored answer piece by piece, by the timelines' lengths."""

    def __init__(self, text: str, *, whole_first: bool = False) -> None:
        self.text = text
        """The whole text the turn replays."""
        self._at = 0
        self._whole_first = whole_first
        self.started = False
        """True once a non-empty piece was handed out (the turn's first token is behind)."""

    def take(self, length: int) -> str:
        """The next ``length`` characters (fewer, or none, when the text runs out)."""
        if self._whole_first:
            length = len(self.text) if not self.started else 0
        piece = self.text[self._at : self._at + length]
        self._at += len(piece)
        self.started = self.started or bool(piece)
        return piece

    def rest(self) -> str:
        """Everything not handed out yet (and marks it handed out)."""
        return self.take(len(self.text) - self._at)


class AttemptEvents:
    """The events of one logged attempt."""

    def __init__(
        self,
        turn: TurnStarted,
        row: AttemptRecord,
        request: ChatRequest | None,
        timeline: Timeline | None,
    ) -> None:
        self._turn = turn
        self._row = row
        self._request = request
        self._timeline = timeline
        self.start = row.started_at

    def _at_ms(self, ms: float | None) -> float | None:
        return None if ms is None else self.start + ms / 1000.0

    def events(self, cutter: TextCutter, *, whole: bool) -> list[Event]:
        """Start, headers, text (by the timeline, or all of it when ``whole``), usage, end."""
        row, trace = self._row, self._turn.trace_id
        events: list[Event] = [
            AttemptStarted(
                trace_id=trace,
                ts=self.start,
                attempt=row.attempt,
                model=row.model,
                provider=row.provider,
                base_url_host=row.base_url_host or "",
                request=self._request,
            )
        ]
        if row.http_status is not None:
            events.append(self._headers())
        events += self._text(cutter, whole)
        end = self._end(events)
        events += self._figures(end)
        events.append(self._ended(end))
        return events

    def _headers(self) -> HeadersReceived:
        row = self._row
        reused = None if row.connection_reused is None else bool(row.connection_reused)
        return HeadersReceived(
            trace_id=self._turn.trace_id,
            ts=self._at_ms(row.ttfb_ms) or self.start,
            attempt=row.attempt,
            status_code=int(row.http_status or 0),
            connect_ms=row.connect_ms,
            connection_reused=reused,
            client_busy_ms=row.client_busy_ttfb_ms,
        )

    def _text(self, cutter: TextCutter, whole: bool) -> list[Event]:
        first_token_due = not cutter.started  # once per turn, before its first text
        stamped: list[tuple[float, str]] = []
        if self._timeline is not None:
            for offset, length in zip(self._timeline.offsets, self._timeline.lengths, strict=True):
                stamped.append((self.start + offset, cutter.take(length)))
        elif whole:
            first = self._at_ms(self._row.ttft_ms) or self._at_ms(self._row.last_token_ms)
            stamped.append((first or self._row.ended_at or self.start, cutter.rest()))
        return self._deltas(stamped, first_token_due)

    def _deltas(self, stamped: list[tuple[float, str]], first_token_due: bool) -> list[Event]:
        events: list[Event] = []
        trace, attempt = self._turn.trace_id, self._row.attempt
        for ts, piece in stamped:
            if not piece:
                continue
            if first_token_due:
                busy = self._row.client_busy_ms
                events.append(
                    FirstToken(trace_id=trace, ts=ts, attempt=attempt, client_busy_ms=busy)
                )
                first_token_due = False
            events.append(TextDelta(trace_id=trace, ts=ts, attempt=attempt, text=piece))
        return events

    def _end(self, events: list[Event]) -> float:
        row = self._row
        if row.ended_at is not None:
            return row.ended_at
        if row.duration_ms is not None:
            return self.start + row.duration_ms / 1000.0
        return max(event.ts for event in events)

    def _figures(self, end: float) -> list[Event]:
        row, trace, n = self._row, self._turn.trace_id, self._row.attempt
        events: list[Event] = []
        if row.input_tokens is not None or row.output_tokens is not None:
            events.append(
                UsageReported(
                    trace_id=trace,
                    ts=end,
                    attempt=n,
                    input_tokens=row.input_tokens,
                    output_tokens=row.output_tokens,
                    cached_input_tokens=row.cached_input_tokens,
                    cache_write_tokens=row.cache_write_tokens,
                    reasoning_tokens=row.reasoning_tokens,
                )
            )
        if row.server_prefill_ms is not None or row.server_generation_ms is not None:
            events.append(
                TimingsReported(
                    trace_id=trace,
                    ts=end,
                    attempt=n,
                    prefill_ms=row.server_prefill_ms,
                    generation_ms=row.server_generation_ms,
                    cached_prompt_tokens=row.server_cached_prompt_tokens,
                )
            )
        if row.price_source is not None:
            events.append(self._cost(end))
        return events

    def _cost(self, end: float) -> CostReported:
        row = self._row
        return CostReported(
            trace_id=self._turn.trace_id,
            ts=end,
            attempt=row.attempt,
            model=row.served_model or row.model,
            cost_usd=row.cost_usd,
            input_cost_usd=row.input_cost_usd,
            output_cost_usd=row.output_cost_usd,
            input_tokens=row.input_tokens or 0,
            output_tokens=row.output_tokens or 0,
            cached_input_tokens=row.cached_input_tokens or 0,
            price_source=row.price_source or "",
            estimated=bool(row.cost_estimated),
        )

    def _ended(self, end: float) -> AttemptEnded:
        row = self._row
        status = _ENDED.get(row.status, "failed")
        error_type = row.error_type
        if status != row.status and error_type is None:
            error_type = row.status  # interrupted, or still running
        return AttemptEnded(
            trace_id=self._turn.trace_id,
            ts=end,
            attempt=row.attempt,
            status=status,
            finish_reason=row.finish_reason,
            served_model=row.served_model,
            error_type=error_type,
            error_message=row.error_message,
            last_text_at=self._at_ms(row.last_token_ms),
        )


def route_event(route: RouteRecord, trace_id: str) -> Event | None:
    """The retry, fallback or breaker event a ``route_events`` row logged (None: unreadable)."""
    try:
        info: dict[str, Any] = json.loads(route.detail)
        if route.kind == "retry":
            return RetryScheduled(
                trace_id=trace_id,
                ts=route.at,
                attempt=int(route.attempt or 0),
                model=str(info["model"]),
                wait_s=float(info["wait_s"]),
                reason=str(info["reason"]),
            )
        if route.kind == "fallback":
            return FallbackTaken(
                trace_id=trace_id,
                ts=route.at,
                from_model=str(info["from"]),
                to_model=str(info["to"]),
                reason=str(info["reason"]),
            )
        return BreakerChanged(
            trace_id=trace_id,
            ts=route.at,
            provider=str(info["provider"]),
            from_state=str(info["from"]),
            to_state=str(info["to"]),
            reason=str(info["reason"]),
        )
    except (ValueError, TypeError, KeyError) as exc:
        logger.debug("unreadable route event: %s", exc)
        return None


def outcome(record: TurnRecord) -> RouteOutcome:
    """What the turn tried, from its attempts and retry waits."""
    waits = {r.attempt: r for r in record.route if r.kind == "retry" and r.attempt is not None}
    models: list[tuple[str, list[RouteStep]]] = []
    for row in record.attempts:
        if not models or models[-1][0] != row.model:
            models.append((row.model, []))
        models[-1][1].append(_step(row))
        if row.attempt in waits:
            wait = _wait_s(waits[row.attempt])
            models[-1][1].append(RouteStep("waited", wait_s=wait))
    return RouteOutcome(tuple(ModelOutcome(label, tuple(steps)) for label, steps in models))


def _step(row: AttemptRecord) -> RouteStep:
    if row.status == "ok":
        return RouteStep("answered")
    if row.status == "cancelled":
        return RouteStep("cancelled")
    return RouteStep("failed", row.error_type or row.status, row.http_status)


def _wait_s(route: RouteRecord) -> float | None:
    try:
        return float(json.loads(route.detail)["wait_s"])
    except (ValueError, TypeError, KeyError):
        return None


def terminal_event(record: TurnRecord, text: str, trace_id: str, last_ts: float) -> TurnEnded:
    """The turn's end, from its answer row and its last attempt (see :mod:`replay_rows`)."""
    answer, tried = record.answer, outcome(record)
    ts = answer.created_at if answer is not None else last_ts
    status = answer.status if answer is not None else _unanswered(record)
    if status == "ok":
        last = record.attempts[-1] if record.attempts else None
        model = (answer.model if answer else None) or (last.model if last else "")
        reason = last.finish_reason if last else None
        return TurnFinished(
            trace_id=trace_id, ts=ts, text=text, finish_reason=reason, model=model, outcome=tried
        )
    if status == "cancelled":
        cut = _budget_cut(record)
        return TurnCancelled(trace_id=trace_id, ts=ts, text=text, outcome=tried, reason=cut)
    error_type, message = _failure(record, status, tried)
    ended: AttemptStatus = "truncated" if status == "truncated" else "failed"
    return TurnFailed(
        trace_id=trace_id,
        ts=ts,
        text=text,
        status=ended,
        error_type=error_type,
        message=message,
        outcome=tried,
    )


def _budget_cut(record: TurnRecord) -> str | None:
    """The reason of a turn a hard budget cut (its last attempt's message), else None."""
    last = record.attempts[-1] if record.attempts else None
    if last is None or last.error_type != "budget":
        return None
    return last.error_message or "budget: a hard limit was reached"


def _unanswered(record: TurnRecord) -> str:
    """The status of a turn with no answer row, from its last attempt."""
    if not record.attempts:
        return "not_sent"
    last = record.attempts[-1].status
    return {"running": "streaming", "interrupted": "interrupted"}.get(last, last)


def _failure(record: TurnRecord, status: str, tried: RouteOutcome) -> tuple[str, str]:
    if status == "interrupted":
        return "interrupted", INTERRUPTED_MESSAGE
    if status == "streaming":
        return "running", RUNNING_MESSAGE
    if not record.attempts:
        return "failed", NOT_SENT_MESSAGE
    last = record.attempts[-1]
    error_type = last.error_type or "failed"
    message = last.error_message or error_type
    single = len(tried.models) == 1 and len(tried.models[0].steps) <= 1
    return error_type, message if single else f"{message} — tried {tried.summary()}"
