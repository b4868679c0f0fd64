"""Diagnosis time over a synthetic log of 1,000,000 attempts.

Builds the log once (real schema and migrations; prompts, answers, attempts
with retries and failures, retry/fallback/rate-limit route events), then
times :func:`diagnose` for the last 24 h, for one session, and for the whole
log, printing the median of ``--runs``. ``--span-hours`` sets how much time
the attempts cover: the default 720 (30 days, ~33k attempts a day) is a busy
single user; ``--span-hours 24`` puts every attempt in the window (the worst
case: 11 requests a second for a whole day).

Run: ``python bench/bench_debug.py [--attempts 1000000] [--span-hours 720]
[--runs 5] [--path log.db]`` (an existing ``--path`` is reused as it is).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from tuichat.store import open_database_sync
from tuichat.store.diagnostics import DAY_S, Scope, diagnose, open_read_only

END = 1_700_000_000.0
TURNS_PER_SESSION = 20
MODELS = ("gpt-4o", "gpt-4o-mini", "claude-haiku", "local-gemma")
ERRORS = ("rate_limited", "server_error", "timeout", "connection", "overloaded")

ATTEMPT_SQL = (
    "INSERT INTO attempts (trace_id, session_id, attempt, model, provider, base_url_host,"
    " started_at, ended_at, ttft_ms, ttfb_ms, duration_ms, http_status, input_tokens,"
    " output_tokens, cached_input_tokens, status, error_type, error_message)"
    " VALUES (?, ?, ?, ?, 'openai-compat', 'api.example.com', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
MESSAGE_SQL = (
    "INSERT INTO messages (session_id, trace_id, role, content, status, model, created_at)"
    " VALUES (?, ?, ?, ?, 'ok', ?, ?)"
)
ROUTE_SQL = (
    "INSERT INTO route_events (trace_id, session_id, at, kind, attempt, detail)"
    " VALUES (?, ?, ?, ?, ?, ?)"
)


class Rows:
    """Generated rows, grouped by statement, for one batch of turns."""

    def __init__(self) -> None:
        self.sessions: list[tuple[object, ...]] = []
        self.attempts: list[tuple[object, ...]] = []
        self.messages: list[tuple[object, ...]] = []
        self.routes: list[tuple[object, ...]] = []


def turn(rows: Rows, rng: random.Random, index: int, at: float) -> int:
    """One turn's rows (1-3 attempts); returns how many attempts it made."""
    trace, session = f"{index:032x}", f"s-{index // TURNS_PER_SESSION:012x}"
    model = rng.choice(MODELS)
    if index % TURNS_PER_SESSION == 0:
        rows.sessions.append((session, at))
    rows.messages.append((session, trace, "user", "a question", model, at - rng.uniform(0, 0.2)))
    tries = 1 if rng.random() < 0.93 else rng.randint(2, 3)
    for attempt in range(1, tries + 1):
        start = at + (attempt - 1) * 2.0
        ok = attempt == tries and rng.random() < 0.97
        rows.attempts.append(attempt_row(rng, trace, session, attempt, model, start, ok))
        if not ok and attempt < tries:
            detail = json.dumps({"model": model, "wait_s": 1.5, "reason": "retry"})
            rows.routes.append((trace, session, start + 1, "retry", attempt, detail))
        if rng.random() < 0.3:
            reading = {"source": "openai", "requests": {"limit": 500, "remaining": 400}}
            rows.routes.append((trace, session, start, "rate_limit", attempt, json.dumps(reading)))
    rows.messages.append((session, trace, "assistant", "an answer", model, at + 3))
    return tries


def attempt_row(
    rng: random.Random, trace: str, session: str, attempt: int, model: str, start: float, ok: bool
) -> tuple[object, ...]:
    ttfb = rng.uniform(40, 300)
    ttft = ttfb + rng.uniform(20, 600)
    duration = ttft + rng.uniform(200, 8000)
    error = None if ok else rng.choice(ERRORS)
    status = "ok" if ok else ("truncated" if rng.random() < 0.2 else "failed")
    tokens_in = rng.randint(200, 6000)
    return (
        trace, session, attempt, model, start, start + duration / 1000,
        ttft, ttfb, duration, 200 if ok else 500, tokens_in, rng.randint(20, 1200),
        rng.randint(0, tokens_in), status, error, None if ok else f"{error}: simulated",
    )  # fmt: skip


def batches(total: int, span_s: float, seed: int = 7) -> Iterator[Rows]:
    """Rows for ``total`` attempts spread evenly over ``span_s`` before ``END``."""
    rng, made, index = random.Random(seed), 0, 0
    rows = Rows()
    while made < total:
        at = END - span_s * (1 - made / total)
        made += turn(rows, rng, index, at)
        index += 1
        if len(rows.attempts) >= 50_000:
            yield rows
            rows = Rows()
    yield rows


def build(path: Path, total: int, span_s: float) -> None:
    """Write the synthetic log (progress on stderr)."""
    conn: sqlite3.Connection = open_database_sync(path)
    written = 0
    for rows in batches(total, span_s):
        with conn:
            conn.executemany("INSERT INTO sessions (id, created_at) VALUES (?, ?)", rows.sessions)
            conn.executemany(ATTEMPT_SQL, rows.attempts)
            conn.executemany(MESSAGE_SQL, rows.messages)
            conn.executemany(ROUTE_SQL, rows.routes)
        written += len(rows.attempts)
        print(f"\r  writing attempts: {written:,}/{total:,}", end="", file=sys.stderr)
    conn.close()
    print(file=sys.stderr)


async def timed(path: Path, scope: Scope, runs: int) -> tuple[float, int]:
    """Median seconds of ``runs`` diagnoses of ``scope``, and the attempts it covered."""
    db = await open_read_only(path)
    times, attempts = [], 0
    try:
        for _ in range(runs):
            start = time.perf_counter()
            diagnosis = await diagnose(db, scope, now=END)
            times.append(time.perf_counter() - start)
            attempts = diagnosis.attempts
    finally:
        await db.close()
    return statistics.median(times), attempts


async def report(path: Path, runs: int) -> None:
    middle = "SELECT session_id FROM attempts WHERE id = (SELECT max(id) / 2 FROM attempts)"
    session = sqlite3.connect(path).execute(middle).fetchone()[0]
    scopes = {
        "last 24 h": Scope.last(DAY_S, END),
        "one session": Scope.session(session),
        "whole log": Scope(),
    }
    for label, scope in scopes.items():
        seconds, attempts = await timed(path, scope, runs)
        print(f"{label:>12}: {seconds * 1000:8.1f} ms  ({attempts:,} attempts in scope)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=1_000_000)
    parser.add_argument("--span-hours", type=float, default=720.0)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--path", type=Path, help="reuse (or create) the log here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = args.path or Path(folder) / "bench.db"
        if not path.exists():
            start = time.perf_counter()
            build(path, args.attempts, args.span_hours * 3600)
            print(f"built {path} in {time.perf_counter() - start:.1f} s", file=sys.stderr)
        asyncio.run(report(path, args.runs))


if __name__ == "__main__":
    main()
