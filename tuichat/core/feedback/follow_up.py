"""When a prompt re-asks an earlier one: a follow-up, the sign an answer did not do.

A prompt is a follow-up of the most similar earlier prompt of the same
session asked within ``window_s`` (on the chat's clock) when their
similarity reaches the threshold of the method used:

* **embedding** (``threshold``, default 0.80): the cosine of the two
  prompts' vectors, from the semantic cache's embedder when the chat has one
  (each prompt is embedded once, when it is asked). With the offline
  WordLlama model, paraphrases score 0.83–1.0 and a different question on
  the same topic ("sort a list" vs "reverse a list") 0.75;
* **words** (``word_threshold``, default 0.6), when there is no embedder or
  it fails: the Jaccard overlap of the two prompts' content-word sets —
  lower-cased words, with common function words ("the", "how", "please")
  left out. "Explain quicksort" / "explain quicksort step by step" is 0.67.

A prompt with no content word ("thanks", "ok, go on", "more") is never a
follow-up, nor followed up: repeating it says nothing about an answer.
The watch keeps only what the window can still match.
"""

from __future__ import annotations

import re
import struct
import unicodedata
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from tuichat.core.feedback.records import SimilarityMethod

Embed = Callable[[str], Awaitable[bytes]]
"""A prompt's unit vector (float32, little-endian bytes); raises when it cannot."""

MIN_WORDS = 1
"""Content words a prompt needs to be compared at all ("thanks, go on" has none)."""
MAX_KEPT = 64
"""Earlier prompts kept for matching, at most (the window usually keeps fewer)."""

_STOP_TEXT = """
a an the and or but of to in on at for with by from into about as is are was were be been am
do does did i me my you your it its this that these those what whats which who how can could
would should will shall may might please thanks thank ok okay yes no so then there here s t
just also again now tell give show go on continue more next sure great cool nice right
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())
"""Words that carry no topic: left out of the word sets."""
_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class FollowUpRules:
    """The window and the thresholds (``[feedback]`` in the config)."""

    window_s: float = 600.0
    threshold: float = 0.80
    word_threshold: float = 0.6


@dataclass(frozen=True, slots=True)
class FollowUp:
    """The prompt re-asks ``follow_up_of`` (a trace id), with this score and method."""

    follow_up_of: str
    similarity: float
    method: SimilarityMethod


@dataclass(frozen=True, slots=True)
class _Asked:
    trace_id: str
    at: float
    words: frozenset[str]
    vector: bytes | None


def content_words(text: str) -> frozenset[str]:
    """The prompt's normalised content words (NFKC, lower case, stop words out)."""
    normal = unicodedata.normalize("NFKC", text).casefold()
    return frozenset(word for word in _WORD.findall(normal) if word not in STOP_WORDS)


def jaccard(left: frozenset[str], right: frozenset[str]) -> float:
    """Shared words over all words (0 when both are empty)."""
    union = len(left | right)
    return len(left & right) / union if union else 0.0


def cosine(left: bytes, right: bytes) -> float | None:
    """The dot product of two unit vectors; None when they cannot be compared."""
    if len(left) != len(right) or not left or len(left) % 4:
        return None
    count = len(left) // 4
    pairs = zip(struct.unpack(f"<{count}f", left), struct.unpack(f"<{count}f", right), strict=True)
    return float(sum(a * b for a, b in pairs))


class FollowUpWatch:
    """One session's recent prompts, and the rule above (see the module doc).

    ``embed`` is optional; after its first failure the watch uses words only.
    """

    def __init__(self, rules: FollowUpRules, embed: Embed | None = None) -> None:
        self.rules = rules
        self._embed = embed
        self._asked: deque[_Asked] = deque(maxlen=MAX_KEPT)

    async def asked(self, trace_id: str, prompt: str, at: float) -> FollowUp | None:
        """Note that ``prompt`` was asked at ``at`` (clock seconds); the follow-up it is, if any."""
        words = content_words(prompt)
        if len(words) < MIN_WORDS:
            return None
        while self._asked and self._asked[0].at < at - self.rules.window_s:
            self._asked.popleft()
        asked = _Asked(trace_id, at, words, await self._vector(prompt))
        found = self._best(asked)
        self._asked.append(asked)
        return found

    async def _vector(self, prompt: str) -> bytes | None:
        if self._embed is None:
            return None
        try:
            return await self._embed(prompt)
        except Exception:  # an embedder that fails once is not asked again
            self._embed = None
            return None

    def _best(self, asked: _Asked) -> FollowUp | None:
        """The earlier prompt that passes its method's threshold with the highest score."""
        best: FollowUp | None = None
        for earlier in self._asked:
            found = self._compare(asked, earlier)
            if found is not None and (best is None or found.similarity > best.similarity):
                best = found
        return best

    def _compare(self, asked: _Asked, earlier: _Asked) -> FollowUp | None:
        score = None
        if asked.vector is not None and earlier.vector is not None:
            score = cosine(asked.vector, earlier.vector)
        if score is not None:
            passed = score >= self.rules.threshold
            return FollowUp(earlier.trace_id, score, "embedding") if passed else None
        overlap = jaccard(asked.words, earlier.words)
        passed = overlap >= self.rules.word_threshold
        return FollowUp(earlier.trace_id, overlap, "words") if passed else None
