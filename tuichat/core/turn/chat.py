"""A chat session: the conversation, its provider and its turns.

Every front end (the Textual app, ``ask``, and later replay and bench) drives
turns through this class, so history handling (partial answers kept, failed
prompts dropped from the context) is the same everywhere.

With a response cache (``services.cache``): :attr:`ChatSession.bypass_cache`
("freshness critical") sends every turn live; :meth:`ChatSession.reject_hit`
("not what I asked") marks the latest turn's hit a false hit, drops that
exchange from the history and asks the same question again, live.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace

from tuichat.core.clock import Clock
from tuichat.core.context.length import LengthPreset
from tuichat.core.conversation import ChatRequest, Conversation, ResponseFormat
from tuichat.core.cost.pricing import Tariff
from tuichat.core.events import CacheLookedUp, Event, TurnEnded, TurnStarted
from tuichat.core.provider import Provider
from tuichat.core.route_choice import RouteChoice
from tuichat.core.turn.cache_step import CacheAsk
from tuichat.core.turn.route import Target
from tuichat.core.turn.services import Observer, TurnServices
from tuichat.core.turn.turn import Turn


def new_session_id() -> str:
    """Sortable enough, unique, short: ``s-`` plus 12 hex chars."""
    return "s-" + uuid.uuid4().hex[:12]


@dataclass(frozen=True, slots=True)
class RouteModel:
    """A model of the session's route: shown name, provider, model id and caps."""

    label: str
    provider: Provider
    model: str
    max_tokens: int | None = None
    temperature: float | None = None
    tariff: Tariff | None = None
    context_window: int | None = None
    stop: tuple[str, ...] = ()


class ChatSession:
    """Builds turns from the history and records their outcome in it.

    ``services`` is the immutable bundle every turn of the session uses; the
    factory (``tuichat.factory``) builds it from the settings. Replacing it
    (e.g. once the log is open) affects the next turn, never a running one.
    """

    def __init__(
        self,
        provider: Provider,
        model: str,
        *,
        services: TurnServices | None = None,
        system: str | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
        session_id: str | None = None,
    ) -> None:
        self.route = [RouteModel(model, provider, model, max_tokens, temperature)]
        self.services = services or TurnServices()
        self.conversation = Conversation(system=system)
        self.session_id = session_id or new_session_id()
        self.bypass_cache = False
        """Freshness critical: the next turns skip the cache (their answers are still stored)."""
        self.fill_cache = True
        """False (with ``bypass_cache``): the next turns' answers are not stored either."""
        self.last_hit: str | None = None
        """The cache key of the latest turn's answer when the cache served it."""
        self.response_format: ResponseFormat | None = None
        """Structured output: the next turns ask for this JSON document (None: free text)."""
        self.length: LengthPreset | None = None
        """The length preset: its cap and instruction (None: each model's own ``max_tokens``)."""
        self.route_choice: RouteChoice | None = None
        """Why the route is what it is (set per send by routing; carried on ``TurnStarted``)."""

    @property
    def clock(self) -> Clock:
        """The session's one clock (stamps, deadlines, pacing)."""
        return self.services.clock

    def tap(self, observer: Observer) -> None:
        """Let a benchmark or test see every event of the next turns (after the history)."""
        self.services = replace(self.services, taps=(*self.services.taps, observer))

    @property
    def provider(self) -> Provider:
        """The provider of the first model of the route."""
        return self.route[0].provider

    @property
    def model(self) -> str:
        """The model id of the first model of the route."""
        return self.route[0].model

    def switch(
        self,
        provider: Provider,
        model: str,
        *,
        max_tokens: int | None = None,
        temperature: float | None = None,
        label: str | None = None,
    ) -> None:
        """Answer the next turns with one other model; the history is kept."""
        self.route = [RouteModel(label or model, provider, model, max_tokens, temperature)]

    def set_route(self, route: Sequence[RouteModel]) -> None:
        """Answer the next turns along a chain (first model first); history kept."""
        if not route:
            raise ValueError("a route needs at least one model")
        self.route = list(route)

    def start_turn(self, prompt: str, *, rejects: str | None = None) -> Turn:
        """Add the prompt to the history and return the turn to iterate.

        ``rejects``: the key of a hit this turn replaces (see :meth:`reject_hit`).
        """
        self.conversation.add_user(prompt)
        targets = [
            Target(entry.label, entry.provider, self.request_for(entry), entry.tariff)
            for entry in self.route
        ]
        return Turn(
            route=targets,
            session_id=self.session_id,
            prompt=prompt,
            services=self.services,
            observers=[*self.services.consumers(), self._record, *self.services.taps],
            cache_ask=CacheAsk(self.bypass_cache, rejects, store=self.fill_cache),
            route_choice=self.route_choice,
        )

    def answer_cap(self, entry: RouteModel) -> int | None:
        """``max_tokens`` sent to ``entry``: the length preset's, else the model's own."""
        return self.length.max_tokens if self.length is not None else entry.max_tokens

    def request_for(self, entry: RouteModel) -> ChatRequest:
        """The request for ``entry`` from the history in context (the request assembly).

        The length preset sets ``max_tokens`` and adds its instruction to the
        system prompt; the context policy's summary and drops are in the
        conversation (:attr:`Conversation.context_start`, :attr:`Conversation.summary`).
        """
        return self.conversation.request(
            entry.model,
            max_tokens=self.answer_cap(entry),
            temperature=entry.temperature,
            stop=entry.stop,
            response_format=self.response_format,
            instruction=self.length.instruction if self.length is not None else None,
        )

    def reject_hit(self, key: str) -> Turn:
        """Reject the latest hit ("not what I asked"): mark it false, drop it, ask again live.

        ``key`` is the ``entry_key`` of the latest turn's ``CacheLookedUp``;
        the new turn's ``CacheLookedUp`` says ``bypass`` with ``rejects=key``.
        Raises ValueError when the latest turn was not that hit.
        """
        if key != self.last_hit or self.services.cache is None:
            raise ValueError("only the latest answer, served from the cache, can be rejected")
        self.services.cache.reject(key)
        messages = self.conversation.messages
        if messages and messages[-1].role == "assistant":
            messages.pop()
        question = messages.pop().content if messages and messages[-1].role == "user" else ""
        return self.start_turn(question, rejects=key)

    def _record(self, event: Event) -> None:
        """Keep answers, partial ones included, in the history (and note a cache hit)."""
        if isinstance(event, TurnStarted):
            self.last_hit = None
        elif isinstance(event, CacheLookedUp) and event.hit:
            self.last_hit = event.entry_key
        if not isinstance(event, TurnEnded):
            return
        if event.answered:
            self.conversation.add_assistant(event.text)
        else:
            # Nothing came back: drop the prompt from the history so the
            # next message does not follow an unanswered one.
            self.conversation.drop_last_user()
