"""What a front end asks of a chat beyond the settings (the factory's second input).

Re-exported by :mod:`tuichat.factory`, where every front end gets it from.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tuichat.core.limits.limiter import Priority

if TYPE_CHECKING:
    from tuichat.logbook import LoggedSession


@dataclass(frozen=True, slots=True)
class ChatWishes:
    """What a front end asks for beyond the settings."""

    system: str | None = None
    """The system prompt (default: the settings')."""
    max_tokens: int | None = None
    """A cap for every model (default: each model's own)."""
    priority: Priority = "interactive"
    queue_budget_s: float | None = None
    """Refuse instead of queueing longer than this (``ask --budget``)."""
    label: str | None = None
    """Names the work in limiter refusals (``ask``, ``bench``)."""
    database: Path | None = None
    """The log (default: the user's data folder)."""
    warm: bool = True
    """Warm token encodings and prices on threads now (the TUI does it after its first paint)."""
    shared_later: bool = False
    """Open the limits shared by the user's processes with the log, not at assembly (the TUI:
    after its first paint; a send waits for the log anyway, so no turn goes without them)."""
    breakers: bool = True
    """Circuit breakers across turns; a one-shot ``ask`` has no later turn to protect
    in its own process (it still uses the breakers shared by the user's processes)."""
    resume: LoggedSession | None = None
    """Continue this logged session: its history in context, its session row."""
    fork_at: int | None = None
    """With ``resume``: start a new session sharing the history through this turn (1-based)."""
    rerun_of: str | None = None
    """The session this chat re-asks (``rerun``), recorded on the new session row."""
    cache: bool = True
    """False (``ask --no-cache``): every turn bypasses the response cache (answers still stored)."""
    cache_ttl_s: float | None = None
    """``ask --cache-ttl``: over ``[cache] ttl`` for this chat."""
    cache_tags: tuple[str, ...] = ()
    """``ask --cache-tag``: tags of the entries this chat stores (``cache invalidate --tag``)."""
