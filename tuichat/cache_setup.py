"""Opening the response cache for a chat: ``[cache]`` and the log's policy in, a cache out.

The factory's one helper for the cache (kept apart so the factory stays one
screen of wiring). The store is ``tuichat.store.cache_db`` (a sibling SQLite
file of the log, ``cache.sqlite3``), imported only when a chat opens it. No
cache is opened when ``[cache] enabled`` is false or when the log keeps no
content (``[log] content = "metrics"``: the cache must not keep what the log
would not). The log's redaction becomes the cache's storage policy: an
exchange the log would redact is never cached.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tuichat.config import Settings
from tuichat.core.cache.ports import CacheStore
from tuichat.core.cache.response_cache import ResponseCache
from tuichat.core.cache.storable import StoragePolicy
from tuichat.core.clock import Clock
from tuichat.core.cost.budget import window_start
from tuichat.core.metrics.cache_tally import CacheTally, ResponseCacheMode
from tuichat.core.untrusted import one_line

if TYPE_CHECKING:
    import aiosqlite

    from tuichat.store.policy import LogPolicy

log = logging.getLogger(__name__)


def open_cache_store(path: Path, *, max_bytes: int) -> CacheStore:
    """The SQLite cache file (imported on first use: start-up does not pay for it)."""
    from tuichat.store.cache_db import open_cache_store as open_sqlite

    return open_sqlite(path, max_bytes=max_bytes)


MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class CacheRequest:
    """What the front end asks of the cache beyond ``[cache]``."""

    path: Path
    """The cache file."""
    ttl_s: float | None = None
    """``ask --cache-ttl``: over ``[cache] ttl``."""
    tags: tuple[str, ...] = ()
    """``ask --cache-tag``: tags of the entries stored."""


def open_response_cache(
    settings: Settings, wanted: CacheRequest, policy: LogPolicy, clock: Clock
) -> tuple[ResponseCache | None, str | None]:
    """The cache (None when off or unopenable) and one line when it could not be opened."""
    from tuichat.store.policy import Redactor

    config = settings.cache
    if not config.enabled or not policy.keeps_text:
        return None, None
    try:
        store = open_cache_store(wanted.path, max_bytes=int(config.max_mb * MIB))
    except Exception as exc:
        log.exception("cannot open the response cache at %s", wanted.path)
        return None, one_line(f"No response cache: cannot open {wanted.path}: {exc}")
    cache = ResponseCache(
        store,
        clock=clock,
        ttl_s=wanted.ttl_s or config.ttl_s,
        replay_pace=config.replay_pace,
        tags=wanted.tags,
        policy=StoragePolicy(keeps_text=True, redact=Redactor(policy)),
    )
    return cache, None


def cache_mode(settings: Settings | None, cache: ResponseCache | None) -> ResponseCacheMode:
    """What the HUD's cache panel says the cache is: off, exact, or exact+semantic ≥ t."""
    if cache is None or settings is None:
        return ResponseCacheMode(enabled=False)
    semantic = cache.semantic is not None
    return ResponseCacheMode(
        enabled=True, semantic=semantic, threshold=settings.cache.threshold if semantic else None
    )


async def today_tally(db: aiosqlite.Connection, now_wall: float) -> CacheTally | None:
    """Today's lookups by every tuichat process, from the log (None if it cannot say)."""
    from tuichat.store.cache_lookups import cache_summary

    try:
        return (await cache_summary(db, window_start("day", now_wall))).tally()
    except Exception:  # an old or damaged log: the line is hidden, the chat goes on
        log.exception("cannot read today's cache lookups")
        return None
