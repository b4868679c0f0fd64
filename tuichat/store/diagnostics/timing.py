"""Latency and streaming health: where the time goes, and how first tokens trend.

Queue wait is not logged as such (``Queued`` events never reach the log), but
a turn only starts its first attempt once the client-side limiter lets it
through, so the gap between the prompt and the first attempt *is* the queue
wait. TTFT percentiles come from a whole-millisecond histogram, split at the
scope's median start time into an earlier and a recent half.
"""

from __future__ import annotations

import aiosqlite

from tuichat.store.diagnostics import figures as fig
from tuichat.store.diagnostics.distribution import Histogram, histogram, merged, quantile
from tuichat.store.diagnostics.model import (
    LatencyReport,
    LatencySplit,
    Scope,
    StreamingReport,
    Verdict,
)
from tuichat.store.diagnostics.sql import attempts_in, fetch_all, fetch_one
from tuichat.store.diagnostics.totals import Totals

TTFT_P95_WARN_MS, TTFT_P95_BAD_MS = 2_000.0, 5_000.0
WAITING_WARN, WAITING_BAD = 0.10, 0.30
"""Share of the time spent queued or backing off before retries."""
FAILED_WARN, FAILED_BAD = 0.10, 0.30
"""Share of the time spent in attempts that produced nothing."""
TREND_WARN, TREND_BAD = 1.5, 2.0
"""Recent TTFT p50 over the earlier half's."""
BREAKS_WARN, BREAKS_BAD = 0.02, 0.10
"""Truncated, disconnected or timed-out attempts per attempt."""
SHOWN_SHARE = 0.005
"""Latency components below this share are left out of the headline."""


async def queue_wait_ms(db: aiosqlite.Connection, scope: Scope) -> float:
    """Time between each prompt and its first attempt, summed (ms)."""
    where = attempts_in(scope)
    sql = (
        "SELECT sum(max(a.started_at - m.created_at, 0)) FROM attempts AS a"
        " JOIN messages AS m ON m.trace_id = a.trace_id AND m.role = 'user'"
        f" WHERE {where.where} AND a.attempt = 1"
    )
    row = await fetch_one(db, sql, where.params)
    return 0.0 if row is None or row[0] is None else float(row[0]) * 1000.0


async def ttft_halves(
    db: aiosqlite.Connection, scope: Scope, split_at: float | None
) -> tuple[Histogram, Histogram]:
    """TTFT histograms (whole ms) of attempts started before and from ``split_at``."""
    where = attempts_in(scope)
    sql = (
        "SELECT a.started_at >= ?, CAST(a.ttft_ms + 0.5 AS INTEGER), count(*)"
        f" FROM attempts AS a WHERE {where.where} AND a.ttft_ms IS NOT NULL GROUP BY 1, 2"
    )
    split = float("inf") if split_at is None else split_at
    rows = await fetch_all(db, sql, (split, *where.params))
    earlier = histogram((value, n) for recent, value, n in rows if not recent)
    recent = histogram((value, n) for recent, value, n in rows if recent)
    return earlier, recent


def latency_report(
    totals: Totals, queue_ms: float, retry_wait_ms: float, ttft: Histogram
) -> LatencyReport:
    """The latency section from the shared totals, the queue gap and all TTFTs."""
    split = LatencySplit(
        queue_ms=queue_ms,
        retry_wait_ms=retry_wait_ms,
        network_ms=totals.network_ms,
        prefill_ms=totals.prefill_ms,
        generation_ms=totals.generation_ms,
        failed_ms=totals.failed_ms,
        client_busy_ms=totals.client_busy_ms,
    )
    p50, p95 = quantile(ttft, 0.5), quantile(ttft, 0.95)
    estimated = totals.prefill_estimated > 0
    return LatencyReport(
        verdict=_latency_verdict(split, p95),
        headline=_latency_headline(split, p50, p95, estimated),
        split=split,
        prefill_server_attempts=totals.prefill_server,
        prefill_estimated_attempts=totals.prefill_estimated,
        turns=totals.turns,
        ttft_p50_ms=p50,
        ttft_p95_ms=p95,
    )


def _latency_verdict(split: LatencySplit, p95: float | None) -> Verdict:
    total = split.total_ms
    if total <= 0:
        return "n/a"
    waiting = (split.queue_ms + split.retry_wait_ms) / total
    return fig.worst(
        fig.at_least(p95, TTFT_P95_WARN_MS, TTFT_P95_BAD_MS),
        fig.at_least(waiting, WAITING_WARN, WAITING_BAD),
        fig.at_least(split.failed_ms / total, FAILED_WARN, FAILED_BAD),
    )


def _latency_headline(
    split: LatencySplit, p50: float | None, p95: float | None, estimated: bool
) -> str:
    total = split.total_ms
    if total <= 0:
        return "latency: no timed attempts in scope"
    parts = sorted(split.parts().items(), key=lambda item: -item[1])
    shown = [
        f"{fig.pct(value / total)} {name}{' (est.)' if name == 'prefill' and estimated else ''}"
        for name, value in parts
        if value / total >= SHOWN_SHARE
    ]
    return f"latency: {', '.join(shown)}; TTFT p50 {fig.ms(p50)}, p95 {fig.ms(p95)}"


def streaming_report(totals: Totals, earlier: Histogram, recent: Histogram) -> StreamingReport:
    """The streaming section: TTFT trend by half, and streams that broke off."""
    early_p50, recent_p50 = quantile(earlier, 0.5), quantile(recent, 0.5)
    everything = merged(earlier, recent)
    return StreamingReport(
        verdict=_streaming_verdict(totals, fig.change(early_p50, recent_p50)),
        headline=_streaming_headline(totals, early_p50, recent_p50, quantile(everything, 0.5)),
        streamed=totals.streamed,
        ttft_earlier_p50_ms=early_p50,
        ttft_recent_p50_ms=recent_p50,
        truncated=totals.truncated,
        disconnects=totals.disconnects,
        timeouts=totals.timeouts,
        cancelled=totals.cancelled,
    )


def _breaks(totals: Totals) -> int:
    return totals.truncated + totals.disconnects + totals.timeouts


def _streaming_verdict(totals: Totals, trend: float | None) -> Verdict:
    if totals.streamed == 0 and _breaks(totals) == 0:
        return "n/a"
    return fig.worst(
        fig.at_least(_breaks(totals) / max(totals.attempts, 1), BREAKS_WARN, BREAKS_BAD),
        fig.at_least(trend, TREND_WARN, TREND_BAD),
    )


def _streaming_headline(
    totals: Totals, early: float | None, recent: float | None, overall: float | None
) -> str:
    if totals.streamed == 0 and _breaks(totals) == 0:
        return "streaming: no streamed attempts in scope"
    if early is not None and recent is not None:
        ratio = fig.change(early, recent)
        trend = f"TTFT p50 {fig.ms(early)} → {fig.ms(recent)} ({fig.signed_pct(ratio)})"
    else:
        trend = f"TTFT p50 {fig.ms(overall)} (too few attempts for a trend)"
    broken = (
        f"{fig.count(totals.truncated)} truncated, {fig.plural(totals.disconnects, 'disconnect')},"
        f" {fig.plural(totals.timeouts, 'timeout')}, {fig.count(totals.cancelled)} cancelled"
    )
    return f"streaming: {trend}; {broken}"
