"""The log's write statements, and a batch of rows grouped by them.

One ``executemany`` per statement per transaction: :class:`LogBatch` collects
the rows of many events and :meth:`LogBatch.statements` lists them in an order
that keeps the foreign keys and the conversation's order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tuichat.store.cache_lookups import CACHE_LOOKUP_SQL
from tuichat.store.feedback import FEEDBACK_SQL, FOLLOW_UP_SQL
from tuichat.store.regen_rows import KEPT_SQL, REGENERATION_SQL
from tuichat.store.streamed import ANSWER_INSERT_SQL, ANSWER_UPDATE_SQL, AnswerRow

Row = tuple[object, ...]

WRITER_SQL = (
    "INSERT INTO writers (id, pid, process_start, host, opened_at, seen_at)"
    " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at"
)
ENSURE_SESSION_SQL = """
INSERT INTO sessions (id, created_at, title, model, system_prompt, tag, profile, rerun_of)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET
    title = COALESCE(excluded.title, title),
    rerun_of = COALESCE(excluded.rerun_of, rerun_of),
    model = COALESCE(excluded.model, model),
    system_prompt = COALESCE(excluded.system_prompt, system_prompt),
    tag = COALESCE(excluded.tag, tag),
    profile = COALESCE(excluded.profile, profile)
"""
SESSION_SQL = "INSERT OR IGNORE INTO sessions (id, created_at, model) VALUES (?, ?, ?)"
OPEN_TURN_SQL = (
    "INSERT OR REPLACE INTO open_turns (trace_id, writer_id, session_id, started_at)"
    " VALUES (?, ?, ?, ?)"
)
CLOSE_TURN_SQL = "DELETE FROM open_turns WHERE trace_id = ?"
MESSAGE_SQL = (
    "INSERT INTO messages"
    " (session_id, trace_id, role, content, status, model, created_at, content_kept)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
ROUTE_CHOICE_SQL = (
    "UPDATE messages SET route_rule = ?, route_why = ?, route_model = ?"
    " WHERE trace_id = ? AND role = 'user'"
)
"""Which routing rule picked the turn's model (m016), on its prompt row."""
ATTEMPT_SQL = (
    "INSERT INTO attempts"
    " (trace_id, session_id, attempt, model, provider, base_url_host, started_at, request_json)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
ROUTE_EVENT_SQL = (
    "INSERT INTO route_events (trace_id, session_id, at, kind, attempt, detail)"
    " VALUES (?, ?, ?, ?, ?, ?)"
)
ATTEMPT_UPDATE_COLUMNS = (
    "ended_at",
    "ttft_ms",
    "ttfb_ms",
    "duration_ms",
    "http_status",
    "input_tokens",
    "output_tokens",
    "cached_input_tokens",
    "cache_write_tokens",
    "reasoning_tokens",
    "server_prefill_ms",
    "server_generation_ms",
    "server_cached_prompt_tokens",
    "status",
    "finish_reason",
    "served_model",
    "error_type",
    "error_message",
    "cost_usd",
    "input_cost_usd",
    "output_cost_usd",
    "price_source",
    "cost_estimated",
    "connect_ms",
    "connection_reused",
    "last_token_ms",
    "timeline",
    "client_busy_ms",
    "client_busy_ttfb_ms",
)
# One statement for every kind of attempt update, so a batch's updates share
# one executemany; COALESCE keeps what earlier events already set.
ATTEMPT_UPDATE_SQL = (
    "UPDATE attempts SET "
    + ", ".join(f"{column} = COALESCE(?, {column})" for column in ATTEMPT_UPDATE_COLUMNS)
    + " WHERE trace_id = ? AND attempt = ?"
)


@dataclass
class LogBatch:
    """Rows to write in one transaction, grouped by statement."""

    session_upserts: list[Row] = field(default_factory=list)
    sessions: list[Row] = field(default_factory=list)
    opened: list[Row] = field(default_factory=list)
    messages: list[Row] = field(default_factory=list)
    route_choices: list[Row] = field(default_factory=list)
    attempts: list[Row] = field(default_factory=list)
    attempt_updates: dict[tuple[str, int], dict[str, object]] = field(default_factory=dict)
    answers: dict[str, AnswerRow] = field(default_factory=dict)
    route_events: list[Row] = field(default_factory=list)
    cache_lookups: list[Row] = field(default_factory=list)
    feedback: list[Row] = field(default_factory=list)
    follow_ups: list[Row] = field(default_factory=list)
    regenerations: list[Row] = field(default_factory=list)
    kept: list[Row] = field(default_factory=list)
    closed: list[Row] = field(default_factory=list)

    def update_attempt(self, trace_id: str, attempt: int, **values: object) -> None:
        """Merge column values for one attempt (several events fold into one row)."""
        self.attempt_updates.setdefault((trace_id, attempt), {}).update(values)

    def statements(self) -> list[tuple[str, list[Row]]]:
        """``(sql, rows)`` pairs in a safe order.

        Sessions first, for the foreign key; a turn's prompt before its
        answer, so ids follow the conversation; ``open_turns`` rows removed
        last, in the transaction that holds the turn's final rows.
        """
        updates = [
            (*(values.get(column) for column in ATTEMPT_UPDATE_COLUMNS), *key)
            for key, values in self.attempt_updates.items()
        ]
        answers = self.answers.values()
        groups = [
            (ENSURE_SESSION_SQL, self.session_upserts),
            (SESSION_SQL, self.sessions),
            (OPEN_TURN_SQL, self.opened),
            (ATTEMPT_SQL, self.attempts),
            (ATTEMPT_UPDATE_SQL, updates),
            (MESSAGE_SQL, self.messages),
            (ROUTE_CHOICE_SQL, self.route_choices),
            (ANSWER_INSERT_SQL, [answer.insert() for answer in answers]),
            (ANSWER_UPDATE_SQL, [answer.update() for answer in answers]),
            (ROUTE_EVENT_SQL, self.route_events),
            (CACHE_LOOKUP_SQL, self.cache_lookups),
            (FEEDBACK_SQL, self.feedback),
            (FOLLOW_UP_SQL, self.follow_ups),
            (REGENERATION_SQL, self.regenerations),
            (KEPT_SQL, self.kept),
            (CLOSE_TURN_SQL, self.closed),
        ]
        return [(sql, rows) for sql, rows in groups if rows]
