"""Routing in a live chat: before each send, the ``[[routing]]`` rules pick the route.

The rules themselves are pure (:mod:`tuichat.core.routing`); this module
feeds them one send's input — the token estimate of history + system +
draft (counted only when a rule asks, and roughly, at four characters a
token, until the encodings are loaded, so the first Enter never waits for
them), the session's tag, the draft and the "cheap" toggle — and points the
session's route at the winner. A rule names a model (the turn goes to it
alone) or a chain (its members in order). No rule matched: the route the
chat started with (the default, with its chain). The choice rides on the
turn's ``TurnStarted`` (``session.route_choice``), so the log, the HUD and
``ask --json`` report it.

An explicit choice — ``--model`` / ``TUICHAT_MODEL`` at start-up, or ctrl+o
in the chat (:meth:`ChatRouter.pin`) — overrides routing, and says so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tuichat.backends import LazyProvider
from tuichat.config import ConfigError, ModelSpec
from tuichat.core.cost.tokens import REPLY_PRIMING, TOKENS_PER_MESSAGE, TokenCounter
from tuichat.core.provider import Provider
from tuichat.core.route_choice import RouteChoice
from tuichat.core.routing import RouteInput, choose_route, needs_tokens
from tuichat.core.turn.chat import RouteModel

if TYPE_CHECKING:
    from tuichat.factory import Chat

CHARS_PER_TOKEN = 4
"""The rough estimate while tiktoken's encodings are not loaded yet."""
NO_MATCH = "no rule matched"
MAX_COUNTED = 2000
"""Messages whose token counts are remembered (a long session's history, and drafts)."""


class ChatRouter:
    """Applies the chat's routing rules to each send and remembers why."""

    def __init__(self, chat: Chat) -> None:
        settings = chat.settings
        self._chat = chat
        usable = settings is not None and chat.backends is not None
        self.rules = settings.routing if settings is not None and usable else ()
        self.cheap = False
        """The "cheap" toggle (a key and a palette entry in the TUI, ``ask --cheap``)."""
        self.override = settings.routing_override if settings is not None else None
        """Why routing is off (an explicit choice), or None."""
        self._default_name = settings.selection if settings is not None else chat.spec.name
        self._pinned_name = self._default_name
        self._default_route = list(chat.session.route)
        self._routes: dict[str, list[RouteModel]] = {}
        self._counted: dict[tuple[str, str], int] = {}

    @property
    def active(self) -> bool:
        """Whether routing rules are configured (the HUD shows a line only then)."""
        return bool(self.rules)

    def pin(self, source: str, name: str) -> None:
        """An explicit choice (``source``, e.g. "ctrl+o") of ``name``: routing gives way to it."""
        self.override, self._pinned_name = source, name

    def before_send(self, draft: str) -> RouteChoice | None:
        """Point the session's route at what the rules pick for ``draft``; the choice, or None.

        None when no rules are configured (nothing is changed or reported).
        """
        if not self.rules:
            return None
        session = self._chat.session
        if self.override is not None:
            choice = RouteChoice(None, f"{self.override} overrides routing", self._pinned_name)
        else:
            picked = choose_route(self.rules, self._input(draft))
            choice = picked or RouteChoice(None, NO_MATCH, self._default_name)
            session.set_route(self._route_for(choice))
        session.route_choice = choice
        return choice

    def _input(self, draft: str) -> RouteInput:
        settings = self._chat.settings
        tokens = self._prompt_tokens(draft) if needs_tokens(self.rules) else None
        tag = settings.tag if settings is not None else None
        return RouteInput(prompt_tokens=tokens, tag=tag, draft=draft, cheap=self.cheap)

    def _prompt_tokens(self, draft: str) -> int:
        """History + system + draft, in tokens of the default model (roughly, until loaded).

        Each message is counted once and remembered, so a long conversation
        costs the send only its newest messages and the draft.
        """
        conversation = self._chat.session.conversation
        head = [("system", conversation.system)] if conversation.system else []
        messages = [*head, *((m.role, m.content) for m in conversation.messages), ("user", draft)]
        counter = self._chat.meter.counter
        if counter is None or not counter.loaded:
            return sum(len(content) for _, content in messages) // CHARS_PER_TOKEN
        return REPLY_PRIMING + sum(self._message_tokens(counter, m) for m in messages)

    def _message_tokens(self, counter: TokenCounter, message: tuple[str, str]) -> int:
        """One message's tokens as ``count_messages`` counts them (memoised by text)."""
        tokens = self._counted.get(message)
        if tokens is None:
            role, content = message
            model = self._default_route[0].model
            tokens = TOKENS_PER_MESSAGE + counter.count(role + content, model).tokens
            if len(self._counted) >= MAX_COUNTED:
                self._counted.clear()
            self._counted[message] = tokens
        return tokens

    def _route_for(self, choice: RouteChoice) -> list[RouteModel]:
        """The routed model alone, or the routed chain; the start-up route when none matched."""
        if choice.rule is None:
            return self._default_route
        if choice.model not in self._routes:
            self._routes[choice.model] = self._build(choice.model)
        return self._routes[choice.model]

    def _build(self, name: str) -> list[RouteModel]:
        settings, backends = self._chat.settings, self._chat.backends
        assert settings is not None and backends is not None  # rules need both
        members = settings.chains.get(name, (name,))
        spec = settings.models[members[0]]
        return self._chat.route_for(spec, self._provider(spec), fallbacks=members[1:])

    def _provider(self, spec: ModelSpec) -> Provider:
        """The routed model's provider now if quick, else started when the turn reaches it."""
        backends = self._chat.backends
        assert backends is not None
        if backends.is_ready(spec):  # remote, or its server is up: its client builds in a thread
            try:
                return backends.deferred(spec)
            except ConfigError:  # e.g. its key variable is unset: fails as auth, when sent
                pass
        return LazyProvider(backends, spec)
