"""The semantic tests' in-memory store (the shared fake) and a CacheEntry maker."""

from __future__ import annotations

from tests.helpers.fake_cache_store import FakeCacheStore
from tuichat.core.cache.ports import CacheEntry


class MemoryCacheStore(FakeCacheStore):
    """The one in-memory store (:class:`FakeCacheStore`) under the semantic tests' names."""

    @property
    def entries_by_key(self) -> dict[str, CacheEntry]:
        return self.rows

    @property
    def embeddings_by_hash(self) -> dict[tuple[str, str], bytes]:
        return self.embeddings


def cache_entry(key: str, scope: str, question: str, *, created_at: float = 1000.0) -> CacheEntry:
    """An answered question, as the cache would have stored it."""
    return CacheEntry(
        key=key,
        scope=scope,
        question=question,
        answer=f"answer to {question}",
        model="m",
        served_model="m-1",
        created_at=created_at,
        ttft_ms=120.0,
        duration_ms=900.0,
        cost_usd=0.001,
        finish_reason="stop",
    )
