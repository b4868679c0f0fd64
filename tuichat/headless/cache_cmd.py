"""``tuichat cache stats|list|clear|invalidate``: the response cache from the shell.

The cache is the file beside the log (``cache.sqlite3``; ``--database``
names another log, and so another cache). ``stats`` adds what the cache saved
from the log's ``cache_lookups``. Nothing here creates a missing cache: on a
missing file every command says so in one line and exits 0. Questions, models
and tags are stored text from models and users, so they are shown on one
line with controls made visible; ``--json`` prints one object.

The store is imported inside the commands, so building the parser stays light.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from tuichat import paths
from tuichat.core.untrusted import neutralise, one_line

if TYPE_CHECKING:
    from tuichat.core.cache.ports import CacheEntry
    from tuichat.store.cache_admin import Invalidation
    from tuichat.store.cache_db import SqliteCacheStore

EXIT_OK, EXIT_ERROR = 0, 2
_DURATION = re.compile(r"(\d+)\s*([smhdw])")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_NO_CAP = 1 << 62  # the commands never put, so nothing is evicted


def add_cache_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``cache`` and its four actions, each with ``--json`` and ``--database``."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help="print one JSON object")
    common.add_argument(
        "--database",
        type=Path,
        metavar="PATH",
        help="the log (default: yours); the cache is beside it",
    )
    cache = sub.add_parser(
        "cache",
        help="the response cache: stats, list, clear, invalidate",
    )
    actions = cache.add_subparsers(dest="cache_action", metavar="ACTION", required=True)
    stats = actions.add_parser("stats", parents=[common], help="entries, size, hit rate, savings")
    stats.add_argument("--since", metavar="WHEN", help="savings since 7d, 12h, 90m or YYYY-MM-DD")
    listing = actions.add_parser("list", parents=[common], help="cached answers, newest first")
    listing.add_argument("--limit", type=_limit, default=50, help="at most N rows (default 50)")
    actions.add_parser("clear", parents=[common], help="delete every cached answer")
    invalidate = actions.add_parser(
        "invalidate", parents=[common], help="delete the cached answers matching every criterion"
    )
    invalidate.add_argument("--tag", help="entries with this tag")
    invalidate.add_argument("--model", "-m", help="entries of this model")
    invalidate.add_argument(
        "--older-than", metavar="DURATION", help="entries older than 30d, 12h, 90m, 45s or a date"
    )
    invalidate.add_argument("--key", help="the entry with this key")


def run_cache(
    args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run ``tuichat cache ACTION``; return the exit code (stdout and stderr by default)."""
    from tuichat.core.cache.ports import CacheUnavailable
    from tuichat.store.cache_db import cache_path_beside
    from tuichat.store.errors import StoreError

    log = args.database or paths.database_path()
    path = cache_path_beside(log)
    now = time.time()
    out, err = out or sys.stdout, err or sys.stderr
    try:
        report = _ACTIONS[args.cache_action](args, path, log, now)
    except (CacheUnavailable, StoreError, ValueError) as exc:
        err.write(f"tuichat cache: {one_line(str(exc))}\n")
        return EXIT_ERROR
    if args.json:
        out.write(json.dumps(report) + "\n")
    else:
        out.write(_TEXTS[args.cache_action](report, now))
    return EXIT_OK


def _open(path: Path) -> SqliteCacheStore:
    from tuichat.store.cache_db import open_cache_store

    return open_cache_store(path, max_bytes=_NO_CAP)


def _stats(args: argparse.Namespace, path: Path, log: Path, now: float) -> dict[str, Any]:
    from tuichat.store.cache_admin import CacheStats, cache_stats

    since = _moment(args.since, now) if args.since else None
    stats = CacheStats(0, 0, 0, 0, 0)
    if path.exists():
        store = _open(path)
        try:
            stats = cache_stats(store, now)
        finally:
            store.close()
    return {"path": str(path), "exists": path.exists(), **asdict(stats), **_savings(log, since)}


def _savings(log: Path, since: float | None) -> dict[str, Any]:
    """The log's cache figures (zeros when there is no log yet)."""
    from tuichat.core.metrics.cache_tally import CacheTally
    from tuichat.store.cache_lookups import cache_summary_sync
    from tuichat.store.database import open_database_sync

    summary = CacheTally()
    if log.exists():
        conn = open_database_sync(log)
        try:
            summary = cache_summary_sync(conn, since_wall=since)
        finally:
            conn.close()
    lookups = {**asdict(summary), "hits": summary.hits, "hit_rate": summary.hit_rate}
    return {"since": since, "lookups": lookups}


def _list(args: argparse.Namespace, path: Path, log: Path, now: float) -> dict[str, Any]:
    from tuichat.store.cache_admin import Listing, list_entries

    listing = Listing(())
    if path.exists():
        store = _open(path)
        try:
            listing = list_entries(store, args.limit)
        finally:
            store.close()
    return {
        "path": str(path),
        "exists": path.exists(),
        "entries": [_entry_json(entry, now) for entry in listing.entries],
        "corrupt": listing.corrupt,
    }


def _clear(args: argparse.Namespace, path: Path, log: Path, now: float) -> dict[str, Any]:
    from tuichat.store.cache_admin import clear

    return _change(path, "cleared", clear)


def _invalidate(args: argparse.Namespace, path: Path, log: Path, now: float) -> dict[str, Any]:
    from tuichat.store.cache_admin import invalidate

    which = _invalidation(args, now)
    return _change(path, "invalidated", lambda store: invalidate(store, which))


def _invalidation(args: argparse.Namespace, now: float) -> Invalidation:
    from tuichat.store.cache_admin import Invalidation
    from tuichat.usage import usage_error

    older = _moment(args.older_than, now) if args.older_than else None
    which = Invalidation(tag=args.tag, model=args.model, created_before=older, key=args.key)
    if which.empty:
        usage_error(args, "say what to invalidate: --tag, --model, --older-than or --key")
    return which


def _change(path: Path, verb: str, change: Callable[[SqliteCacheStore], int]) -> dict[str, Any]:
    """Apply ``change`` to an existing cache; a missing one is left missing."""
    count = 0
    if path.exists():
        store = _open(path)
        try:
            count = change(store)
        finally:
            store.close()
    return {"path": str(path), "exists": path.exists(), verb: count}


def _moment(text: str, now: float) -> float:
    """``30d``, ``12h``, ``90m``, ``45s``, ``2w`` ago, or a date ``YYYY-MM-DD`` (local midnight)."""
    match = _DURATION.fullmatch(text.strip())
    if match:
        return now - int(match[1]) * _UNIT_S[match[2]]
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d").timestamp()
    except ValueError:
        raise ValueError(f"{text!r}: use 30d, 12h, 90m, 45s or YYYY-MM-DD") from None


def _limit(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 100_000:
        raise argparse.ArgumentTypeError(f"not a number from 1 to 100000: {text[:40]!r}")
    return int(text)


def _entry_json(entry: CacheEntry, now: float) -> dict[str, Any]:
    return {
        "key": entry.key,
        "question": entry.question,
        "model": entry.model,
        "served_model": entry.served_model,
        "created_at": entry.created_at,
        "age_s": max(0.0, now - entry.created_at),
        "hits": entry.hits,
        "tags": list(entry.tags),
        "expires_at": entry.expires_at,
        "false_hit": entry.false_hit,
        "saved_ms": entry.duration_ms,
        "saved_usd": entry.cost_usd,
    }


# --- text for people ---------------------------------------------------------


def _shown(text: str, limit: int) -> str:
    """Stored text on one line, every control visible (``␛[2J``), at most ``limit`` chars."""
    return one_line(neutralise(text), limit)


def _missing(report: dict[str, Any], what: str) -> str:
    return f"no response cache at {_shown(report['path'], 200)}: {what}\n"


def _stats_text(report: dict[str, Any], now: float) -> str:
    lines = [] if report["exists"] else [_missing(report, "nothing cached yet").rstrip()]
    lines.append(
        f"entries {report['entries']:,} ({_bytes(report['size_bytes'])}), "
        f"hits served {report['hits']:,}, false hits {report['false_hits']:,}, "
        f"expired {report['expired']:,}"
    )
    found = report["lookups"]
    since = report["since"]
    window = "ever" if since is None else datetime.fromtimestamp(since).strftime("%Y-%m-%d %H:%M")
    rate = "–" if found["hit_rate"] is None else f"{found['hit_rate']:.1%}"
    lines.append(
        f"lookups since {window}: {found['exact']:,} exact, {found['semantic']:,} "
        f"semantic, {found['misses']:,} misses, {found['bypasses']:,} bypassed, "
        f"{found['unavailable']:,} unavailable, {found['false_hits']:,} rejected"
    )
    unpriced = found["unpriced_hits"]
    money = f"${found['saved_usd']:,.4f}"
    if unpriced:  # their answers had no price: what they saved is unknown, not zero
        money += f" (+ {unpriced:,} unpriced hit{'s' if unpriced != 1 else ''})"
    lines.append(f"hit rate {rate}; saved {found['saved_ms'] / 1000:,.1f} s and {money}")
    return "\n".join(lines) + "\n"


def _list_text(report: dict[str, Any], now: float) -> str:
    if not report["exists"]:
        return _missing(report, "nothing cached yet")
    rows = report["entries"]
    lines = [f"{'key':<12} {'age':>5} {'hits':>5} {'expires':<8} {'model':<20} question · tags"]
    lines += [_entry_line(row, now) for row in rows] or ["(no cached answers)"]
    if report["corrupt"]:
        lines.append(f"{report['corrupt']} corrupt entries not shown")
    return "\n".join(lines) + "\n"


def _entry_line(row: dict[str, Any], now: float) -> str:
    expires = row["expires_at"]
    if row["false_hit"]:
        expiry = "rejected"
    elif expires is None:
        expiry = "never"
    else:
        expiry = "expired" if expires <= now else f"in {_age(expires - now)}"
    tags = _shown(", ".join(row["tags"]), 30) or "–"
    return (
        f"{_shown(row['key'], 12):<12} {_age(row['age_s']):>5} {row['hits']:>5} {expiry:<8} "
        f"{_shown(row['model'], 20):<20} {_shown(row['question'], 60)} · {tags}"
    )


def _change_text(report: dict[str, Any], now: float) -> str:
    verb = "cleared" if "cleared" in report else "invalidated"
    if not report["exists"]:
        return _missing(
            report, "nothing to clear" if verb == "cleared" else "nothing to invalidate"
        )
    count = report[verb]
    return f"{verb} {count:,} cached answer{'' if count == 1 else 's'}\n"


def _age(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return f"{int(max(seconds, 0))}s"


def _bytes(size: int) -> str:
    for unit, scale in (("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} B"


_ACTIONS: dict[str, Callable[[argparse.Namespace, Path, Path, float], dict[str, Any]]] = {
    "stats": _stats,
    "list": _list,
    "clear": _clear,
    "invalidate": _invalidate,
}
_TEXTS: dict[str, Callable[[dict[str, Any], float], str]] = {
    "stats": _stats_text,
    "list": _list_text,
    "clear": _change_text,
    "invalidate": _change_text,
}
