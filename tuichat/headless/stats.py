"""``tuichat stats``: a workload's requests, errors, latency percentiles, cache and cost.

Reads the log only (no provider is started), through a read-only
connection; a log older than the stats indexes is migrated once first
(:func:`~tuichat.store.stats_build.open_stats_log`). The store is imported
when the command runs, so building the command line stays light.

Percentiles are nearest-rank (:mod:`tuichat.core.metrics.percentiles`): the
value at rank ⌈p/100·n⌉ of the sorted values, exact over every row in scope.
Exit codes: 0 reported (also with no log yet: "no turns logged yet", as
``cost`` and ``debug`` say), 1 an unreadable log or no such session, 2 bad
usage (an invalid ``--since``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

from tuichat.core.untrusted import one_line

if TYPE_CHECKING:
    from pathlib import Path

    from tuichat.core.metrics.stats_report import StatsReport

EXIT_OK, EXIT_NO_LOG, EXIT_BAD_INPUT = 0, 1, 2
DEFAULT_SINCE = "24h"
BY_CHOICES = ("model", "provider", "tag", "user", "day")


def add_stats_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``tuichat stats`` on the command line."""
    stats = sub.add_parser(
        "stats",
        help="requests, errors, p50/p95/p99 latency, cache, 429s and cost over a workload",
    )  # the description (with the percentile definition) is in tuichat.command_help
    stats.add_argument(
        "--since",
        metavar="WHEN",
        default=DEFAULT_SINCE,
        help=f"7d, 12h, 90m or YYYY-MM-DD (default: {DEFAULT_SINCE}; ignored with --session)",
    )
    stats.add_argument("--model", "-m", help="only requests to this model")
    stats.add_argument("--provider", help="only requests to this provider")
    stats.add_argument("--tag", help="only requests of sessions with this tag")
    stats.add_argument("--session", metavar="ID|last", help="one session (every request of it)")
    stats.add_argument(
        "--by", choices=BY_CHOICES, default="model", help="group cost by this (default: model)"
    )
    stats.add_argument("--json", action="store_true", help="print one JSON object")


@dataclass(frozen=True, slots=True)
class StatsQuery:
    """What a stats report covers (the command line's options, or a TUI tab)."""

    since: float | None
    model: str | None = None
    provider: str | None = None
    tag: str | None = None
    session: str | None = None
    by: str = "model"
    charts: bool = True


def run_stats(
    args: argparse.Namespace,
    out: TextIO | None = None,
    err: TextIO | None = None,
    clock: Callable[[], float] = time.time,
) -> int:
    """Print the report the arguments ask for; return the exit code."""
    from tuichat import paths
    from tuichat.headless.empty_log import say_nothing_logged
    from tuichat.headless.since import parse_since

    out, err = out or sys.stdout, err or sys.stderr
    now = clock()
    try:
        since = None if args.session else parse_since(args.since, now)
    except ValueError as exc:
        err.write(f"tuichat stats: {one_line(str(exc))}\n")
        return EXIT_BAD_INPUT
    path = paths.database_path()
    if not path.is_file():
        say_nothing_logged(path, err)
        return EXIT_OK
    query = StatsQuery(
        since, args.model, args.provider, args.tag, args.session, args.by, charts=not args.json
    )
    try:
        report = load_report(path, query, now, notice=lambda line: _note(err, line))
    except LookupError as exc:
        err.write(f"tuichat stats: {one_line(str(exc))}\n")
        return EXIT_NO_LOG
    return _print(report, args.json, out)


def _note(err: TextIO, line: str) -> None:
    err.write(f"tuichat: {line}\n")
    err.flush()


def _print(report: StatsReport, as_json: bool, out: TextIO) -> int:
    from tuichat.core.metrics.stats_report import report_json
    from tuichat.headless.stats_text import report_lines

    if as_json:
        out.write(json.dumps(report_json(report)) + "\n")
    else:
        out.write("\n".join(report_lines(report)) + "\n")
    return EXIT_OK


def load_report(
    path: Path, query: StatsQuery, now: float, notice: Callable[[str], None] = lambda _: None
) -> StatsReport:
    """The report of ``query`` over the log at ``path`` (blocking; LookupError if unreadable).

    The TUI calls this in a thread worker; the command line directly.
    """
    import sqlite3

    from tuichat.store.errors import StoreError
    from tuichat.store.sessions import resolve_session_sync
    from tuichat.store.stats_build import open_stats_log, read_stats
    from tuichat.store.stats_sql import StatsFilter

    try:
        conn = open_stats_log(path, notice)
    except (sqlite3.Error, OSError, StoreError) as exc:
        raise LookupError(f"cannot read {path}: {exc}") from None
    try:
        session = resolve_session_sync(conn, query.session) if query.session else None
        scope = StatsFilter(query.since, None, query.model, query.provider, query.tag, session)
        label = _label(query, session, now)
        return read_stats(conn, scope, label=label, by=query.by, charts=query.charts, now=now)
    except (sqlite3.Error, StoreError) as exc:
        raise LookupError(str(exc)) from None
    finally:
        conn.close()


def _label(query: StatsQuery, session: str | None, now: float) -> str:
    """``session s-1a2b``, ``since 2026-12-04 10:00`` plus the filters, for the title."""
    from datetime import datetime

    if session is not None:
        scope = f"session {session}"
    elif query.since is None:
        scope = "the whole log"
    else:
        scope = f"since {datetime.fromtimestamp(query.since):%Y-%m-%d %H:%M}"
    named = (("model", query.model), ("provider", query.provider), ("tag", query.tag))
    filters = [f"{name} {value}" for name, value in named if value]
    return ", ".join([scope, *filters])
