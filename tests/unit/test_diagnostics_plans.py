"""The diagnosis stays fast: every query searches an index, none scans a whole table.

A full scan of ``attempts`` costs ~100 ms per million rows, and a diagnosis
runs a dozen queries, so each must reach its rows through the scope's index
(``started_at``, ``session_id``, ``(kind, at)``, ``(session_id, kind)``).
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from tests.helpers.seeded_log import T0, LogSeeder
from tuichat.store.diagnostics import DAY_S, Scope, diagnose, open_read_only

# "SCAN a" or "SCAN a USING INDEX ..." walks a whole table or index; "SEARCH" does not.
# (A window function's "SCAN (subquery-N)" reads the already selected rows.)
TABLE_SCAN = re.compile(r"SCAN (a|r|m|attempts|route_events|messages)\b")


def seed(path: Path) -> None:
    with LogSeeder(path) as log:
        trace = log.turn(T0, status="failed", error_type="rate_limited")
        log.route_event(trace, T0, "retry", {"wait_s": 1.0}, attempt=1)
        log.route_event(trace, T0, "fallback", {"from": "a", "to": "b"})
        log.route_event(trace, T0, "rate_limit", {"requests": {"limit": 1}}, attempt=1)
        log.turn(T0 + 1)


async def statements(path: Path, scope: Scope) -> list[str]:
    seen: list[str] = []
    db = await open_read_only(path)
    await db.set_trace_callback(seen.append)
    try:
        await diagnose(db, scope, now=T0)
    finally:
        await db.close()
    return [sql for sql in seen if sql.lstrip().upper().startswith("SELECT")]


@pytest.mark.parametrize("scope", [Scope.last(DAY_S, T0 + 60), Scope.session("s-1")])
async def test_no_query_scans_a_whole_table(tmp_path: Path, scope: Scope) -> None:
    path = tmp_path / "log.db"
    seed(path)
    queries = await statements(path, scope)
    assert len(queries) >= 10

    conn = sqlite3.connect(path)
    scans = [
        (sql, detail)
        for sql in queries
        for *_, detail in conn.execute(f"EXPLAIN QUERY PLAN {sql}")
        if TABLE_SCAN.match(detail)
    ]
    conn.close()
    assert scans == []


async def test_a_session_reads_only_its_own_route_events(tmp_path: Path) -> None:
    """Without (session_id, kind) an index on kind alone walks every session's events."""
    path = tmp_path / "log.db"
    seed(path)
    queries = await statements(path, Scope.session("s-1"))

    conn = sqlite3.connect(path)
    plans = [
        detail
        for sql in queries
        if "FROM route_events" in sql
        for *_, detail in conn.execute(f"EXPLAIN QUERY PLAN {sql}")
        if re.match(r"SEARCH r\b", detail)
    ]
    conn.close()
    assert len(plans) == 4  # retries, fallbacks, rate-limit readings, stale offers
    assert all("idx_route_events_session_kind" in detail for detail in plans)
