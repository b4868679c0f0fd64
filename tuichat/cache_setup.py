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

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tuichat.config import ModelSpec, Settings
from tuichat.core.cache.ports import CacheStore, CacheUnavailable, Embedder
from tuichat.core.cache.response_cache import ResponseCache
from tuichat.core.cache.storable import StoragePolicy
from tuichat.core.clock import Clock
from tuichat.core.cost.budget import window_start
from tuichat.core.metrics.cache_tally import CacheTally, ResponseCacheMode
from tuichat.core.untrusted import one_line

if TYPE_CHECKING:
    import aiosqlite

    from tuichat.core.cache.semantic import SemanticMatcher
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
    spec: ModelSpec | None = None
    """The chat's model: its endpoint serves ``[cache] embeddings = "provider"``."""


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
    semantic, failure = semantic_matcher(settings, store, wanted.spec)
    cache = ResponseCache(
        store,
        clock=clock,
        ttl_s=wanted.ttl_s or config.ttl_s,
        replay_pace=config.replay_pace,
        semantic=semantic,
        tags=wanted.tags,
        policy=StoragePolicy(keeps_text=True, redact=Redactor(policy)),
    )
    return cache, failure


def semantic_matcher(
    settings: Settings, store: CacheStore, spec: ModelSpec | None
) -> tuple[SemanticMatcher | None, str | None]:
    """The matcher ``[cache] semantic = true`` asks for, or None and one line on why not."""
    from tuichat.core.cache.semantic import SemanticMatcher

    config = settings.cache
    if not config.semantic:
        return None, None
    try:
        embedder = _embedder(config.embeddings, config.embedding_model, spec)
    except CacheUnavailable as exc:
        return None, one_line(str(exc))
    return SemanticMatcher(store, embedder, threshold=config.threshold), None


def _embedder(source: str, model: str | None, spec: ModelSpec | None) -> Embedder:
    """WordLlama from its wheel (loaded on first use), or the chat model's ``/embeddings``."""
    if source == "wordllama":
        from tuichat.embeddings.wordllama_model import WordLlamaEmbedder

        return WordLlamaEmbedder.lazy()
    if spec is None or spec.base_url is None or not model:
        raise CacheUnavailable(
            'semantic cache off: embeddings = "provider" needs embedding_model and a model'
            " with a base_url"
        )
    from tuichat.config import resolve_api_key
    from tuichat.embeddings.openai_embeddings import OpenAIEmbedder

    return OpenAIEmbedder(spec.base_url, model, resolve_api_key(spec))


def warm_semantic(cache: ResponseCache | None) -> asyncio.Task[None] | None:
    """Load the offline embedding model in the background, so no question waits for it."""
    matcher = cache.semantic if cache is not None else None
    warm = getattr(getattr(matcher, "embedder", None), "warm", None)
    if warm is None:
        return None
    return asyncio.get_running_loop().create_task(_quietly(warm), name="warm-embeddings")


async def _quietly(warm: Callable[[], Awaitable[None]]) -> None:
    try:
        await warm()
    except Exception:  # the first question then says why, once
        log.exception("the embedding model did not load")


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
        return await cache_summary(db, window_start("day", now_wall))
    except Exception:  # an old or damaged log: the line is hidden, the chat goes on
        log.exception("cannot read today's cache lookups")
        return None
