"""Open the log for stats and assemble one :class:`StatsReport` from the stats queries.

The log is read through a read-only connection. A log that predates
``m014_stats_indexes`` is migrated first (once; on a large log building the
indexes takes a few seconds and the caller is told), because without them
a million-row report takes many seconds instead of well under one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from tuichat.core.metrics.stats_report import DayCount, GroupCost, Histogram, StatsReport
from tuichat.store.migrations import check_not_newer
from tuichat.store.stats_feedback import feedback_figures
from tuichat.store.stats_ranks import distribution, histogram
from tuichat.store.stats_read import (
    ModelRow,
    cache_figures,
    day_counts,
    endpoints,
    error_rows,
    first_and_last,
    model_rows,
    queue_figures,
    retry_count,
    session_group_costs,
)
from tuichat.store.stats_slowest import slowest_requests
from tuichat.store.stats_sql import RATE_LIMIT_TYPES, STATS_MIGRATION, StatsFilter

BUSY_TIMEOUT_MS = 2000


def open_stats_log(
    path: Path, notice: Callable[[str], None] = lambda _: None
) -> sqlite3.Connection:
    """A read-only connection to ``path`` with the stats indexes (migrating once if needed).

    Raises ``sqlite3.Error``/``OSError`` when the file cannot be read and
    :class:`~tuichat.store.errors.NewerLogError` for a log of a newer tuichat.
    """
    conn = _read_only(path)
    try:
        check_not_newer(conn, f"the log at {path}")
        if _has_stats_indexes(conn):
            return conn
    except BaseException:
        conn.close()
        raise
    conn.close()
    notice("building the stats indexes (once; a large log takes a few seconds)")
    from tuichat.store.database import open_database_sync

    open_database_sync(path).close()
    return _read_only(path)


def _read_only(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path.absolute().as_uri() + "?mode=ro", uri=True)
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return conn


def _has_stats_indexes(conn: sqlite3.Connection) -> bool:
    try:
        found = conn.execute("SELECT 1 FROM _migrations WHERE name = ?", (STATS_MIGRATION,))
    except sqlite3.OperationalError:  # no _migrations table: a blank or foreign file
        return False
    return found.fetchone() is not None


def read_stats(
    conn: sqlite3.Connection,
    scope: StatsFilter,
    *,
    label: str,
    by: str = "model",
    charts: bool = False,
    now: float,
) -> StatsReport:
    """The whole report of ``scope``; ``charts`` adds the TTFT and latency histograms."""
    models = model_rows(conn, scope)
    errors = error_rows(conn, scope)
    requests = sum(row.requests for row in models)
    by_type: dict[str, int] = {}
    for err in errors:
        by_type[err.error_type] = by_type.get(err.error_type, 0) + err.count
    bounds = first_and_last(conn, scope)
    days = day_counts(conn, scope, *bounds, cost=by == "day") if bounds else ()
    inputs, outputs = sum(r.input_count for r in models), sum(r.output_count for r in models)
    return StatsReport(
        scope=label,
        requests=requests,
        failed=sum(by_type.values()),
        errors=dict(sorted(by_type.items(), key=lambda item: (-item[1], item[0]))),
        rate_limited=sum(e.count for e in errors if e.error_type in RATE_LIMIT_TYPES or e.http_429),
        retries=retry_count(conn, scope),
        input_tokens_avg=sum(r.input_tokens for r in models) / inputs if inputs else None,
        output_tokens_avg=sum(r.output_tokens for r in models) / outputs if outputs else None,
        ttft_ms=distribution(conn, "ttft_ms", sum(r.ttft_n for r in models), scope),
        latency_ms=distribution(conn, "latency_ms", sum(r.latency_n for r in models), scope),
        tokens_per_s=distribution(conn, "tokens_per_s", sum(r.speed_n for r in models), scope),
        slowest=slowest_requests(conn, scope),
        cache=cache_figures(conn, scope),
        queue=queue_figures(conn, scope),
        endpoints=endpoints(models, errors),
        by=by,
        costs=_costs(conn, scope, by, models, days),
        cost_usd=sum(row.cost_usd for row in models),
        days=days,
        feedback=feedback_figures(conn, scope),
        histograms=_histograms(conn, scope) if charts else {},
    )


def _costs(
    conn: sqlite3.Connection,
    scope: StatsFilter,
    by: str,
    models: list[ModelRow],
    days: tuple[DayCount, ...],
) -> tuple[GroupCost, ...]:
    """Cost by the ``--by`` key, most expensive first (days in date order)."""
    if by == "day":
        return tuple(GroupCost(day.day, day.requests, day.cost_usd) for day in days)
    if by in ("tag", "user"):
        return session_group_costs(conn, scope, by)
    groups: dict[str, list[float]] = {}
    for row in models:
        sums = groups.setdefault(row.model if by == "model" else row.provider, [0, 0.0, 0, 0])
        for i, value in enumerate(
            (row.requests, row.cost_usd, row.input_tokens, row.output_tokens)
        ):
            sums[i] += value
    found = [GroupCost(k, int(n), c, int(i), int(o)) for k, (n, c, i, o) in groups.items()]
    return tuple(sorted(found, key=lambda g: (-g.cost_usd, g.key)))


def _histograms(conn: sqlite3.Connection, scope: StatsFilter) -> dict[str, Histogram]:
    return {metric: histogram(conn, metric, scope) for metric in ("ttft_ms", "latency_ms")}
