"""The log's schema, built by an ordered list of named migrations.

Every change to the schema is a function decorated with :func:`migration`,
named ``mNNN_what_it_does``. Its name is recorded in ``_migrations`` once it
has run, so :func:`migrate` applies each one exactly once, in order, each in
its own transaction.

To change the schema, **append** a new migration at the end of this module.
Never edit, rename or reorder one that has shipped: databases in the wild
have already recorded it by name and will not run it again.

Migrations take a plain :class:`sqlite3.Connection` so headless tools, tests
and the async opener (which runs them in a worker thread) share one code path.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable

from tuichat.store.errors import NewerLogError
from tuichat.store.fts_schema import FTS_STATEMENTS, FTS_TABLE, has_fts5

__all__ = [
    "FTS_STATEMENTS",
    "FTS_TABLE",
    "MIGRATIONS",
    "applied_migrations",
    "check_not_newer",
    "has_fts5",
    "migrate",
    "migration",
    "unknown_migrations",
]

Migration = Callable[[sqlite3.Connection], None]

MIGRATIONS: list[Migration] = []
"""Every migration, in the order it must run (definition order)."""


def migration(fn: Migration) -> Migration:
    """Register ``fn`` as the next migration; its ``__name__`` is its identity."""
    MIGRATIONS.append(fn)
    return fn


@migration
def m001_sessions(conn: sqlite3.Connection) -> None:
    """A chat session: the conversation a user keeps talking in."""
    conn.execute(
        """
        CREATE TABLE sessions (
            id TEXT PRIMARY KEY,
            created_at REAL NOT NULL,
            title TEXT,
            model TEXT,
            system_prompt TEXT,
            tag TEXT
        )
        """
    )


@migration
def m002_messages(conn: sqlite3.Connection) -> None:
    """User prompts and assistant answers; partial answers keep their status."""
    conn.execute(
        """
        CREATE TABLE messages (
            id INTEGER PRIMARY KEY,
            session_id TEXT NOT NULL REFERENCES sessions(id),
            trace_id TEXT,
            role TEXT NOT NULL,
            content TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'ok',
            model TEXT,
            created_at REAL NOT NULL
        )
        """
    )


@migration
def m003_attempts(conn: sqlite3.Connection) -> None:
    """One row per request attempt (retries and fallbacks each get a row)."""
    conn.execute(
        """
        CREATE TABLE attempts (
            id INTEGER PRIMARY KEY,
            trace_id TEXT NOT NULL,
            session_id TEXT,
            attempt INTEGER NOT NULL,
            model TEXT NOT NULL,
            provider TEXT NOT NULL,
            base_url_host TEXT,
            started_at REAL NOT NULL,
            ended_at REAL,
            ttft_ms REAL,
            ttfb_ms REAL,
            duration_ms REAL,
            http_status INTEGER,
            input_tokens INTEGER,
            output_tokens INTEGER,
            cached_input_tokens INTEGER,
            status TEXT NOT NULL DEFAULT 'running',
            finish_reason TEXT,
            served_model TEXT,
            error_type TEXT,
            error_message TEXT,
            UNIQUE (trace_id, attempt)
        )
        """
    )


@migration
def m004_indexes(conn: sqlite3.Connection) -> None:
    """Indexes for stats over a time window, per model and per failure kind.

    Lookups by trace are served by the ``UNIQUE (trace_id, attempt)`` index.
    """
    for statement in (
        "CREATE INDEX idx_attempts_started_at ON attempts (started_at)",
        "CREATE INDEX idx_attempts_model_started_at ON attempts (model, started_at)",
        "CREATE INDEX idx_attempts_status_error_type ON attempts (status, error_type)",
        "CREATE INDEX idx_attempts_session_id ON attempts (session_id)",
        "CREATE INDEX idx_messages_session_id ON messages (session_id, id)",
        "CREATE INDEX idx_messages_trace_id ON messages (trace_id)",
        "CREATE INDEX idx_sessions_created_at ON sessions (created_at)",
    ):
        conn.execute(statement)


@migration
def m005_attempt_usage_details(conn: sqlite3.Connection) -> None:
    """Prompt-cache writes, reasoning tokens and server timings (prefill vs generation)."""
    for column in (
        "cache_write_tokens INTEGER",
        "reasoning_tokens INTEGER",
        "server_prefill_ms REAL",
        "server_generation_ms REAL",
        "server_cached_prompt_tokens INTEGER",
    ):
        conn.execute(f"ALTER TABLE attempts ADD COLUMN {column}")


@migration
def m006_route_events(conn: sqlite3.Connection) -> None:
    """Retry waits, fallbacks, breaker transitions and rate-limit readings of each turn."""
    conn.execute(
        """
        CREATE TABLE route_events (
            id INTEGER PRIMARY KEY,
            trace_id TEXT NOT NULL,
            session_id TEXT,
            at REAL NOT NULL,
            kind TEXT NOT NULL,
            attempt INTEGER,
            detail TEXT NOT NULL
        )
        """
    )
    conn.execute("CREATE INDEX route_events_trace ON route_events (trace_id)")
    conn.execute("CREATE INDEX route_events_kind_at ON route_events (kind, at)")


@migration
def m007_costs(conn: sqlite3.Connection) -> None:
    """What each attempt cost and whose budget it counts against.

    ``price_source`` says where the price came from (database version and
    model, a config override, "local model: free"); ``cost_estimated`` is 1
    when the token counts were local tiktoken counts, not the provider's.
    ``sessions.profile`` and ``sessions.tag`` scope the budgets.
    """
    for column in (
        "cost_usd REAL",
        "input_cost_usd REAL",
        "output_cost_usd REAL",
        "price_source TEXT",
        "cost_estimated INTEGER",
    ):
        conn.execute(f"ALTER TABLE attempts ADD COLUMN {column}")
    conn.execute("ALTER TABLE sessions ADD COLUMN profile TEXT")


@migration
def m008_route_events_session(conn: sqlite3.Connection) -> None:
    """Route events of one session (the debug view's session scope) without a full scan."""
    conn.execute(
        "CREATE INDEX idx_route_events_session_kind ON route_events (session_id, kind, at)"
    )


@migration
def m009_attempt_timing(conn: sqlite3.Connection) -> None:
    """Connect time and last-token time, so the log holds every number the HUD shows.

    ``connect_ms`` is TCP + TLS (0 with ``connection_reused``); ``last_token_ms``
    is attempt start → last text, so generation = last_token_ms − ttft_ms.
    """
    for column in ("connect_ms REAL", "connection_reused INTEGER", "last_token_ms REAL"):
        conn.execute(f"ALTER TABLE attempts ADD COLUMN {column}")


@migration
def m010_durable_turns(conn: sqlite3.Connection) -> None:
    """Who is writing which turn, so a turn left running by a dead process is found.

    ``writers`` holds one row per live :class:`~tuichat.store.writer.LogWriter`:
    the process (pid, its start identity, host) and ``seen_at``, the wall time
    of its latest commit. ``open_turns`` lists the turns a writer has started
    and not yet ended. See :mod:`tuichat.store.recovery` for the rule that
    marks a dead writer's turns ``interrupted``.

    Attempts a previous version left ``running`` were cut by a dead process
    (no end time was ever written): they become ``interrupted`` here, once.
    """
    conn.execute(
        """
        CREATE TABLE writers (
            id TEXT PRIMARY KEY,
            pid INTEGER NOT NULL,
            process_start TEXT,
            host TEXT NOT NULL,
            opened_at REAL NOT NULL,
            seen_at REAL NOT NULL
        )
        """
    )
    conn.execute(
        """
        CREATE TABLE open_turns (
            trace_id TEXT PRIMARY KEY,
            writer_id TEXT NOT NULL,
            session_id TEXT,
            started_at REAL NOT NULL
        )
        """
    )
    conn.execute("CREATE INDEX idx_open_turns_writer ON open_turns (writer_id)")
    conn.execute("UPDATE attempts SET status = 'interrupted' WHERE status = 'running'")


@migration
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


@migration
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


@migration
def m013_attempt_client_busy(conn: sqlite3.Connection) -> None:
    """Client busy time: how much of an attempt's wait was our own process, not the network.

    ``client_busy_ms`` is attempt start → first token (or its end), the time the
    event loop could not run (``FirstToken.client_busy_ms``); ``client_busy_ttfb_ms``
    the part before the response headers. NULL: not measured (older rows).
    """
    for column in ("client_busy_ms REAL", "client_busy_ttfb_ms REAL"):
        conn.execute(f"ALTER TABLE attempts ADD COLUMN {column}")


@migration
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


@migration
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


@migration
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


@migration
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


# Append new migrations above this line, e.g.:
#
#     @migration
#     def m013_attempts_region(conn: sqlite3.Connection) -> None:
#         """Why the column exists."""
#         conn.execute("ALTER TABLE attempts ADD COLUMN region TEXT")


def applied_migrations(conn: sqlite3.Connection) -> set[str]:
    """Names of the migrations already recorded in ``conn``'s database."""
    _create_migrations_table(conn)
    return {name for (name,) in conn.execute("SELECT name FROM _migrations")}


def unknown_migrations(conn: sqlite3.Connection) -> list[str]:
    """Migrations recorded in ``conn``'s log that this version does not know (read only)."""
    found = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_migrations'"
    ).fetchone()
    if found is None:
        return []
    known = {fn.__name__ for fn in MIGRATIONS}
    recorded = [name for (name,) in conn.execute("SELECT name FROM _migrations")]
    return sorted(name for name in recorded if name not in known)


def check_not_newer(conn: sqlite3.Connection, where: str = "the log") -> None:
    """Raise :class:`NewerLogError` when a newer tuichat migrated this log (nothing is written)."""
    unknown = unknown_migrations(conn)
    if unknown:
        names = ", ".join(unknown[:3]) + (", ..." if len(unknown) > 3 else "")
        raise NewerLogError(
            f"{where} was written by a newer tuichat (it has migration {names});"
            " upgrade tuichat to open it"
        )


def migrate(conn: sqlite3.Connection) -> list[str]:
    """Apply every pending migration in order; return the names applied now.

    All of them in one transaction: a first launch runs the whole schema in
    one commit (15 → 5 ms), and a failing migration leaves the log as it
    was. Idempotent, and safe when two processes start at once: the records
    are re-read inside the write-locked transaction, so a migration another
    process applied meanwhile is skipped. A log a newer version migrated
    raises :class:`NewerLogError` untouched.
    """
    if conn.in_transaction:
        raise RuntimeError("migrate() needs a connection with no open transaction")
    check_not_newer(conn)
    done = applied_migrations(conn)
    if all(fn.__name__ in done for fn in MIGRATIONS):
        return []
    return _apply_pending(conn)


def _create_migrations_table(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at REAL)")


def _apply_pending(conn: sqlite3.Connection) -> list[str]:
    """Run the migrations not recorded yet, in one write-locked transaction."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        done = {name for (name,) in conn.execute("SELECT name FROM _migrations")}
        applied = []
        for fn in MIGRATIONS:
            if fn.__name__ in done:  # another process applied it meanwhile
                continue
            fn(conn)
            conn.execute(
                "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)",
                (fn.__name__, time.time()),
            )
            applied.append(fn.__name__)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return applied
