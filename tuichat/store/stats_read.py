"""``tuichat stats`` from the log: one :class:`StatsReport` from a handful of index scans.

A million attempts must be summarised in well under a second, so nothing
here sorts rows or reads the wide ``attempts`` rows (request bodies, chunk
timelines): each query walks an index of ``m014_stats_indexes`` in the
order it already has (:mod:`tuichat.store.stats_sql`).

* the main pass groups by model and endpoint (``idx_attempts_stats_models``):
  requests, tokens, cost, and the counts the percentiles rank;
* failed attempts by error type and endpoint (``idx_attempts_stats_errors``);
* percentiles and histograms by rank (:mod:`tuichat.store.stats_ranks`);
* per-day counts as one time range per day (``idx_attempts_stats_days``);
* cache verdicts as range counts; retries from ``route_events (kind, at)``;
* queue waits join prompts to first attempts, which costs a lookup per
  turn, so they cover the latest :data:`QUEUE_SAMPLE` turns of the scope
  (the report says how many of how many);
* ``--by tag`` and ``--by user`` join the sessions table and sort: the only
  grouping that costs more than a scan.

Blocking ``sqlite3`` throughout: the command line calls it directly, the
TUI in a thread worker.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

from tuichat.core.metrics.stats_report import (
    QUEUE_WAIT_MS,
    CacheFigures,
    DayCount,
    Endpoint,
    GroupCost,
    QueueFigures,
)
from tuichat.store.stats_sql import (
    CACHE_INDEX,
    DAYS_INDEX,
    ERRORS_INDEX,
    MODELS_INDEX,
    RATE_LIMIT_TYPES,
    SERVER_SIDE_TYPES,
    SPEED_ROWS,
    StatsFilter,
)

QUEUE_SAMPLE = 10_000
"""Queue waits are measured over at most this many of the scope's latest turns."""
MAX_DAYS = 400
"""Per-day figures for at most this many days (the latest)."""
VERDICTS = ("exact", "semantic", "miss", "bypass", "unavailable")


@dataclass(frozen=True, slots=True)
class ModelRow:
    """The main pass, one row per model and endpoint."""

    model: str
    provider: str
    host: str
    requests: int
    input_count: int
    input_tokens: float
    output_count: int
    output_tokens: float
    cost_usd: float
    ttft_n: int
    latency_n: int
    speed_n: int


_MODEL_SUMS = (
    "count(*), count(a.input_tokens), total(a.input_tokens), count(a.output_tokens),"
    " total(a.output_tokens), total(a.cost_usd), count(a.ttft_ms),"
    " count(CASE WHEN a.status = 'ok' THEN a.duration_ms END),"
    f" count(CASE WHEN {SPEED_ROWS} THEN 1 END)"
)
"""The last three count what each percentile ranks: exactly the rows of ``TTFT_ROWS``,
``LATENCY_ROWS`` and ``SPEED_ROWS`` (``count(CASE ...)`` costs less per row than
``sum(condition)``)."""
_KEY = "a.model = ? AND a.provider = ? AND a.base_url_host IS ?"
"""``IS``, not ``coalesce(...) = ?``: an expression on the host would stop the index
range at the provider; a host logged as '' (never by tuichat) is read as no host."""


def model_rows(conn: sqlite3.Connection, scope: StatsFilter) -> list[ModelRow]:
    """Requests, tokens, cost and rankable counts per model and endpoint.

    ``GROUP BY`` over a million rows compares the keys on every row; instead
    the distinct (model, provider, host) keys are found by a few index seeks
    and each key's rows in the window are summed as one index range. One
    session has few rows: they are simply grouped.
    """
    where, params = scope.where()
    if scope.session_id is not None:
        sql = (
            f"SELECT a.model, a.provider, coalesce(a.base_url_host, ''), {_MODEL_SUMS}"
            f" FROM attempts AS a WHERE {where} GROUP BY 1, 2, 3"
        )
        return [_model_row(row) for row in conn.execute(sql, params)]
    sql = (
        f"SELECT ?, ?, ?, {_MODEL_SUMS} FROM attempts AS a INDEXED BY {MODELS_INDEX}"
        f" WHERE {_KEY} AND {where}"
    )
    rows = (
        conn.execute(sql, (*key, *key[:2], key[2] or None, *params)).fetchone()
        for key in model_keys(conn)
        if scope.model in (None, key[0]) and scope.provider in (None, key[1])
    )
    return [_model_row(row) for row in rows if row[3]]


def _model_row(row: tuple[object, ...]) -> ModelRow:
    m, p, h, n, ic, it, oc, ot, c, tn, ln, sn = row
    return ModelRow(
        str(m), str(p), str(h), _int(n), _int(ic), _float(it), _int(oc), _float(ot),
        _float(c), _int(tn), _int(ln), _int(sn),
    )  # fmt: skip


def model_keys(conn: sqlite3.Connection) -> list[tuple[str, str, str]]:
    """Every distinct (model, provider, host) in the log: a skip scan, a few seeks per key."""
    index = f"FROM attempts INDEXED BY {MODELS_INDEX}"
    found: list[tuple[str, str, str]] = []
    model = conn.execute(f"SELECT min(model) {index}").fetchone()[0]
    while model is not None:
        provider = conn.execute(
            f"SELECT min(provider) {index} WHERE model = ?", (model,)
        ).fetchone()[0]
        while provider is not None:
            found += [(str(model), str(provider), host) for host in _hosts(conn, model, provider)]
            provider = conn.execute(
                f"SELECT min(provider) {index} WHERE model = ? AND provider > ?", (model, provider)
            ).fetchone()[0]
        model = conn.execute(f"SELECT min(model) {index} WHERE model > ?", (model,)).fetchone()[0]
    return found


def _hosts(conn: sqlite3.Connection, model: object, provider: object) -> list[str]:
    """The hosts of one model and provider ('' for none logged), each once."""
    index = f"FROM attempts INDEXED BY {MODELS_INDEX} WHERE model = ? AND provider = ?"
    hosts = set()
    if conn.execute(
        f"SELECT 1 {index} AND base_url_host IS NULL LIMIT 1", (model, provider)
    ).fetchone():
        hosts.add("")
    host = conn.execute(f"SELECT min(base_url_host) {index}", (model, provider)).fetchone()[0]
    while host is not None:
        hosts.add(str(host))
        host = conn.execute(
            f"SELECT min(base_url_host) {index} AND base_url_host > ?", (model, provider, host)
        ).fetchone()[0]
    return sorted(hosts)


def _int(value: object) -> int:
    return int(value) if isinstance(value, int | float) else 0


def _float(value: object) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


@dataclass(frozen=True, slots=True)
class ErrorRow:
    """Failed attempts of one error type at one endpoint."""

    error_type: str
    provider: str
    host: str
    count: int
    http_429: int


def error_rows(conn: sqlite3.Connection, scope: StatsFilter) -> list[ErrorRow]:
    """Attempts that logged an error, by type and endpoint (index order)."""
    where, params = scope.where()
    sql = (
        "SELECT a.error_type, a.provider, coalesce(a.base_url_host, ''), count(*),"
        f" sum(a.http_status = 429) FROM attempts AS a {scope.indexed(ERRORS_INDEX)}"
        f" WHERE a.error_type IS NOT NULL AND {where}"
        " GROUP BY a.error_type, a.provider, a.base_url_host"
    )
    return [
        ErrorRow(str(kind), str(p), str(h), int(n), int(r or 0))
        for kind, p, h, n, r in conn.execute(sql, params)
    ]


def endpoints(models: list[ModelRow], errors: list[ErrorRow]) -> tuple[Endpoint, ...]:
    """Availability per provider endpoint from the two passes, busiest first."""
    requests: dict[tuple[str, str], int] = {}
    for row in models:
        key = (row.provider, row.host)
        requests[key] = requests.get(key, 0) + row.requests
    server: dict[tuple[str, str], int] = {}
    limited: dict[tuple[str, str], int] = {}
    for err in errors:
        key = (err.provider, err.host)
        if err.error_type in SERVER_SIDE_TYPES:
            server[key] = server.get(key, 0) + err.count
        if err.error_type in RATE_LIMIT_TYPES or err.http_429:
            limited[key] = limited.get(key, 0) + err.count
    found = [
        Endpoint(p, h, n, server.get((p, h), 0), limited.get((p, h), 0))
        for (p, h), n in requests.items()
    ]
    return tuple(sorted(found, key=lambda e: (-e.requests, e.provider, e.host)))


def day_counts(
    conn: sqlite3.Connection, scope: StatsFilter, first: float, last: float, *, cost: bool
) -> tuple[DayCount, ...]:
    """Requests (and cost, if asked) per local calendar day from ``first`` to ``last`` (epoch s).

    Counting alone reads no column, so the sparkline costs a fraction of a scan.
    """
    where, params = scope.where()
    sql = (
        f"SELECT count(*), {'total(a.cost_usd)' if cost else '0.0'}"
        f" FROM attempts AS a {scope.indexed(_days_index(scope, cost))}"
        f" WHERE a.started_at >= ? AND a.started_at < ? AND {where}"
    )
    days = []
    for start, end in _local_days(first, last):
        n, cost = conn.execute(sql, (start.timestamp(), end.timestamp(), *params)).fetchone()
        days.append(DayCount(start.strftime("%Y-%m-%d"), int(n), float(cost)))
    return tuple(days)


def _days_index(scope: StatsFilter, cost: bool) -> str:
    """The narrow ``started_at`` index when only time matters, else the covering one."""
    only_time = scope.model is None and scope.provider is None and scope.tag is None
    return "idx_attempts_started_at" if only_time and not cost else DAYS_INDEX


def _local_days(first: float, last: float) -> list[tuple[datetime, datetime]]:
    """Local midnights bracketing each day from ``first`` to ``last``, at most MAX_DAYS."""
    day = datetime.fromtimestamp(max(first, last - MAX_DAYS * 86_400.0)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    end = datetime.fromtimestamp(last)
    spans = []
    while day <= end:
        following = (day + timedelta(days=1, hours=3)).replace(hour=0)  # DST-proof
        spans.append((day, following))
        day = following
    return spans


def first_and_last(conn: sqlite3.Connection, scope: StatsFilter) -> tuple[float, float] | None:
    """The earliest and latest attempt start in scope (two index seeks), or None."""
    where, params = scope.where()
    bounds = []
    for order in ("ASC", "DESC"):
        sql = (
            f"SELECT a.started_at FROM attempts AS a {scope.indexed(DAYS_INDEX)}"
            f" WHERE {where} ORDER BY a.started_at {order} LIMIT 1"
        )
        row = conn.execute(sql, params).fetchone()
        if row is None:
            return None
        bounds.append(float(row[0]))
    return bounds[0], bounds[1]


def cache_figures(conn: sqlite3.Connection, scope: StatsFilter) -> CacheFigures:
    """Cache verdict counts over the window (and session): one index range each."""
    where, params = scope.cache_where()
    index = "" if scope.session_id is not None else f"INDEXED BY {CACHE_INDEX}"
    sql = f"SELECT count(*) FROM cache_lookups AS c {index} WHERE c.verdict = ? AND {where}"
    counts = [int(conn.execute(sql, (verdict, *params)).fetchone()[0]) for verdict in VERDICTS]
    return CacheFigures(*counts)


def retry_count(conn: sqlite3.Connection, scope: StatsFilter) -> int:
    """Retries the router scheduled in scope (``route_events``).

    A window (and session) is the events' own index range; a model, provider
    or tag filter joins each retry to the attempt it retried.
    """
    window = StatsFilter(scope.since, scope.until, session_id=scope.session_id)
    where, params = window.where("r", "at")
    sql = f"SELECT count(*) FROM route_events AS r WHERE r.kind = 'retry' AND {where}"
    if window != scope:
        only = StatsFilter(model=scope.model, provider=scope.provider, tag=scope.tag)
        joined, more = only.where()
        sql = (
            sql.replace(
                "WHERE",
                "JOIN attempts AS a ON a.trace_id = r.trace_id AND a.attempt = r.attempt WHERE",
            )
            + f" AND {joined}"
        )
        params += more
    return int(conn.execute(sql, params).fetchone()[0])


def queue_figures(conn: sqlite3.Connection, scope: StatsFilter) -> QueueFigures:
    """Prompt → first attempt over the latest :data:`QUEUE_SAMPLE` turns of the scope."""
    where, params = scope.where()
    sql = (
        "SELECT count(*), sum(w >= ?), avg(w), max(w) FROM ("
        " SELECT max(f.started_at - m.created_at, 0) * 1000.0 AS w FROM ("
        f"  SELECT a.trace_id, a.started_at FROM attempts AS a {scope.indexed(DAYS_INDEX)}"
        f"  WHERE a.attempt = 1 AND {where} ORDER BY a.started_at DESC LIMIT ?) AS f"
        " JOIN messages AS m ON m.trace_id = f.trace_id AND m.role = 'user')"
    )
    n, waited, mean, worst = conn.execute(sql, (QUEUE_WAIT_MS, *params, QUEUE_SAMPLE)).fetchone()
    return QueueFigures(
        int(n), int(n) >= QUEUE_SAMPLE, int(waited or 0),
        None if mean is None else float(mean), None if worst is None else float(worst),
    )  # fmt: skip


_SESSION_KEYS = {
    "tag": "coalesce(s.tag, '(none)')",
    "user": "coalesce(s.profile, 'default')",
}
"""``--by`` keys held on the session row (the same labels as ``tuichat cost``)."""


def session_group_costs(
    conn: sqlite3.Connection, scope: StatsFilter, by: str
) -> tuple[GroupCost, ...]:
    """Requests, cost and tokens per tag or user (a join and a sort: slower than a scan)."""
    where, params = scope.where()
    sql = (
        f"SELECT {_SESSION_KEYS[by]} AS k, count(*), total(a.cost_usd), total(a.input_tokens),"
        f" total(a.output_tokens) FROM attempts AS a {scope.indexed(MODELS_INDEX)}"
        f" LEFT JOIN sessions AS s ON s.id = a.session_id WHERE {where}"
        " GROUP BY k ORDER BY 3 DESC, k"
    )
    return tuple(
        GroupCost(str(k), int(n), float(c), int(i), int(o))
        for k, n, c, i, o in conn.execute(sql, params)
    )
