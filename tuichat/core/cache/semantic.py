"""The semantic match: a question answered by a cached answer to the same question, reworded.

Asked only after the exact key missed. The question is embedded (each text
once: embeddings are kept in the store by the sha256 of the text), then
compared with the questions already cached in the same scope only — the same
model, system prompt, parameters and preceding conversation — so a question
never matches one asked in another conversation (GPTCache's issue #8). The
scope's vectors come from the store once, then live in memory
(:mod:`vectors`).

Candidates at or above the threshold are taken most similar first; each must
still be live in the store and pass the content gate (:mod:`gate`), which
refuses questions that differ in numbers, negation, units, entities or
direction whatever their similarity. The first that passes is the hit; when
none does, the result says why in one line, for the HUD and the log.

Every failure (the embedder, the store, numpy missing) surfaces as
:class:`CacheUnavailable`: the caller skips the cache with one notice.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from tuichat.core.cache.gate import refusal
from tuichat.core.cache.ports import CacheEntry, CacheHit, CacheStore, CacheUnavailable, Embedder
from tuichat.core.cache.vectors import ScopeIndexes, as_vector, numpy_module

CANDIDATES = 8
"""How many of the most similar cached questions are offered to the gate."""
_FINITE_NORM = (0.5, 1.5)


@dataclass(frozen=True, slots=True)
class SemanticResult:
    """What the semantic match found: a hit, or the reason there is none.

    ``vector`` is the question's embedding (also on a miss), so the caller can
    store it with the live answer without embedding the question again.
    """

    hit: CacheHit | None
    vector: bytes | None
    reason: str | None


def text_hash(text: str) -> str:
    """The key of a text's embedding in the store."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class SemanticMatcher:
    """Finds a cached answer to a reworded question, within one scope, past the content gate."""

    def __init__(self, store: CacheStore, embedder: Embedder, *, threshold: float = 0.90) -> None:
        self._store = store
        self._embedder = embedder
        self.threshold = threshold
        self.embedder_name: str = embedder.name
        self._indexes = ScopeIndexes(lambda scope: store.vectors(scope, self.embedder_name))

    @property
    def embedder(self) -> Embedder:
        """The embedding model (the factory warms an offline one after start-up)."""
        return self._embedder

    async def match(self, scope: str, question: str, now: float) -> SemanticResult:
        """The best live, gate-approved cached answer to ``question`` in ``scope``.

        ``now`` is wall time (epoch seconds), as the store's ``created_at``.
        Raises :class:`CacheUnavailable` if the question cannot be embedded or
        the store cannot be read.
        """
        vector = await self.embedding(question)
        query = as_vector(vector)
        index = self._indexes.get(scope, query.shape[0])
        if len(index) == 0:
            return SemanticResult(None, vector, "no cached question in this conversation")
        nearest = index.nearest(query, CANDIDATES)
        best = nearest[0][1]
        if best < self.threshold:
            return SemanticResult(None, vector, f"closest {best:.2f} < {self.threshold:.2f}")
        above = [(key, score) for key, score in nearest if score >= self.threshold]
        return self._first_passing(question, above, vector, now)

    async def embedding(self, text: str) -> bytes:
        """``text``'s vector: from the store if it was embedded before, else embedded and kept."""
        digest = text_hash(text)
        known = self._store.embedding(digest, self.embedder_name)
        if known is not None and _valid(known):
            return known
        try:
            vectors = await self._embedder.embed([text])
        except CacheUnavailable:
            raise
        except Exception as exc:  # an adapter bug must not take the turn down
            raise CacheUnavailable(f"semantic cache off: {type(exc).__name__}") from exc
        if len(vectors) != 1 or not _valid(vectors[0]):
            raise CacheUnavailable("semantic cache off: the embedder returned a malformed vector")
        self._store.save_embedding(digest, self.embedder_name, vectors[0])
        return vectors[0]

    def remember(self, key: str, scope: str, vector: bytes) -> None:
        """A new entry was stored with ``vector``: make it a candidate at once.

        Call after ``store.put``; a scope not yet in memory is left to be read
        from the store when first asked.
        """
        self._indexes.add(key, scope, vector)

    def forget(self, key: str) -> None:
        """An entry is gone or must not be served (a false hit, invalidated): drop its vector."""
        self._indexes.remove(key)

    def _first_passing(
        self, question: str, above: list[tuple[str, float]], vector: bytes, now: float
    ) -> SemanticResult:
        live = {e.key: e for e in self._store.entries([key for key, _ in above], now)}
        reasons: list[str] = []
        for key, score in above:
            entry = live.get(key)
            if entry is None:
                self.forget(key)  # expired or a false hit: never a candidate again
                continue
            refused = refusal(question, entry.question)
            if refused is None:
                return SemanticResult(_hit(entry, score, now), vector, None)
            reasons.append(f"gate: {refused} ({score:.2f})")
        reason = reasons[0] if reasons else f"closest {above[0][1]:.2f} is no longer cached"
        return SemanticResult(None, vector, reason)


def _hit(entry: CacheEntry, similarity: float, now: float) -> CacheHit:
    return CacheHit(
        entry=entry,
        kind="semantic",
        age_s=max(0.0, now - entry.created_at),
        similarity=min(1.0, similarity),
    )


def _valid(vector: bytes) -> bool:
    """A non-empty float32 vector of (about) unit length: anything else is corrupt."""
    if not vector or len(vector) % 4:
        return False
    np = numpy_module()
    norm = float(np.linalg.norm(as_vector(vector)))
    return _FINITE_NORM[0] <= norm <= _FINITE_NORM[1]
