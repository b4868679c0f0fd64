"""Turns as the events a provider with a prompt cache produces, on a manual clock.

For the prompt-cache break tests: each turn sends a request (system prompt and
history), the provider reports how many prompt tokens it read from or wrote to
its cache, and the cost meter prices the prompt at the given rates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from tuichat.core import events as ev
from tuichat.core.clock import ManualClock
from tuichat.core.conversation import ChatMessage, ChatRequest

INPUT_RATE = 2.5e-6
"""USD per uncached prompt token (cached ones cost half, written ones 1.25×)."""
CACHED_RATE = 1.25e-6
WRITTEN_RATE = 3.125e-6


def request(model: str, system: str | None, *history: str) -> ChatRequest:
    """A request: the system prompt, then alternating user/assistant messages."""
    head = (ChatMessage("system", system),) if system is not None else ()
    roles = ("user", "assistant")
    messages = tuple(ChatMessage(roles[i % 2], text) for i, text in enumerate(history))  # type: ignore[arg-type]
    return ChatRequest(model=model, messages=head + messages)


@dataclass
class PromptTurns:
    """Makes turns of one session, numbering traces and moving the clock."""

    clock: ManualClock = field(default_factory=ManualClock)
    session_id: str = "s-1"
    made: int = 0

    def turn(
        self,
        sent: ChatRequest | None,
        *,
        model: str = "gpt-x",
        input_tokens: int,
        cached: int | None,
        written: int | None = None,
        priced: bool = True,
        provider: str = "openai",
        timings_cached: int | None = None,
    ) -> list[ev.Event]:
        """One answered turn whose answering attempt reports these prompt figures."""
        self.made += 1
        trace = f"t-{self.made}"
        events: list[ev.Event] = [
            self._at(
                ev.TurnStarted,
                trace,
                session_id=self.session_id,
                prompt="p",
                model=model,
                wall_time=self.clock.wall(),
            ),
            self._at(
                ev.AttemptStarted,
                trace,
                attempt=1,
                model=model,
                provider=provider,
                base_url_host="h",
                request=sent,
            ),
            self._at(ev.FirstToken, trace, attempt=1),
            self._at(
                ev.UsageReported,
                trace,
                attempt=1,
                input_tokens=input_tokens,
                output_tokens=5,
                cached_input_tokens=cached,
                cache_write_tokens=written,
            ),
        ]
        if timings_cached is not None:
            events.append(
                self._at(
                    ev.TimingsReported,
                    trace,
                    attempt=1,
                    prefill_ms=1.0,
                    generation_ms=2.0,
                    cached_prompt_tokens=timings_cached,
                )
            )
        events.append(self._cost(trace, model, input_tokens, cached or 0, written or 0, priced))
        events.append(self._at(ev.AttemptEnded, trace, attempt=1, status="ok"))
        events.append(self._at(ev.TurnFinished, trace, text="a", finish_reason="stop", model=model))
        return events

    def _cost(
        self, trace: str, model: str, prompt: int, cached: int, written: int, priced: bool
    ) -> ev.CostReported:
        uncached = prompt - cached - written
        input_usd = uncached * INPUT_RATE + cached * CACHED_RATE + written * WRITTEN_RATE
        return self._at(
            ev.CostReported,
            trace,
            attempt=1,
            model=model,
            cost_usd=input_usd + 1e-5 if priced else None,
            input_cost_usd=input_usd if priced else None,
            output_cost_usd=1e-5 if priced else None,
            input_tokens=prompt,
            output_tokens=5,
            cached_input_tokens=cached,
            price_source="test",
            estimated=False,
        )

    def _at(self, kind: type[ev.Event], trace: str, **fields: object) -> ev.Event:
        self.clock.advance(0.1)
        return kind(trace_id=trace, ts=self.clock.now(), **fields)  # type: ignore[arg-type]


def observe_all(observer: object, *turns: Sequence[ev.Event]) -> None:
    """Feed every event of ``turns`` to ``observer.observe``."""
    for events in turns:
        for event in events:
            observer.observe(event)  # type: ignore[attr-defined]
