"""Errors: what fails, on which provider/model, and when it bunched up.

Counts branch on the logged ``error_type`` (the provider error taxonomy),
never on message text. A spike is a time bucket whose error rate stands well
above the scope's own rate, so a steadily bad provider is "bad", not "spiky".
"""

from __future__ import annotations

import aiosqlite

from tuichat.store.diagnostics import figures as fig
from tuichat.store.diagnostics.model import (
    ErrorCount,
    ErrorReport,
    ErrorSpike,
    ModelErrors,
    Scope,
    Verdict,
)
from tuichat.store.diagnostics.sql import FAILED_STATUSES, attempts_in, fetch_all
from tuichat.store.diagnostics.totals import Totals

BUCKET_S = 300.0
"""Error spikes are looked for in 5-minute buckets (aligned to the epoch)."""
SPIKE_MIN_ERRORS = 3
SPIKE_FACTOR = 2.0
SPIKE_MIN_EXCESS = 0.2
"""A spike: at least 3 errors and a rate at least 2× the scope's and 20 points above it."""
RATE_WARN, RATE_BAD = 0.05, 0.20
MAX_MODELS = 10
MAX_SPIKES = 5


async def errors_by_type(db: aiosqlite.Connection, scope: Scope) -> tuple[ErrorCount, ...]:
    """Failed attempts per error type, most frequent first, with the latest message."""
    where = attempts_in(scope)
    # SQLite fills bare columns from the row holding max(): the latest message.
    sql = (
        "SELECT coalesce(a.error_type, 'unknown'), count(*), a.error_message, max(a.started_at)"
        f" FROM attempts AS a WHERE {where.where} AND +a.status IN {FAILED_STATUSES}"
        " GROUP BY 1 ORDER BY 2 DESC, 1"
    )
    rows = await fetch_all(db, sql, where.params)
    return tuple(ErrorCount(str(kind), int(n), message) for kind, n, message, _ in rows)


async def errors_by_model(db: aiosqlite.Connection, scope: Scope) -> tuple[ModelErrors, ...]:
    """Attempts and failures per provider/model, the most failing first."""
    where = attempts_in(scope)
    sql = (
        f"SELECT a.provider, a.model, count(*), sum(a.status IN {FAILED_STATUSES})"
        f" FROM attempts AS a WHERE {where.where} GROUP BY 1, 2"
        " ORDER BY 4 DESC, 3 DESC, 1, 2 LIMIT ?"
    )
    rows = await fetch_all(db, sql, (*where.params, MAX_MODELS))
    return tuple(ModelErrors(str(p), str(m), int(n), int(f)) for p, m, n, f in rows)


async def error_buckets(db: aiosqlite.Connection, scope: Scope) -> list[ErrorSpike]:
    """Attempts and errors per time bucket, oldest first."""
    where = attempts_in(scope)
    sql = (
        "SELECT CAST(a.started_at / ? AS INTEGER), count(*),"
        f" sum(a.status IN {FAILED_STATUSES})"
        f" FROM attempts AS a WHERE {where.where} GROUP BY 1 ORDER BY 1"
    )
    rows = await fetch_all(db, sql, (BUCKET_S, *where.params))
    return [ErrorSpike(bucket * BUCKET_S, int(n), int(e)) for bucket, n, e in rows]


def spikes(buckets: list[ErrorSpike], overall: float) -> tuple[ErrorSpike, ...]:
    """Buckets whose error rate stands well above ``overall``, worst first."""
    found = [
        bucket
        for bucket in buckets
        if bucket.errors >= SPIKE_MIN_ERRORS
        and bucket.rate >= SPIKE_FACTOR * overall
        and bucket.rate - overall >= SPIKE_MIN_EXCESS
    ]
    found.sort(key=lambda spike: (-spike.rate, -spike.errors, spike.start))
    return tuple(found[:MAX_SPIKES])


def error_report(
    totals: Totals,
    by_type: tuple[ErrorCount, ...],
    by_model: tuple[ModelErrors, ...],
    buckets: list[ErrorSpike],
) -> ErrorReport:
    """The errors section from the queries above."""
    rate = totals.failed / totals.attempts if totals.attempts else None
    found = spikes(buckets, rate or 0.0)
    return ErrorReport(
        verdict=_error_verdict(rate, found),
        headline=_error_headline(totals, rate, by_type, found),
        attempts=totals.attempts,
        failed=totals.failed,
        error_rate=rate,
        by_type=by_type,
        by_model=by_model,
        bucket_s=BUCKET_S,
        spikes=found,
    )


def _error_verdict(rate: float | None, found: tuple[ErrorSpike, ...]) -> Verdict:
    if rate is None:
        return "n/a"
    return fig.worst(fig.at_least(rate, RATE_WARN, RATE_BAD), "warn" if found else "ok")


def _error_headline(
    totals: Totals,
    rate: float | None,
    by_type: tuple[ErrorCount, ...],
    found: tuple[ErrorSpike, ...],
) -> str:
    if rate is None:
        return "errors: no attempts in scope"
    text = f"errors: {fig.pct(rate)} of {fig.plural(totals.attempts, 'attempt')} failed"
    if by_type:
        text += " (" + ", ".join(f"{e.error_type} ×{e.count}" for e in by_type[:3]) + ")"
    if found:
        text += f"; {fig.plural(len(found), 'spike')}, worst at {fig.utc(found[0].start)}"
    return text
