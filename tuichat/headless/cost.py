"""``tuichat cost``: what was spent, by day, model, user and tag, from the log.

Reads the SQLite log only (no provider is started). Attempts whose model had
no known price are counted as "unpriced" rather than as free, and costs built
on local token counts (a cancel, a server that reported no usage) are counted
as "estimated", so a report never looks more certain than it is. With no log
yet it says "no turns logged yet" and exits 0, as ``debug`` does.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, TextIO

from tuichat import paths
from tuichat.config import Settings
from tuichat.core.cost.budget import Budgets
from tuichat.core.untrusted import one_line
from tuichat.headless.empty_log import say_nothing_logged
from tuichat.headless.since import parse_since as parse_since
from tuichat.store import open_database
from tuichat.store.spend import GROUPS, SpendRow, load_budgets, spend_by

EXIT_OK = 0
EXIT_BAD_INPUT = 2
DEFAULT_GROUPS = ("day", "model", "user", "tag")


@dataclass(frozen=True, slots=True)
class CostOptions:
    """What ``tuichat cost`` was asked."""

    settings: Settings
    since: str = "30d"
    groups: tuple[str, ...] = DEFAULT_GROUPS
    json_output: bool = False


def run_cost(options: CostOptions, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Print the report; return the exit code (streams default to those current at the call)."""
    out, err = out or sys.stdout, err or sys.stderr
    now = time.time()
    try:
        since = parse_since(options.since, now)
    except ValueError as exc:
        err.write(f"tuichat: error: {one_line(str(exc))}\n")
        return EXIT_BAD_INPUT
    path = paths.database_path()
    if not path.exists():
        say_nothing_logged(path, err)
        return EXIT_OK
    report = asyncio.run(_report(options, since, now))
    out.write(json.dumps(report) + "\n" if options.json_output else _text(report))
    return EXIT_OK


async def _report(options: CostOptions, since: float, now: float) -> dict[str, Any]:
    db = await open_database(paths.database_path())
    try:
        groups = {group: await spend_by(db, group, since=since) for group in options.groups}
        settings = options.settings
        budgets = Budgets(settings.budgets, profile=settings.profile, tag=settings.tag)
        await load_budgets(db, budgets, session_id="", now=now)
    finally:
        await db.close()
    first = next(iter(groups.values()), [])
    return {
        "since": since,
        "total_usd": round(sum(row.cost_usd for row in first), 8),
        "attempts": sum(row.attempts for row in first),
        "unpriced_attempts": sum(row.unpriced for row in first),
        "estimated_attempts": sum(row.estimated for row in first),
        "by": {group: [_row_json(row) for row in rows] for group, rows in groups.items()},
        "budgets": [
            {**asdict(line), "level": line.level}
            for line in budgets.lines()
            if not line.scope.endswith("session")
        ],
    }


def _row_json(row: SpendRow) -> dict[str, Any]:
    data = asdict(row)
    data["cost_usd"] = round(row.cost_usd, 8)
    return data


def _text(report: dict[str, Any]) -> str:
    """Tables for people: one per grouping, then the budgets."""
    since = datetime.fromtimestamp(report["since"]).strftime("%Y-%m-%d %H:%M")
    lines = [f"spend since {since}: {_usd(report['total_usd'])} over {report['attempts']} attempts"]
    notes = []
    if report["unpriced_attempts"]:
        notes.append(f"{report['unpriced_attempts']} unpriced (no known price)")
    if report["estimated_attempts"]:
        notes.append(f"{report['estimated_attempts']} estimated from local token counts")
    if notes:
        lines.append("  " + "; ".join(notes))
    for group, rows in report["by"].items():
        lines.append("")
        lines.append(f"by {group}:")
        width = max([len(one_line(r["key"])[:40]) for r in rows] + [8])
        for row in rows:
            key = one_line(row["key"])[:40]
            lines.append(f"  {key:<{width}}  {_usd(row['cost_usd']):>12}  {row['attempts']:>6} att")
        if not rows:
            lines.append("  (nothing)")
    for budget in report["budgets"]:
        limit = budget["hard_usd"] if budget["hard_usd"] is not None else budget["soft_usd"]
        lines.append(
            f"budget {budget['scope']}: {_usd(budget['spent_usd'])} of {_usd(limit)}"
            f" ({budget['level']})"
        )
    return "\n".join(lines) + "\n"


def _usd(value: float | None) -> str:
    if value is None:
        return "–"
    return f"${value:,.4f}" if value < 1 else f"${value:,.2f}"


CHOICES = tuple(GROUPS)
"""Groupings ``--by`` accepts."""
