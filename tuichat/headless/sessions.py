"""``tuichat sessions``: logged sessions, newest first, findable by text, time, model and tag.

``--search`` is full text over prompts and answers (SQLite FTS5). Titles are
the first prompt, made one line and inert; ``--json`` prints the same rows as
one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, TextIO

from tuichat.core.untrusted import one_line
from tuichat.headless.cost import parse_since
from tuichat.logbook import LogbookError, open_logbook

if TYPE_CHECKING:
    from tuichat.store.sessions import SessionSummary

EXIT_OK, EXIT_USAGE = 0, 2


def run_sessions(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    """List the sessions; return the exit code."""
    try:
        since = parse_since(args.since, time.time()) if args.since else None
        rows = asyncio.run(_list(args, since))
    except (LogbookError, ValueError) as exc:
        print(f"tuichat sessions: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    listing = {"sessions": [_json(row) for row in rows]}
    out.write(json.dumps(listing) + "\n" if args.json else table(rows))
    return EXIT_OK


async def _list(args: argparse.Namespace, since: float | None) -> Sequence[SessionSummary]:
    async with open_logbook() as book:
        return await book.sessions(
            search=args.search, since=since, model=args.model, tag=args.tag, limit=args.limit
        )


def table(rows: Sequence[SessionSummary]) -> str:
    """The rows as aligned text (titles and names made inert)."""
    if not rows:
        return "no sessions\n"
    head = (
        f"{'id':<15} {'started':<16} {'turns':>5} {'tokens':>9} {'cost':>9}  "
        f"{'status':<11} title · models"
    )
    return "\n".join([head, *(_line(row) for row in rows)]) + "\n"


def _line(row: SessionSummary) -> str:
    started = datetime.fromtimestamp(row.started).strftime("%Y-%m-%d %H:%M")
    tokens = (row.input_tokens or 0) + (row.output_tokens or 0)
    cost = "—" if row.cost_usd is None else f"${row.cost_usd:.4f}"
    models = one_line(", ".join(row.models), 30)
    title = one_line(row.title or "(no prompt)", 60)
    return (
        f"{row.session_id:<15} {started:<16} {row.turns:>5} {tokens:>9,} {cost:>9}  "
        f"{row.status[:11]:<11} {title} · {models}"
    )


def _json(row: SessionSummary) -> dict[str, object]:
    return {
        "id": row.session_id,
        "started": row.started,
        "title": row.title,
        "models": list(row.models),
        "turns": row.turns,
        "input_tokens": row.input_tokens,
        "output_tokens": row.output_tokens,
        "cost_usd": row.cost_usd,
        "status": row.status,
        "forked_from": row.forked_from,
        "rerun_of": row.rerun_of,
    }
