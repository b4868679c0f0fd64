"""Command line entry point: ``tuichat`` (chat), ``ask``, ``sim serve``.

Heavy modules (Textual, the store, the simulator) are imported inside the
command that needs them, so ``tuichat ask`` and ``--help`` start fast.
Errors reach the user as one line on stderr, never as a traceback; usage
errors name the subcommand and its ``--help`` (``tuichat.usage``).

Everything tuichat creates is owner-only: :func:`main` runs with umask 077
(restored on return), on top of the explicit modes of the database, the log
and ``paths.ensure_private_dir``. Undecodable bytes in the prompt and
``--system`` become U+FFFD with a note (``tuichat.prompt_input``); in any
other argument they are a usage error.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from tuichat import __version__
from tuichat.log_file import configure_logging
from tuichat.usage import OneLineParser, parse_command_line, usage_error

if TYPE_CHECKING:
    from tuichat.config import Settings

COMMANDS = (
    "chat",
    "ask",
    "config",
    "cost",
    "tokens",
    "debug",
    "sim",
    "sessions",
    "replay",
    "rerun",
    "cache",
    "local",
    "stats",
    "bench",
    "export",
)
PRIVATE_UMASK = 0o077
"""Files 0600 and folders 0700 unless code asks for less."""
DECODED_ARGUMENTS = {"prompt": "the prompt argument", "system": "--system"}
"""Text arguments whose undecodable bytes become U+FFFD (others are refused)."""
PATH_ARGUMENTS = ("file", "local_model")
"""File names: any bytes the file system accepts are fine."""

log = logging.getLogger("tuichat")


def build_parser() -> argparse.ArgumentParser:
    """The full command line, with ``--help`` on every command."""
    from tuichat.command_help import describe_commands
    from tuichat.config import add_config_parser, add_override_options, add_stop_option
    from tuichat.config.bounds import MAX_SECONDS, wait_seconds_flag
    from tuichat.headless.ask_structured import add_structured_options
    from tuichat.headless.bench_cmd import add_bench_parser
    from tuichat.headless.cache_cmd import add_cache_parser
    from tuichat.headless.debug import add_debug_parser
    from tuichat.headless.export_cmd import add_export_parser
    from tuichat.headless.log_parsers import add_log_parsers
    from tuichat.headless.stats import add_stats_parser
    from tuichat.local.control import add_local_parser
    from tuichat.sim.cli import add_sim_parser

    parser: argparse.ArgumentParser = OneLineParser(
        prog="tuichat",
        description="Terminal chat client for LLMs with a live operations HUD.",
    )
    parser.add_argument("--version", action="version", version=f"tuichat {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    chat = sub.add_parser("chat", help="interactive chat (the default)")
    add_override_options(chat)
    add_stop_option(chat)
    resume = chat.add_mutually_exclusive_group()
    resume.add_argument(
        "--resume",
        metavar="ID|last",
        help="continue a logged session (history on screen and in context)",
    )
    resume.add_argument(
        "--fork",
        metavar="ID[:TURN]",
        help="start a new session with a logged session's history (through TURN, default all)",
    )
    ask = sub.add_parser("ask", help="ask once, stream the answer to stdout")
    ask.add_argument("prompt", help="the prompt; '-' reads it from stdin")
    add_override_options(ask)
    add_stop_option(ask)
    ask.add_argument("--json", action="store_true", help="print one JSON object at the end")
    ask.add_argument(
        "--priority",
        choices=("interactive", "normal", "background"),
        default="interactive",
        help="place in the client-side rate-limit queue (models with limits in config.toml)",
    )
    ask.add_argument(
        "--budget",
        type=wait_seconds_flag,
        metavar="SECONDS",
        help=f"refuse (exit 1, load_shed) instead of queueing longer than this "
        f"(0 to {MAX_SECONDS:g}; 0: never queue)",
    )
    _add_cache_options(ask)
    add_structured_options(ask)
    _add_cost_parsers(sub)
    add_config_parser(sub)
    add_sim_parser(sub)
    add_debug_parser(sub)
    add_log_parsers(sub)
    add_cache_parser(sub)
    add_local_parser(sub)
    add_stats_parser(sub)
    add_bench_parser(sub)
    add_export_parser(sub)
    describe_commands(parser)
    return parser


def _add_cache_options(ask: argparse.ArgumentParser) -> None:
    """``ask --no-cache``, ``--cache-ttl``, ``--cache-tag``."""
    ask.add_argument(
        "--no-cache",
        action="store_true",
        help="ask the model even if the response cache has an answer (the new one is stored)",
    )
    ask.add_argument(
        "--cache-ttl",
        type=_duration_flag,
        metavar="DURATION",
        help="serve and keep cached answers this long, e.g. 90m, 12h, 7d (default: [cache] ttl)",
    )
    ask.add_argument(
        "--cache-tag",
        action="append",
        default=[],
        metavar="TAG",
        help="tag the cached answer (repeatable; `tuichat cache invalidate --tag TAG`)",
    )


def _duration_flag(text: str) -> float:
    from tuichat.config.cache_table import MAX_TTL_S, parse_duration

    seconds = parse_duration(text)
    if seconds is None or seconds > MAX_TTL_S:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration like 90m, 12h or 7d")
    return seconds


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
    previous_umask = os.umask(PRIVATE_UMASK)
    try:
        args = parse_command_line(build_parser(), _with_default_command(raw))
        _decode_arguments(args)
        configure_logging()
        return _run(args)
    finally:
        os.umask(previous_umask)


def _run(args: argparse.Namespace) -> int:
    try:
        return _dispatch(args)
    except KeyboardInterrupt:
        print("tuichat: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `tuichat replay last --plain | head`: the reader is done
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # one line on screen; the trace goes to the log file
        return _report(exc)


def _decode_arguments(args: argparse.Namespace) -> None:
    """Replace undecodable bytes in the prompt and ``--system`` (with a note); refuse others."""
    from tuichat.config.text_checks import undecodable_count
    from tuichat.prompt_input import decode_text

    for name, value in list(vars(args).items()):
        if name in DECODED_ARGUMENTS and isinstance(value, str):
            decoded = decode_text(value)
            if notice := decoded.notice(DECODED_ARGUMENTS[name]):
                print(notice, file=sys.stderr)
            setattr(args, name, decoded.text)
            continue
        texts = [v for v in (value if isinstance(value, list) else [value]) if isinstance(v, str)]
        if name not in PATH_ARGUMENTS and any(undecodable_count(text) for text in texts):
            usage_error(args, f"argument --{name.replace('_', '-')}: not valid UTF-8 text")


def _report(exc: Exception) -> int:
    """Print a failure as one line (config, local model, I/O, database, bugs)."""
    import sqlite3

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
    if args.command in ("sessions", "replay", "rerun", "cache"):
        return _log_command(args)
    if args.command == "local":
        from tuichat.local.control import run_local

        return run_local(args)
    if args.command == "stats":
        from tuichat.headless.stats import run_stats

        return run_stats(args)
    if args.command == "bench":
        from tuichat.headless.bench_cmd import run_bench_command

        return run_bench_command(args)
    if args.command == "export":
        from tuichat.headless.export import run_export

        return run_export(args)
    if args.command == "debug":
        from tuichat.headless.debug import run_debug

        return run_debug(args)
    return _chat(args)


def _settings(args: argparse.Namespace) -> Settings:
    from tuichat.config import overrides_from_args, resolve_settings

    return resolve_settings(overrides_from_args(args))


def _ask(args: argparse.Namespace) -> int:
    from tuichat.config import check_selected_keys
    from tuichat.headless.ask import AskOptions, run_ask
    from tuichat.headless.ask_structured import structured_from_args

    prompt = _stdin_prompt() if args.prompt == "-" else args.prompt
    if not prompt.strip():
        usage_error(args, "the prompt is empty")
    settings = _settings(args)
    _warn(check_selected_keys(settings))
    options = AskOptions(
        prompt=prompt,
        settings=settings,
        json_output=args.json,
        priority=args.priority,
        budget=args.budget,
        no_cache=args.no_cache,
        cache_ttl_s=args.cache_ttl,
        cache_tags=tuple(args.cache_tag),
        structured=structured_from_args(args),
    )
    return run_ask(options)


def _warn(lines: Sequence[str]) -> None:
    """Start-up warnings (a fallback without its key), one line each on stderr."""
    from tuichat.core.untrusted import one_line

    for line in lines:
        print(f"tuichat: warning: {one_line(line)}", file=sys.stderr)


def _stdin_prompt() -> str:
    """The prompt from stdin, as bytes decoded with U+FFFD for what is not UTF-8 (noted)."""
    from tuichat.prompt_input import read_prompt

    decoded = read_prompt(sys.stdin)
    if notice := decoded.notice("the prompt on stdin"):
        print(notice, file=sys.stderr)
    return decoded.text


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
    from tuichat.config import check_selected_keys
    from tuichat.ui.app import run_chat

    settings = _settings(args)
    _warn(check_selected_keys(settings))
    return run_chat(settings, resume=args.resume, fork=args.fork)


def _log_command(args: argparse.Namespace) -> int:
    """``sessions``, ``replay``, ``rerun`` and ``cache``: the log (and its cache) read back."""
    if args.command == "cache":
        from tuichat.headless.cache_cmd import run_cache

        return run_cache(args)
    if args.command == "sessions":
        from tuichat.headless.sessions import run_sessions

        return run_sessions(args)
    if args.command == "rerun":
        from tuichat.headless.rerun import run_rerun

        return run_rerun(args)
    if args.plain or args.json:
        from tuichat.headless.replay import run_replay

        return run_replay(args)
    from tuichat.ui.replay_app import run_replay_app

    return run_replay_app(args)
