"""A CacheStore kept in dicts, counting what the semantic matcher asks of it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from tuichat.core.cache.ports import CacheEntry


@dataclass
class MemoryCacheStore:
    """Implements ``tuichat.core.cache.ports.CacheStore`` in memory (no eviction)."""

    entries_by_key: dict[str, CacheEntry] = field(default_factory=dict)
    vectors_by_key: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    """key → (embedder, vector)."""
    embeddings_by_hash: dict[tuple[str, str], bytes] = field(default_factory=dict)
    vector_reads: list[str] = field(default_factory=list)
    """The scopes whose vectors were read, in order."""

    def get(self, key: str, now: float) -> CacheEntry | None:
        entry = self.entries_by_key.get(key)
        return entry if entry is not None and self._live(entry, now) else None

    def entries(self, keys: Sequence[str], now: float) -> list[CacheEntry]:
        found = (self.entries_by_key.get(key) for key in keys)
        return [e for e in found if e is not None and self._live(e, now)]

    def put(self, entry: CacheEntry, vector: bytes | None = None, embedder: str = "") -> None:
        self.entries_by_key[entry.key] = entry
        if vector is not None:
            self.vectors_by_key[entry.key] = (embedder, vector)

    def record_hit(self, key: str, now: float) -> None:
        entry = self.entries_by_key[key]
        self.entries_by_key[key] = replace(entry, hits=entry.hits + 1)

    def mark_false_hit(self, key: str) -> None:
        self.entries_by_key[key] = replace(self.entries_by_key[key], false_hit=True)

    def vectors(self, scope: str, embedder: str) -> list[tuple[str, bytes]]:
        self.vector_reads.append(scope)
        return [
            (key, vector)
            for key, (name, vector) in self.vectors_by_key.items()
            if name == embedder and self.entries_by_key[key].scope == scope
        ]

    def embedding(self, text_hash: str, embedder: str) -> bytes | None:
        return self.embeddings_by_hash.get((text_hash, embedder))

    def save_embedding(self, text_hash: str, embedder: str, vector: bytes) -> None:
        self.embeddings_by_hash[(text_hash, embedder)] = vector

    def invalidate_other_versions(self, model: str, served_model: str) -> int:
        stale = [
            k
            for k, e in self.entries_by_key.items()
            if e.model == model and e.served_model not in (None, served_model)
        ]
        for key in stale:
            del self.entries_by_key[key]
            self.vectors_by_key.pop(key, None)
        return len(stale)

    @staticmethod
    def _live(entry: CacheEntry, now: float) -> bool:
        expired = entry.expires_at is not None and entry.expires_at <= now
        return not expired and not entry.false_hit


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
