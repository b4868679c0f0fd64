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
        self._traces = 0

    def __enter__(self) -> LogSeeder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.commit()
        self.conn.close()

    def commit(self) -> None:
        self.conn.commit()

    def next_trace(self) -> str:
        self._traces += 1
        return f"{self._traces:032x}"

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
