"""The slowest requests of a scope, each split into a waterfall as ``debug`` splits time.

The split follows :mod:`tuichat.store.diagnostics.totals` attempt by attempt:
an attempt that ended without a first token spent all its time "failed";
where the server reported its own prefill and generation times those are
used and the rest is network; otherwise network is the time to the
response headers, prefill the headers → first token, generation the rest.
The turn's queue wait (prompt → first attempt) and its earlier attempts
(first attempt → this one) come before.
"""

from __future__ import annotations

import sqlite3

from tuichat.core.metrics.stats_report import SlowRequest
from tuichat.store.stats_sql import RANK_INDEXES, StatsFilter

SLOWEST = 5

_ATTEMPT_SQL = (
    "SELECT a.model, a.provider, a.status, a.started_at, a.ttfb_ms, a.ttft_ms, a.duration_ms,"
    " a.server_prefill_ms, a.server_generation_ms,"
    " (SELECT f.started_at FROM attempts AS f WHERE f.trace_id = a.trace_id AND f.attempt = 1),"
    " (SELECT min(m.created_at) FROM messages AS m WHERE m.trace_id = a.trace_id"
    "  AND m.role = 'user')"
    " FROM attempts AS a WHERE a.trace_id = ? AND a.attempt = ?"
)


def slowest_requests(
    conn: sqlite3.Connection, scope: StatsFilter, limit: int = SLOWEST
) -> tuple[SlowRequest, ...]:
    """The ``limit`` attempts with the longest total latency (any status), slowest first."""
    where, params = scope.where()
    sql = (
        f"SELECT a.trace_id, a.attempt FROM attempts AS a"
        f" {scope.indexed(RANK_INDEXES['latency_ms'])}"
        f" WHERE a.duration_ms IS NOT NULL AND {where} ORDER BY a.duration_ms DESC LIMIT ?"
    )
    keys = conn.execute(sql, (*params, limit)).fetchall()
    found = (_slow_request(conn, str(trace), int(attempt)) for trace, attempt in keys)
    return tuple(request for request in found if request is not None)


def _slow_request(conn: sqlite3.Connection, trace_id: str, attempt: int) -> SlowRequest | None:
    row = conn.execute(_ATTEMPT_SQL, (trace_id, attempt)).fetchone()
    if row is None:
        return None
    model, provider, status, started, ttfb, ttft, duration, prefill, generation, first, asked = row
    duration = _num(duration)
    network, prefill_ms, generation_ms, failed = _split(
        str(status), _opt(ttfb), _opt(ttft), duration, _opt(prefill), _opt(generation)
    )
    first_start = _opt(first) if first is not None else _num(started)
    retries = max(_num(started) - first_start, 0.0) * 1000.0 if first_start is not None else 0.0
    queue = None if asked is None or first_start is None else max(first_start - _num(asked), 0.0)
    queue_ms = None if queue is None else queue * 1000.0
    return SlowRequest(
        trace_id, attempt, str(model), str(provider), str(status),
        (queue_ms or 0.0) + retries + duration, queue_ms, retries,
        network, prefill_ms, generation_ms, failed,
    )  # fmt: skip


def _split(
    status: str,
    ttfb: float | None,
    ttft: float | None,
    duration: float,
    server_prefill: float | None,
    server_generation: float | None,
) -> tuple[float, float, float, float]:
    """``(network, prefill, generation, failed)`` of one attempt, in ms."""
    if status != "ok" and ttft is None:
        return 0.0, 0.0, 0.0, duration
    if server_prefill is not None and server_generation is not None:
        network = max(duration - server_prefill - server_generation, 0.0)
        return network, server_prefill, server_generation, 0.0
    first = ttft if ttft is not None else duration
    head = min(ttfb or 0.0, first)
    return head, max(first - head, 0.0), max(duration - first, 0.0), 0.0


def _opt(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _num(value: object) -> float:
    return float(value) if isinstance(value, int | float) else 0.0
