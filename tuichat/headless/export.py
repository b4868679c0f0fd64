"""``tuichat export``: logged sessions as JSONL (eval / fine-tuning sets), markdown, or OTLP.

    tuichat export [--session ID|last] [--since WHEN] [--format jsonl|markdown]
                   [--output FILE] [--otlp]

Without ``--session`` every session since ``--since`` (default: all) is
exported, oldest first. The formats are in :mod:`tuichat.headless.export_formats`;
the redaction of the current settings (keys, ``[log] redact``) is applied to
every text. Markdown written to a terminal is neutralised visibly (``␛[2J``).
``--otlp`` sends the turns as traces and metrics to the configured
OpenTelemetry collector instead (spans carry the logged times). Exit codes:
0 done, 1 the collector did not take everything, 2 bad usage or log.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import TextIO

from tuichat import paths
from tuichat.core.untrusted import neutralise, one_line
from tuichat.headless.empty_log import say_nothing_logged
from tuichat.headless.export_formats import ExportedSession, Redact, exported, jsonl_line, markdown
from tuichat.logbook import LogbookError, open_logbook

EXIT_OK, EXIT_NOT_SENT, EXIT_USAGE = 0, 1, 2
MAX_SESSIONS = 1_000_000


def run_export(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Export; return the exit code."""
    from tuichat.config import resolve_settings

    settings = resolve_settings()
    if not paths.database_path().exists():  # nothing logged is an empty history, not an error
        say_nothing_logged(paths.database_path(), sys.stderr)
        return EXIT_OK
    try:
        since = _since(args.since)
        items = asyncio.run(_read(args.session, since))
    except (LogbookError, ValueError) as exc:
        return _usage(str(exc))
    redact = _redactor(settings)
    if args.otlp:
        from tuichat.headless.export_otlp import send_history

        return send_history(settings, items, redact, sys.stdout if out is None else out)
    return _write(args, items, redact, out)


def _since(text: str | None) -> float | None:
    from tuichat.headless.cost import parse_since

    return parse_since(text, time.time()) if text else None


async def _read(ref: str | None, since: float | None) -> list[ExportedSession]:
    from tuichat.headless.export_log import session_extras

    async with open_logbook() as book:
        if ref is not None:
            ids = [await book.resolve(ref)]
        else:
            rows = await book.sessions(since=since, limit=MAX_SESSIONS)
            ids = [row.session_id for row in reversed(rows)]
        items = []
        for session_id in ids:
            session = await book.session(session_id)
            traces = [turn.started.trace_id for turn in session.turns]
            items.append(exported(session, await session_extras(book, session_id, traces)))
        return items


def _write(
    args: argparse.Namespace, items: list[ExportedSession], redact: Redact, out: TextIO | None
) -> int:
    if args.format == "jsonl":
        text = "".join(jsonl_line(item, redact) + "\n" for item in items)
    else:
        text = markdown(items, redact)
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            return _usage(f"cannot write {args.output}: {exc.strerror or exc}")
        print(f"tuichat export: {len(items)} sessions → {args.output}", file=sys.stderr)
        return EXIT_OK
    stream = sys.stdout if out is None else out
    shown = args.format == "markdown" and stream.isatty()
    stream.write(neutralise(text) if shown else text)
    stream.flush()
    return EXIT_OK


def _redactor(settings: object) -> Redact:
    """The redaction of the current settings: keys always, then ``[log] redact``."""
    from tuichat.config import Settings
    from tuichat.config.api_keys import known_keys
    from tuichat.store.policy import LogPolicy, Redactor

    assert isinstance(settings, Settings)
    return Redactor(LogPolicy(secrets=known_keys(settings), patterns=settings.log.redact))


def _usage(message: str) -> int:
    print(f"tuichat export: {one_line(message)}", file=sys.stderr)
    return EXIT_USAGE
