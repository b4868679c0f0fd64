"""An in-memory :class:`~tuichat.core.cache.ports.CacheStore` for unit tests.

It keeps the port's rules (expired and false-hit entries are not served) and
can be told to fail (``broken``) like a corrupt or locked cache file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from tuichat.core.cache.ports import CacheEntry, CacheUnavailable


class FakeCacheStore:
    """Entries in a dict; every call is counted in ``calls``; ``embeddings`` by text hash."""

    def __init__(self, *, broken: Exception | None = None) -> None:
        self.rows: dict[str, CacheEntry] = {}
        self.vectors_of: dict[str, tuple[str, bytes, str]] = {}
        self.embeddings: dict[tuple[str, str], bytes] = {}
        self.broken = broken
        self.calls: list[str] = []
        self.invalidated: list[tuple[str, str]] = []
        self.vector_reads: list[str] = []
        """The scopes whose vectors were read, in order (the matcher loads a scope once)."""

    def _call(self, name: str) -> None:
        self.calls.append(name)
        if self.broken is not None:
            raise self.broken

    def get(self, key: str, now: float) -> CacheEntry | None:
        self._call("get")
        entry = self.rows.get(key)
        return entry if entry is not None and _live(entry, now) else None

    def entries(self, keys: Sequence[str], now: float) -> list[CacheEntry]:
        self._call("entries")
        return [e for k in keys if (e := self.rows.get(k)) is not None and _live(e, now)]

    def put(self, entry: CacheEntry, vector: bytes | None = None, embedder: str = "") -> None:
        self._call("put")
        self.rows[entry.key] = entry
        if vector is not None:
            self.vectors_of[entry.key] = (entry.scope, vector, embedder)

    def record_hit(self, key: str, now: float) -> None:
        self._call("record_hit")
        if key in self.rows:
            self.rows[key] = replace(self.rows[key], hits=self.rows[key].hits + 1)

    def mark_false_hit(self, key: str) -> None:
        self._call("mark_false_hit")
        if key in self.rows:
            self.rows[key] = replace(self.rows[key], false_hit=True)

    def vectors(self, scope: str, embedder: str) -> list[tuple[str, bytes]]:
        self._call("vectors")
        self.vector_reads.append(scope)
        return [(k, v) for k, (s, v, e) in self.vectors_of.items() if s == scope and e == embedder]

    def embedding(self, text_hash: str, embedder: str) -> bytes | None:
        self._call("embedding")
        return self.embeddings.get((text_hash, embedder))

    def save_embedding(self, text_hash: str, embedder: str, vector: bytes) -> None:
        self._call("save_embedding")
        self.embeddings[(text_hash, embedder)] = vector

    def invalidate_other_versions(self, model: str, served_model: str) -> int:
        self._call("invalidate_other_versions")
        self.invalidated.append((model, served_model))
        stale = [
            k for k, e in self.rows.items() if e.model == model and e.served_model != served_model
        ]
        for key in stale:
            del self.rows[key]
        return len(stale)


def _live(entry: CacheEntry, now: float) -> bool:
    return not entry.false_hit and (entry.expires_at is None or entry.expires_at > now)


__all__ = ["CacheUnavailable", "FakeCacheStore"]
