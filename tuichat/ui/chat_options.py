"""What a chat session starts with (kept apart so tests and launchers import it cheaply)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tuichat.backends import Backends
from tuichat.config import ModelSpec, Settings


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
