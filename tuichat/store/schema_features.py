"""The log's later schema: replay, cache lookups, stats, feedback, routing, regenerations.

Steps m011 on of :data:`tuichat.store.migrations.MIGRATIONS`, in order.
Shipped: never edit, rename or reorder them (databases in the wild recorded
them by name). To change the schema, write a new step below and **append** it
to :data:`FEATURE_STEPS`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from tuichat.store.fts_schema import FTS_STATEMENTS, has_fts5


def m011_replay_log(conn: sqlite3.Connection) -> None:
    """What replay, resume, fork, rerun and ``sessions --search`` read.

    * ``attempts.timeline``: the chunk timeline (:mod:`tuichat.store.timeline`);
      NULL for attempts logged before it (they replay without timing) or
      left out by sampling. ``attempts.request_json``: the request as sent
      (:mod:`tuichat.store.request_rows`).
    * ``messages.content_kept``: ``full`` (NULL in older rows), ``redacted``
      or ``none`` (metrics-only: no text stored); see :mod:`tuichat.store.policy`.
      ``messages.source_id``: for a row copied into a fork, the row it copies
      (its ``trace_id`` stays NULL, so nothing keyed by trace counts it twice).
    * ``sessions.forked_from`` / ``forked_at`` (the trace id of the last turn
      shared) and ``sessions.rerun_of``.
    * ``messages_fts``: an FTS5 index over prompts and answers (an
      external-content table kept in sync by triggers). A growing answer is
      indexed once its turn ends (``streaming`` rows are left out), so a long
      stream is not re-indexed every second. Where this Python's SQLite lacks
      FTS5 the index is skipped and search falls back to LIKE.
    """
    for statement in (
        "ALTER TABLE attempts ADD COLUMN timeline BLOB",
        "ALTER TABLE attempts ADD COLUMN request_json TEXT",
        "ALTER TABLE messages ADD COLUMN content_kept TEXT",
        "ALTER TABLE messages ADD COLUMN source_id INTEGER",
        "ALTER TABLE sessions ADD COLUMN forked_from TEXT",
        "ALTER TABLE sessions ADD COLUMN forked_at TEXT",
        "ALTER TABLE sessions ADD COLUMN rerun_of TEXT",
        "CREATE INDEX idx_messages_session_role ON messages (session_id, role, id)",
        "CREATE INDEX idx_sessions_tag_created_at ON sessions (tag, created_at)",
    ):
        conn.execute(statement)
    if has_fts5(conn):
        for statement in FTS_STATEMENTS:
            conn.execute(statement)


def m012_cache_lookups(conn: sqlite3.Connection) -> None:
    """The response cache's verdict for each turn that asked it (one row per trace).

    ``verdict`` is exact, semantic, miss, bypass or unavailable; a hit keeps
    the entry's key, its age, the similarity (semantic) and what it saved
    (the original duration and cost). ``rejects`` is the key of the hit the
    user rejected ("not what I asked") when this turn re-sent the question:
    the false hits. ``cache_summary`` (:mod:`tuichat.store.cache_lookups`)
    sums them over a time window or a session, each with its index.
    """
    conn.execute(
        """
        CREATE TABLE cache_lookups (
            trace_id TEXT PRIMARY KEY,
            session_id TEXT,
            ts_wall REAL NOT NULL,
            verdict TEXT NOT NULL,
            entry_key TEXT,
            similarity REAL,
            age_s REAL,
            saved_ms REAL,
            saved_usd REAL,
            reason TEXT,
            rejects TEXT
        )
        """
    )
    conn.execute("CREATE INDEX idx_cache_lookups_ts_wall ON cache_lookups (ts_wall)")
    conn.execute("CREATE INDEX idx_cache_lookups_session ON cache_lookups (session_id, ts_wall)")


def m013_attempt_client_busy(conn: sqlite3.Connection) -> None:
    """Client busy time: how much of an attempt's wait was our own process, not the network.

    ``client_busy_ms`` is attempt start → first token (or its end), the time the
    event loop could not run (``FirstToken.client_busy_ms``); ``client_busy_ttfb_ms``
    the part before the response headers. NULL: not measured (older rows).
    """
    for column in ("client_busy_ms REAL", "client_busy_ttfb_ms REAL"):
        conn.execute(f"ALTER TABLE attempts ADD COLUMN {column}")


def m014_stats_indexes(conn: sqlite3.Connection) -> None:
    """Covering and rank indexes, so ``tuichat stats`` reads a million attempts in under 1 s.

    Sorting a million rows (``GROUP BY`` on a column no index orders, or
    ``ORDER BY`` for a percentile) costs seconds in SQLite; scanning an index
    that already holds the rows in the wanted order, and every column the
    query reads, costs a few hundred ms at most. So each stats query has its
    index (:mod:`tuichat.store.stats_sql` names them with ``INDEXED BY``):

    * ``idx_attempts_stats_models``: the main pass, grouped by model and
      endpoint in index order (requests, tokens, cost, and how many attempts
      each percentile ranks, so no separate count is needed).
    * ``idx_attempts_stats_errors``: failed attempts only, grouped by error
      type and endpoint (error rates, 429s, availability).
    * ``idx_attempts_stats_days``: a time range with cost, for per-day figures.
    * ``idx_attempts_ttft_rank``, ``idx_attempts_latency_rank``,
      ``idx_attempts_speed_rank``: each metric in ascending order with the
      filter columns beside it, so a nearest-rank percentile is one read at
      an offset (:mod:`tuichat.store.stats_ranks`) instead of a sort. The
      speed index is on the expression ``stats_sql.TOKENS_PER_S`` (that text
      must stay identical for SQLite to use it).
    * ``idx_cache_lookups_verdict``: cache hits and misses as index range counts.
    """
    filters = "started_at, model, provider, session_id"
    for statement in (
        "CREATE INDEX idx_attempts_stats_models ON attempts (model, provider, base_url_host,"
        " started_at, session_id, status, input_tokens, output_tokens, cost_usd, ttft_ms,"
        " duration_ms)",
        "CREATE INDEX idx_attempts_stats_errors ON attempts (error_type, provider,"
        " base_url_host, started_at, model, session_id, http_status)"
        " WHERE error_type IS NOT NULL",
        f"CREATE INDEX idx_attempts_stats_days ON attempts ({filters}, status, cost_usd)",
        f"CREATE INDEX idx_attempts_ttft_rank ON attempts (ttft_ms, {filters})"
        " WHERE ttft_ms IS NOT NULL",
        f"CREATE INDEX idx_attempts_latency_rank ON attempts (duration_ms, {filters}, status)"
        " WHERE duration_ms IS NOT NULL",
        "CREATE INDEX idx_attempts_speed_rank ON attempts"
        f" ((output_tokens * 1000.0 / (duration_ms - ttft_ms)), {filters})"
        " WHERE status = 'ok' AND output_tokens > 0 AND duration_ms > ttft_ms",
        "CREATE INDEX idx_cache_lookups_verdict ON cache_lookups (verdict, ts_wall, session_id)",
    ):
        conn.execute(statement)


def m015_feedback(conn: sqlite3.Connection) -> None:
    """Thumbs up/down on answers, and follow-ups (a question re-asked soon after).

    ``feedback``: one row per rated turn (``trace_id``), the latest rating
    wins (``INSERT OR REPLACE``); ``rating`` is +1 or -1, ``comment`` one
    line (redacted, NULL in metrics-only mode). ``follow_ups``: one row per
    turn whose prompt re-asked an earlier turn ``follow_up_of`` of the same
    session, with the ``similarity`` that passed and its ``method``
    (``embedding`` or ``words``). :mod:`tuichat.store.feedback` reads them
    (``feedback_summary``, ``feedback_for``); the answered turns they are
    rated against are counted from ``messages`` by role and time (indexed here).
    """
    conn.execute(
        """
        CREATE TABLE feedback (
            trace_id TEXT PRIMARY KEY,
            session_id TEXT,
            ts_wall REAL NOT NULL,
            rating INTEGER NOT NULL CHECK (rating IN (-1, 1)),
            comment TEXT
        )
        """
    )
    conn.execute(
        """
        CREATE TABLE follow_ups (
            trace_id TEXT PRIMARY KEY,
            session_id TEXT,
            ts_wall REAL NOT NULL,
            follow_up_of TEXT NOT NULL,
            similarity REAL NOT NULL,
            method TEXT NOT NULL
        )
        """
    )
    for statement in (
        "CREATE INDEX idx_feedback_ts_wall ON feedback (ts_wall)",
        "CREATE INDEX idx_feedback_session ON feedback (session_id, ts_wall)",
        "CREATE INDEX idx_follow_ups_ts_wall ON follow_ups (ts_wall)",
        "CREATE INDEX idx_follow_ups_session ON follow_ups (session_id, ts_wall)",
        "CREATE INDEX idx_messages_role_created_at ON messages (role, created_at)",
    ):
        conn.execute(statement)


def m016_turn_route(conn: sqlite3.Connection) -> None:
    """Which ``[[routing]]`` rule picked a turn's model, and why (on the turn's prompt row).

    ``messages.route_rule`` is the rule's number (1 = first in the file; NULL
    when none matched or an explicit ``--model`` / ctrl+o overrode routing),
    ``route_why`` the reason in words (``tag=support``, ``no rule matched``,
    ``flag --model overrides routing``) and ``route_model`` the model or chain
    routed to. All NULL on turns logged without routing rules. The attempts
    keep the model that actually answered, so ``stats --by model`` is unchanged.
    """
    for column in ("route_rule INTEGER", "route_why TEXT", "route_model TEXT"):
        conn.execute(f"ALTER TABLE messages ADD COLUMN {column}")


def m017_regenerations(conn: sqlite3.Connection) -> None:
    """Regenerated answers: which turn asks which turn's prompt again, and which was kept.

    One row per regeneration: ``trace_id`` is the new turn (logged and
    priced like any other), ``regenerates`` the original turn, ``strategy``
    how it was asked (``strict``, ``temp 1.2``, ``short``, ``model NAME``),
    ``model`` the model asked first. ``kept`` is 1 on the alternative the
    user kept; when no row of an original has it, the original was kept.
    Written by :mod:`tuichat.store.regen_rows`.
    """
    conn.execute(
        """
        CREATE TABLE regenerations (
            trace_id TEXT PRIMARY KEY,
            session_id TEXT,
            ts_wall REAL NOT NULL,
            regenerates TEXT NOT NULL,
            strategy TEXT NOT NULL,
            model TEXT,
            kept INTEGER NOT NULL DEFAULT 0
        )
        """
    )
    conn.execute("CREATE INDEX idx_regenerations_regenerates ON regenerations (regenerates)")


# A new step, e.g.:
#
#     def m018_attempts_region(conn: sqlite3.Connection) -> None:
#         """Why the column exists."""
#         conn.execute("ALTER TABLE attempts ADD COLUMN region TEXT")
#
# and ``m018_attempts_region`` appended to FEATURE_STEPS below.


FEATURE_STEPS: list[Callable[[sqlite3.Connection], None]] = [
    m011_replay_log,
    m012_cache_lookups,
    m013_attempt_client_busy,
    m014_stats_indexes,
    m015_feedback,
    m016_turn_route,
    m017_regenerations,
]
"""The later steps, in order (append new ones)."""
