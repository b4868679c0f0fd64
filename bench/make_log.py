"""Write a realistic synthetic log through the real schema, for ``tuichat stats`` timings.

``python bench/make_log.py --attempts 1000000 --home DIR`` creates
``DIR/tuichat.db`` (the file ``TUICHAT_HOME=DIR`` points every command at),
migrates it with the real migrations, then bulk-inserts sessions (tags and
profiles, i.e. users), prompts and answers, attempts (several models and
providers, retries, errors of every common kind, 429s with their status,
server timings on the local model, costs, small request bodies) spread over
``--days`` days ending now, rate-limit and retry route events, and one cache
lookup per turn (exact and semantic hits, misses, bypasses).

Then: ``TUICHAT_HOME=DIR time tuichat stats --json --since 30d``.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tuichat.store import open_database_sync

TURNS_PER_SESSION = 12
BATCH = 50_000
MODELS = (  # model, provider, host, USD per 1k output tokens
    ("gpt-4o", "openai", "api.openai.com", 0.01),
    ("gpt-4o-mini", "openai", "api.openai.com", 0.0006),
    ("claude-haiku", "anthropic", "api.anthropic.com", 0.004),
    ("claude-sonnet", "anthropic", "api.anthropic.com", 0.015),
    ("llama-70b", "openai-compat", "gateway.internal", 0.0009),
    ("gemma-270m", "local", "127.0.0.1", 0.0),
)
TAGS = (None, "support", "search", "bench", "summarise")
PROFILES = (None, "alice", "bob", "carol", "ci")
ERRORS = (  # error type, HTTP status, weight
    ("rate_limited", 429, 40),
    ("server_error", 500, 15),
    ("overloaded", 529, 10),
    ("timeout", None, 12),
    ("connection", None, 8),
    ("quota_exceeded", 429, 3),
    ("context_too_long", 400, 4),
    ("truncated", 200, 8),
)
VERDICTS = (("miss", 70), ("exact", 12), ("semantic", 8), ("bypass", 8), ("unavailable", 2))

ATTEMPT_SQL = (
    "INSERT INTO attempts (trace_id, session_id, attempt, model, provider, base_url_host,"
    " started_at, ended_at, ttft_ms, ttfb_ms, duration_ms, http_status, input_tokens,"
    " output_tokens, cached_input_tokens, status, finish_reason, served_model, error_type,"
    " error_message, server_prefill_ms, server_generation_ms, cost_usd, price_source,"
    " connect_ms, connection_reused, last_token_ms, request_json)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
SESSION_SQL = (
    "INSERT INTO sessions (id, created_at, title, model, tag, profile) VALUES (?,?,?,?,?,?)"
)
MESSAGE_SQL = (
    "INSERT INTO messages (session_id, trace_id, role, content, status, model, created_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
)
ROUTE_SQL = (
    "INSERT INTO route_events (trace_id, session_id, at, kind, attempt, detail)"
    " VALUES (?, ?, ?, ?, ?, ?)"
)
LOOKUP_SQL = (
    "INSERT INTO cache_lookups (trace_id, session_id, ts_wall, verdict, entry_key, similarity,"
    " age_s, saved_ms, saved_usd) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


@dataclass
class Rows:
    """Generated rows, grouped by statement, for one batch of turns."""

    sessions: list[tuple[object, ...]] = field(default_factory=list)
    attempts: list[tuple[object, ...]] = field(default_factory=list)
    messages: list[tuple[object, ...]] = field(default_factory=list)
    routes: list[tuple[object, ...]] = field(default_factory=list)
    lookups: list[tuple[object, ...]] = field(default_factory=list)


@dataclass
class Turn:
    """What one generated turn is about."""

    index: int
    trace: str
    session: str
    at: float
    model: int


class LogMaker:
    """Generates turns with a seeded random source (same seed, same log)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.error_weights = [w for _, _, w in ERRORS]
        self.verdict_weights = [w for _, w in VERDICTS]

    def turn(self, rows: Rows, index: int, at: float) -> int:
        """One turn's rows (1-3 attempts, maybe a fallback); returns the attempts made."""
        rng = self.rng
        session = f"s-{index // TURNS_PER_SESSION:010x}"
        turn = Turn(index, f"{index:032x}", session, at, self._model(index))
        if index % TURNS_PER_SESSION == 0:
            tag, profile = rng.choice(TAGS), rng.choice(PROFILES)
            rows.sessions.append((session, at, "a chat", MODELS[turn.model][0], tag, profile))
        rows.messages.append((session, turn.trace, "user", "a question", "ok", None, at))
        if self._lookup(rows, turn):
            return 0
        tries = 1 if rng.random() < 0.92 else rng.randint(2, 3)
        start = at + (rng.expovariate(1 / 0.4) if rng.random() < 0.1 else rng.uniform(0, 0.004))
        for attempt in range(1, tries + 1):
            ok = attempt == tries and rng.random() < 0.96
            model = turn.model if attempt < 3 else (turn.model + 1) % len(MODELS)
            rows.attempts.append(self.attempt(turn, attempt, model, start, ok))
            self._routes(rows, turn, attempt, start, ok and attempt == tries)
            start += 1.5
        status = "ok" if rows.attempts[-1][15] == "ok" else "failed"
        rows.messages.append((session, turn.trace, "assistant", "an answer", status, None, start))
        return tries

    def _model(self, index: int) -> int:
        """Sessions stick to a model; a few models carry most traffic."""
        rng = random.Random(index // TURNS_PER_SESSION)
        return rng.choices(range(len(MODELS)), weights=(30, 30, 15, 8, 10, 7))[0]

    def _lookup(self, rows: Rows, turn: Turn) -> bool:
        """The cache verdict of the turn; True when a hit answered it (no attempt)."""
        verdict = self.rng.choices([v for v, _ in VERDICTS], self.verdict_weights)[0]
        hit = verdict in ("exact", "semantic")
        similarity = self.rng.uniform(0.92, 0.99) if verdict == "semantic" else None
        saved = (self.rng.uniform(500, 6000), self.rng.uniform(0, 0.01)) if hit else (None, None)
        key = f"k{turn.index % 5000:08x}" if hit else None
        age = self.rng.uniform(1, 86_400) if hit else None
        rows.lookups.append(
            (turn.trace, turn.session, turn.at, verdict, key, similarity, age, *saved)
        )
        return hit

    def attempt(
        self, turn: Turn, attempt: int, model: int, start: float, ok: bool
    ) -> tuple[object, ...]:
        """One ``attempts`` row (lognormal latencies, per-model speed)."""
        rng = self.rng
        name, provider, host, usd_per_k = MODELS[model]
        reused = rng.random() < 0.8
        connect = 0.0 if reused else rng.uniform(20, 120)
        ttfb = connect + rng.lognormvariate(4.5, 0.5)
        tokens_in, tokens_out = (
            int(rng.lognormvariate(6.5, 1.0)) + 20,
            int(rng.lognormvariate(5.5, 0.8)),
        )
        speed = rng.lognormvariate(4.0 if provider != "local" else 3.0, 0.3)  # tokens/s
        if ok:
            ttft = ttfb + rng.lognormvariate(5.5, 0.7)
            duration = ttft + tokens_out / speed * 1000
            error = status = None
        else:
            error, status, _ = rng.choices(ERRORS, self.error_weights)[0]
            ttft = ttfb + rng.lognormvariate(5.5, 0.7) if error == "truncated" else None
            duration = (ttft or ttfb) + rng.uniform(5, 3000)
        state = "ok" if ok else ("truncated" if error == "truncated" else "failed")
        server = (ttft - ttfb, duration - ttft) if provider == "local" and ttft else (None, None)
        request = json.dumps({"model": name, "max_tokens": 1024, "stream": True, "n": turn.index})
        return (
            turn.trace, turn.session, attempt, name, provider, host, start, start + duration / 1000,
            ttft, ttfb, duration, 200 if ok else status, tokens_in, tokens_out if ttft else None,
            int(tokens_in * rng.random()) if rng.random() < 0.3 else None, state,
            "stop" if ok else None, name if ok else None, error,
            f"{error}: simulated" if error else None, *server,
            round(tokens_out * usd_per_k / 1000, 8), "bench", connect, int(reused),
            (duration - 2) if ttft else None, request,
        )  # fmt: skip

    def _routes(self, rows: Rows, turn: Turn, attempt: int, start: float, done: bool) -> None:
        if not done and self.rng.random() < 0.7:
            detail = json.dumps({"model": MODELS[turn.model][0], "wait_s": 1.5, "reason": "retry"})
            rows.routes.append((turn.trace, turn.session, start + 1, "retry", attempt, detail))
        if self.rng.random() < 0.05:
            reading = {"source": "openai", "requests": {"limit": 500, "remaining": 40}}
            rows.routes.append(
                (turn.trace, turn.session, start, "rate_limit", attempt, json.dumps(reading))
            )


def batches(total: int, span_s: float, end: float, seed: int) -> Iterator[Rows]:
    """Rows for ``total`` attempts spread evenly over the ``span_s`` before ``end``."""
    maker, made, index, rows = LogMaker(seed), 0, 0, Rows()
    while made < total:
        made += maker.turn(rows, index, end - span_s * (1 - made / total))
        index += 1
        if len(rows.attempts) >= BATCH:
            yield rows
            rows = Rows()
    yield rows


def build(path: Path, total: int, span_s: float, seed: int = 7) -> None:
    """Migrate ``path`` and write the synthetic rows (progress on stderr)."""
    conn: sqlite3.Connection = open_database_sync(path)
    written, end = 0, time.time() - 60
    for rows in batches(total, span_s, end, seed):
        with conn:
            conn.executemany(SESSION_SQL, rows.sessions)
            conn.executemany(ATTEMPT_SQL, rows.attempts)
            conn.executemany(MESSAGE_SQL, rows.messages)
            conn.executemany(ROUTE_SQL, rows.routes)
            conn.executemany(LOOKUP_SQL, rows.lookups)
        written += len(rows.attempts)
        print(f"\r  writing attempts: {written:,}/{total:,}", end="", file=sys.stderr)
    conn.close()
    print(file=sys.stderr)


def main() -> None:
    """``--attempts N --home DIR [--days D] [--seed S]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=1_000_000)
    parser.add_argument("--home", type=Path, required=True, help="TUICHAT_HOME for the log")
    parser.add_argument("--days", type=float, default=14.0, help="time the log covers")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    path = args.home / "tuichat.db"
    if path.exists():
        parser.error(f"{path} exists; pick an empty --home")
    args.home.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    build(path, args.attempts, args.days * 86_400, args.seed)
    print(f"built {path} in {time.perf_counter() - start:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
