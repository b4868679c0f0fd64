"""Rate limits: 429s and quota errors, what they made the router do, what is left.

Retries and fallbacks are tied to their cause by joining the route event to
the attempt that failed: a retry names its attempt; a fallback follows the
last attempt started before it. The headroom is the latest rate-limit
reading per model, from the ``rate_limit`` route events.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import aiosqlite

from tuichat.store.diagnostics import figures as fig
from tuichat.store.diagnostics.model import (
    LimitReading,
    ModelLimits,
    RateLimitReport,
    Scope,
    Verdict,
)
from tuichat.store.diagnostics.sql import (
    IS_RATE_LIMITED,
    RATE_LIMIT_TYPES,
    fetch_all,
    fetch_one,
    route_events_in,
)
from tuichat.store.diagnostics.totals import Totals

SHARE_BAD = 0.10
"""429s per attempt at which being rate limited is the story, not an incident."""
HEADROOM_WARN = 0.10
"""A window with less than this fraction left is about to be hit."""


@dataclass(frozen=True, slots=True)
class RetryCauses:
    """The scope's retries: how many, the back-off before them, how many followed a 429."""

    retries: int = 0
    wait_s: float = 0.0
    after_429: int = 0


async def retry_causes(db: aiosqlite.Connection, scope: Scope) -> RetryCauses:
    """Count retries and their waits; tie each to the attempt it retried.

    ``detail`` is JSON the writer made, but the log is read as hostile input:
    a malformed row must not fail the query, so it is checked before parsing.
    """
    where = route_events_in(scope)
    sql = (
        "SELECT count(*),"
        " sum(CASE WHEN json_valid(r.detail) THEN json_extract(r.detail, '$.wait_s') END),"
        f" sum({IS_RATE_LIMITED})"
        " FROM route_events AS r LEFT JOIN attempts AS a"
        " ON a.trace_id = r.trace_id AND a.attempt = r.attempt"
        f" WHERE r.kind = 'retry' AND {where.where}"
    )
    row = await fetch_one(db, sql, where.params) or (0, 0, 0)
    return RetryCauses(int(row[0] or 0), _number(row[1]), int(row[2] or 0))


async def fallbacks_after_429(db: aiosqlite.Connection, scope: Scope) -> int:
    """Fallbacks whose last attempt before them was rate limited."""
    where = route_events_in(scope)
    sql = (
        f"SELECT count(*) FROM route_events AS r WHERE r.kind = 'fallback' AND {where.where}"
        f" AND (SELECT a.error_type IN {RATE_LIMIT_TYPES} FROM attempts AS a"
        "  WHERE a.trace_id = r.trace_id AND a.started_at <= r.at"
        "  ORDER BY a.attempt DESC LIMIT 1)"
    )
    row = await fetch_one(db, sql, where.params)
    return 0 if row is None else int(row[0] or 0)


async def latest_limits(db: aiosqlite.Connection, scope: Scope) -> tuple[ModelLimits, ...]:
    """The latest rate-limit reading of each model in the scope."""
    where = route_events_in(scope)
    # SQLite fills bare columns from the row holding max(): the latest reading.
    sql = (
        "SELECT a.model, r.detail, max(r.at) FROM route_events AS r"
        " JOIN attempts AS a ON a.trace_id = r.trace_id AND a.attempt = r.attempt"
        f" WHERE r.kind = 'rate_limit' AND {where.where} GROUP BY a.model ORDER BY a.model"
    )
    rows = await fetch_all(db, sql, where.params)
    readings = (_reading(str(model), str(detail), float(at)) for model, detail, at in rows)
    return tuple(reading for reading in readings if reading is not None)


def _reading(model: str, detail: str, at: float) -> ModelLimits | None:
    """Parse one ``rate_limit`` detail; None for a row that is not what the writer makes."""
    try:
        data = json.loads(detail)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    windows = tuple(
        LimitReading(str(name), _int(value.get("limit")), _int(value.get("remaining")))
        for name, value in data.items()
        if name != "source" and isinstance(value, dict)
    )
    return ModelLimits(model, at, str(data.get("source", "unknown")), windows)


def rate_limit_report(
    totals: Totals, retries: RetryCauses, fallbacks: int, latest: tuple[ModelLimits, ...]
) -> RateLimitReport:
    """The rate-limits section from the totals, the route events and the readings."""
    return RateLimitReport(
        verdict=_verdict(totals, latest),
        headline=_headline(totals, retries, fallbacks, latest),
        attempts=totals.attempts,
        rate_limited=totals.rate_limited,
        quota_errors=totals.quota_errors,
        retries_after_429=retries.after_429,
        fallbacks_after_429=fallbacks,
        latest=latest,
    )


def _tightest(latest: tuple[ModelLimits, ...]) -> tuple[ModelLimits, float] | None:
    known = [(limits, f) for limits in latest if (f := limits.tightest_fraction()) is not None]
    return min(known, key=lambda pair: pair[1], default=None)


def _verdict(totals: Totals, latest: tuple[ModelLimits, ...]) -> Verdict:
    if totals.attempts == 0 and not latest:
        return "n/a"
    tightest = _tightest(latest)
    headroom = None if tightest is None else tightest[1]
    share = totals.rate_limited / max(totals.attempts, 1)
    if totals.quota_errors or share >= SHARE_BAD or headroom == 0:
        return "bad"
    low = headroom is not None and headroom < HEADROOM_WARN
    return "warn" if totals.rate_limited or low else "ok"


def _headline(
    totals: Totals, retries: RetryCauses, fallbacks: int, latest: tuple[ModelLimits, ...]
) -> str:
    if totals.attempts == 0 and not latest:
        return "rate limits: no attempts in scope"
    if totals.rate_limited:
        quota = f" ({totals.quota_errors} quota)" if totals.quota_errors else ""
        caused = f"{fig.plural(retries.after_429, 'retry')}, {fig.plural(fallbacks, 'fallback')}"
        text = f"rate limits: {fig.count(totals.rate_limited)} × 429{quota} → {caused}"
    else:
        text = "rate limits: no 429s"
    tightest = _tightest(latest)
    if tightest is None:
        return f"{text}; no rate-limit headers seen"
    limits, _ = tightest
    return f"{text}; tightest: {limits.model} {_window_text(limits)}"


def _window_text(limits: ModelLimits) -> str:
    """``requests 1/60 left`` for the window with the least left."""
    known = [w for w in limits.windows if w.limit is not None and w.remaining is not None]
    window = min(known, key=lambda w: 0.0 if not w.limit else (w.remaining or 0) / w.limit)
    return f"{window.window} {window.remaining}/{window.limit} left"


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _number(value: object) -> float:
    """A JSON number from the log, or 0 for anything else (null, text, garbage)."""
    return float(value) if isinstance(value, int | float) else 0.0
