"""What the response cache keeps and the ports its adapters implement.

The core decides keys, storability, matching and playback; adapters only
keep bytes (:class:`CacheStore`, the SQLite cache file) and turn text into
vectors (:class:`Embedder`: an offline model shipped in a PyPI package, or a
provider's ``/v1/embeddings``). Everything here is synchronous and fast: an
exact lookup is one indexed SQLite read, and the semantic index is held in
memory per scope, so the cache is asked on the event loop without a thread.

Vectors travel as ``bytes`` (little-endian float32, L2-normalised) so the
ports need no numpy; the semantic matcher views them as arrays.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

HitKind = Literal["exact", "semantic"]


@dataclass(frozen=True, slots=True)
class CacheEntry:
    """One stored answer and what producing it cost the first time.

    ``key`` is the exact key (the whole normalised request); ``scope`` is the
    semantic scope (the same request without its last user message: model,
    system prompt, preceding conversation, parameters), so a question only
    ever matches questions asked at the same point of the same kind of
    conversation. ``chunks`` are the answer's pieces with their offsets from
    the request (seconds), for playback at the original pace.
    """

    key: str
    scope: str
    question: str
    answer: str
    model: str
    served_model: str | None
    created_at: float
    """Wall time (epoch seconds) the answer finished."""
    ttft_ms: float | None
    duration_ms: float | None
    cost_usd: float | None
    finish_reason: str | None = None
    chunks: tuple[tuple[float, str], ...] = ()
    tags: tuple[str, ...] = ()
    expires_at: float | None = None
    """Wall time after which the entry is not served (None: never expires)."""
    input_tokens: int | None = None
    output_tokens: int | None = None
    hits: int = 0
    false_hit: bool = False


@dataclass(frozen=True, slots=True)
class CacheHit:
    """A stored answer chosen for a request."""

    entry: CacheEntry
    kind: HitKind
    age_s: float
    similarity: float | None = None


class CacheStore(Protocol):
    """Keeps entries, vectors and embeddings (``tuichat.store.cache_db``).

    Every method may raise :class:`CacheUnavailable` (a corrupt row, a locked
    or unreadable file); the cache then skips itself with one notice.
    """

    def get(self, key: str, now: float) -> CacheEntry | None:
        """The live entry of ``key``: not expired, not a false hit (else None)."""
        ...

    def entries(self, keys: Sequence[str], now: float) -> list[CacheEntry]:
        """The live entries among ``keys`` (for semantic candidates), any order."""
        ...

    def put(self, entry: CacheEntry, vector: bytes | None = None, embedder: str = "") -> None:
        """Store ``entry`` (replacing one of the same key), evicting LRU beyond the cap."""
        ...

    def record_hit(self, key: str, now: float) -> None:
        """Count a hit and make the entry most recently used."""
        ...

    def mark_false_hit(self, key: str) -> None:
        """ "Not what I asked": never serve this entry again (kept for the stats)."""
        ...

    def vectors(self, scope: str, embedder: str) -> list[tuple[str, bytes]]:
        """``(key, vector)`` of the live entries of ``scope`` embedded by ``embedder``."""
        ...

    def embedding(self, text_hash: str, embedder: str) -> bytes | None:
        """A text's embedding computed before (so no text is embedded twice)."""
        ...

    def save_embedding(self, text_hash: str, embedder: str, vector: bytes) -> None:
        """Remember a text's embedding."""
        ...

    def invalidate_other_versions(self, model: str, served_model: str) -> int:
        """Drop entries of ``model`` that another served version answered; returns how many."""
        ...


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors (as bytes), offline or via a provider."""

    name: str
    """Identifies the model and dimension (vectors of two embedders never mix)."""

    async def embed(self, texts: Sequence[str]) -> list[bytes]:
        """One vector per text; raises :class:`CacheUnavailable` if the model cannot run.

        Async because a provider's ``/v1/embeddings`` is a network call; an
        offline model computes in place (a 30-word question takes ~0.1 ms).
        """
        ...


class CacheUnavailable(Exception):
    """The cache cannot be used right now; the answer is fetched live, with one notice."""
