"""Command line entry point: ``tuichat`` (chat), ``ask``, ``sim serve``.

Heavy modules (Textual, the store, the simulator) are imported inside the
command that needs them, so ``tuichat ask`` and ``--help`` start fast.
Errors reach the user as one line on stderr, never as a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sqlite3
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from tuichat import __version__

if TYPE_CHECKING:
    from tuichat.config import Settings

COMMANDS = ("chat", "ask", "config", "cost", "tokens", "debug", "sim")

log = logging.getLogger("tuichat")


def build_parser() -> argparse.ArgumentParser:
    """The full command line, with ``--help`` on every command."""
    from tuichat.config import add_config_parser, add_override_options
    from tuichat.headless.debug import add_debug_parser
    from tuichat.sim.cli import add_sim_parser

    parser = argparse.ArgumentParser(
        prog="tuichat",
        description="Terminal chat client for LLMs with a live operations HUD.",
    )
    parser.add_argument("--version", action="version", version=f"tuichat {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    chat = sub.add_parser("chat", help="interactive chat (the default)")
    add_override_options(chat)
    ask = sub.add_parser("ask", help="ask once, stream the answer to stdout")
    ask.add_argument("prompt", help="the prompt; '-' reads it from stdin")
    add_override_options(ask)
    ask.add_argument("--json", action="store_true", help="print one JSON object at the end")
    ask.add_argument(
        "--priority",
        choices=("interactive", "normal", "background"),
        default="interactive",
        help="place in the client-side rate-limit queue (models with limits in config.toml)",
    )
    ask.add_argument(
        "--budget",
        type=float,
        metavar="SECONDS",
        help="refuse (exit 1, load_shed) instead of queueing longer than this",
    )
    _add_cost_parsers(sub)
    add_config_parser(sub)
    add_sim_parser(sub)
    add_debug_parser(sub)
    return parser


def _add_cost_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``cost`` (spend from the log) and ``tokens`` (offline counts)."""
    cost = sub.add_parser("cost", help="spending from the log, by day, model, user and tag")
    cost.add_argument("--since", default="30d", help="30d, 12h, 90m or YYYY-MM-DD (default: 30d)")
    cost.add_argument(
        "--by",
        action="append",
        choices=("day", "model", "provider", "user", "tag"),
        help="group by this (repeatable; default: day, model, user and tag)",
    )
    cost.add_argument("--profile", help="whose budgets to show (env TUICHAT_PROFILE)")
    cost.add_argument("--tag", help="the tag whose budgets to show (env TUICHAT_TAG)")
    cost.add_argument("--json", action="store_true", help="print one JSON object")
    tokens = sub.add_parser("tokens", help="count tokens offline for a model")
    tokens.add_argument("file", help="a UTF-8 text file; '-' reads stdin")
    tokens.add_argument(
        "--model", default="gpt-4o", help="model id or configured name (default: gpt-4o)"
    )
    tokens.add_argument("--json", action="store_true", help="print one JSON object")


def _with_default_command(argv: list[str]) -> list[str]:
    """``tuichat [options]`` means ``tuichat chat [options]``."""
    if argv and (argv[0] in COMMANDS or argv[0] in ("-h", "--help", "--version")):
        return argv
    return ["chat", *argv]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    raw = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(_with_default_command(raw))
    _configure_logging()
    try:
        return _dispatch(args)
    except KeyboardInterrupt:
        print("tuichat: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # one line on screen; the trace goes to the log file
        return _report(exc)


def _report(exc: Exception) -> int:
    """Print a failure as one line (config, local model, I/O, database, bugs)."""
    from tuichat.config import ConfigError
    from tuichat.core.untrusted import one_line
    from tuichat.local.errors import LocalModelError

    if isinstance(exc, ConfigError):
        message = exc.one_line()
    elif isinstance(exc, LocalModelError):
        message = exc.message
    elif isinstance(exc, OSError | sqlite3.Error):
        message = str(exc)
    else:
        log.exception("unexpected error")
        message = f"unexpected error ({type(exc).__name__}: {exc}); details in tuichat.log"
    print(f"tuichat: error: {one_line(message)}", file=sys.stderr)
    return 2


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "sim":
        from tuichat.sim.cli import run_sim

        return run_sim(args)
    if args.command == "config":
        from tuichat.config import run_config

        return run_config(args)
    if args.command == "ask":
        return _ask(args)
    if args.command == "cost":
        return _cost(args)
    if args.command == "tokens":
        return _tokens(args)
    if args.command == "debug":
        from tuichat.headless.debug import run_debug

        return run_debug(args)
    return _chat(args)


def _settings(args: argparse.Namespace) -> Settings:
    from tuichat.config import overrides_from_args, resolve_settings

    return resolve_settings(overrides_from_args(args))


def _ask(args: argparse.Namespace) -> int:
    from tuichat.headless.ask import AskOptions, run_ask

    prompt = sys.stdin.read() if args.prompt == "-" else args.prompt
    if not prompt.strip():
        print("tuichat: error: the prompt is empty", file=sys.stderr)
        return 2
    options = AskOptions(
        prompt=prompt,
        settings=_settings(args),
        json_output=args.json,
        priority=args.priority,
        budget=args.budget,
    )
    return run_ask(options)


def _cost(args: argparse.Namespace) -> int:
    from tuichat.headless.cost import DEFAULT_GROUPS, CostOptions, run_cost

    groups = tuple(dict.fromkeys(args.by)) if args.by else DEFAULT_GROUPS
    options = CostOptions(_settings(args), args.since, groups, args.json)
    return run_cost(options)


def _tokens(args: argparse.Namespace) -> int:
    from tuichat.config import resolve_settings
    from tuichat.headless.tokens import TokensOptions, run_tokens

    models = resolve_settings().models
    model = models[args.model].model if args.model in models else args.model
    return run_tokens(TokensOptions(args.file, model, args.json))


def _chat(args: argparse.Namespace) -> int:
    from tuichat.ui.app import run_chat

    return run_chat(_settings(args))


def _configure_logging() -> None:
    """Log warnings to a file next to the database, never to the terminal."""
    from tuichat import paths

    try:
        folder = paths.ensure_private_dir(paths.data_dir())
        handler: logging.Handler = logging.FileHandler(folder / "tuichat.log", encoding="utf-8")
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
