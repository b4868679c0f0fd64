"""One pass over the scope's attempts: every sum and count the sections share.

A million attempts cost a table scan each time they are read, so the
figures that need no grouping (the latency split, failure counts, cache
sums) come from a single aggregate. The expressions are listed next to the
field names, so the dataclass and the SELECT cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import aiosqlite

from tuichat.store.diagnostics.model import Scope
from tuichat.store.diagnostics.sql import FAILED_STATUSES, IS_RATE_LIMITED, attempts_in, fetch_one

CACHEABLE_TOKENS = 1024
"""Providers only cache prompts at least this long (OpenAI 1024, Anthropic 1024+)."""

# An attempt that ended without a first token (failed, cancelled early, empty):
# all its time counts as "failed", none as network/prefill/generation.
_WASTED = "(a.status != 'ok' AND a.ttft_ms IS NULL)"
_SERVER = "(a.server_prefill_ms IS NOT NULL AND a.server_generation_ms IS NOT NULL)"
_FIRST = "coalesce(a.ttft_ms, a.duration_ms)"
_TTFB = f"min(coalesce(a.ttfb_ms, 0), {_FIRST})"
# Client busy time (m013): our own stalled loop, taken out of network and prefill.
_BUSY = f"min(coalesce(a.client_busy_ms, 0), {_FIRST})"
_BUSY_TTFB = f"min(coalesce(a.client_busy_ttfb_ms, 0), {_TTFB})"
_CACHED = "coalesce(a.cached_input_tokens, a.server_cached_prompt_tokens)"


def _component(server: str, estimate: str) -> str:
    """A latency component: the server's own figure where reported, else the estimate."""
    return f"sum(CASE WHEN {_WASTED} THEN 0 WHEN {_SERVER} THEN {server} ELSE {estimate} END)"


_EXPRESSIONS = {
    "attempts": "count(*)",
    "turns": "sum(a.attempt = 1)",
    "failed": f"sum(a.status IN {FAILED_STATUSES})",
    "cancelled": "sum(a.status = 'cancelled')",
    "truncated": "sum(a.status = 'truncated')",
    # The connection broke after the response had started: a stream cut mid-answer.
    "disconnects": "sum(a.error_type = 'connection' AND a.ttfb_ms IS NOT NULL)",
    "timeouts": "sum(a.error_type = 'timeout')",
    "streamed": "count(a.ttft_ms)",
    "rate_limited": f"sum({IS_RATE_LIMITED})",
    "quota_errors": "sum(a.error_type = 'quota_exceeded')",
    "network_ms": _component(
        f"max(a.duration_ms - a.server_prefill_ms - a.server_generation_ms - {_BUSY}, 0)",
        f"{_TTFB} - {_BUSY_TTFB}",
    ),
    "prefill_ms": _component(
        "a.server_prefill_ms", f"max({_FIRST} - {_TTFB} - ({_BUSY} - {_BUSY_TTFB}), 0)"
    ),
    "client_busy_ms": _component(_BUSY, _BUSY),
    "generation_ms": _component("a.server_generation_ms", f"max(a.duration_ms - {_FIRST}, 0)"),
    "failed_ms": f"sum(CASE WHEN {_WASTED} THEN a.duration_ms END)",
    "prefill_server": f"sum(a.duration_ms IS NOT NULL AND NOT {_WASTED} AND {_SERVER})",
    "prefill_estimated": f"sum(a.duration_ms IS NOT NULL AND NOT {_WASTED} AND NOT {_SERVER})",
    "cache_input_tokens": f"sum(CASE WHEN {_CACHED} IS NOT NULL THEN a.input_tokens END)",
    "cache_cached_tokens": f"sum(CASE WHEN a.input_tokens IS NOT NULL THEN {_CACHED} END)",
    "long_input_tokens": (
        f"sum(CASE WHEN {_CACHED} IS NOT NULL AND a.input_tokens >= {CACHEABLE_TOKENS}"
        " THEN a.input_tokens END)"
    ),
    "long_cached_tokens": (
        f"sum(CASE WHEN a.input_tokens >= {CACHEABLE_TOKENS} THEN {_CACHED} END)"
    ),
    "cache_write_tokens": "sum(a.cache_write_tokens)",
}


@dataclass(frozen=True, slots=True)
class Totals:
    """Sums and counts over the scope's attempts (zero when there are none)."""

    attempts: int = 0
    turns: int = 0
    failed: int = 0
    cancelled: int = 0
    truncated: int = 0
    disconnects: int = 0
    timeouts: int = 0
    streamed: int = 0
    rate_limited: int = 0
    quota_errors: int = 0
    network_ms: float = 0.0
    prefill_ms: float = 0.0
    client_busy_ms: float = 0.0
    generation_ms: float = 0.0
    failed_ms: float = 0.0
    prefill_server: int = 0
    prefill_estimated: int = 0
    cache_input_tokens: int = 0
    cache_cached_tokens: int = 0
    long_input_tokens: int = 0
    long_cached_tokens: int = 0
    cache_write_tokens: int = 0


_NAMES = [field.name for field in fields(Totals)]
assert set(_NAMES) == set(_EXPRESSIONS), "Totals fields and their SQL must match"


async def scope_totals(db: aiosqlite.Connection, scope: Scope) -> Totals:
    """Every shared figure of ``scope`` in one aggregate query."""
    where = attempts_in(scope)
    columns = ", ".join(_EXPRESSIONS[name] for name in _NAMES)
    sql = f"SELECT {columns} FROM attempts AS a WHERE {where.where}"
    row = await fetch_one(db, sql, where.params)
    values = [0 if value is None else value for value in row or ()]
    return Totals(*values) if values else Totals()
