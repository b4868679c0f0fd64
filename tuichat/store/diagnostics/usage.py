"""Cache and token usage: does caching work, and did the size of turns change.

tuichat's own response cache is read from the log's ``cache_lookups`` (hit
rates are None, not zero, when the scope asked the cache nothing); the
provider's prompt cache is read from the cached-token counts providers report
(or llama.cpp's reused prompt tokens).
A turn's tokens are those of the attempt that answered it; medians come from
whole-token histograms, split into an earlier and a recent half like TTFT.
"""

from __future__ import annotations

import aiosqlite

from tuichat.store.diagnostics import figures as fig
from tuichat.store.diagnostics.distribution import (
    Histogram,
    count_above,
    histogram,
    median,
    merged,
    total,
)
from tuichat.store.diagnostics.model import (
    CacheReport,
    Scope,
    TokenOutlier,
    TokenReport,
    Verdict,
)
from tuichat.store.diagnostics.sql import attempts_in, fetch_all, fetch_one, route_events_in
from tuichat.store.diagnostics.totals import Totals

PROMPT_CACHE_WARN = 0.10
"""Below this share of long-prompt input tokens read from cache, the cache is not working."""
OUTLIER_FACTOR = 2.0
OUTLIER_SHARE_WARN = 0.10
DRIFT_WARN, DRIFT_BAD = 1.5, 3.0
"""Recent median over the earlier half's (or its inverse, for a drop)."""
MAX_OUTLIERS = 5


async def stale_offers(db: aiosqlite.Connection, scope: Scope) -> int:
    """Earlier answers offered (marked STALE) because every model failed."""
    where = route_events_in(scope)
    sql = f"SELECT count(*) FROM route_events AS r WHERE r.kind = 'stale' AND {where.where}"
    row = await fetch_one(db, sql, where.params)
    return 0 if row is None else int(row[0] or 0)


async def response_hit_rates(
    db: aiosqlite.Connection, scope: Scope
) -> tuple[float | None, float | None]:
    """Exact and semantic hits over the lookups the cache could answer (None: none asked)."""
    from tuichat.store.cache_lookups import cache_summary

    try:
        found = await cache_summary(db, scope.since, scope.session_id)
    except Exception:  # a log from before the cache: unknown, not zero
        return None, None
    served = found.hits + found.misses
    if not served:
        return None, None
    return found.exact / served, found.semantic / served


def cache_report(
    totals: Totals,
    stale: int | None = None,
    rates: tuple[float | None, float | None] = (None, None),
) -> CacheReport:
    """The cache section: response-cache hit rates, prompt cache from reported counts."""
    hit = _share(totals.cache_cached_tokens, totals.cache_input_tokens)
    long_hit = _share(totals.long_cached_tokens, totals.long_input_tokens)
    return CacheReport(
        verdict=_cache_verdict(hit, long_hit),
        headline=_cache_headline(hit, totals.cache_input_tokens, stale, rates),
        exact_hit_rate=rates[0],
        semantic_hit_rate=rates[1],
        prompt_input_tokens=totals.cache_input_tokens,
        prompt_cached_tokens=totals.cache_cached_tokens,
        prompt_hit_rate=hit,
        cache_write_tokens=totals.cache_write_tokens,
        long_prompt_hit_rate=long_hit,
        stale_offered=stale,
    )


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole > 0 else None


def _cache_verdict(hit: float | None, long_hit: float | None) -> Verdict:
    if hit is None:
        return "n/a"
    return "warn" if long_hit is not None and long_hit < PROMPT_CACHE_WARN else "ok"


def _cache_headline(
    hit: float | None,
    input_tokens: int,
    stale: int | None,
    rates: tuple[float | None, float | None],
) -> str:
    prompt = (
        "provider prompt cache not reported"
        if hit is None
        else f"provider prompt cache {fig.pct(hit)} of {fig.tokens(input_tokens)} input tokens"
    )
    offers = "stale offers not logged" if stale is None else f"{stale} stale answers offered"
    exact, semantic = rates
    response = (
        "response cache not asked"
        if exact is None or semantic is None
        else f"response cache {fig.pct(exact + semantic)} hits"
    )
    return f"cache: {prompt}; {response}; {offers}"


async def token_halves(
    db: aiosqlite.Connection, scope: Scope, column: str, split_at: float | None
) -> tuple[Histogram, Histogram]:
    """Histograms of ``column`` (input or output tokens) of answering attempts, by half."""
    if column not in ("input_tokens", "output_tokens"):
        raise ValueError(f"not a token column: {column}")
    where = attempts_in(scope)
    sql = (
        f"SELECT a.started_at >= ?, a.{column}, count(*) FROM attempts AS a"
        f" WHERE {where.where} AND +a.status = 'ok' AND a.{column} IS NOT NULL GROUP BY 1, 2"
    )
    split = float("inf") if split_at is None else split_at
    rows = await fetch_all(db, sql, (split, *where.params))
    earlier = histogram((value, n) for recent, value, n in rows if not recent)
    recent = histogram((value, n) for recent, value, n in rows if recent)
    return earlier, recent


async def token_outliers(
    db: aiosqlite.Connection, scope: Scope, median_in: float | None, median_out: float | None
) -> tuple[int, tuple[TokenOutlier, ...]]:
    """How many turns exceed ``OUTLIER_FACTOR`` × a median, and the furthest few."""
    if median_in is None and median_out is None:
        return 0, ()
    where = attempts_in(scope)
    base_in, base_out = max(median_in or 0.0, 1.0), max(median_out or 0.0, 1.0)
    limit_in = OUTLIER_FACTOR * median_in if median_in is not None else float("inf")
    limit_out = OUTLIER_FACTOR * median_out if median_out is not None else float("inf")
    sql = (
        "SELECT count(*) OVER (), a.trace_id, a.model, a.started_at, a.input_tokens,"
        " a.output_tokens"
        f" FROM attempts AS a WHERE {where.where} AND +a.status = 'ok'"
        " AND (a.input_tokens > ? OR a.output_tokens > ?)"
        " ORDER BY max(coalesce(a.input_tokens / ?, 0), coalesce(a.output_tokens / ?, 0)) DESC,"
        " a.started_at LIMIT ?"
    )
    params = (*where.params, limit_in, limit_out, base_in, base_out, MAX_OUTLIERS)
    rows = await fetch_all(db, sql, params)
    found = tuple(TokenOutlier(str(t), str(m), float(at), i, o) for _, t, m, at, i, o in rows)
    return (int(rows[0][0]) if rows else 0), found


def token_report(
    inputs: tuple[Histogram, Histogram],
    outputs: tuple[Histogram, Histogram],
    outliers: tuple[int, tuple[TokenOutlier, ...]],
) -> TokenReport:
    """The tokens section from the earlier/recent histograms of input and output tokens."""
    all_in, all_out = merged(*inputs), merged(*outputs)
    med_in, med_out = median(all_in), median(all_out)
    turns = max(total(all_in), total(all_out))
    above_in = count_above(all_in, OUTLIER_FACTOR * med_in) if med_in is not None else 0
    above_out = count_above(all_out, OUTLIER_FACTOR * med_out) if med_out is not None else 0
    halves = (median(inputs[0]), median(inputs[1]), median(outputs[0]), median(outputs[1]))
    drift = [fig.change(halves[0], halves[1]), fig.change(halves[2], halves[3])]
    above, furthest = outliers
    return TokenReport(
        verdict=_token_verdict(turns, above, drift),
        headline=_token_headline(turns, med_in, med_out, above, drift),
        turns=turns,
        median_input=med_in,
        median_output=med_out,
        earlier_median_input=halves[0],
        recent_median_input=halves[1],
        earlier_median_output=halves[2],
        recent_median_output=halves[3],
        above_input=above_in,
        above_output=above_out,
        outlier_turns=above,
        outlier_factor=OUTLIER_FACTOR,
        outliers=furthest,
    )


def _moved(ratio: float | None) -> float | None:
    """How far a ratio is from 1, either way (0.5 and 2.0 both move by 2×)."""
    if ratio is None or ratio <= 0:
        return None
    return max(ratio, 1 / ratio)


def _token_verdict(turns: int, above: int, drift: list[float | None]) -> Verdict:
    if turns == 0:
        return "n/a"
    moved = max((m for r in drift if (m := _moved(r)) is not None), default=None)
    return fig.worst(
        fig.at_least(moved, DRIFT_WARN, DRIFT_BAD),
        "warn" if above / turns > OUTLIER_SHARE_WARN else "ok",
    )


def _token_headline(
    turns: int, med_in: float | None, med_out: float | None, above: int, drift: list[float | None]
) -> str:
    if turns == 0:
        return "tokens: no answered turns with usage in scope"
    medians = f"median {fig.tokens(med_in)} in / {fig.tokens(med_out)} out per turn"
    outliers = f"{fig.plural(above, 'turn')} above {OUTLIER_FACTOR:g}× median"
    trend = f"recent median in {fig.signed_pct(drift[0])}, out {fig.signed_pct(drift[1])}"
    return f"tokens: {medians}; {outliers}; {trend}"
