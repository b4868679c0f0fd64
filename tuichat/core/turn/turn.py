"""A turn: one prompt, one streamed answer, as an async iterator of events.

The turn walks its route (the selected model, then its fallbacks): each
attempt streams from one provider; a failure goes to the retry policy, which
says retry (after a wait), fall back to the next target, or fail. Text that
was shown is never silently retried: the partial is kept and the turn ends.

With a response cache in the services, the turn first asks it
(:mod:`tuichat.core.turn.cache_step`): a hit is played through the same
answer text and ends the turn; a miss walks the route as usual.

A turn is one kind of *answer source* (:mod:`tuichat.core.turn.source`): the
provider is read in the source's task so that :meth:`Turn.cancel` can stop it
at any ``await`` (closing the HTTP response) and still end the stream with a
:class:`TurnCancelled` that carries the partial answer. The consumers of
:class:`~tuichat.core.turn.services.TurnServices` (metrics, budgets, the log,
then the history) see every event in that task, in that order, before the
iterating front end does, so a slow front end never loses a log row.

An attempt's wait for text is probed for client busy time (``loop_lag``); under
a hard budget, reaching the limit mid-stream ends the turn like a cancel (``budget_guard``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence

from tuichat.core import errors
from tuichat.core.clock import ClockTimeout
from tuichat.core.cost.attempt_cost import AttemptCosts
from tuichat.core.cost.budget_guard import BudgetReached
from tuichat.core.events import (
    AttemptEnded,
    AttemptStarted,
    AttemptStatus,
    FallbackTaken,
    RetryScheduled,
    TurnCancelled,
    TurnFailed,
    TurnFinished,
    TurnStarted,
)
from tuichat.core.health.breaker_watch import BreakerWatch
from tuichat.core.limits.admission import Gate
from tuichat.core.outcome import OutcomeBuilder, RouteStep
from tuichat.core.provider import FinishPart, ResponseHead, TextPart, UsagePart
from tuichat.core.route_choice import RouteChoice
from tuichat.core.turn.answer_text import AnswerText
from tuichat.core.turn.cache_step import CacheAsk, CacheStep
from tuichat.core.turn.deadline import Deadline
from tuichat.core.turn.degrade import degraded
from tuichat.core.turn.loop_lag import LoopLag
from tuichat.core.turn.part_events import MetaPart, meta_event, rate_limit_event
from tuichat.core.turn.retry import decide
from tuichat.core.turn.route import Target
from tuichat.core.turn.services import Observer, TurnServices
from tuichat.core.turn.source import EventPump
from tuichat.core.turn.stale import stale_event
from tuichat.core.turn.turn_parts import Failed as _Failed
from tuichat.core.turn.turn_parts import GaveUp as _GaveUp
from tuichat.core.turn.turn_parts import close_stream as _close
from tuichat.core.turn.turn_parts import failed_step as _failed_step
from tuichat.core.turn.turn_parts import new_trace_id
from tuichat.core.untrusted import one_line

log = logging.getLogger(__name__)


class Turn(EventPump):
    """Run one prompt along a route of targets and emit its events."""

    def __init__(
        self,
        *,
        route: Sequence[Target],
        session_id: str,
        prompt: str,
        services: TurnServices | None = None,
        observers: Sequence[Observer] | None = None,
        trace_id: str | None = None,
        cache_ask: CacheAsk | None = None,
        route_choice: RouteChoice | None = None,
    ) -> None:
        if not route:
            raise ValueError("a turn needs at least one target")
        services = services or TurnServices()
        super().__init__(services.consumers() if observers is None else observers, services.log)
        self.route = tuple(route)
        self.session_id = session_id
        self.prompt = prompt
        self.trace_id = trace_id or new_trace_id()
        self._services = services
        self._clock = services.clock
        self._breakers = BreakerWatch(services.breakers, self.trace_id, self._clock, self._emit)
        admission = services.admission
        self._gate = Gate(admission, self.trace_id, self._clock, self._emit) if admission else None
        self._lag = LoopLag(self._clock)
        self._answer = AnswerText(
            self.trace_id, self._clock, self._emit, services.max_delay, self._busy_ms
        )
        self._attempt = 0
        self._outcome = OutcomeBuilder()
        self._costs = AttemptCosts(services.meter, self.trace_id, self._emit, services.spend_guard)
        self._cache_ask = cache_ask or CacheAsk()
        self.route_choice = route_choice
        """The routing rule that picked the first target (carried on ``TurnStarted``)."""

    @property
    def text(self) -> str:
        """The answer received so far."""
        return self._answer.text

    async def _run(self) -> None:
        self._emit(
            TurnStarted(
                trace_id=self.trace_id,
                ts=self._clock.now(),
                session_id=self.session_id,
                prompt=self.prompt,
                model=self.route[0].request.model,
                wall_time=self._clock.wall(),
                route=self.route_choice,
            )
        )
        try:
            if not await self._answered_from_cache():
                await self._walk_route()
        except asyncio.CancelledError:
            if not self._cancel_requested:
                raise
            self._end_cancelled(None)
        except BudgetReached as cut:
            self._outcome.step(RouteStep("cancelled"))  # as the log replays it
            self._end_cancelled(cut.one_line())

    def _end_cancelled(self, reason: str | None) -> None:
        """The user cancelled (``reason`` None) or a hard budget cut the answer."""
        now = self._answer.flush(self._attempt)
        outcome = self._outcome.build()
        self._emit(
            TurnCancelled(
                trace_id=self.trace_id, ts=now, text=self.text, outcome=outcome, reason=reason
            )
        )

    def _busy_ms(self) -> float | None:
        """Client busy time of the attempt so far (None when not probing)."""
        return self._lag.busy_ms() if self._lag.running else None

    async def _answered_from_cache(self) -> bool:
        """Ask the response cache (if any); True when a hit answered the turn."""
        cache = self._services.cache
        if cache is None:
            return False
        step = CacheStep(cache, self.trace_id, self._clock, self._emit, self._answer,
                         self._cache_ask)  # fmt: skip
        return await step.answered(self.route[0])

    async def _walk_route(self) -> None:
        """Try targets in order; exactly one terminal event comes out."""
        error: errors.ProviderError | None = None
        for index, target in enumerate(self.route):
            self._outcome.model(target.label)
            if not self._breakers.allows(target.breaker_key):
                error = errors.ConnectionFailed(f"{target.label}: provider marked down")
                self._outcome.step(RouteStep("skipped"))
            else:
                gave_up = await self._try_target(target)
                if gave_up is None:
                    return
                error = gave_up.error
                if gave_up.stop:
                    break
            if index + 1 < len(self.route):
                self._fallback(target, self.route[index + 1], error)
        assert error is not None
        await self._offer_stale()
        self._end_failed(error)

    async def _offer_stale(self) -> None:
        """Nothing answered: show an earlier answer to the same prompt, marked stale."""
        lookup = self._services.stale_lookup
        if lookup is not None and not self._answer.shown:
            event = await stale_event(lookup, self.prompt, self.trace_id, self._clock)
            if event is not None:
                self._emit(event)

    async def _try_target(self, target: Target) -> _GaveUp | None:
        """Attempts (with retries) on one target; None when it answered."""
        retry = 0
        while True:
            try:
                await self._admit(target)
            except errors.RequestShed as shed:
                self._outcome.step(RouteStep("refused", shed.error_type))
                return _GaveUp(shed, stop=True)
            try:
                finish = await self._attempt_once(target)
            except _Failed as failed:
                decision = decide(
                    self._services.policy,
                    failed.error,
                    retry,
                    text_shown=self._answer.shown,
                    headers=failed.error.headers,
                    rng=self._services.rng,
                )
                self._outcome.step(_failed_step(failed.error))
                if decision.action != "retry":
                    return _GaveUp(failed.error, stop=decision.action == "fail")
                target, note = degraded(target, failed.error)  # ask for less where it helps
                reason = f"{decision.reason}; retrying with {note}" if note else decision.reason
                await self._wait_retry(target, decision.wait, reason)
                retry += 1
            else:
                self._outcome.step(RouteStep("answered"))
                self._end_finished(target, finish)
                return None

    async def _attempt_once(self, target: Target) -> FinishPart:
        """One request; raises ``_Failed`` after logging the failed attempt."""
        self._attempt += 1
        self._answer.new_attempt()
        self._costs.start(target.pricing(), target.request)
        self._lag.start()
        self._emit(
            AttemptStarted(
                trace_id=self.trace_id,
                ts=self._clock.now(),
                attempt=self._attempt,
                model=target.request.model,
                provider=target.provider.name,
                base_url_host=target.provider.base_url_host,
                request=target.request,
                headers_timeout_s=self._services.timeouts.headers,
                first_token_timeout_s=self._services.timeouts.first_token,
            )
        )
        try:
            finish = await self._stream(target)
            await self._costs.ready()  # a cold process: load prices off the loop
        except asyncio.CancelledError:
            if self._cancel_requested:
                self._end_attempt("cancelled")
            raise
        except BudgetReached as cut:
            self._end_attempt("cancelled", cut)
            raise
        except errors.ProviderError as exc:
            self._record_failure(target, exc)
            raise _Failed(exc) from exc
        except Exception as exc:  # a bug: log the trace, show one line
            log.exception("turn %s failed unexpectedly", self.trace_id)
            wrapped = errors.ProviderError(one_line(f"internal error: {exc}"))
            self._record_failure(target, wrapped)
            raise _Failed(wrapped) from exc
        finally:
            self._lag.stop()
        self._breakers.success(target.breaker_key)
        return finish

    async def _stream(self, target: Target) -> FinishPart:
        """Read one attempt's stream under the headers, first-token, idle and total timeouts."""
        deadline = Deadline(self._services.timeouts, self._clock)
        finish = FinishPart(None)
        parts = target.provider.stream(target.request)
        try:
            async with ClockTimeout(self._clock, deadline.next("headers")) as scope:
                async for part in parts:
                    if isinstance(part, TextPart):
                        self._answer.feed(part.text, self._attempt)
                        if self._lag.running:
                            self._lag.stop()
                        self._costs.text(part.text)
                        scope.reschedule(deadline.next_idle())
                    elif isinstance(part, FinishPart):
                        finish = part
                    else:
                        if isinstance(part, ResponseHead):
                            scope.reschedule(deadline.next("first_token"))
                        self._on_meta(part)
        except TimeoutError:
            raise deadline.error(target.breaker_key) from None
        except BudgetReached:
            await _close(parts)  # like a cancel: the server sees the disconnect
            raise
        return finish

    async def _admit(self, target: Target) -> None:
        """Wait for the client-side limiter, if any (raises RequestShed over budget)."""
        if self._gate is not None:
            await self._gate.admit(target.label, target.request)

    def _on_meta(self, part: MetaPart) -> None:
        busy = self._busy_ms() if isinstance(part, ResponseHead) else None
        self._emit(meta_event(part, self.trace_id, self._clock.now(), self._attempt, busy))
        self._costs.part(part)
        if isinstance(part, UsagePart) and self._gate is not None:
            self._gate.settle(part)
        if isinstance(part, ResponseHead):
            self._observe_rate_limits(part.headers)

    def _observe_rate_limits(self, headers: Mapping[str, str]) -> None:
        event = rate_limit_event(headers, self.trace_id, self._attempt, self._clock)
        if event is not None:
            self._emit(event)

    def _record_failure(self, target: Target, exc: errors.ProviderError) -> None:
        self._observe_rate_limits(exc.headers)
        status: AttemptStatus = "truncated" if isinstance(exc, errors.StreamTruncated) else "failed"
        self._end_attempt(status, exc)
        self._breakers.failure(target.breaker_key, exc.error_type)

    def _end_attempt(
        self,
        status: AttemptStatus,
        exc: errors.ProviderError | None = None,
        finish: FinishPart | None = None,
    ) -> float:
        """Flush the answer, price the attempt, emit its end; return the end time."""
        now = self._answer.flush(self._attempt)
        self._costs.end(now, self._attempt)
        self._emit(
            AttemptEnded(
                trace_id=self.trace_id,
                ts=now,
                attempt=self._attempt,
                status=status,
                finish_reason=finish.reason if finish else None,
                served_model=finish.served_model if finish else None,
                error_type=exc.error_type if exc else None,
                error_message=exc.one_line() if exc else None,
                last_text_at=self._answer.last_text_at,
            )
        )
        return now

    async def _wait_retry(self, target: Target, wait: float, reason: str) -> None:
        self._emit(
            RetryScheduled(
                trace_id=self.trace_id,
                ts=self._clock.now(),
                attempt=self._attempt,
                model=target.label,
                wait_s=wait,
                reason=reason,
            )
        )
        self._outcome.step(RouteStep("waited", wait_s=wait))
        await self._clock.sleep(wait)

    def _fallback(self, target: Target, nxt: Target, error: errors.ProviderError | None) -> None:
        reason = _failed_step(error).describe() if error is not None else "unavailable"
        self._emit(
            FallbackTaken(
                trace_id=self.trace_id,
                ts=self._clock.now(),
                from_model=target.label,
                to_model=nxt.label,
                reason=reason,
            )
        )

    def _end_finished(self, target: Target, finish: FinishPart) -> None:
        now = self._end_attempt("ok", finish=finish)
        self._emit(
            TurnFinished(
                trace_id=self.trace_id,
                ts=now,
                text=self.text,
                finish_reason=finish.reason,
                model=finish.served_model or target.request.model,
                outcome=self._outcome.build(),
            )
        )

    def _end_failed(self, exc: errors.ProviderError) -> None:
        now = self._answer.flush(self._attempt)
        status: AttemptStatus = "truncated" if isinstance(exc, errors.StreamTruncated) else "failed"
        outcome = self._outcome.build()
        tried = "" if self._outcome.single else f" — tried {outcome.summary()}"
        self._emit(
            TurnFailed(
                trace_id=self.trace_id,
                ts=now,
                error_type=exc.error_type,
                message=exc.one_line() + tried,
                text=self.text,
                status=status,
                outcome=outcome,
            )
        )


__all__ = ["Turn", "new_trace_id"]
