"""Nearest-rank percentiles and histograms read straight from the rank indexes.

Each metric has an index ordered by its value, with the filter columns
beside it (``m014_stats_indexes``). The value at rank r of the filtered rows
is then ``ORDER BY value LIMIT 1 OFFSET r-1``: SQLite steps r index entries,
checking the filter on each, without sorting and without reading the table.
A rank in the upper half is read from the other end (``DESC``, offset
n − r), so p95 and p99 step only 5 % and 1 % of the rows. The result is the
exact nearest-rank percentile (:mod:`tuichat.core.metrics.percentiles`) —
no bucketing, no sampling.

A histogram counts each bucket as a range of the same index; the buckets
together cover the index once.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Sequence

from tuichat.core.metrics.percentiles import REPORTED, nearest_rank
from tuichat.core.metrics.stats_report import Distribution, Histogram
from tuichat.store.stats_sql import (
    LATENCY_ROWS,
    RANK_INDEXES,
    SPEED_ROWS,
    TOKENS_PER_S,
    TTFT_ROWS,
    StatsFilter,
)

METRICS = {
    "ttft_ms": ("ttft_ms", TTFT_ROWS),
    "latency_ms": ("duration_ms", LATENCY_ROWS),
    "tokens_per_s": (TOKENS_PER_S, SPEED_ROWS),
}
"""Metric → (the SQL value, which attempts it ranks)."""

LATENCY_EDGES_MS = (
    0.0, 100.0, 200.0, 300.0, 500.0, 700.0, 1_000.0, 1_500.0, 2_000.0, 3_000.0, 5_000.0,
    7_000.0, 10_000.0, 15_000.0, 20_000.0, 30_000.0, 60_000.0,
)  # fmt: skip
"""Histogram buckets for TTFT and total latency (the last one is open-ended)."""


def distribution(conn: sqlite3.Connection, metric: str, n: int, scope: StatsFilter) -> Distribution:
    """p50/p95/p99 of ``metric`` over the ``n`` ranked attempts in ``scope``."""
    if n == 0:
        return Distribution()
    values = [value_at_rank(conn, metric, nearest_rank(n, p), n, scope) for p in REPORTED]
    return Distribution(n, *values)


def value_at_rank(
    conn: sqlite3.Connection, metric: str, rank: int, n: int, scope: StatsFilter
) -> float | None:
    """The ``metric`` value at 1-based ``rank`` of ``n`` (ascending), read from the nearer end."""
    value, rows = METRICS[metric]
    where, params = scope.where()
    ascending = rank <= n - rank + 1
    offset = rank - 1 if ascending else n - rank
    sql = (
        f"SELECT {value} FROM attempts AS a {scope.indexed(RANK_INDEXES[metric])}"
        f" WHERE {rows} AND {where}"
        f" ORDER BY {value} {'ASC' if ascending else 'DESC'} LIMIT 1 OFFSET ?"
    )
    row = conn.execute(sql, (*params, offset)).fetchone()
    return None if row is None else float(row[0])


def histogram(
    conn: sqlite3.Connection,
    metric: str,
    scope: StatsFilter,
    edges: Sequence[float] = LATENCY_EDGES_MS,
) -> Histogram:
    """How many ranked attempts fall in each bucket ``[edges[i], edges[i+1])`` (last: open)."""
    value, rows = METRICS[metric]
    where, params = scope.where()
    sql = (
        f"SELECT count(*) FROM attempts AS a {scope.indexed(RANK_INDEXES[metric])}"
        f" WHERE {rows} AND {where} AND {value} >= ? AND {value} < ?"
    )
    bounds = [*edges, float("inf")]
    counts = [
        int(conn.execute(sql, (*params, low, high)).fetchone()[0])
        for low, high in itertools.pairwise(bounds)
    ]
    return Histogram(tuple(edges), tuple(counts))
