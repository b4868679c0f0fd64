"""The schema is built from blank by the ordered, named migrations."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from tuichat.store.errors import NewerLogError
from tuichat.store.migrations import MIGRATIONS, applied_migrations, migrate

EXPECTED_COLUMNS = {
    "sessions": [
        "id",
        "created_at",
        "title",
        "model",
        "system_prompt",
        "tag",
        "profile",
        "forked_from",
        "forked_at",
        "rerun_of",
    ],
    "messages": [
        "id",
        "session_id",
        "trace_id",
        "role",
        "content",
        "status",
        "model",
        "created_at",
        "content_kept",
        "source_id",
        "route_rule",
        "route_why",
        "route_model",
    ],
    "attempts": [
        "id",
        "trace_id",
        "session_id",
        "attempt",
        "model",
        "provider",
        "base_url_host",
        "started_at",
        "ended_at",
        "ttft_ms",
        "ttfb_ms",
        "duration_ms",
        "http_status",
        "input_tokens",
        "output_tokens",
        "cached_input_tokens",
        "status",
        "finish_reason",
        "served_model",
        "error_type",
        "error_message",
        "cache_write_tokens",
        "reasoning_tokens",
        "server_prefill_ms",
        "server_generation_ms",
        "server_cached_prompt_tokens",
        "cost_usd",
        "input_cost_usd",
        "output_cost_usd",
        "price_source",
        "cost_estimated",
        "connect_ms",
        "connection_reused",
        "last_token_ms",
        "timeline",
        "request_json",
        "client_busy_ms",
        "client_busy_ttfb_ms",
    ],
    "route_events": ["id", "trace_id", "session_id", "at", "kind", "attempt", "detail"],
    "writers": ["id", "pid", "process_start", "host", "opened_at", "seen_at"],
    "open_turns": ["trace_id", "writer_id", "session_id", "started_at"],
    "cache_lookups": [
        "trace_id",
        "session_id",
        "ts_wall",
        "verdict",
        "entry_key",
        "similarity",
        "age_s",
        "saved_ms",
        "saved_usd",
        "reason",
        "rejects",
    ],
    "_migrations": ["name", "applied_at"],
}


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(tmp_path / "log.db")
    yield connection
    connection.close()


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]


def _indexed_columns(conn: sqlite3.Connection, table: str) -> set[tuple[str, ...]]:
    indexes = [row[1] for row in conn.execute(f"PRAGMA index_list({table})")]
    return {tuple(row[2] for row in conn.execute(f"PRAGMA index_info({name})")) for name in indexes}


def test_builds_the_whole_schema_from_blank(conn: sqlite3.Connection) -> None:
    applied = migrate(conn)

    assert applied == [fn.__name__ for fn in MIGRATIONS]
    for table, columns in EXPECTED_COLUMNS.items():
        assert _columns(conn, table) == columns


def test_indexes_serve_the_stats_and_replay_queries(conn: sqlite3.Connection) -> None:
    migrate(conn)

    attempts = _indexed_columns(conn, "attempts")
    assert {("started_at",), ("model", "started_at"), ("status", "error_type")} <= attempts
    assert ("trace_id", "attempt") in attempts  # the UNIQUE constraint
    assert ("session_id", "id") in _indexed_columns(conn, "messages")


def test_a_stats_query_over_a_time_window_uses_the_index(conn: sqlite3.Connection) -> None:
    migrate(conn)

    plan = conn.execute(
        "EXPLAIN QUERY PLAN SELECT count(*) FROM attempts WHERE started_at >= ?", (0.0,)
    ).fetchall()

    assert any("idx_attempts_started_at" in row[-1] for row in plan)


def test_running_twice_is_a_no_op(conn: sqlite3.Connection) -> None:
    migrate(conn)
    conn.execute("INSERT INTO sessions (id, created_at) VALUES ('s', 1.0)")
    conn.commit()
    recorded = conn.execute("SELECT name, applied_at FROM _migrations").fetchall()

    assert migrate(conn) == []
    assert conn.execute("SELECT name, applied_at FROM _migrations").fetchall() == recorded
    assert conn.execute("SELECT count(*) FROM sessions").fetchone() == (1,)


def test_records_every_migration_by_name(conn: sqlite3.Connection) -> None:
    migrate(conn)

    assert applied_migrations(conn) == {fn.__name__ for fn in MIGRATIONS}


def test_migration_names_are_unique_numbered_and_ordered() -> None:
    names = [fn.__name__ for fn in MIGRATIONS]

    assert len(set(names)) == len(names)
    assert all(re.fullmatch(r"m\d{3}_[a-z0-9_]+", name) for name in names)
    assert names == sorted(names)


def test_a_failing_migration_leaves_nothing_behind(
    conn: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    def m999_broken(c: sqlite3.Connection) -> None:
        c.execute("CREATE TABLE half_done (x)")
        raise RuntimeError("boom")

    monkeypatch.setattr("tuichat.store.migrations.MIGRATIONS", [*MIGRATIONS, m999_broken])

    with pytest.raises(RuntimeError, match="boom"):
        migrate(conn)  # a blank log: all pending migrations in one transaction

    assert "m999_broken" not in applied_migrations(conn)
    assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'half_done'").fetchall() == []
    assert applied_migrations(conn) == set()  # the log is as it was: nothing half applied
    monkeypatch.setattr("tuichat.store.migrations.MIGRATIONS", MIGRATIONS)
    assert migrate(conn) == [fn.__name__ for fn in MIGRATIONS]  # and it migrates as usual


def test_a_failing_migration_keeps_the_migrations_of_earlier_runs(
    conn: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    migrate(conn)

    def m999_broken(c: sqlite3.Connection) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("tuichat.store.migrations.MIGRATIONS", [*MIGRATIONS, m999_broken])
    with pytest.raises(RuntimeError, match="boom"):
        migrate(conn)
    assert applied_migrations(conn) == {fn.__name__ for fn in MIGRATIONS}


def test_refuses_to_run_inside_an_open_transaction(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TABLE t (x)")
    conn.execute("INSERT INTO t VALUES (1)")  # Python opens a transaction here

    with pytest.raises(RuntimeError):
        migrate(conn)


def test_attempts_an_older_version_left_running_become_interrupted(
    conn: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = [fn for fn in MIGRATIONS if fn.__name__ < "m010"]
    monkeypatch.setattr("tuichat.store.migrations.MIGRATIONS", before)
    migrate(conn)
    for n, status in ((1, "failed"), (2, "running")):
        conn.execute(
            "INSERT INTO attempts (trace_id, attempt, model, provider, started_at, status)"
            " VALUES ('t', ?, 'm', 'p', 1.0, ?)",
            (n, status),
        )
    conn.commit()
    monkeypatch.undo()

    assert migrate(conn) == [fn.__name__ for fn in MIGRATIONS if fn.__name__ >= "m010"]
    statuses = conn.execute("SELECT status FROM attempts ORDER BY attempt").fetchall()
    assert statuses == [("failed",), ("interrupted",)]


def test_an_m010_log_gets_replay_columns_and_its_messages_indexed(
    conn: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = [fn for fn in MIGRATIONS if fn.__name__ < "m011"]
    monkeypatch.setattr("tuichat.store.migrations.MIGRATIONS", before)
    migrate(conn)
    conn.execute("INSERT INTO sessions (id, created_at) VALUES ('s', 1.0)")
    for content, status in (("finished words", "ok"), ("streaming words", "streaming")):
        conn.execute(
            "INSERT INTO messages (session_id, role, content, status, created_at)"
            " VALUES ('s', 'assistant', ?, ?, 1.0)",
            (content, status),
        )
    conn.commit()
    monkeypatch.undo()

    assert migrate(conn) == [fn.__name__ for fn in MIGRATIONS if fn.__name__ >= "m011"]
    found = conn.execute(
        "SELECT content FROM messages WHERE id IN"
        " (SELECT rowid FROM messages_fts WHERE messages_fts MATCH 'words')"
    ).fetchall()
    assert found == [("finished words",)]  # a streaming row is indexed when its turn ends
    conn.execute("UPDATE messages SET status = 'interrupted' WHERE status = 'streaming'")
    matching = "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'words'"
    assert conn.execute(matching).fetchone() == (2,)


def test_an_m011_log_gains_cache_lookups_and_keeps_its_rows(
    conn: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = [fn for fn in MIGRATIONS if fn.__name__ < "m012"]
    monkeypatch.setattr("tuichat.store.migrations.MIGRATIONS", before)
    migrate(conn)
    conn.execute("INSERT INTO sessions (id, created_at) VALUES ('s', 1.0)")
    conn.commit()
    monkeypatch.undo()

    assert migrate(conn) == [fn.__name__ for fn in MIGRATIONS if fn.__name__ >= "m012"]
    assert conn.execute("SELECT count(*) FROM sessions").fetchone() == (1,)
    assert conn.execute("SELECT count(*) FROM cache_lookups").fetchone() == (0,)
    plan = conn.execute(
        "EXPLAIN QUERY PLAN SELECT count(*) FROM cache_lookups WHERE ts_wall >= ?", (0.0,)
    ).fetchall()
    assert any("idx_cache_lookups_ts_wall" in row[-1] for row in plan)


def test_migrate_refuses_a_log_a_newer_version_migrated(conn: sqlite3.Connection) -> None:
    migrate(conn)
    conn.execute("INSERT INTO _migrations (name, applied_at) VALUES ('m999_future', 1.0)")
    conn.commit()

    with pytest.raises(NewerLogError, match="m999_future"):
        migrate(conn)
