"""The response cache as a turn sees it: one lookup before the first attempt, one observer.

:meth:`ResponseCache.lookup` runs after ``TurnStarted``. It tries the exact
key first (one synchronous indexed read of the store: a miss adds well under
the 2 ms budget, no thread hop), then — only on an exact miss and only when
configured — the semantic matcher within the request's scope. It returns a
:class:`CacheLookup`: the data of the turn's ``CacheLookedUp`` event and, on
a hit, the entry to play (:mod:`tuichat.core.cache.playback`).

:meth:`ResponseCache.observe` is one of the turn's consumers. For the turns it
missed or bypassed it collects the live answer (:mod:`recording`) and, when
the turn ends, stores it if :func:`~tuichat.core.cache.storable.refusal` has
nothing against it. The first time a model is seen answering as a served
version, entries of that model answered by another version are dropped
(``store.invalidate_other_versions``).

Never crash a turn: a :class:`CacheUnavailable` or any unexpected exception
from the store or the matcher becomes the verdict ``"unavailable"`` with a
one-line reason, the turn goes live, and :meth:`take_notice` hands the front
end one line, once per session. A matcher that failed is not asked again in
the session (an embedding model that cannot load would fail every time).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from tuichat.core.cache.key import CacheKeys, ProviderIdentity, request_keys
from tuichat.core.cache.playback import ReplayPace
from tuichat.core.cache.ports import CacheEntry, CacheHit, CacheStore, CacheUnavailable
from tuichat.core.cache.recording import AnswerRecording, EntryTerms
from tuichat.core.cache.storable import StoragePolicy, refusal
from tuichat.core.clock import Clock
from tuichat.core.conversation import ChatRequest
from tuichat.core.events import CacheLookedUp, CacheVerdict, Event, TurnEnded, TurnFinished
from tuichat.core.untrusted import one_line

log = logging.getLogger(__name__)

MAX_RECORDINGS = 64
"""Turns collected at once; more means turns that never ended (dropped oldest first)."""


class SemanticOutcome(Protocol):
    """What the semantic matcher says (``core.cache.semantic.SemanticResult``)."""

    @property
    def hit(self) -> CacheHit | None: ...
    @property
    def vector(self) -> bytes | None: ...
    @property
    def reason(self) -> str | None: ...


class SemanticMatch(Protocol):
    """The semantic matcher's API (``core.cache.semantic.SemanticMatcher``)."""

    embedder_name: str

    async def match(self, scope: str, question: str, now: float) -> SemanticOutcome:
        """The best servable entry of ``scope`` for ``question`` (may raise CacheUnavailable)."""
        ...

    def remember(self, key: str, scope: str, vector: bytes) -> None:
        """Index a stored entry's question vector."""
        ...

    def forget(self, key: str) -> None:
        """Drop an entry from the index (a false hit)."""
        ...


@dataclass(frozen=True, slots=True)
class CacheLookup:
    """What the cache said for one request: the ``CacheLookedUp`` data and the hit, if any."""

    verdict: CacheVerdict
    hit: CacheHit | None = None
    keys: CacheKeys | None = None
    reason: str | None = None
    rejects: str | None = None

    def event(self, trace_id: str, ts: float) -> CacheLookedUp:
        """The turn's ``CacheLookedUp`` event."""
        entry = self.hit.entry if self.hit else None
        semantic = self.hit is not None and self.hit.kind == "semantic"
        return CacheLookedUp(
            trace_id=trace_id,
            ts=ts,
            verdict=self.verdict,
            entry_key=entry.key if entry else None,
            similarity=self.hit.similarity if self.hit else None,
            matched_question=entry.question if entry and semantic else None,
            age_s=self.hit.age_s if self.hit else None,
            saved_ms=entry.duration_ms if entry else None,
            saved_usd=entry.cost_usd if entry else None,
            original_ttft_ms=entry.ttft_ms if entry else None,
            reason=self.reason,
            rejects=self.rejects,
        )


class ResponseCache:
    """Exact (and optionally semantic) answers for requests; see the module doc."""

    def __init__(
        self,
        store: CacheStore,
        *,
        clock: Clock,
        ttl_s: float | None = None,
        replay_pace: ReplayPace = "instant",
        semantic: SemanticMatch | None = None,
        tags: Sequence[str] = (),
        policy: StoragePolicy | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.ttl_s = ttl_s
        """Entries live this long, and older ones are not served (None: no limit)."""
        self.replay_pace: ReplayPace = replay_pace
        self.semantic = semantic
        self.tags = tuple(tags)
        self.policy = policy or StoragePolicy()
        self._recordings: dict[str, AnswerRecording] = {}
        self._versions: dict[str, str] = {}
        self._notice: str | None = None
        self._noticed = False

    async def lookup(
        self,
        request: ChatRequest,
        question: str,
        *,
        provider: ProviderIdentity,
        trace_id: str,
        bypass: bool = False,
        rejects: str | None = None,
        record: bool = True,
    ) -> CacheLookup:
        """Exact, then semantic; a miss (or a bypass) records the live answer for storing.

        ``record=False`` with ``bypass``: the live answer is not stored (nothing
        watches its events).
        """
        if bypass:
            keys = request_keys(request, provider) if record else None
            if keys is not None:
                self._record(trace_id, AnswerRecording(keys, question, request.model))
            reason = "rejected hit: asked again" if rejects else "bypassed: freshness critical"
            return CacheLookup("bypass", keys=keys, reason=reason, rejects=rejects)
        keys = request_keys(request, provider)
        now = self.clock.wall()
        try:
            entry = self.store.get(keys.key, now)
        except Exception as exc:
            return self._unavailable("the cache", exc, keys)
        hit = self._servable(entry, now)
        if hit is not None:
            self._count_hit(hit.entry.key, now)
            return CacheLookup("exact", hit=hit, keys=keys)
        return await self._semantic(keys, question, request.model, trace_id, now)

    async def _semantic(
        self, keys: CacheKeys, question: str, model: str, trace_id: str, now: float
    ) -> CacheLookup:
        """The semantic matcher on an exact miss (when configured)."""
        recording = AnswerRecording(keys, question, model)
        self._record(trace_id, recording)
        matcher = self.semantic
        if matcher is None:
            return CacheLookup("miss", keys=keys)
        try:
            found = await matcher.match(keys.scope, question, now)
        except Exception as exc:
            self.semantic = None  # not asked again this session
            return self._unavailable("the semantic cache", exc, keys)
        recording.vector = found.vector
        hit = found.hit
        if hit is not None and _live(hit.entry, now, self.ttl_s, hit.age_s):
            del self._recordings[trace_id]
            self._count_hit(hit.entry.key, now)
            return CacheLookup("semantic", hit=hit, keys=keys)
        return CacheLookup("miss", keys=keys, reason=found.reason)

    def observe(self, event: Event) -> None:
        """A turn consumer: collect a recorded turn's answer; store it when it ends."""
        recording = self._recordings.get(event.trace_id)
        if recording is None:
            return
        if isinstance(event, TurnEnded):
            del self._recordings[event.trace_id]
            self._finish(recording, event)
        else:
            recording.observe(event)

    def reject(self, key: str) -> None:
        """A false hit ("not what I asked"): the entry is never served again."""
        try:
            self.store.mark_false_hit(key)
            if self.semantic is not None:
                self.semantic.forget(key)
        except Exception as exc:
            self._fail("the cache", exc)

    def take_notice(self) -> str | None:
        """The one line to show about the cache being skipped: once per session, else None."""
        notice, self._notice = self._notice, None
        return notice

    def _servable(self, entry: CacheEntry | None, now: float) -> CacheHit | None:
        """An exact hit for ``entry`` if it may still be served."""
        if entry is None:
            return None
        age = max(0.0, now - entry.created_at)
        return CacheHit(entry, "exact", age) if _live(entry, now, self.ttl_s, age) else None

    def _count_hit(self, key: str, now: float) -> None:
        try:
            self.store.record_hit(key, now)
        except Exception:  # the hit is served; only its count is lost
            log.exception("cannot count a cache hit")

    def _record(self, trace_id: str, recording: AnswerRecording) -> None:
        if len(self._recordings) >= MAX_RECORDINGS:
            del self._recordings[next(iter(self._recordings))]
        self._recordings[trace_id] = recording

    def _finish(self, recording: AnswerRecording, ended: TurnEnded) -> None:
        """Store the answer of a recorded turn that ended, if it may be stored."""
        why_not = refusal(
            ended,
            recording.question,
            policy=self.policy,
            from_cache=recording.provider == "cache",
            stale=recording.stale,
        )
        if why_not is not None or not isinstance(ended, TurnFinished):
            log.debug("not cached: %s", why_not)
            return
        terms = EntryTerms(created_at=self.clock.wall(), ttl_s=self.ttl_s, tags=self.tags)
        try:
            self._store(recording.entry(ended, terms), recording.vector)
        except Exception as exc:
            self._fail("the cache", exc)

    def _store(self, entry: CacheEntry, vector: bytes | None) -> None:
        served = entry.served_model
        if served is not None and self._versions.get(entry.model) != served:
            self._versions[entry.model] = served
            self.store.invalidate_other_versions(entry.model, served)
        matcher = self.semantic if vector is not None else None
        self.store.put(entry, vector, matcher.embedder_name if matcher else "")
        if matcher is not None and vector is not None:
            matcher.remember(entry.key, entry.scope, vector)

    def _unavailable(self, what: str, exc: Exception, keys: CacheKeys) -> CacheLookup:
        reason = self._fail(what, exc)
        return CacheLookup("unavailable", keys=keys, reason=reason)

    def _fail(self, what: str, exc: Exception) -> str:
        """Log ``exc``, queue the session's one notice, return the one-line reason."""
        if not isinstance(exc, CacheUnavailable):
            log.error("%s failed unexpectedly", what, exc_info=exc)
        reason = one_line(f"{what} is skipped: {str(exc) or type(exc).__name__}")
        if not self._noticed:
            self._noticed, self._notice = True, f"{reason}; answers come live"
        return reason


def _live(entry: CacheEntry, now: float, ttl_s: float | None, age_s: float) -> bool:
    """True when ``entry`` may be served now (not expired, not rejected, within the TTL)."""
    if entry.false_hit:
        return False
    if entry.expires_at is not None and entry.expires_at <= now:
        return False
    return ttl_s is None or age_s <= ttl_s
