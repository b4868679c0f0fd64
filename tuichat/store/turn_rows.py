"""The rows of a session's turns, read in a few queries: what replay rebuilds events from.

A turn is a prompt row, the answer row that follows it (if any), every
attempt of its trace (the attempt rows carry timings, usage, cost, the chunk
timeline and the request as sent) and its routing events. Rows a fork copied
(:mod:`tuichat.store.sessions`) have no trace of their own: their original's
trace (through ``source_id``) finds the attempts.

Four queries per session, whatever its length: the messages, the attempts and
the routing events of its traces, and the requests' bases when one lies
outside the session (a fork's first own turn).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field, fields
from typing import Any

from tuichat.core.conversation import ChatRequest
from tuichat.store.request_rows import AttemptKey, rebuild_requests


@dataclass(frozen=True, slots=True)
class MessageRecord:
    """A prompt or an answer; ``trace`` is its own trace id, or its original's for a copy."""

    id: int
    role: str
    content: str
    status: str
    model: str | None
    created_at: float
    content_kept: str | None
    trace: str | None


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    """The columns of ``attempts`` replay uses (times: epoch s; durations: ms)."""

    trace_id: str
    attempt: int
    model: str
    provider: str
    base_url_host: str | None
    started_at: float
    ended_at: float | None
    ttft_ms: float | None
    ttfb_ms: float | None
    duration_ms: float | None
    http_status: int | None
    input_tokens: int | None
    output_tokens: int | None
    cached_input_tokens: int | None
    cache_write_tokens: int | None
    reasoning_tokens: int | None
    status: str
    finish_reason: str | None
    served_model: str | None
    error_type: str | None
    error_message: str | None
    server_prefill_ms: float | None
    server_generation_ms: float | None
    server_cached_prompt_tokens: int | None
    cost_usd: float | None
    input_cost_usd: float | None
    output_cost_usd: float | None
    price_source: str | None
    cost_estimated: int | None
    connect_ms: float | None
    connection_reused: int | None
    last_token_ms: float | None
    timeline: bytes | None
    client_busy_ms: float | None = None
    client_busy_ttfb_ms: float | None = None


@dataclass(frozen=True, slots=True)
class RouteRecord:
    """A retry, fallback or breaker change of a turn."""

    at: float
    kind: str
    attempt: int | None
    detail: str


@dataclass(slots=True)
class TurnRecord:
    """Everything logged about one turn."""

    prompt: MessageRecord
    answer: MessageRecord | None = None
    attempts: list[AttemptRecord] = field(default_factory=list)
    route: list[RouteRecord] = field(default_factory=list)
    requests: dict[int, ChatRequest] = field(default_factory=dict)


_TRACE = "COALESCE(m.trace_id, src.trace_id)"
_MESSAGES_SQL = (
    "SELECT m.id, m.role, m.content, m.status, m.model, m.created_at, m.content_kept,"
    f" {_TRACE} FROM messages AS m LEFT JOIN messages AS src ON src.id = m.source_id"
    " WHERE m.session_id = ? ORDER BY m.id"
)
_TRACES = (
    f"SELECT {_TRACE} FROM messages AS m LEFT JOIN messages AS src ON src.id = m.source_id"
    " WHERE m.session_id = ? AND m.role = 'user'"
)
_ATTEMPT_COLUMNS = ", ".join(f.name for f in fields(AttemptRecord))
_ATTEMPTS_SQL = (
    f"SELECT {_ATTEMPT_COLUMNS}, request_json FROM attempts"
    f" WHERE trace_id IN ({_TRACES}) ORDER BY trace_id, attempt"
)
_ROUTE_SQL = (
    "SELECT trace_id, at, kind, attempt, detail FROM route_events"
    f" WHERE trace_id IN ({_TRACES}) AND kind IN ('retry', 'fallback', 'breaker') ORDER BY id"
)
_REQUEST_SQL = "SELECT request_json FROM attempts WHERE trace_id = ? AND attempt = ?"


def session_exists(conn: sqlite3.Connection, session_id: str) -> bool:
    """True when the log has a session row ``session_id``."""
    return conn.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone() is not None


def turn_records(conn: sqlite3.Connection, session_id: str) -> list[TurnRecord]:
    """The session's turns in order, each with its rows."""
    turns = _pair(MessageRecord(*row) for row in conn.execute(_MESSAGES_SQL, (session_id,)))
    by_trace = {turn.prompt.trace: turn for turn in turns if turn.prompt.trace is not None}
    requests: dict[AttemptKey, str | None] = {}
    for row in conn.execute(_ATTEMPTS_SQL, (session_id,)):
        record = AttemptRecord(*row[:-1])
        by_trace[record.trace_id].attempts.append(record)
        requests[(record.trace_id, record.attempt)] = row[-1]
    for trace, at, kind, attempt, detail in conn.execute(_ROUTE_SQL, (session_id,)):
        by_trace[trace].route.append(RouteRecord(at, kind, attempt, detail))
    for (trace, attempt), request in rebuild_requests(requests, _fetcher(conn)).items():
        by_trace[trace].requests[attempt] = request
    return turns


def _pair(messages: Any) -> list[TurnRecord]:
    """Prompts in order, each with the first answer of its trace that follows it."""
    turns: list[TurnRecord] = []
    for message in messages:
        if message.role == "user":
            turns.append(TurnRecord(message))
        elif message.role == "assistant" and turns and turns[-1].answer is None:
            current = turns[-1]
            if message.trace is None or current.prompt.trace in (None, message.trace):
                current.answer = message
    return turns


def _fetcher(conn: sqlite3.Connection) -> Any:
    def fetch(key: AttemptKey) -> str | None:
        row = conn.execute(_REQUEST_SQL, key).fetchone()
        return None if row is None else row[0]

    return fetch
