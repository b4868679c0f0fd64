"""A simulated provider prompt cache (Anthropic ``cache_control``), keyed by system prompt.

The first request with a cache-marked system prompt writes it (cache creation
tokens); identical ones within the time to live read it (cache read tokens).
Like the real one, an entry's life is renewed on every hit. Unlike the real
one there is no minimum cacheable length, so short test prompts cache too.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from tuichat.sim.wire import ChatRequest, text_tokens

TTL_SECONDS = 300.0
MAX_ENTRIES = 1024


@dataclass(frozen=True)
class CacheUse:
    """How many prompt tokens one request read from, or wrote to, the cache."""

    read: int = 0
    created: int = 0


class PromptCache:
    """System prompts seen recently, with when each was last used."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._last_used: dict[str, float] = {}

    def use(self, chat: ChatRequest) -> CacheUse:
        """Look ``chat``'s system prompt up (storing it on a miss) and say what that cost."""
        if not (chat.cache_system and chat.system):
            return CacheUse()
        now, size = self._clock(), text_tokens(chat.system)
        last = self._last_used.pop(chat.system, None)
        self._last_used[chat.system] = now  # re-insert: dict order is least recent first
        if last is not None and now - last <= TTL_SECONDS:
            return CacheUse(read=size)
        if len(self._last_used) > MAX_ENTRIES:
            del self._last_used[next(iter(self._last_used))]
        return CacheUse(created=size)
