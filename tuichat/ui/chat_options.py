"""A chat on one given provider, for launchers, benchmarks and tests that bring their own.

The command line builds its chat with :func:`tuichat.factory.start_chat`; code
that already holds a provider (a benchmark's raw server, a test's simulator)
describes what it wants here and gets the same factory-built chat.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tuichat.backends import Backends
from tuichat.config import ModelSpec, Settings
from tuichat.core.clock import Clock
from tuichat.core.provider import Provider
from tuichat.factory import Chat, ChatWishes, assemble_chat


@dataclass(frozen=True, slots=True)
class ChatOptions:
    """What the session starts with; ``settings`` and ``backends`` enable model switching."""

    model: ModelSpec
    settings: Settings | None = None
    backends: Backends | None = None
    system: str | None = None
    max_tokens: int | None = None
    database: Path | None = None
    notice: str | None = None

    def chat(self, provider: Provider, *, clock: Clock | None = None) -> Chat:
        """The factory's chat on ``provider`` (prices and encodings warmed after start-up)."""
        wishes = ChatWishes(
            system=self.system, max_tokens=self.max_tokens, database=self.database, warm=False
        )
        chat = assemble_chat(
            self.model,
            provider,
            wishes,
            settings=self.settings,
            backends=self.backends,
            clock=clock,
        )
        chat.notice = self.notice
        return chat
