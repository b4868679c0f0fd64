"""The user's earlier prompts, newest first, for recalling them in the chat (up/down).

Every session's prompts count, so a new chat recalls what was asked
yesterday. Rows are read newest first through the primary key, at most
``scan`` of them, so the cost does not grow with the log; repeats are kept
once (their newest place), and at most ``limit`` come back.

Left out: prompts the log holds no text for (metrics-only rows), rows copied
into a fork (their original is read), very long prompts (a pasted file is
not worth recalling and would hold memory), and prompts that carry terminal
control characters — recalled, they would be shown and sent as typed, and
nobody types an escape sequence.
"""

from __future__ import annotations

import sqlite3

import aiosqlite

from tuichat.core.untrusted import sanitize_text
from tuichat.store.policy import KEPT_NONE
from tuichat.store.thread import on_thread

HISTORY_LIMIT = 200
"""Prompts kept for recall."""
SCAN_LIMIT = 2000
"""User rows read at most, newest first."""
LONGEST_PROMPT = 20_000
"""Characters; longer prompts are not recalled."""

_QUERY = """
    SELECT content FROM messages
    WHERE role = 'user' AND source_id IS NULL
      AND coalesce(content_kept, 'full') != ? AND content != ''
    ORDER BY id DESC LIMIT ?
"""


def recent_prompts_sync(
    conn: sqlite3.Connection, limit: int = HISTORY_LIMIT, scan: int = SCAN_LIMIT
) -> list[str]:
    """Distinct recallable prompts, newest first (see the module doc)."""
    seen: dict[str, None] = {}
    for (content,) in conn.execute(_QUERY, (KEPT_NONE, scan)):
        if recallable(content) and content not in seen:
            seen[content] = None
            if len(seen) >= limit:
                break
    return list(seen)


def recallable(prompt: str) -> bool:
    """True for a prompt worth putting back in the box as it was typed."""
    text = prompt.strip()
    return bool(text) and len(prompt) <= LONGEST_PROMPT and sanitize_text(prompt) == prompt


async def recent_prompts(db: aiosqlite.Connection, limit: int = HISTORY_LIMIT) -> list[str]:
    """Async twin of :func:`recent_prompts_sync`, one trip to the connection's thread."""
    return await on_thread(db, recent_prompts_sync, limit)
