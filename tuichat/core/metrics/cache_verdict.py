"""The debug view's cache verdict: does caching work, from the figures the HUD shows.

:func:`cache_verdict` judges a :class:`CacheEvidence` — the response cache's
tally (:class:`~tuichat.core.metrics.cache_tally.CacheTally`), the provider
prompt cache's share and the prompt-cache breaks
(:class:`~tuichat.core.metrics.prompt_cache.PromptCacheBreak`) — and says it
in a verdict, a headline and detail lines, for ``tuichat debug`` and the
debug screen alike.

- ``warn``: a false hit was served (a wrong answer is worse than a slow
  one), the prompt cache broke, or long prompts were hardly read from cache;
- ``ok``: caches were used and nothing of the above happened;
- ``n/a``: nothing to judge by (no lookup, no provider reported its cache).

Model names in the breaks come from the log or the provider: untrusted, so
consumers show the lines as plain text after making them inert.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tuichat.core.metrics.cache_tally import CacheTally, ResponseCacheMode
from tuichat.core.metrics.hud_view import PromptCacheUse
from tuichat.core.metrics.prompt_cache import CACHEABLE_TOKENS, PromptCacheBreak

Verdict = Literal["ok", "warn", "bad", "n/a"]
LONG_PROMPT_WARN = 0.10
"""Below this share of long prompts read from cache, the provider's cache is not working."""
BREAKS_LISTED = 10
"""Breaks listed one per line; the rest are counted."""


@dataclass(frozen=True, slots=True)
class CacheEvidence:
    """What the verdict judges by; None where it is not known."""

    response: CacheTally | None = None
    """The response cache's lookups in scope; None when nobody read them."""
    mode: ResponseCacheMode | None = None
    prompt: PromptCacheUse | None = None
    """Provider prompt-cache tokens in scope; None when no provider reported any."""
    long_prompt_share: float | None = None
    """The cached share of prompts of at least ``CACHEABLE_TOKENS``."""
    breaks: tuple[PromptCacheBreak, ...] | None = None
    """None when the turns could not be read (``breaks_note`` says why)."""
    breaks_note: str | None = None
    stale_offered: int | None = None
    """Earlier answers shown as STALE because every model failed (None: not counted)."""


@dataclass(frozen=True, slots=True)
class CacheVerdict:
    """The cache section: a verdict, a one-line headline, the figures behind it."""

    verdict: Verdict
    headline: str
    details: tuple[str, ...]


def cache_verdict(evidence: CacheEvidence) -> CacheVerdict:
    """Judge ``evidence`` (see the module docstring)."""
    details = (
        *_response_lines(evidence.response, evidence.mode),
        *_prompt_lines(evidence.prompt, evidence.long_prompt_share),
        *_break_lines(evidence.breaks, evidence.breaks_note),
        f"stale answers offered (every model failed): {_count(evidence.stale_offered)}",
    )
    return CacheVerdict(_verdict(evidence), _headline(evidence), details)


def _verdict(e: CacheEvidence) -> Verdict:
    response = e.response if e.response is not None and e.response.lookups else None
    if response is None and e.prompt is None and not e.breaks:
        return "n/a"
    long_cold = e.long_prompt_share is not None and e.long_prompt_share < LONG_PROMPT_WARN
    false_hits = response is not None and response.false_hits > 0
    return "warn" if false_hits or e.breaks or long_cold else "ok"


def _headline(e: CacheEvidence) -> str:
    parts = [f"response cache {_response_short(e.response, e.mode)}"]
    prompt = e.prompt
    share = prompt.share if prompt is not None else None
    parts.append(
        f"prompt cache {_pct(share)}" if share is not None else "prompt cache not reported"
    )
    if e.breaks:
        parts.append(f"{_plural(len(e.breaks), 'break')}{_extra(_sum_extra(e.breaks))}")
    return "cache: " + "; ".join(parts)


def _response_short(tally: CacheTally | None, mode: ResponseCacheMode | None) -> str:
    if mode is not None and not mode.enabled:
        return "off"
    if tally is None:
        return "n/a"
    if tally.hits + tally.misses == 0:
        return "no lookups"
    return f"{_pct(tally.hit_rate)} hits of {tally.hits + tally.misses}"


def _response_lines(tally: CacheTally | None, mode: ResponseCacheMode | None) -> list[str]:
    setup = f"response cache: {mode.label}" if mode is not None else "response cache"
    if tally is None:
        return [f"{setup}: lookups not available from this log"]
    asked = tally.hits + tally.misses
    lines = [
        f"{setup}: {tally.exact} exact + {tally.semantic} semantic hits of {asked} asked"
        f" ({_pct(tally.hit_rate)}); {tally.bypasses} bypassed, {tally.unavailable} unusable"
    ]
    if tally.hits:
        unpriced = (
            f" ({_plural(tally.unpriced_hits, 'hit')} unpriced)" if tally.unpriced_hits else ""
        )
        lines.append(f"saved: {tally.saved_ms / 1000:.2f} s and ${tally.saved_usd:.4f}{unpriced}")
    lines.append(f"false hits (rejected as not what was asked): {tally.false_hits}")
    return lines


def _prompt_lines(prompt: PromptCacheUse | None, long_share: float | None) -> list[str]:
    if prompt is None:
        return ["provider prompt cache: not reported by the providers in scope"]
    long = f"; prompts ≥ {CACHEABLE_TOKENS:,} tokens: {_pct(long_share)}" if long_share else ""
    return [
        f"provider prompt cache: {prompt.cached:,} of {_tokens(prompt.prompt)} prompt tokens"
        f" read from cache ({_pct(prompt.share)}){long}; {prompt.written:,} written"
    ]


def _break_lines(breaks: tuple[PromptCacheBreak, ...] | None, note: str | None) -> list[str]:
    if breaks is None:
        return [f"prompt cache breaks: {note or 'not known'}"]
    if not breaks:
        return ["prompt cache breaks: none"]
    lines = [f"prompt cache broke in {_plural(len(breaks), 'turn')}{_extra(_sum_extra(breaks))}:"]
    lines += [f"  {break_line(b)}" for b in breaks[:BREAKS_LISTED]]
    if len(breaks) > BREAKS_LISTED:
        lines.append(f"  … and {len(breaks) - BREAKS_LISTED} more")
    return lines


def break_line(found: PromptCacheBreak) -> str:
    """``turn 3 (gpt-x): system prompt changed; 1,920 tokens uncached, +$0.0024``."""
    cost = f", +${found.extra_usd:.4f}" if found.extra_usd is not None else ", extra cost unknown"
    return (
        f"turn {found.turn} ({found.model}): {found.detail};"
        f" {found.lost_tokens:,} tokens uncached{cost}"
    )


def _sum_extra(breaks: tuple[PromptCacheBreak, ...]) -> float | None:
    known = [b.extra_usd for b in breaks if b.extra_usd is not None]
    return sum(known) if known else None


def _extra(usd: float | None) -> str:
    return f" (+${usd:.4f} extra)" if usd is not None else ""


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


def _count(value: int | None) -> str:
    return "n/a" if value is None else str(value)


def _tokens(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
