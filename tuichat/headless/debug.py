"""``tuichat debug``: the operator's checklist, answered from the log.

The store and its diagnostics are imported when the command runs, so
building the command line (and ``--help``) stays fast.

Plain output is the six headlines with verdict marks, then the figures
behind each; ``--json`` prints the whole diagnosis as one object. The cache
section is the verdict of :mod:`tuichat.headless.debug_cache` (the HUD's
figures, with the prompt-cache breaks); ``--json`` adds it as
``cache_verdict`` beside the log's ``cache`` figures. The log is
opened read-only and never created. Exit codes: 0 diagnosed (whatever the
verdicts; also with no log yet: "no turns logged yet", as ``cost`` says), 1 an
unreadable log or no such session (``--session`` with no log), 2 bad usage.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sqlite3
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from tuichat.core.metrics.cache_verdict import CacheVerdict
    from tuichat.store.diagnostics import Diagnosis
    from tuichat.store.route_choices import RouteCount

EXIT_OK = 0
EXIT_NO_LOG = 1
DEFAULT_SINCE = "24h"

_AGE = re.compile(r"(\d+(?:\.\d+)?)\s*(s|m|min|h|d)")
_UNIT_S = {"s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86400.0}


def parse_age(text: str) -> float:
    """``90m``, ``24h``, ``7d`` → seconds (for ``--since``)."""
    match = _AGE.fullmatch(text.strip().lower())
    if match is None or float(match[1]) <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not an age like 30m, 24h or 7d")
    return float(match[1]) * _UNIT_S[match[2]]


def add_debug_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``tuichat debug`` on the command line."""
    debug = sub.add_parser(
        "debug",
        help="diagnose latency, rate limits, cache, errors, streaming and tokens from the log",
    )
    scope = debug.add_mutually_exclusive_group()
    scope.add_argument("--session", metavar="ID", help="one session ('last': the latest one)")
    scope.add_argument(
        "--since",
        metavar="AGE",
        type=parse_age,
        help=f"a window ending now, e.g. 90m, 24h, 7d (default {DEFAULT_SINCE})",
    )
    debug.add_argument("--json", action="store_true", help="print the diagnosis as one JSON object")


def run_debug(
    args: argparse.Namespace,
    out: TextIO | None = None,
    err: TextIO | None = None,
    clock: Callable[[], float] = time.time,
) -> int:
    """Diagnose the scope the arguments name and print it; return the exit code.

    ``out``/``err`` default to the streams current at the call (not at import).
    """
    out, err = out or sys.stdout, err or sys.stderr
    from tuichat import paths
    from tuichat.core.untrusted import one_line
    from tuichat.headless.debug_cache import cache_section
    from tuichat.headless.debug_routing import routed_turns
    from tuichat.headless.empty_log import NOTHING_LOGGED, say_nothing_logged
    from tuichat.store.diagnostics import NoSuchSession, Scope, diagnose_file

    path = paths.database_path()
    if not path.is_file():
        if args.session:
            err.write(f"tuichat: no session {one_line(args.session)!r}: {NOTHING_LOGGED}\n")
            return EXIT_NO_LOG
        say_nothing_logged(path, err)
        return EXIT_OK
    now = clock()
    since = args.since if args.since is not None else parse_age(DEFAULT_SINCE)
    scope = Scope.session(args.session) if args.session else Scope.last(since, now)
    try:
        diagnosis = asyncio.run(diagnose_file(path, scope, now=now))
    except (sqlite3.Error, OSError, NoSuchSession) as exc:
        err.write(f"tuichat: cannot diagnose {path}: {one_line(str(exc))}\n")
        return EXIT_NO_LOG
    cache = cache_section(path, diagnosis.scope, diagnosis.cache)
    _print(diagnosis, cache, args.json, out, routed_turns(path, diagnosis.scope))
    return EXIT_OK


def _print(
    diagnosis: Diagnosis,
    cache: CacheVerdict,
    as_json: bool,
    out: TextIO,
    routed: list[RouteCount] | str | None = None,
) -> None:
    from tuichat.headless.debug_routing import routing_json, routing_lines

    if as_json:
        data = {
            "scope_label": diagnosis.scope.describe(),
            **asdict(diagnosis),
            "cache_verdict": asdict(cache),
            "routing": routing_json(routed or []),
        }
        out.write(json.dumps(data, indent=2) + "\n")
    else:
        lines = report_lines(diagnosis, cache) + routing_lines(routed or [])
        out.write("\n".join(lines) + "\n")
    out.flush()


def report_lines(diagnosis: Diagnosis, cache: CacheVerdict) -> list[str]:
    """The store's report with the cache section told by ``cache`` (same layout)."""
    from tuichat.store.diagnostics import Verdict, headline_text, section_details, title_line
    from tuichat.store.diagnostics.text import verdict_mark

    rows: list[tuple[str, Verdict, str, list[str]]] = []
    for title, section in diagnosis.sections():
        if title == "cache":
            rows.append((title, cache.verdict, *cache_text(cache)))
        else:
            rows.append((title, section.verdict, headline_text(section), section_details(section)))
    lines = [title_line(diagnosis), ""]
    lines += [f"{verdict_mark(verdict)} {headline}" for _, verdict, headline, _ in rows]
    for title, _, _, details in rows:
        lines += ["", f"{title}:", *(f"  {line}" for line in details)]
    return lines


def cache_text(cache: CacheVerdict) -> tuple[str, list[str]]:
    """The cache verdict's headline and details, inert (model names come from the log)."""
    from tuichat.core.untrusted import one_line
    from tuichat.store.diagnostics.text import LINE_LIMIT

    def inert(line: str) -> str:
        indent = len(line) - len(line.lstrip(" "))
        return " " * indent + one_line(line, LINE_LIMIT)

    return one_line(cache.headline, LINE_LIMIT), [inert(line) for line in cache.details]
