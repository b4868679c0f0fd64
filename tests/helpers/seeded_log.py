"""Write log rows by hand, with fixed timestamps, for diagnosis tests and snapshots.

Real turns (driven against the simulator) prove the writer and the diagnosis
agree; seeded rows pin exact figures (spikes, trends, outliers) that real
timing could never make deterministic.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from tuichat.store import open_database_sync

T0 = 1_700_000_000.0
"""A fixed epoch second: 2023-11-14 22:13:20 UTC."""

_ATTEMPT_DEFAULTS: dict[str, Any] = {
    "attempt": 1,
    "session_id": "s-1",
    "model": "gpt-4o",
    "provider": "openai-compat",
    "base_url_host": "api.example.com",
    "ttfb_ms": 100.0,
    "ttft_ms": 300.0,
    "duration_ms": 1000.0,
    "http_status": 200,
    "input_tokens": 100,
    "output_tokens": 50,
    "cached_input_tokens": None,
    "status": "ok",
    "error_type": None,
    "error_message": None,
    "server_prefill_ms": None,
    "server_generation_ms": None,
}


class LogSeeder:
    """Rows into a migrated log; call :meth:`commit` (or use it as a context manager)."""

    def __init__(self, path: Path) -> None:
        self.conn: sqlite3.Connection = open_database_sync(path)
        (self._traces,) = self.conn.execute(
            "SELECT count(DISTINCT trace_id) FROM attempts"
        ).fetchone()

    def __enter__(self) -> LogSeeder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.commit()
        self.conn.close()

    def commit(self) -> None:
        self.conn.commit()

    def next_trace(self) -> str:
        self._traces += 1
        return f"{self._traces:08x}".ljust(32, "0")

    def session(self, session_id: str, created_at: float = T0) -> None:
        self.conn.execute(
            "INSERT OR IGNORE INTO sessions (id, created_at) VALUES (?, ?)",
            (session_id, created_at),
        )

    def prompt(self, trace: str, session_id: str, created_at: float, text: str = "hi") -> None:
        self.session(session_id, created_at)
        self.conn.execute(
            "INSERT INTO messages (session_id, trace_id, role, content, status, created_at)"
            " VALUES (?, ?, 'user', ?, 'ok', ?)",
            (session_id, trace, text, created_at),
        )

    def attempt(self, trace: str, started_at: float, **fields: Any) -> None:
        row = {**_ATTEMPT_DEFAULTS, **fields, "trace_id": trace, "started_at": started_at}
        duration = row["duration_ms"]
        row["ended_at"] = None if duration is None else started_at + duration / 1000
        columns = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        self.conn.execute(f"INSERT INTO attempts ({columns}) VALUES ({marks})", tuple(row.values()))

    def turn(self, started_at: float, *, queue_s: float = 0.0, **fields: Any) -> str:
        """A prompt and its single attempt, ``queue_s`` after the prompt; returns the trace."""
        trace = self.next_trace()
        session_id = fields.get("session_id", _ATTEMPT_DEFAULTS["session_id"])
        self.prompt(trace, session_id, started_at - queue_s)
        self.attempt(trace, started_at, **fields)
        return trace

    def route_event(
        self,
        trace: str,
        at: float,
        kind: str,
        detail: dict[str, Any] | str,
        *,
        attempt: int | None = None,
        session_id: str = "s-1",
    ) -> None:
        text = detail if isinstance(detail, str) else json.dumps(detail)
        self.conn.execute(
            "INSERT INTO route_events (trace_id, session_id, at, kind, attempt, detail)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (trace, session_id, at, kind, attempt, text),
        )


def seed_showcase(path: Path, session_id: str = "s-showcase") -> None:
    """A small, fixed log where every section has something to say (for the screen).

    Forty turns over ~3 hours from ``T0``: steady answers with a cached
    prompt, TTFT creeping up in the second half, two server errors and a burst of overloads,
    429s with a retry and a fallback, a cut stream, a cancel, one huge answer
    and a model name carrying escape sequences and markup.
    """
    with LogSeeder(path) as log:
        for i in range(40):
            at = T0 + i * 270
            fields: dict[str, Any] = {
                "session_id": session_id,
                "ttft_ms": 250.0 if i < 20 else 420.0,
                "input_tokens": 1800 + 10 * i,
                "output_tokens": 300,
                "cached_input_tokens": 1200,
            }
            if i in (5, 17):
                fields |= {"status": "failed", "error_type": "server_error", "ttft_ms": None}
                fields["error_message"] = "server_error (500): upstream \x1b[31mexploded\x1b[0m"
            log.turn(at, queue_s=0.05, **fields)
        _showcase_faults(log, session_id)


def _showcase_faults(log: LogSeeder, session_id: str) -> None:
    burst = {"session_id": session_id, "status": "failed", "error_type": "overloaded"}
    for k in range(4):  # four overloads within one 5-minute bucket: a spike
        log.turn(T0 + 30 * 270 + 10 * k, error_message="overloaded (529)", **burst)

    _showcase_rate_limits(log, session_id)


def _showcase_rate_limits(log: LogSeeder, session_id: str) -> None:
    at = T0 + 40 * 270
    limited = log.turn(at, session_id=session_id, status="failed", error_type="rate_limited")
    log.route_event(limited, at + 1, "retry", {"wait_s": 2.0}, attempt=1, session_id=session_id)
    log.route_event(limited, at + 2, "fallback", {"to": "b"}, session_id=session_id)
    log.attempt(limited, at + 3, attempt=2, session_id=session_id, model="claude-haiku")
    reading = {"source": "openai", "requests": {"limit": 500, "remaining": 12}}
    log.route_event(limited, at, "rate_limit", reading, attempt=1, session_id=session_id)
    log.turn(at + 60, session_id=session_id, status="truncated", error_type="truncated")
    log.turn(at + 120, session_id=session_id, status="cancelled", output_tokens=None)
    log.turn(at + 180, session_id=session_id, output_tokens=4200, model="[b]evil[/b]\x1b]0;x\x07")
