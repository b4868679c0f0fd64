"""The log's first schema: sessions, messages, attempts, costs, durable turns (m001-m010).

Steps of :data:`tuichat.store.migrations.MIGRATIONS`, in order. Shipped:
never edit, rename or reorder them (databases in the wild recorded them by
name); new steps go at the end of :mod:`tuichat.store.schema_features`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable


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


def m008_route_events_session(conn: sqlite3.Connection) -> None:
    """Route events of one session (the debug view's session scope) without a full scan."""
    conn.execute(
        "CREATE INDEX idx_route_events_session_kind ON route_events (session_id, kind, at)"
    )


def m009_attempt_timing(conn: sqlite3.Connection) -> None:
    """Connect time and last-token time, so the log holds every number the HUD shows.

    ``connect_ms`` is TCP + TLS (0 with ``connection_reused``); ``last_token_ms``
    is attempt start → last text, so generation = last_token_ms − ttft_ms.
    """
    for column in ("connect_ms REAL", "connection_reused INTEGER", "last_token_ms REAL"):
        conn.execute(f"ALTER TABLE attempts ADD COLUMN {column}")


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


CORE_STEPS: list[Callable[[sqlite3.Connection], None]] = [
    m001_sessions,
    m002_messages,
    m003_attempts,
    m004_indexes,
    m005_attempt_usage_details,
    m006_route_events,
    m007_costs,
    m008_route_events_session,
    m009_attempt_timing,
    m010_durable_turns,
]
"""The first schema's steps, in order."""
