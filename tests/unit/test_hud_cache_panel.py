"""The HUD's cache panel: response-cache tallies, the prompt-cache share, breaks."""

from __future__ import annotations

import pytest

from tests.helpers.prompt_turns import PromptTurns, observe_all, request
from tuichat.core import events as ev
from tuichat.core.clock import ManualClock
from tuichat.core.metrics.cache_tally import CacheTally, CacheTallyCounter, ResponseCacheMode
from tuichat.core.metrics.hud_view import CacheView
from tuichat.core.metrics.session_metrics import SessionMetrics
from tuichat.ui.widgets.hud_cache_lines import cache_headline, cache_lines
from tuichat.ui.widgets.hud_text import WARNING

WIDTH = 26
"""The panel's width in the default 28-column HUD."""
SEMANTIC = ResponseCacheMode(enabled=True, semantic=True, threshold=0.9)


def lookup(clock: ManualClock, verdict: ev.CacheVerdict, **fields: object) -> ev.CacheLookedUp:
    clock.advance(1.0)
    return ev.CacheLookedUp(trace_id="t", ts=clock.now(), verdict=verdict, **fields)  # type: ignore[arg-type]


def lookups(clock: ManualClock) -> list[ev.CacheLookedUp]:
    """2 exact and 1 semantic hit, 2 misses, a bypass that rejects a hit, one unusable."""
    return [
        lookup(clock, "exact", saved_ms=800.0, saved_usd=0.01),
        lookup(clock, "exact", saved_ms=400.0, saved_usd=None),
        lookup(clock, "semantic", similarity=0.93, saved_ms=50.0, saved_usd=0.002),
        lookup(clock, "miss"),
        lookup(clock, "miss", reason="numbers differ: 5 vs 7"),
        lookup(clock, "bypass", rejects="k-1"),
        lookup(clock, "unavailable", reason="corrupt row"),
    ]


def text(view: CacheView) -> list[str]:
    """The panel's lines as plain text (styles dropped)."""
    return [
        "".join(part if isinstance(part, str) else part[0] for part in line)
        for line in cache_lines(view, WIDTH)
    ]


def snapshot(metrics: SessionMetrics, **kwargs: object) -> CacheView:
    return metrics.hud_snapshot(0.0, {}, **kwargs).cache  # type: ignore[arg-type]


def test_the_tally_counts_verdicts_savings_and_false_hits() -> None:
    counter = CacheTallyCounter()
    for event in lookups(ManualClock()):
        counter.observe(event)
    tally = counter.tally()
    assert (tally.exact, tally.semantic, tally.misses) == (2, 1, 2)
    assert (tally.bypasses, tally.unavailable, tally.false_hits) == (1, 1, 1)
    assert tally.hit_rate == pytest.approx(3 / 5) and tally.lookups == 7
    assert tally.saved_ms == pytest.approx(1250.0)
    assert tally.saved_usd == pytest.approx(0.012) and tally.unpriced_hits == 1
    assert counter.tally() is tally  # built once per change


def test_mode_labels() -> None:
    assert ResponseCacheMode(enabled=False).label == "off"
    assert ResponseCacheMode(enabled=True).label == "exact"
    assert SEMANTIC.label == "exact+semantic ≥0.90"
    assert SEMANTIC.short_label == "exact+sem ≥0.90"
    wide = cache_lines(snapshot(SessionMetrics(cache_mode=SEMANTIC)), 40)
    assert wide[0][1] == "exact+semantic ≥0.90"


def test_the_panel_with_the_cache_off_and_no_prompt_cache_says_so() -> None:
    metrics = SessionMetrics(cache_mode=ResponseCacheMode(enabled=False))
    view = snapshot(metrics)
    assert text(view) == ["response  off", "prompt    not reported"]
    assert cache_headline(view) == "prompt –"


def test_the_panel_before_the_app_says_how_the_cache_is_set_up() -> None:
    assert text(snapshot(SessionMetrics()))[0] == "response  no lookups yet"


def test_the_panel_with_hits_today_and_the_prompt_cache() -> None:
    clock = ManualClock()
    metrics = SessionMetrics(cache_mode=SEMANTIC)
    observe_all(metrics, lookups(clock))
    turns = PromptTurns(clock=clock)
    observe_all(metrics, turns.turn(request("m", "S", "u"), input_tokens=2000, cached=1500))
    today = CacheTally(exact=10, misses=30)
    view = snapshot(metrics, cache_today=today)
    assert text(view) == [
        "response  exact+sem ≥0.90",
        "hits      3/5 60% · 1 sem",
        "today     10/40 25%",
        "saved     1.25 s · ≥$0.012",
        "false     1 of 3 hits",
        "prompt    75% · sess 75%",
    ]
    assert cache_headline(view) == "hits 60% · prompt 75%"


def test_a_broken_prompt_cache_is_one_amber_line_then_a_count() -> None:
    turns = PromptTurns()
    metrics = SessionMetrics(cache_mode=ResponseCacheMode(enabled=False))
    observe_all(
        metrics,
        turns.turn(request("m", "S", "u1"), model="m", input_tokens=2000, cached=0),
        turns.turn(request("m", "S", "u1", "a", "u2"), model="m", input_tokens=2100, cached=1920),
        turns.turn(request("m", "T", "u1", "a", "u2", "b", "u3"), model="m", input_tokens=2200,
                   cached=0),
    )  # fmt: skip
    view = snapshot(metrics)
    *_, last = cache_lines(view, WIDTH)
    assert text(view)[-1] == "broken    system +$0.0024"
    assert last[-1] == ("system +$0.0024", WARNING)
    assert cache_headline(view) == "prompt cache broken"
    observe_all(metrics, turns.turn(request("m", "T", "u1", "a", "u2", "b", "u3", "c", "u4"),
                                    model="m", input_tokens=2300, cached=2100))  # fmt: skip
    assert text(snapshot(metrics))[-1] == "breaks    1 · +$0.0024"
