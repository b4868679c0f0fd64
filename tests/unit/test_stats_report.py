"""``stats`` over generated rows: every figure equals a hand computation over the same rows."""

from __future__ import annotations

import json
import math
import random
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.seeded_log import T0, LogSeeder
from tuichat import paths
from tuichat.cli import main
from tuichat.headless.stats import StatsQuery, load_report
from tuichat.store.stats_build import open_stats_log, read_stats
from tuichat.store.stats_sql import StatsFilter

MODELS = (("gpt-4o", "openai", "api.openai.com"), ("haiku", "anthropic", "api.anthropic.com"),
          ("gemma", "local", None))  # fmt: skip
SESSIONS = {"s-a": "support", "s-b": "search", "s-c": None}
ERRORS = ("rate_limited", "server_error", "timeout", "truncated")
NOW = T0 + 10 * 86_400


def _seed(path: Path, n: int = 600, seed: int = 3) -> None:
    """``n`` attempts with ties, missing values and errors over ten days."""
    rng = random.Random(seed)
    with LogSeeder(path) as log:
        for session, tag in SESSIONS.items():
            log.session(session, T0)
            log.conn.execute("UPDATE sessions SET tag = ? WHERE id = ?", (tag, session))
        for i in range(n):
            model, provider, host = rng.choice(MODELS)
            ok = rng.random() < 0.8
            error = None if ok else rng.choice(ERRORS)
            ttft = None if error not in (None, "truncated") else float(rng.randint(50, 400))
            fields: dict[str, Any] = {
                "session_id": rng.choice(list(SESSIONS)),
                "model": model, "provider": provider, "base_url_host": host,
                "ttft_ms": ttft, "duration_ms": float(rng.randint(400, 3000)),
                "output_tokens": rng.choice([None, 0, rng.randint(1, 900)]),
                "input_tokens": rng.randint(10, 2000),
                "status": "ok" if ok else ("truncated" if error == "truncated" else "failed"),
                "error_type": error, "http_status": 429 if error == "rate_limited" else 200,
            }  # fmt: skip
            log.turn(T0 + i * 1200, queue_s=rng.choice([0.0, 0.2]), **fields)
            log.conn.execute(
                "UPDATE attempts SET cost_usd = ? WHERE id = last_insert_rowid()", (i / 1000,)
            )
        for i, verdict in enumerate(["exact", "semantic", "miss", "miss", "bypass"]):
            log.conn.execute(
                "INSERT INTO cache_lookups (trace_id, session_id, ts_wall, verdict)"
                " VALUES (?, 's-a', ?, ?)",
                (f"c{i}", T0 + i, verdict),
            )


def _rows(path: Path) -> list[sqlite3.Row]:
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    sql = "SELECT a.*, s.tag FROM attempts a LEFT JOIN sessions s ON s.id = a.session_id"
    return conn.execute(sql).fetchall()


def _hand_percentile(values: list[float], p: float) -> float | None:
    """Nearest rank, computed the long way: sort, take rank ceil(p/100 n)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p * len(ordered) / 100 - 1e-9)) - 1]


def _metrics(rows: list[sqlite3.Row]) -> dict[str, list[float]]:
    ok = [r for r in rows if r["status"] == "ok"]
    return {
        "ttft_ms": [r["ttft_ms"] for r in rows if r["ttft_ms"] is not None],
        "latency_ms": [r["duration_ms"] for r in ok if r["duration_ms"] is not None],
        "tokens_per_s": [
            r["output_tokens"] * 1000.0 / (r["duration_ms"] - r["ttft_ms"])
            for r in ok
            if (r["output_tokens"] or 0) > 0 and r["duration_ms"] > (r["ttft_ms"] or math.inf)
        ],
    }


SCOPES = [
    (StatsFilter(), lambda r: True),
    (StatsFilter(since=T0 + 3 * 86_400), lambda r: r["started_at"] >= T0 + 3 * 86_400),
    (StatsFilter(model="haiku"), lambda r: r["model"] == "haiku"),
    (StatsFilter(provider="local"), lambda r: r["provider"] == "local"),
    (StatsFilter(tag="support"), lambda r: r["tag"] == "support"),
    (StatsFilter(session_id="s-b"), lambda r: r["session_id"] == "s-b"),
]


@pytest.mark.parametrize(("scope", "keep"), SCOPES)
def test_percentiles_equal_a_hand_computation_over_the_same_rows(
    tmp_path: Path, scope: StatsFilter, keep: Any
) -> None:
    path = tmp_path / "log.db"
    _seed(path)
    rows = [r for r in _rows(path) if keep(r)]
    conn = open_stats_log(path)
    report = read_stats(conn, scope, label="t", now=NOW)
    for metric, values in _metrics(rows).items():
        figures = getattr(report, metric)
        assert figures.count == len(values), metric
        for p, got in ((50, figures.p50), (95, figures.p95), (99, figures.p99)):
            assert got == _hand_percentile(values, p), (metric, p)
    assert report.requests == len(rows)
    failed = [r for r in rows if r["error_type"] is not None]
    assert report.failed == len(failed)
    assert report.errors == {k: sum(r["error_type"] == k for r in failed) for k in report.errors}
    assert report.rate_limited == sum(r["error_type"] == "rate_limited" for r in rows)
    assert report.cost_usd == pytest.approx(sum(r["cost_usd"] for r in rows))
    slowest = sorted(rows, key=lambda r: -r["duration_ms"])[:5]
    assert [s.trace_id for s in report.slowest] == [r["trace_id"] for r in slowest]


def test_availability_cache_and_costs_by_key(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    _seed(path)
    rows = _rows(path)
    report = read_stats(open_stats_log(path), StatsFilter(), label="t", by="tag", now=NOW)
    local = next(e for e in report.endpoints if e.provider == "local")
    mine = [r for r in rows if r["provider"] == "local"]
    server = sum(r["error_type"] in ("server_error", "timeout") for r in mine)
    assert (local.host, local.requests, local.server_failures) == ("", len(mine), server)
    assert local.availability == pytest.approx(1 - server / len(mine))
    assert (report.cache.exact, report.cache.miss, report.cache.hit_rate) == (1, 2, 0.5)
    by_tag = {g.key: g.requests for g in report.costs}
    assert by_tag["(none)"] == sum(r["tag"] is None for r in rows)
    assert report.feedback is None
    assert sum(day.requests for day in report.days) == len(rows)


def test_queue_waits_are_prompt_to_first_attempt(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    _seed(path, n=50)
    report = read_stats(open_stats_log(path), StatsFilter(), label="t", now=NOW)
    waited = sum(r["id"] for r in _rows(path)) and report.queue.waited
    assert report.queue.turns == 50 and 0 < waited < 50
    assert report.queue.max_ms == pytest.approx(200.0)


def test_feedback_and_follow_ups_come_from_the_logged_tables(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    _seed(path, n=10)
    conn = sqlite3.connect(path)
    conn.executemany(
        "INSERT INTO feedback (trace_id, session_id, ts_wall, rating) VALUES (?, 's-a', ?, ?)",
        [("t1", T0, 1), ("t2", T0, 1), ("t3", T0, -1), ("old", T0 - 86_400, -1)],
    )
    conn.execute("INSERT INTO follow_ups VALUES ('t2', 's-a', ?, 't1', 0.9, 'words')", (T0 + 1,))
    conn.executemany(  # four answers in the window, one before it
        "INSERT INTO messages (session_id, trace_id, role, content, created_at)"
        " VALUES ('s-a', ?, 'assistant', 'x', ?)",
        [(f"t{i}", T0 + i) for i in range(1, 5)] + [("old", T0 - 86_400)],
    )
    conn.commit()
    fb = read_stats(open_stats_log(path), StatsFilter(since=T0), label="t", now=NOW).feedback
    assert fb is not None
    assert (fb.answers, fb.thumbs_up, fb.thumbs_down, fb.follow_ups) == (4, 2, 1, 1)
    assert (fb.thumbs_up_rate, fb.follow_up_rate) == (pytest.approx(2 / 3), 1 / 4)


def test_a_log_without_the_stats_indexes_gets_them_once(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    _seed(path, n=5)
    conn = sqlite3.connect(path)
    for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE sql LIKE '%_rank ON%' OR name LIKE '%stats%'"
        " OR name = 'idx_cache_lookups_verdict'"
    ).fetchall():
        conn.execute(f"DROP INDEX {name}")
    conn.execute("DELETE FROM _migrations WHERE name = 'm014_stats_indexes'")
    conn.commit()
    notes: list[str] = []
    open_stats_log(path, notes.append).close()
    open_stats_log(path, notes.append).close()
    assert len(notes) == 1 and "stats indexes" in notes[0]


def test_json_names_the_percentile_definition(capsys: pytest.CaptureFixture[str]) -> None:
    _seed(paths.database_path(), n=40)
    assert main(["stats", "--json", "--since", "2000-01-01"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["percentile_definition"].startswith("nearest-rank")
    assert data["requests"] == 40
    assert set(data["ttft_ms"]) == {"count", "p50", "p95", "p99"}
    assert data["feedback"] is None


def test_text_shows_charts_and_makes_log_strings_inert(
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = paths.database_path()
    _seed(path, n=40)
    hostile = "evil\x1b[2J[bold]model\nline"
    with LogSeeder(path) as log:
        log.turn(T0 + 5, model=hostile, session_id="s-a", duration_ms=99_000.0)
    assert main(["stats", "--since", "2000-01-01", "--by", "model"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "␛[2J[bold]model" in out
    assert "TTFT histogram:" in out and "requests per day" in out
    assert "feedback: no feedback yet" in out


def test_a_session_by_reference(capsys: pytest.CaptureFixture[str]) -> None:
    _seed(paths.database_path(), n=30)
    assert main(["stats", "--session", "last", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["scope"].startswith("session s-")
    assert main(["stats", "--session", "nope"]) == 1
    assert capsys.readouterr().err.count("\n") == 1


@pytest.mark.parametrize("since", ["yesterday", "7x", ""])
def test_a_bad_since_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str], since: str) -> None:
    assert main(["stats", "--since", since]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("tuichat stats: --since") and err.count("\n") == 1


def test_no_log_yet_is_an_empty_history(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stats", "--json"]) == 0
    out, err = capsys.readouterr()
    assert out == "" and "no turns logged yet" in err
    assert not paths.database_path().exists()


def test_load_report_for_the_tui(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    _seed(path, n=20)
    report = load_report(path, StatsQuery(since=None, session="s-a"), NOW)
    assert report.scope == "session s-a" and report.requests > 0


def test_retries_follow_the_model_filter(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    _seed(path, n=6)
    with LogSeeder(path) as log:
        for trace, model in (("t-retry-1", "haiku"), ("t-retry-2", "gpt-4o")):
            log.attempt(trace, T0 + 50, model=model)
            log.route_event(trace, T0 + 51, "retry", {"wait_s": 1}, attempt=1)
    conn = open_stats_log(path)
    assert read_stats(conn, StatsFilter(), label="t", now=NOW).retries == 2
    assert read_stats(conn, StatsFilter(model="haiku"), label="t", now=NOW).retries == 1
