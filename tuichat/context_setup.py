"""The context keeper of a chat: ``[context]``, the models' windows and the summariser in.

Front ends (the TUI, ``ask``) get their :class:`ContextKeeper` here, so where
a window comes from is decided once (see :mod:`tuichat.core.context.window`):
the model's ``context_window``, else the ``n_ctx`` tuichat starts its
embedded llama.cpp server with, else the simulator's ``window=N``, else
genai-prices' catalogue, else unknown.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from functools import partial

from tuichat.core.context.keeper import ContextKeeper, Policy
from tuichat.core.context.measure import provider_kind
from tuichat.core.context.summary import Summary, SummaryRoom, summarise
from tuichat.core.context.window import Window, resolve_window
from tuichat.core.conversation import ChatMessage
from tuichat.core.cost.pricing import PriceBook, Tariff
from tuichat.core.turn.chat import RouteModel
from tuichat.factory import Chat

LOCAL_N_CTX = 4096
"""``tuichat.local.profiles.DEFAULT_CONTEXT``: the embedded server's ``n_ctx`` (a test checks)."""


class WindowFinder:
    """Each route model's window, looked up once (the catalogue imports genai-prices)."""

    def __init__(self, prices: PriceBook) -> None:
        self.prices = prices
        self._lock = threading.Lock()
        self._found: dict[tuple[str, str, int | None], Window] = {}

    def __call__(self, entry: RouteModel) -> Window:
        """The window of ``entry``; call off the event loop the first time."""
        key = (entry.label, entry.model, entry.context_window)
        with self._lock:
            if key not in self._found:
                self._found[key] = self._resolve(entry)
            return self._found[key]

    def ready(self, entry: RouteModel) -> bool:
        """True when finding ``entry``'s window loads nothing (found, configured, served)."""
        key = (entry.label, entry.model, entry.context_window)
        if key in self._found or entry.context_window or self.prices.loaded:
            return True
        return provider_kind(entry) in ("local", "sim", "simulator")

    def _resolve(self, entry: RouteModel) -> Window:
        kind = provider_kind(entry)
        tariff = entry.tariff or Tariff(kind, entry.model)
        return resolve_window(
            entry.context_window,
            kind,
            entry.model,
            served=LOCAL_N_CTX if kind == "local" else None,
            catalogue=partial(self.prices.context_window, tariff),
        )


def keeper_for(chat: Chat, policy: Policy | None = None) -> ContextKeeper:
    """The keeper of ``chat``: ``policy`` (default ``[context] policy``), windows, summariser."""
    settings = chat.settings
    if policy is None:
        policy = settings.context.policy if settings is not None else "drop-oldest"
    finder = WindowFinder(chat.meter.prices)
    summariser = partial(summarise_for, chat, finder)
    return ContextKeeper(policy, chat.counter, finder, summariser, window_ready=finder.ready)


async def summarise_for(
    chat: Chat, finder: WindowFinder, messages: Sequence[ChatMessage], earlier: str | None
) -> Summary:
    """Summarise with ``[context] summary_model``, else the chat's own model, within its window."""
    entry = summary_entry(chat)
    window = await asyncio.to_thread(finder, entry)

    def count(text: str) -> int:
        return chat.counter.count(text, entry.model).tokens

    room = SummaryRoom(window.tokens, count)
    return await summarise(chat.session, entry, messages, earlier, room)


def summary_entry(chat: Chat) -> RouteModel:
    """The model that writes summaries: ``[context] summary_model`` or the session's first."""
    settings, backends = chat.settings, chat.backends
    name = settings.context.summary_model if settings is not None else None
    if name is None or settings is None or backends is None:
        return chat.session.route[0]
    from tuichat.backends import LazyProvider, route_for

    spec = settings.models[name]
    return route_for(settings, backends, spec, LazyProvider(backends, spec), fallbacks=())[0]
