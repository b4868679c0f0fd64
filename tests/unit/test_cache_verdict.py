"""The debug view's cache verdict: the same figures as the HUD, in words."""

from __future__ import annotations

from tuichat.core.metrics.cache_tally import CacheTally, ResponseCacheMode
from tuichat.core.metrics.cache_verdict import CacheEvidence, cache_verdict
from tuichat.core.metrics.hud_view import PromptCacheUse
from tuichat.core.metrics.prompt_cache import PromptCacheBreak

SEMANTIC = ResponseCacheMode(enabled=True, semantic=True, threshold=0.9)


def a_break(turn: int, extra: float | None) -> PromptCacheBreak:
    return PromptCacheBreak(
        trace_id=f"t-{turn}",
        session_id="s",
        turn=turn,
        model="gpt-x",
        cause="history",
        detail="history: 2 messages dropped at the front",
        due_tokens=1920,
        cached_tokens=20,
        extra_usd=extra,
    )


def test_nothing_to_judge_by_is_not_applicable() -> None:
    verdict = cache_verdict(CacheEvidence())
    assert verdict.verdict == "n/a"
    assert verdict.headline == "cache: response cache n/a; prompt cache not reported"
    assert verdict.details == (
        "response cache: lookups not available from this log",
        "provider prompt cache: not reported by the providers in scope",
        "prompt cache breaks: not known",
        "stale answers offered (every model failed): n/a",
    )


def test_working_caches_are_ok_with_every_figure() -> None:
    tally = CacheTally(exact=3, semantic=1, misses=4, bypasses=2, saved_ms=2500.0, saved_usd=0.02)
    evidence = CacheEvidence(
        response=tally,
        mode=SEMANTIC,
        prompt=PromptCacheUse(cached=1500, written=300, prompt=2000),
        long_prompt_share=0.8,
        breaks=(),
        stale_offered=0,
    )
    verdict = cache_verdict(evidence)
    assert verdict.verdict == "ok"
    assert verdict.headline == "cache: response cache 50% hits of 8; prompt cache 75%"
    assert verdict.details[:5] == (
        "response cache: exact+semantic ≥0.90: 3 exact + 1 semantic hits of 8 asked (50%);"
        " 2 bypassed, 0 unusable",
        "saved: 2.50 s and $0.0200",
        "false hits (rejected as not what was asked): 0",
        "provider prompt cache: 1,500 of 2,000 prompt tokens read from cache (75%);"
        " prompts ≥ 1,024 tokens: 80%; 300 written",
        "prompt cache breaks: none",
    )


def test_breaks_and_false_hits_warn_with_the_cause_and_the_extra_cost() -> None:
    evidence = CacheEvidence(
        response=CacheTally(exact=2, false_hits=1, unpriced_hits=1, saved_usd=0.01),
        mode=ResponseCacheMode(enabled=True),
        breaks=(a_break(3, 0.0024), a_break(7, None)),
    )
    verdict = cache_verdict(evidence)
    assert verdict.verdict == "warn"
    assert verdict.headline == (
        "cache: response cache 100% hits of 2; prompt cache not reported; 2 breaks (+$0.0024 extra)"
    )
    assert "saved: 0.00 s and $0.0100 (1 hit unpriced)" in verdict.details
    assert "false hits (rejected as not what was asked): 1" in verdict.details
    at = verdict.details.index("prompt cache broke in 2 turns (+$0.0024 extra):")
    assert verdict.details[at + 1 : at + 3] == (
        "  turn 3 (gpt-x): history: 2 messages dropped at the front; 1,900 tokens uncached,"
        " +$0.0024",
        "  turn 7 (gpt-x): history: 2 messages dropped at the front; 1,900 tokens uncached,"
        " extra cost unknown",
    )


def test_an_off_cache_and_cold_long_prompts() -> None:
    evidence = CacheEvidence(
        mode=ResponseCacheMode(enabled=False),
        response=CacheTally(),
        prompt=PromptCacheUse(cached=10, written=0, prompt=5000),
        long_prompt_share=0.02,
        breaks=None,
        breaks_note="cannot read the logged turns (disk I/O error)",
    )
    verdict = cache_verdict(evidence)
    assert verdict.verdict == "warn"
    assert verdict.headline.startswith("cache: response cache off;")
    assert "prompt cache breaks: cannot read the logged turns (disk I/O error)" in verdict.details
