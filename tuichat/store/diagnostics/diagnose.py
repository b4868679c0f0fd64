"""Answer the operator's checklist for one scope: the queries, then the sections.

Queries run one after another on the caller's connection (aiosqlite runs
them in its thread, so the event loop never waits on SQLite). Each reads the
scope once; the shared sums come from a single pass (:mod:`.totals`), and
distributions from ``GROUP BY`` histograms, never from sorting every row.
"""

from __future__ import annotations

import time

import aiosqlite

from tuichat.store.diagnostics.distribution import median, merged
from tuichat.store.diagnostics.failures import (
    error_buckets,
    error_report,
    errors_by_model,
    errors_by_type,
)
from tuichat.store.diagnostics.limits import (
    RetryCauses,
    fallbacks_after_429,
    latest_limits,
    rate_limit_report,
    retry_causes,
)
from tuichat.store.diagnostics.model import (
    Diagnosis,
    ErrorReport,
    RateLimitReport,
    Scope,
    TokenReport,
)
from tuichat.store.diagnostics.sql import attempts_in, fetch_one
from tuichat.store.diagnostics.timing import (
    latency_report,
    queue_wait_ms,
    streaming_report,
    ttft_halves,
)
from tuichat.store.diagnostics.totals import Totals, scope_totals
from tuichat.store.diagnostics.usage import (
    cache_report,
    response_hit_rates,
    stale_offers,
    token_halves,
    token_outliers,
    token_report,
)


async def diagnose(
    db: aiosqlite.Connection, scope: Scope, *, now: float | None = None
) -> Diagnosis:
    """The whole diagnosis of ``scope``; ``now`` stamps it (defaults to the wall clock)."""
    totals = await scope_totals(db, scope)
    split_at = await median_start(db, scope, totals.attempts)
    retries = await retry_causes(db, scope)
    earlier, recent = await ttft_halves(db, scope, split_at)
    queue_ms = await queue_wait_ms(db, scope)
    return Diagnosis(
        scope=scope,
        generated_at=time.time() if now is None else now,
        attempts=totals.attempts,
        latency=latency_report(totals, queue_ms, retries.wait_s * 1000, merged(earlier, recent)),
        rate_limits=await _rate_limits(db, scope, totals, retries),
        cache=cache_report(
            totals, await stale_offers(db, scope), await response_hit_rates(db, scope)
        ),
        errors=await _errors(db, scope, totals),
        streaming=streaming_report(totals, earlier, recent),
        tokens=await _tokens(db, scope, split_at),
    )


async def median_start(db: aiosqlite.Connection, scope: Scope, attempts: int) -> float | None:
    """The start time that splits the scope's attempts into an earlier and a recent half."""
    if attempts < 2:
        return None
    where = attempts_in(scope)
    sql = (
        f"SELECT a.started_at FROM attempts AS a WHERE {where.where}"
        " ORDER BY a.started_at LIMIT 1 OFFSET ?"
    )
    row = await fetch_one(db, sql, (*where.params, attempts // 2))
    return None if row is None else float(row[0])


async def _rate_limits(
    db: aiosqlite.Connection, scope: Scope, totals: Totals, retries: RetryCauses
) -> RateLimitReport:
    fallbacks = await fallbacks_after_429(db, scope)
    return rate_limit_report(totals, retries, fallbacks, await latest_limits(db, scope))


async def _errors(db: aiosqlite.Connection, scope: Scope, totals: Totals) -> ErrorReport:
    by_type = await errors_by_type(db, scope)
    by_model = await errors_by_model(db, scope)
    return error_report(totals, by_type, by_model, await error_buckets(db, scope))


async def _tokens(db: aiosqlite.Connection, scope: Scope, split_at: float | None) -> TokenReport:
    inputs = await token_halves(db, scope, "input_tokens", split_at)
    outputs = await token_halves(db, scope, "output_tokens", split_at)
    medians = median(merged(*inputs)), median(merged(*outputs))
    outliers = await token_outliers(db, scope, *medians)
    return token_report(inputs, outputs, outliers)
