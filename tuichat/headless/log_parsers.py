"""The command-line parsers of the log's commands: ``sessions``, ``replay``, ``rerun``.

Kept apart from the commands themselves so that building the parser (every
``tuichat`` start, ``--help`` included) imports nothing heavy. Descriptions
and examples are in ``tuichat.command_help``.
"""

from __future__ import annotations

import argparse

SPEED_CHOICES: dict[str, float | None] = {"1": 1.0, "2": 2.0, "10": 10.0, "max": None}
"""``replay --speed``: as logged, faster, or as fast as possible."""


def add_log_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``sessions``, ``replay`` and ``rerun``."""
    add_sessions_parser(sub)
    add_replay_parser(sub)
    add_rerun_parser(sub)


def add_sessions_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``sessions``: its options and help."""
    sessions = sub.add_parser(
        "sessions",
        help="list logged sessions, newest first; search prompts and answers",
    )
    sessions.add_argument(
        "--search", metavar="TEXT", help="full-text search of prompts and answers"
    )
    sessions.add_argument("--since", metavar="WHEN", help="7d, 12h, 90m or YYYY-MM-DD")
    sessions.add_argument("--model", "-m", help="only sessions that used this model")
    sessions.add_argument("--tag", help="only sessions with this tag")
    sessions.add_argument("--limit", type=_limit, default=50, help="at most N rows (default 50)")
    sessions.add_argument("--json", action="store_true", help="print one JSON object")


def add_replay_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``replay``: its options and help."""
    replay = sub.add_parser(
        "replay",
        help="play a logged session back (the chat screen, or --plain / --json)",
    )
    replay.add_argument("session", help="a session id, a unique prefix of one, or 'last'")
    replay.add_argument(
        "--speed", choices=list(SPEED_CHOICES), default="1", help="pacing (default: 1, as logged)"
    )
    mode = replay.add_mutually_exclusive_group()
    mode.add_argument("--plain", action="store_true", help="write the transcript to stdout")
    mode.add_argument("--json", action="store_true", help="write the events as JSON lines")


def add_rerun_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``rerun``: its options and help."""
    rerun = sub.add_parser(
        "rerun",
        help="send a logged session's prompts to other models and compare",
    )
    rerun.add_argument("session", help="a session id, a unique prefix of one, or 'last'")
    rerun.add_argument(
        "--model", "-m", action="append", required=True, help="a model to ask (repeatable)"
    )
    rerun.add_argument("--base-url", help="an OpenAI-compatible base URL for the models")
    rerun.add_argument("--json", action="store_true", help="print one JSON object")


def _limit(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text[:40]!r}") from None
    if not 1 <= value <= 100_000:
        raise argparse.ArgumentTypeError("must be from 1 to 100000")
    return value
