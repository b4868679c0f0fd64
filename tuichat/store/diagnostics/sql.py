"""The scope as SQL, and small fetch helpers shared by the section queries.

Every query of a diagnosis filters the same way: one session (served by the
``session_id`` indexes) or a time window (served by the ``started_at`` and
``(kind, at)`` indexes). Values always travel as parameters, never in the SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import aiosqlite

from tuichat.store.diagnostics.model import Scope

FAILED_STATUSES = "('failed', 'truncated')"
"""Attempt statuses that count as errors (cancelled is the user's choice, not an error)."""
RATE_LIMIT_TYPES = "('rate_limited', 'quota_exceeded')"
IS_RATE_LIMITED = f"(a.error_type IN {RATE_LIMIT_TYPES} OR a.http_status = 429)"
"""A 429: an HTTP error is logged by its error type (the status line raised before headers)."""


@dataclass(frozen=True, slots=True)
class ScopeSql:
    """A WHERE fragment selecting the scope's rows of one table, and its parameters."""

    where: str
    params: tuple[object, ...]


def attempts_in(scope: Scope, alias: str = "a") -> ScopeSql:
    """The scope over ``attempts`` (time = ``started_at``)."""
    return _scope_sql(scope, alias, "started_at")


def route_events_in(scope: Scope, alias: str = "r") -> ScopeSql:
    """The scope over ``route_events`` (time = ``at``)."""
    return _scope_sql(scope, alias, "at")


def _scope_sql(scope: Scope, alias: str, time_column: str) -> ScopeSql:
    if scope.session_id is not None:
        return ScopeSql(f"{alias}.session_id = ?", (scope.session_id,))
    clauses: list[str] = []
    params: list[object] = []
    if scope.since is not None:
        clauses.append(f"{alias}.{time_column} >= ?")
        params.append(scope.since)
    if scope.until is not None:
        clauses.append(f"{alias}.{time_column} < ?")
        params.append(scope.until)
    return ScopeSql(" AND ".join(clauses) or "1", tuple(params))


async def fetch_all(
    db: aiosqlite.Connection, sql: str, params: Sequence[object]
) -> list[tuple[Any, ...]]:
    """Every row of ``sql`` as plain tuples."""
    async with db.execute(sql, tuple(params)) as cursor:
        return [tuple(row) for row in await cursor.fetchall()]


async def fetch_one(
    db: aiosqlite.Connection, sql: str, params: Sequence[object]
) -> tuple[Any, ...] | None:
    """The first row of ``sql``, or None."""
    async with db.execute(sql, tuple(params)) as cursor:
        row = await cursor.fetchone()
    return None if row is None else tuple(row)
