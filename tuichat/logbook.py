"""The log read back, for front ends: find sessions, load their turns, resume and fork them.

(And the earlier prompts the chat's up/down recall, :meth:`Logbook.recent_prompts`.)

Like :mod:`tuichat.factory` for live chats, this is the one place a front end
(``sessions``, ``replay``, ``rerun``, ``--resume``, the TUI's picker) gets at
logged sessions: it never opens the database itself. Opening goes through the
store's ``open_database``, so turns left running by a dead process are marked
interrupted first. Reading never writes anything else: a replay is not new
spending and creates no rows.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tuichat import paths
from tuichat.core.conversation import Conversation
from tuichat.core.turn.replay import LoggedTurn

if TYPE_CHECKING:
    import aiosqlite

    from tuichat.store.sessions import SessionSummary


class LogbookError(Exception):
    """A session cannot be read (unknown or ambiguous id, corrupt timeline, newer log)."""


@dataclass(frozen=True, slots=True)
class LoggedSession:
    """A session read back: its id, its system prompt and its turns, in order."""

    session_id: str
    system: str | None
    turns: tuple[LoggedTurn, ...]

    def history(self, upto: int | None = None) -> Conversation:
        """The conversation as the model saw it, through turn ``upto`` (1-based; all if None).

        Answered turns (complete or partial) keep their prompt and answer; a
        turn that brought nothing back is left out, as it was live.
        """
        conversation = Conversation(system=self.system)
        for turn in self.turns[: upto if upto is not None else len(self.turns)]:
            if turn.ended.answered:
                conversation.add_user(turn.started.prompt)
                conversation.add_assistant(turn.ended.text)
        return conversation


class Logbook:
    """An open log, read-only for front ends (see the module doc)."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self.db = db

    async def resolve(self, ref: str) -> str:
        """``last``, a full id or a unique prefix → the session id (LogbookError if not one)."""
        from tuichat.store.errors import SessionRefError
        from tuichat.store.sessions import resolve_session

        try:
            return await resolve_session(self.db, ref)
        except SessionRefError as exc:
            raise LogbookError(str(exc)) from None

    async def sessions(self, **filters: object) -> Sequence[SessionSummary]:
        """Sessions newest first (``search``, ``since``, ``model``, ``tag``, ``limit``)."""
        from tuichat.store.sessions import list_sessions

        return await list_sessions(self.db, **filters)  # type: ignore[arg-type]

    async def session(self, ref: str) -> LoggedSession:
        """A whole session, its turns rebuilt as events (LogbookError if unreadable)."""
        from tuichat.store.errors import StoreError
        from tuichat.store.replay_rows import logged_turns

        session_id = await self.resolve(ref)
        try:
            turns = await logged_turns(self.db, session_id)
        except StoreError as exc:
            raise LogbookError(f"session {session_id}: {exc}") from None
        return LoggedSession(session_id, _system(turns), tuple(turns))

    async def recent_prompts(self, limit: int | None = None) -> list[str]:
        """The user's earlier prompts across sessions, newest first, each once (for recall)."""
        from tuichat.store.prompt_history import HISTORY_LIMIT, recent_prompts

        return await recent_prompts(self.db, limit or HISTORY_LIMIT)


def _system(turns: Sequence[LoggedTurn]) -> str | None:
    """The system prompt the session's first logged request carried (None if none, or older log)."""
    for turn in turns:
        request = turn.request
        if request is not None:
            first = request.messages[0] if request.messages else None
            return first.content if first is not None and first.role == "system" else None
    return None


@asynccontextmanager
async def open_logbook(database: Path | None = None) -> AsyncIterator[Logbook]:
    """The log at ``database`` (default: the user's), opened for reading."""
    from tuichat.store import open_database
    from tuichat.store.errors import NewerLogError

    path = database or paths.database_path()
    if not path.exists():
        raise LogbookError(f"no log at {path} yet: nothing has been logged")
    try:
        db = await open_database(path)
    except NewerLogError as exc:
        raise LogbookError(str(exc)) from None
    try:
        yield Logbook(db)
    finally:
        await db.close()


def continued_session(
    resume: str | None, fork: str | None, database: Path | None = None
) -> tuple[LoggedSession | None, int | None]:
    """``--resume ID`` or ``--fork ID[:TURN]`` → the session and the fork turn (or None, None)."""
    ref = resume or fork
    if ref is None:
        return None, None
    upto = None
    if fork is not None and ":" in fork:
        ref, _, turn = fork.rpartition(":")
        if not turn.isdigit() or int(turn) < 1:
            raise LogbookError(f"--fork {fork!r}: TURN must be a turn number from 1")
        upto = int(turn)
    logged = asyncio.run(_read(ref, database))
    if upto is not None and upto > len(logged.turns):
        raise LogbookError(f"session {logged.session_id} has {len(logged.turns)} turns, not {upto}")
    return logged, (upto or len(logged.turns)) if fork is not None else None


async def _read(ref: str, database: Path | None) -> LoggedSession:
    async with open_logbook(database) as book:
        return await book.session(ref)
