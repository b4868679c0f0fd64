"""Spending from the log: budget baselines and ``tuichat cost`` reports.

Costs live on attempt rows (``attempts.cost_usd``); profile and tag on the
session row. Sums use the ``started_at`` index, so a month of a busy log
stays fast.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import aiosqlite

from tuichat.core.cost.budget import BudgetRule, Budgets, window_start

_SPENT_SQL = (
    "SELECT COALESCE(SUM(a.cost_usd), 0) FROM attempts a"
    " LEFT JOIN sessions s ON s.id = a.session_id WHERE a.started_at >= ?"
)


async def spent_since(
    db: aiosqlite.Connection,
    since: float,
    *,
    profile: str | None = None,
    tag: str | None = None,
    session_id: str | None = None,
) -> float:
    """USD spent from ``since`` (epoch s), optionally for one profile, tag or session."""
    sql, params = _SPENT_SQL, list[object]([since])
    for column, value in (("s.profile", profile), ("s.tag", tag), ("a.session_id", session_id)):
        if value is not None:
            sql += f" AND {column} = ?"
            params.append(value)
    async with db.execute(sql, params) as cursor:
        row = await cursor.fetchone()
    return float(row[0]) if row else 0.0


async def load_budgets(
    db: aiosqlite.Connection, budgets: Budgets, *, session_id: str, now: float
) -> None:
    """Fill ``budgets``' baselines from the log as of wall time ``now``."""
    spent: dict[BudgetRule, float] = {}
    windows: dict[BudgetRule, float] = {}
    for rule in budgets.rules:
        since = 0.0 if rule.period == "session" else window_start(rule.period, now)
        session = session_id if rule.period == "session" else None
        windows[rule] = since
        spent[rule] = await spent_since(
            db, since, profile=rule.profile, tag=rule.tag, session_id=session
        )
    today = await spent_since(db, window_start("day", now))
    budgets.load(spent, today, windows)


@dataclass(frozen=True, slots=True)
class SpendRow:
    """One group of a cost report: its key, the money, the attempts and tokens."""

    key: str
    cost_usd: float
    attempts: int
    unpriced: int
    estimated: int
    input_tokens: int
    output_tokens: int


GROUPS = {
    "day": "date(a.started_at, 'unixepoch', 'localtime')",
    "model": "a.model",
    "provider": "a.provider",
    "user": "COALESCE(s.profile, 'default')",
    "tag": "COALESCE(s.tag, '(none)')",
}
"""``tuichat cost --by`` choices → the SQL expression that groups by them."""


async def spend_by(
    db: aiosqlite.Connection, group: str, *, since: float, until: float | None = None
) -> Sequence[SpendRow]:
    """Spend grouped by ``group`` (a key of :data:`GROUPS`), most expensive first."""
    expression = GROUPS[group]
    sql = (
        f"SELECT {expression} AS k, COALESCE(SUM(a.cost_usd), 0), COUNT(*),"
        " SUM(a.cost_usd IS NULL AND a.status NOT IN ('running', 'interrupted')),"
        " COALESCE(SUM(a.cost_estimated), 0),"
        " COALESCE(SUM(a.input_tokens), 0), COALESCE(SUM(a.output_tokens), 0)"
        " FROM attempts a LEFT JOIN sessions s ON s.id = a.session_id"
        " WHERE a.started_at >= ? AND a.started_at < ?"
        " GROUP BY k ORDER BY " + ("k" if group == "day" else "2 DESC, k")
    )
    params = (since, until if until is not None else float("inf"))
    async with db.execute(sql, params) as cursor:
        rows = await cursor.fetchall()
    return [
        SpendRow(str(k), float(cost), int(n), int(unpriced or 0), int(est), int(i), int(o))
        for k, cost, n, unpriced, est, i, o in rows
    ]
